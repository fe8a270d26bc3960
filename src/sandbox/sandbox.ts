import { randomUUID, type KeyObject } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import Fastify, { type FastifyInstance } from 'fastify'
import { API_PREFIX, providerApi } from './api.js'
import { isDecision } from './browser/score.js'
import { seconds } from './clock.js'
import { CONTROL_PREFIX, controlApi } from './control.js'
import { Dispatcher } from './deliveries.js'
import { normalizeFaults } from './faults.js'
import { flowRoutes } from './flow.js'
import { parseFlag } from './identities/input.js'
import { DEFAULT_SCORE, IdentityRegistry } from './identities/registry.js'
import { cleanWatchlist, flaggedWatchlist } from './identities/watchlist.js'
import { loadPublicKey } from './metadata.js'
import type { ResolvedOptions } from './options.js'
import { seededRandom } from './prng.js'
import { ApiCounters } from './stats.js'
import { TaskTracker } from './tasks.js'
import type {
  AuthenticateOptions, DeliveryRecord, Faults, IdentityFields, IdentityPatch, ReviewResult, Sandbox,
  SandboxClock, SandboxStats, WatchlistFlag
} from './types.js'
import {
  DOCUMENT_TYPES, isSpecStatus, type IdentityAuthenticatedBody, type SandboxEventBody, type VerificationCompletedBody,
  type VerificationReviewedBody, type WatchlistMonitoringBody, type WebhookBody, type WireIdentity,
  type WireSettings, type WireWatchlist
} from './wire.js'

/** The sandbox itself: state, the HTTP server and the methods tests drive it with. */

const DEFAULT_WAIT_MS = 10_000

export class ProviderSandbox implements Sandbox {
  readonly secretApiKey: string
  readonly publishableApiKey: string
  readonly webhookSecret: string | undefined
  readonly clock: SandboxClock
  webhookUrl: string | undefined
  url = ''
  readonly #app: FastifyInstance
  readonly #identities: IdentityRegistry
  readonly #counters = new ApiCounters()
  readonly #tasks = new TaskTracker()
  readonly #closing = new AbortController()
  readonly #dispatcher: Dispatcher
  readonly #projectId = randomUUID()
  #faults: Faults
  #closed: Promise<void> | undefined

  constructor (options: ResolvedOptions) {
    // every slow answer, pending delivery and retry back-off waits on this one signal: a
    // burst legitimately has thousands of listeners (no MaxListenersExceededWarning)
    setMaxListeners(0, this.#closing.signal)
    this.secretApiKey = options.secretApiKey
    this.publishableApiKey = options.publishableApiKey
    this.webhookSecret = options.webhookSecret
    this.webhookUrl = options.webhookUrl
    this.clock = options.clock
    this.#faults = options.faults
    this.#identities = new IdentityRegistry(options.clock)
    const metadataKey: KeyObject | undefined = options.metadataPublicKey === undefined
      ? undefined
      : loadPublicKey(options.metadataPublicKey)
    const signal = this.#closing.signal
    this.#dispatcher = new Dispatcher({
      target: () => this.webhookUrl,
      secret: options.webhookSecret,
      attempts: options.retry.attempts,
      baseMs: options.retry.baseMs,
      faults: () => this.#faults.deliveries,
      signal,
      clock: options.clock
    })
    this.#app = Fastify({ logger: options.logger, forceCloseConnections: true })
    void this.#app.register(providerApi({
      secretApiKey: options.secretApiKey,
      identities: this.#identities,
      counters: this.#counters,
      faults: { faults: () => this.#faults, random: seededRandom(options.seed), signal },
      settings: () => this.#settings()
    }), { prefix: API_PREFIX })
    void this.#app.register(controlApi({
      secretApiKey: options.secretApiKey,
      identities: this.#identities,
      flagWatchlist: async (id, flag) => await this.flagWatchlist(id, flag),
      clearWatchlist: async (id) => await this.clearWatchlist(id)
    }), { prefix: CONTROL_PREFIX })
    void this.#app.register(flowRoutes({
      publishableApiKey: this.publishableApiKey,
      metadataKey,
      identities: this.#identities,
      later: (job) => this.#tasks.later(options.processingDelayMs, signal, job),
      review: async (id, result) => await this.review(id, result),
      authenticate: async (id) => await this.authenticate(id),
      home: () => ({
        name: 'passbase-sandbox',
        apiBaseUrl: this.apiBaseUrl,
        buttonUrl: this.buttonUrl,
        identitiesPage: this.url + '/identities',
        identities: this.#identities.size
      })
    }))
  }

  async listen (host: string, port: number): Promise<void> {
    await this.#app.listen({ host, port })
    const address = this.#app.server.address()
    /* c8 ignore next */
    if (address === null || typeof address === 'string') throw new Error('sandbox: unexpected server address')
    const name = address.family === 'IPv6' ? `[${address.address}]` : address.address
    this.url = `http://${name}:${address.port}`
  }

  get apiBaseUrl (): string {
    return this.url + API_PREFIX
  }

  get buttonUrl (): string {
    return this.url + '/button.js'
  }

  get faults (): Faults {
    return this.#faults
  }

  set faults (faults: Partial<Faults>) {
    this.#faults = normalizeFaults(faults)
  }

  get deliveries (): readonly DeliveryRecord[] {
    return this.#dispatcher.records
  }

  get apiRequests (): number {
    return this.#counters.total
  }

  async createIdentity (fields?: IdentityFields): Promise<WireIdentity> {
    return this.#identities.create(fields)
  }

  getIdentity (id: string): WireIdentity | undefined {
    return this.#identities.get(id)
  }

  listIdentities (): WireIdentity[] {
    return this.#identities.all()
  }

  setIdentity (id: string, patch: IdentityPatch): WireIdentity {
    return this.#identities.patch(id, patch)
  }

  async review (id: string, result: ReviewResult): Promise<DeliveryRecord[]> {
    if (!isDecision(result?.status)) {
      throw new TypeError('sandbox: review status must be approved, declined or pending')
    }
    const current = this.#require(id)
    const unscored = ['created', 'processing', 'processed'].includes(current.status)
    const score = result.score ?? (unscored ? DEFAULT_SCORE[result.status] : undefined)
    const identity = this.#identities.patch(id, { status: result.status, score })
    const base = { key: identity.id, created: identity.created, updated: identity.updated, processed: seconds(this.clock) }
    const bodies: SandboxEventBody[] = [{ event: 'VERIFICATION_COMPLETED', ...base, status: 'pending' } satisfies VerificationCompletedBody]
    if (result.status !== 'pending') {
      bodies.push({ event: 'VERIFICATION_REVIEWED', ...base, status: result.status } satisfies VerificationReviewedBody)
    }
    return await this.#tasks.track(this.#dispatcher.deliverInOrder(bodies))
  }

  async authenticate (id: string, options: AuthenticateOptions = {}): Promise<DeliveryRecord> {
    const { created, updated } = this.#identities.nextAuthentication(id)
    const status = options.success === false ? 'declined' : 'approved'
    const body: IdentityAuthenticatedBody = { event: 'IDENTITY_AUTHENTICATED', key: id, status, created, updated, processed: updated }
    return await this.deliver(body)
  }

  async flagWatchlist (id: string, flag?: WatchlistFlag): Promise<DeliveryRecord> {
    const parsed = parseFlag(flag)
    const identity = this.#require(id)
    return await this.#screened(id, flaggedWatchlist(identity.owner, parsed, seconds(this.clock)))
  }

  async clearWatchlist (id: string): Promise<DeliveryRecord> {
    // setWatchlist throws for an unknown identity before anything changes
    return await this.#screened(id, cleanWatchlist())
  }

  async deliver (body: WebhookBody | SandboxEventBody | Record<string, unknown>): Promise<DeliveryRecord> {
    return await this.#tasks.track(this.#dispatcher.deliver(body as WebhookBody))
  }

  async waitForDelivery (predicate: (record: DeliveryRecord) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<DeliveryRecord> {
    return await this.#dispatcher.waitFor(predicate, timeoutMs)
  }

  stats (): SandboxStats {
    return { api: this.#counters.snapshot(), deliveries: { ...this.#dispatcher.counters } }
  }

  resetStats (): void {
    this.#counters.reset()
    this.#dispatcher.resetCounters()
  }

  async settled (): Promise<void> {
    await this.#tasks.settled()
  }

  close (): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort()
      await this.#app.close()
      await this.#tasks.settled()
      await this.#dispatcher.close()
    })()
    return this.#closed
  }

  #require (id: string): WireIdentity {
    const identity = this.#identities.get(id)
    if (identity === undefined) throw new Error(`sandbox: unknown identity ${id}`)
    return identity
  }

  async #screened (id: string, watchlist: WireWatchlist): Promise<DeliveryRecord> {
    const identity = this.#identities.setWatchlist(id, watchlist)
    const body: WatchlistMonitoringBody = { event: 'WATCHLIST_MONITORING', key: id, created: identity.created, updated: identity.updated }
    if (isSpecStatus(identity.status)) body.status = identity.status
    return await this.deliver(body)
  }

  #settings (): WireSettings {
    return {
      id: this.#projectId,
      slug: 'passbase-sandbox',
      environment: 'sandbox',
      organization: 'Passbase Sandbox',
      customizations: { button_color: '#2f5bea', accent_color: '#1d7a3a', font_family: 'system-ui' },
      verification_steps: [
        { step: 'DOCUMENT', resource_types: [...DOCUMENT_TYPES] },
        { step: 'LIVENESS', resource_types: ['FACE_VIDEO'] }
      ],
      webhooks: { url: this.webhookUrl ?? null, encrypted: this.webhookSecret !== undefined }
    }
  }
}

import { randomBytes, type KeyObject } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import Fastify, { type FastifyInstance } from 'fastify'
import { webhookKey } from '../protocol/crypto.js'
import { API_PREFIX, providerApi } from './api.js'
import { nowSeconds } from './clock.js'
import { Dispatcher } from './deliveries.js'
import { normalizeFaults } from './faults.js'
import { flowRoutes } from './flow.js'
import { DEFAULT_SCORE, IdentityRegistry } from './identities.js'
import { loadPublicKey } from './metadata.js'
import { seededRandom } from './prng.js'
import { ApiCounters } from './stats.js'
import { TaskTracker } from './tasks.js'
import type {
  AuthenticateOptions, DeliveryRecord, Faults, IdentityFields, IdentityPatch, ReviewResult, Sandbox,
  SandboxOptions, SandboxStats, WebhookBody, WireIdentity
} from './types.js'

export type {
  ApiFaults, ApiKind, AuthenticateOptions, DeliveryFaults, DeliveryRecord, Faults, IdentityFields, IdentityPatch,
  IdentityStatus, RetryOptions, ReviewResult, ReviewStatus, Sandbox, SandboxOptions, SandboxStats, WebhookBody,
  WebhookEventName, WireIdentity, WireOwner, WireResource, WireResourceFile, WireResourceSummary
} from './types.js'

/**
 * The local, wire-faithful Passbase provider: API, webhook dispatcher, button.js and
 * verification page, with fault injection for tests. `createSandbox` listens on
 * `host:port` and resolves once it is reachable.
 */

const DEFAULT_PROCESSING_DELAY_MS = 3000
const DEFAULT_WAIT_MS = 10_000

function randomKey (prefix: string): string {
  return `${prefix}${randomBytes(18).toString('base64url')}`
}

function nonNegative (value: number | undefined, fallback: number, name: string): number {
  const result = value ?? fallback
  if (!Number.isFinite(result) || result < 0) throw new TypeError(`sandbox: ${name} must be a non-negative number`)
  return result
}

function checkOptions (options: SandboxOptions): void {
  if (typeof options?.secretApiKey !== 'string' || options.secretApiKey.length === 0) {
    throw new TypeError('sandbox: secretApiKey is required')
  }
  if (options.webhookSecret !== undefined) webhookKey(options.webhookSecret)
}

class ProviderSandbox implements Sandbox {
  readonly secretApiKey: string
  readonly publishableApiKey: string
  readonly webhookSecret: string | undefined
  webhookUrl: string | undefined
  url = ''
  readonly #app: FastifyInstance
  readonly #identities = new IdentityRegistry()
  readonly #counters = new ApiCounters()
  readonly #tasks = new TaskTracker()
  readonly #closing = new AbortController()
  readonly #dispatcher: Dispatcher
  #faults: Faults
  #closed: Promise<void> | undefined

  constructor (options: SandboxOptions) {
    checkOptions(options)
    // every slow answer, pending delivery and retry back-off waits on this one signal: a
    // burst legitimately has thousands of listeners (no MaxListenersExceededWarning)
    setMaxListeners(0, this.#closing.signal)
    this.secretApiKey = options.secretApiKey
    this.publishableApiKey = options.publishableApiKey ?? randomKey('pk_sandbox_')
    this.webhookSecret = options.webhookSecret
    this.webhookUrl = options.webhookUrl
    this.#faults = normalizeFaults(options.faults)
    const metadataKey: KeyObject | undefined = options.metadataPublicKey === undefined
      ? undefined
      : loadPublicKey(options.metadataPublicKey)
    const processingDelayMs = nonNegative(options.processingDelayMs, DEFAULT_PROCESSING_DELAY_MS, 'processingDelayMs')
    const signal = this.#closing.signal
    this.#dispatcher = new Dispatcher({
      target: () => this.webhookUrl,
      secret: options.webhookSecret,
      attempts: Math.max(1, Math.floor(nonNegative(options.retry?.attempts, 5, 'retry.attempts'))),
      baseMs: nonNegative(options.retry?.baseMs, 200, 'retry.baseMs'),
      faults: () => this.#faults.deliveries,
      signal
    })
    this.#app = Fastify({ logger: options.logger ?? false, forceCloseConnections: true })
    void this.#app.register(providerApi({
      secretApiKey: options.secretApiKey,
      identities: this.#identities,
      counters: this.#counters,
      faults: { faults: () => this.#faults, random: seededRandom(options.seed ?? 1), signal },
      settings: () => this.#settings()
    }), { prefix: API_PREFIX })
    void this.#app.register(flowRoutes({
      publishableApiKey: this.publishableApiKey,
      metadataKey,
      identities: this.#identities,
      later: (job) => this.#tasks.later(processingDelayMs, signal, job),
      review: async (id, result) => await this.review(id, result),
      authenticate: async (id) => await this.authenticate(id)
    }))
    this.#app.get('/', async () => ({
      name: 'passbase-sandbox',
      apiBaseUrl: this.apiBaseUrl,
      buttonUrl: this.buttonUrl,
      identities: this.#identities.size
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
    if (!['approved', 'declined', 'pending'].includes(result?.status)) {
      throw new TypeError('sandbox: review status must be approved, declined or pending')
    }
    const current = this.#identities.get(id)
    if (current === undefined) throw new Error(`sandbox: unknown identity ${id}`)
    const unscored = current.status === 'created' || current.status === 'processing'
    const score = result.score ?? (unscored ? DEFAULT_SCORE[result.status] : undefined)
    const identity = this.#identities.patch(id, { status: result.status, score })
    const base = { key: identity.id, created: identity.created, updated: identity.updated }
    const processed = nowSeconds()
    return await this.#tasks.track(this.#dispatcher.deliverInOrder([
      { event: 'VERIFICATION_COMPLETED', ...base, status: 'pending', processed },
      { event: 'VERIFICATION_REVIEWED', ...base, status: identity.status, processed }
    ]))
  }

  async authenticate (id: string, options: AuthenticateOptions = {}): Promise<DeliveryRecord> {
    const { created, updated } = this.#identities.nextAuthentication(id)
    const status = options.success === false ? 'declined' : 'approved'
    return await this.deliver({ event: 'IDENTITY_AUTHENTICATED', key: id, status, created, updated, processed: updated })
  }

  async deliver (body: WebhookBody | Record<string, unknown>): Promise<DeliveryRecord> {
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

  #settings (): Record<string, unknown> {
    return {
      project: { name: 'Passbase Sandbox', environment: 'sandbox' },
      verification: {
        document_types: ['PASSPORT', 'DRIVERS_LICENSE', 'NATIONAL_ID_CARD'],
        allowed_countries: ['*'],
        liveness_check: true
      },
      webhooks: { url: this.webhookUrl ?? null, encrypted: this.webhookSecret !== undefined },
      extra_field: 'clients must tolerate unknown fields'
    }
  }
}

export async function createSandbox (options: SandboxOptions): Promise<Sandbox> {
  const sandbox = new ProviderSandbox(options)
  try {
    await sandbox.listen(options.host ?? '127.0.0.1', options.port ?? 0)
  } catch (err) {
    await sandbox.close()
    throw err
  }
  return sandbox
}

import { setMaxListeners } from 'node:events'
import type { Readable } from 'node:stream'
import { setTimeout as delay } from 'node:timers/promises'
import { Pool } from 'undici'
import type { Dispatcher } from 'undici'
import type { ZodType } from 'zod'
import {
  ApiNotFoundError,
  ApiResponseError,
  ApiUnauthorizedError,
  ApiUnavailableError,
  PassbaseOptionsError
} from '../errors.js'
import {
  identityListSchema,
  identitySchema,
  resourceDetailSchema,
  resourceListSchema,
  settingsSchema
} from '../protocol/identity.js'
import type { Identity, IdentityList, Resource, Settings } from '../protocol/identity.js'

/**
 * PassbaseClient: the provider API (Passbase v2, DESIGN §2) over a keep-alive
 * undici Pool, with per-attempt timeouts, retries with jittered backoff, a FIFO
 * concurrency limit and single-flight coalescing of `getIdentity` (DESIGN §7).
 *
 * Errors thrown (all from ../errors.js) may carry `providerStatus`, the HTTP status
 * the provider answered with:
 * - 401/403 → ApiUnauthorizedError (not retried)
 * - 404 → ApiNotFoundError (not retried)
 * - 408, 429, 5xx, network errors, timeouts → retried; when retries run out → ApiUnavailableError
 * - any other non-2xx, or a body that is not JSON / fails its schema → ApiResponseError
 * The secret API key is only ever written into the request header: never into a
 * message, a log line or an error.
 */

export interface PassbaseClientOptions {
  /** Sent as `X-API-KEY`. */
  secretApiKey: string
  /** e.g. `https://api.passbase.com/verification/v2`; a path is kept, a trailing slash ignored. */
  baseUrl: string
  /** Per attempt, covering headers and body (for files: headers, then the longest stall between chunks). Default 5000. */
  timeoutMs?: number
  /** Extra attempts after the first for retryable failures. Default 2. */
  retries?: number
  /** Max concurrent requests to the provider; more wait in a FIFO queue. Default 16. */
  concurrency?: number
  /** Keep-alive pool size. Default `concurrency`. */
  connections?: number
  /** Backoff base: attempt n waits random(0, min(2000, base * 2^n)) ms. Default 100. */
  retryBaseMs?: number
}

export interface ListIdentitiesOptions {
  limit?: number
  cursor?: string
}

export interface ResourceFile {
  contentType: string | null
  /** The raw file bytes, streamed. The caller must consume or destroy it: it holds a connection and a concurrency slot until it closes. */
  body: Readable
}

export interface PassbaseClientStats {
  /** HTTP attempts sent since creation (retries count). */
  requests: number
  /** HTTP requests currently holding a concurrency slot. */
  inFlight: number
  /** Requests waiting for a concurrency slot. */
  queued: number
  /** Identity ids with a single-flight fetch running or a follow-up queued (0 when idle: nothing leaks). */
  coalescing: number
}

/** Properties added to the errors this client throws. */
export interface ProviderErrorDetails {
  /** HTTP status of the provider response, when there was one. */
  providerStatus?: number
}

const BACKOFF_CAP_MS = 2000
const RETRY_AFTER_CAP_MS = 30_000

/** A failed attempt: either final (`error`) or retryable (`reason`). */
type Failure =
  | { final: true, error: Error }
  | { final: false, reason: string, status?: number, retryAfterMs?: number, cause?: unknown }

type Attempt<T> = { ok: true, value: T } | { ok: false, failure: Failure }

/** What one attempt does with a 2xx response. */
type SuccessMode = 'text' | 'stream'

const noop = (): void => {}

function withDetails<E extends Error> (error: E, providerStatus: number | undefined, cause?: unknown): E & ProviderErrorDetails {
  const e = error as E & ProviderErrorDetails
  if (providerStatus !== undefined) e.providerStatus = providerStatus
  if (cause !== undefined) e.cause = cause
  return e
}

/** encodeURIComponent leaves `.` and `..` alone, which would walk the path; encode them too. */
function segment (value: string, what: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`PassbaseClient: ${what} must be a non-empty string`)
  }
  const encoded = encodeURIComponent(value)
  return encoded === '.' || encoded === '..' ? encoded.replace(/\./g, '%2E') : encoded
}

/** Retry-After is delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unparsable. */
function parseRetryAfter (header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header
  if (value === undefined || value.trim() === '') return undefined
  const ms = /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now()
  if (Number.isNaN(ms)) return undefined
  return Math.min(Math.max(ms, 0), RETRY_AFTER_CAP_MS)
}

function checkInt (name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < min) {
    throw new PassbaseOptionsError(`${name}: expected an integer ≥ ${min}`)
  }
  return value
}

export class PassbaseClient {
  readonly #pool: Pool
  readonly #basePath: string
  readonly #headers: Record<string, string>
  readonly #timeoutMs: number
  readonly #retries: number
  readonly #concurrency: number
  readonly #retryBaseMs: number

  // FIFO concurrency limiter: #active slots in use, waiters in #waiters[#head..]
  #active = 0
  #waiters: Array<{ resolve: () => void, reject: (err: Error) => void } | undefined> = []
  #head = 0

  // single-flight for getIdentity: the fetch running per id (`sent` once it holds a
  // concurrency slot, i.e. is on the wire), and the follow-up queued behind it
  // (invariant: a follow-up in #followUps has not started yet)
  readonly #running = new Map<string, { promise: Promise<Identity>, sent: boolean }>()
  readonly #followUps = new Map<string, Promise<Identity>>()

  #requests = 0
  readonly #closing = new AbortController()
  #closed: Promise<void> | undefined

  constructor (options: PassbaseClientOptions) {
    if (typeof options?.secretApiKey !== 'string' || options.secretApiKey === '') {
      throw new PassbaseOptionsError('secretApiKey: expected a non-empty string')
    }
    let url: URL
    try {
      url = new URL(options.baseUrl)
    } catch {
      throw new PassbaseOptionsError('baseUrl: expected an absolute http(s) URL')
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new PassbaseOptionsError('baseUrl: expected an absolute http(s) URL')
    }
    this.#basePath = url.pathname.replace(/\/+$/, '')
    this.#timeoutMs = checkInt('timeoutMs', options.timeoutMs, 5000, 1)
    this.#retries = checkInt('retries', options.retries, 2, 0)
    this.#concurrency = checkInt('concurrency', options.concurrency, 16, 1)
    this.#retryBaseMs = checkInt('retryBaseMs', options.retryBaseMs, 100, 0)
    const connections = checkInt('connections', options.connections, this.#concurrency, 1)
    this.#headers = { 'x-api-key': options.secretApiKey, accept: 'application/json' }
    this.#pool = new Pool(url.origin, { connections })
    // every retry sleeping on a backoff listens to #closing (and stops listening when it wakes):
    // a burst of retries is not a leak, so no MaxListenersExceededWarning
    setMaxListeners(0, this.#closing.signal)
  }

  /**
   * GET /identities/{id}, single-flight per id. A webhook is a hint that the
   * identity changed, so every caller gets a state fetched *after* its call began:
   * with no fetch running, one starts; a fetch still waiting for a concurrency slot is
   * shared as is (it is sent after the call began); while one is on the wire, callers
   * share one follow-up fetch that starts when it settles. A burst thus costs at most 2
   * fetches per id, and a backlog behind the concurrency limit absorbs repeats.
   */
  getIdentity (id: string): Promise<Identity> {
    let path: string
    try {
      path = `/identities/${segment(id, 'id')}`
    } catch (err) {
      return Promise.reject(err)
    }
    const queued = this.#followUps.get(id)
    if (queued) return queued
    const running = this.#running.get(id)
    if (!running) return this.#startIdentityFetch(id, path)
    if (!running.sent) return running.promise
    // Runs after the #running cleanup (its reaction was registered first), and
    // removes the follow-up and starts it in one synchronous step, keeping the invariant.
    const followUp = running.promise.then(noop, noop).then(() => {
      this.#followUps.delete(id)
      return this.#startIdentityFetch(id, path)
    })
    this.#followUps.set(id, followUp)
    return followUp
  }

  #startIdentityFetch (id: string, path: string): Promise<Identity> {
    const entry = { promise: undefined as unknown as Promise<Identity>, sent: false }
    const request = this.#getJson(path, identitySchema, () => { entry.sent = true })
    entry.promise = request
    this.#running.set(id, entry)
    const cleanup = (): void => {
      if (this.#running.get(id) === entry) this.#running.delete(id)
    }
    request.then(cleanup, cleanup)
    return request
  }

  /** GET /identities?limit=&cursor= → `{ next, data }` (`next` null on the last page). */
  listIdentities (options: ListIdentitiesOptions = {}): Promise<IdentityList> {
    const query = new URLSearchParams()
    if (options.limit !== undefined) query.set('limit', String(options.limit))
    if (options.cursor !== undefined) query.set('cursor', options.cursor)
    const qs = query.toString()
    return this.#getJson(`/identities${qs === '' ? '' : `?${qs}`}`, identityListSchema)
  }

  /** Every identity, page by page, following the cursor until it is null. */
  async * identities (options: { limit?: number } = {}): AsyncGenerator<Identity, void, undefined> {
    let cursor: string | undefined
    for (;;) {
      const page: IdentityList = await this.listIdentities({ limit: options.limit, cursor })
      yield * page.data
      if (page.next === null || page.next === '') return
      // a provider that hands back the same cursor would loop forever
      if (page.next === cursor) throw new ApiResponseError('GET /identities: the cursor did not advance')
      cursor = page.next
    }
  }

  /** GET /identity/{id}/resources (singular `identity`). */
  listResources (identityId: string): Promise<Resource[]> {
    return this.#getJson(() => `/identity/${segment(identityId, 'identityId')}/resources`, resourceListSchema)
  }

  /** GET /identity/{id}/resources/{resourceId}. */
  getResource (identityId: string, resourceId: string): Promise<Resource> {
    return this.#getJson(
      () => `/identity/${segment(identityId, 'identityId')}/resources/${segment(resourceId, 'resourceId')}`,
      resourceDetailSchema)
  }

  /** GET /identity/{id}/resources/{resourceId}/resource_files/{fileId}: binary, streamed, never buffered. */
  async getResourceFile (identityId: string, resourceId: string, fileId: string): Promise<ResourceFile> {
    const path = `/identity/${segment(identityId, 'identityId')}/resources/${segment(resourceId, 'resourceId')}` +
      `/resource_files/${segment(fileId, 'fileId')}`
    const res = await this.#call(path, 'stream')
    const type = res.headers['content-type']
    return { contentType: typeof type === 'string' ? type : null, body: res.body }
  }

  /** GET /settings. */
  getSettings (): Promise<Settings> {
    return this.#getJson('/settings', settingsSchema)
  }

  stats (): PassbaseClientStats {
    return {
      requests: this.#requests,
      inFlight: this.#active,
      queued: this.#waiters.length - this.#head,
      coalescing: new Set([...this.#running.keys(), ...this.#followUps.keys()]).size
    }
  }

  /**
   * Closes the pool; idempotent. Requests waiting for a slot or sleeping before a
   * retry fail at once with ApiUnavailableError; requests on the wire finish
   * (bounded by timeoutMs), and so must any file body handed out (consume or destroy it).
   */
  close (): Promise<void> {
    if (this.#closed === undefined) {
      this.#closing.abort()
      const waiters = this.#waiters.slice(this.#head)
      this.#waiters = []
      this.#head = 0
      for (const w of waiters) w?.reject(this.#closedError())
      this.#closed = this.#pool.close()
    }
    return this.#closed
  }

  // ---- internals ----

  #closedError (): Error {
    return new ApiUnavailableError('the client is closed')
  }

  async #getJson<T> (path: string | (() => string), schema: ZodType<T>, onSent?: () => void): Promise<T> {
    // a function defers building the path (and its TypeError) into the promise
    const p = typeof path === 'function' ? path() : path
    const { status, text } = await this.#call(p, 'text', onSent)
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw withDetails(new ApiResponseError(`GET ${p}: the body is not JSON`), status)
    }
    const parsed = schema.safeParse(json)
    if (!parsed.success) {
      // zod issues name paths and expectations, never the values: no personal data in the message
      const where = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')
      throw withDetails(new ApiResponseError(`GET ${p}: the body does not match the schema (${where})`), status)
    }
    return parsed.data
  }

  /** One GET with retries. `path` is relative to the base URL (and is what messages show). */
  #call (path: string, mode: 'text', onSent?: () => void): Promise<{ status: number, text: string }>
  #call (path: string, mode: 'stream'): Promise<Dispatcher.ResponseData>
  async #call (path: string, mode: SuccessMode, onSent?: () => void): Promise<{ status: number, text: string } | Dispatcher.ResponseData> {
    for (let attempt = 0; ; attempt++) {
      const result = await this.#attempt(path, mode, onSent)
      if (result.ok) return result.value
      const failure = result.failure
      if (failure.final) throw failure.error
      if (attempt >= this.#retries) {
        throw withDetails(
          new ApiUnavailableError(`GET ${path}: ${failure.reason} (gave up after ${attempt + 1} attempts)`),
          failure.status, failure.cause)
      }
      // full jitter: random(0, min(cap, base * 2^attempt)); a Retry-After wins over it
      const wait = failure.retryAfterMs ??
        Math.random() * Math.min(BACKOFF_CAP_MS, this.#retryBaseMs * 2 ** attempt)
      try {
        await delay(wait, undefined, { signal: this.#closing.signal })
      } catch {
        throw this.#closedError()
      }
    }
  }

  async #attempt (path: string, mode: 'text' | 'stream', onSent?: () => void): Promise<Attempt<{ status: number, text: string } | Dispatcher.ResponseData>> {
    await this.#acquire()
    onSent?.()
    let release = true
    const controller = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort(new Error('timeout'))
    }, this.#timeoutMs)
    try {
      this.#requests++
      const res = await this.#pool.request({
        method: 'GET',
        path: this.#basePath + path,
        headers: this.#headers,
        signal: controller.signal,
        // the timer above bounds headers (+ body for JSON); undici's own timers would
        // only race it, except a file body's stalls, which outlive the timer
        headersTimeout: 0,
        bodyTimeout: mode === 'stream' ? this.#timeoutMs : 0
      })
      const status = res.statusCode
      if (status >= 200 && status < 300) {
        if (mode === 'text') return { ok: true, value: { status, text: await res.body.text() } }
        // stream: the caller reads the body; the slot is held until it closes
        // (end, error or destroy); stalls are bounded by bodyTimeout
        release = false
        clearTimeout(timer)
        let released = false
        res.body.once('close', () => {
          if (!released) {
            released = true
            this.#release()
          }
        })
        return { ok: true, value: res }
      }
      // drain (bounded) so that the keep-alive connection is reused
      await res.body.dump()
      return { ok: false, failure: this.#classify(path, status, res.headers['retry-after']) }
    } catch (err) {
      const reason = timedOut
        ? `timed out after ${this.#timeoutMs} ms`
        : `network error (${(err as { code?: string }).code ?? (err as Error).name})`
      return { ok: false, failure: { final: false, reason, cause: err } }
    } finally {
      clearTimeout(timer)
      if (release) this.#release()
    }
  }

  #classify (path: string, status: number, retryAfter: string | string[] | undefined): Failure {
    const what = `HTTP ${status} on GET ${path}`
    if (status === 401 || status === 403) return { final: true, error: withDetails(new ApiUnauthorizedError(what), status) }
    if (status === 404) return { final: true, error: withDetails(new ApiNotFoundError(`GET ${path}`), status) }
    if (status === 408 || status === 429 || status >= 500) {
      const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(retryAfter) : undefined
      return { final: false, reason: `HTTP ${status}`, status, retryAfterMs }
    }
    return { final: true, error: withDetails(new ApiResponseError(what), status) }
  }

  #acquire (): Promise<void> {
    if (this.#closed !== undefined) return Promise.reject(this.#closedError())
    if (this.#active < this.#concurrency) {
      this.#active++
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject })
    })
  }

  /** Hands the slot straight to the oldest waiter (FIFO), or frees it. */
  #release (): void {
    if (this.#head < this.#waiters.length) {
      const next = this.#waiters[this.#head]
      this.#waiters[this.#head++] = undefined
      // compact now and then instead of shift()ing on every release
      if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
        this.#waiters = this.#waiters.slice(this.#head)
        this.#head = 0
      }
      next?.resolve()
      return
    }
    this.#active--
  }
}

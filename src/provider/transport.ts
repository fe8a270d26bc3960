import { setMaxListeners } from 'node:events'
import { performance } from 'node:perf_hooks'
import { Pool } from 'undici'
import type { Dispatcher } from 'undici'
import type { ZodType } from 'zod'
import { ApiNotFoundError, ApiResponseError, ApiUnauthorizedError, ApiUnavailableError } from '../errors.js'
import { recordProviderRequest, SpanKind, withSpan } from '../telemetry/index.js'
import type { ProviderAttemptStatus } from '../telemetry/index.js'
import { decodeJson } from './decode.js'
import { withDetails } from './details.js'
import { Limiter } from './limiter.js'
import type { ResolvedProviderOptions } from './options.js'
import { parseRetryAfter, withRetries } from './retry.js'
import type { Attempt, Failure, RetryPolicy } from './retry.js'

/**
 * The wire: a keep-alive undici Pool behind a FIFO concurrency limiter with a bounded
 * queue, one GET per attempt under a timer, the answer classified, retries around it,
 * one span per logical request and one duration measurement per attempt.
 *
 * Errors (all from ../errors.js) carry `providerStatus` when the provider answered:
 * - 401/403 → ApiUnauthorizedError, 404 → ApiNotFoundError (not retried)
 * - 408, 429, 5xx, network errors, timeouts → retried, then ApiUnavailableError
 * - a full queue or a closed client → ApiUnavailableError at once
 * - any other non-2xx, a body that is not JSON or fails its schema → ApiResponseError
 * The secret API key is only ever written into the request header; messages name the
 * operation, never the path (which holds ids) nor the key.
 */

/** The provider operations, as named in messages, span names and the `endpoint` attribute. */
export type ProviderEndpoint = 'getIdentity' | 'listIdentities' | 'listResources' | 'getResource' | 'getResourceFile' | 'getSettings'

export interface TextResponse {
  status: number
  text: string
}

export type StreamResponse = Dispatcher.ResponseData

export interface JsonOptions<T> {
  /** runs each time an attempt goes on the wire (holds a concurrency slot) */
  onSent?: () => void
  /** a last check of the decoded value; throws to refuse it */
  check?: (value: T) => void
}

type Mode = 'text' | 'stream'
type ResponseOf<M extends Mode> = M extends 'text' ? TextResponse : StreamResponse

const SPAN_NAMES: Record<ProviderEndpoint, string> = {
  getIdentity: 'passbase.provider.getIdentity',
  listIdentities: 'passbase.provider.listIdentities',
  listResources: 'passbase.provider.listResources',
  getResource: 'passbase.provider.getResource',
  getResourceFile: 'passbase.provider.getResourceFile',
  getSettings: 'passbase.provider.getSettings'
}

export class Transport {
  readonly #pool: Pool
  readonly #basePath: string
  readonly #headers: Record<string, string>
  readonly #timeoutMs: number
  readonly #limiter: Limiter
  readonly #policy: RetryPolicy
  readonly #closing = new AbortController()
  #requests = 0
  #closed: Promise<void> | undefined

  constructor (options: ResolvedProviderOptions) {
    this.#basePath = options.basePath
    this.#timeoutMs = options.timeoutMs
    this.#headers = { 'x-api-key': options.secretApiKey, accept: 'application/json' }
    this.#pool = new Pool(options.origin, { connections: options.connections })
    this.#limiter = new Limiter(options.concurrency, options.maxQueue, {
      full: () => new ApiUnavailableError(`queue full (${options.concurrency} requests in flight, ${options.maxQueue} waiting)`),
      closed: closedError
    })
    this.#policy = { retries: options.retries, retryBaseMs: options.retryBaseMs, signal: this.#closing.signal, closed: closedError }
    // every retry sleeping on a backoff listens to #closing (and stops listening when it wakes):
    // a burst of retries is not a leak, so no MaxListenersExceededWarning
    setMaxListeners(0, this.#closing.signal)
  }

  /** HTTP attempts sent since creation (retries count). */
  get requests (): number {
    return this.#requests
  }

  get inFlight (): number {
    return this.#limiter.active
  }

  get queued (): number {
    return this.#limiter.queued
  }

  /** One GET (with retries) whose 2xx body is JSON matching `schema` (and passing `options.check`, which throws otherwise). */
  json<T> (endpoint: ProviderEndpoint, path: string, schema: ZodType<T>, options: JsonOptions<T> = {}): Promise<T> {
    return this.#request(endpoint, path, 'text', options.onSent, (res: TextResponse) => {
      const value = decodeJson(endpoint, res.status, res.text, schema)
      options.check?.(value)
      return value
    })
  }

  /** One GET (with retries) whose 2xx body is handed out as a stream; its slot is held until the body closes. */
  stream (endpoint: ProviderEndpoint, path: string): Promise<StreamResponse> {
    return this.#request(endpoint, path, 'stream', undefined, (res: StreamResponse) => res)
  }

  /**
   * Closes the pool; idempotent. Requests waiting for a slot or sleeping before a
   * retry fail at once with ApiUnavailableError; requests on the wire finish.
   */
  close (): Promise<void> {
    if (this.#closed === undefined) {
      this.#closing.abort()
      this.#limiter.close()
      this.#closed = this.#pool.close()
    }
    return this.#closed
  }

  /** One logical request: one span, the attempts (with retries) inside it. */
  #request<M extends Mode, T> (endpoint: ProviderEndpoint, path: string, mode: M, onSent: (() => void) | undefined, finish: (res: ResponseOf<M>) => T): Promise<T> {
    return withSpan(SPAN_NAMES[endpoint], async (span) => {
      span.setAttribute('passbase.provider.endpoint', endpoint)
      span.setAttribute('http.request.method', 'GET')
      let attempts = 0
      const sent = (): void => {
        attempts++
        onSent?.()
      }
      let status: number | undefined
      try {
        const res = await withRetries(endpoint, this.#policy, async () => await this.#attempt(endpoint, path, mode, sent)) as ResponseOf<M>
        status = 'statusCode' in res ? res.statusCode : res.status
        return finish(res)
      } catch (err) {
        status ??= (err as { providerStatus?: number }).providerStatus
        throw err
      } finally {
        span.setAttribute('passbase.provider.attempts', attempts)
        if (status !== undefined) span.setAttribute('http.response.status_code', status)
      }
    }, { kind: SpanKind.CLIENT })
  }

  async #attempt (endpoint: ProviderEndpoint, path: string, mode: Mode, onSent: () => void): Promise<Attempt<TextResponse | StreamResponse>> {
    await this.#limiter.acquire()
    onSent()
    let release = true
    const controller = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort(new Error('timeout'))
    }, this.#timeoutMs)
    const started = performance.now()
    let outcome: ProviderAttemptStatus = 'error'
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
      outcome = status
      if (status >= 200 && status < 300) {
        if (mode === 'text') return { ok: true, value: { status, text: await res.body.text() } }
        // stream: the caller reads the body; the slot is held until it closes
        // (end, error or destroy); stalls are bounded by bodyTimeout
        release = false
        res.body.once('close', () => { this.#limiter.release() })
        return { ok: true, value: res }
      }
      // drain (bounded) so that the keep-alive connection is reused
      await res.body.dump()
      return { ok: false, failure: classify(endpoint, status, res.headers['retry-after']) }
    } catch (err) {
      outcome = timedOut ? 'timeout' : 'error'
      const reason = timedOut
        ? `timed out after ${this.#timeoutMs} ms`
        : `network error (${(err as { code?: string }).code ?? (err as Error).name})`
      return { ok: false, failure: { final: false, reason, cause: err } }
    } finally {
      clearTimeout(timer)
      if (release) this.#limiter.release()
      recordProviderRequest(endpoint, outcome, (performance.now() - started) / 1000)
    }
  }
}

function closedError (): Error {
  return new ApiUnavailableError('the client is closed')
}

function classify (endpoint: ProviderEndpoint, status: number, retryAfter: string | string[] | undefined): Failure {
  const what = `HTTP ${status} on ${endpoint}`
  if (status === 401 || status === 403) return { final: true, error: withDetails(new ApiUnauthorizedError(what), status) }
  if (status === 404) return { final: true, error: withDetails(new ApiNotFoundError(endpoint), status) }
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(retryAfter) : undefined
    return { final: false, reason: `HTTP ${status}`, status, retryAfterMs }
  }
  return { final: true, error: withDetails(new ApiResponseError(what), status) }
}

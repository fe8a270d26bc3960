import { setTimeout as delay } from 'node:timers/promises'
import { ApiUnavailableError } from '../errors.js'
import { withDetails } from './details.js'

/**
 * The retry loop: a retryable failure is tried again after a jittered exponential
 * backoff (or the provider's Retry-After), up to `retries` extra attempts; then it
 * becomes ApiUnavailableError. A final failure is thrown at once. A request sleeping
 * before its next attempt holds no concurrency slot and no queue place.
 */

export const BACKOFF_CAP_MS = 2000
export const RETRY_AFTER_CAP_MS = 30_000

/** A failed attempt: either final (`error`) or retryable (`reason`). */
export type Failure =
  | { final: true, error: Error }
  | { final: false, reason: string, status?: number, retryAfterMs?: number, cause?: unknown }

export type Attempt<T> = { ok: true, value: T } | { ok: false, failure: Failure }

export interface RetryPolicy {
  /** extra attempts after the first */
  retries: number
  /** backoff base in ms */
  retryBaseMs: number
  /** aborted when the client closes: a sleeping retry wakes and fails */
  signal: AbortSignal
  /** the error a woken retry fails with */
  closed: () => Error
}

/**
 * How a retry waits: `node:timers/promises`' setTimeout (an abort of `signal` ends it).
 * Tests replace `sleep` to decide when a retry wakes instead of sleeping through a
 * Retry-After; nothing else should.
 */
export const retryTimer = {
  sleep: async (ms: number, signal: AbortSignal): Promise<void> => { await delay(ms, undefined, { signal }) }
}

/** Full jitter: random(0, min(cap, base * 2^attempt)), attempt counted from 0. */
export function backoffMs (attempt: number, baseMs: number, random: () => number = Math.random): number {
  return random() * Math.min(BACKOFF_CAP_MS, baseMs * 2 ** attempt)
}

const DELTA_SECONDS = /^\s*\d+(\.\d+)?\s*$/
/** Every HTTP-date form (IMF-fixdate, RFC 850, asctime) starts with a day name; Date.parse alone would read `-1` as a year. */
const HTTP_DATE = /^\s*[A-Za-z]{3}/

/** Retry-After is delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unparsable. */
export function parseRetryAfter (header: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header
  if (value === undefined) return undefined
  const ms = DELTA_SECONDS.test(value)
    ? Number(value) * 1000
    : HTTP_DATE.test(value) ? Date.parse(value) - now : Number.NaN
  if (Number.isNaN(ms)) return undefined
  return Math.min(Math.max(ms, 0), RETRY_AFTER_CAP_MS)
}

/**
 * Runs `attempt(n)` (n from 0) until it succeeds, fails finally, or retries run out.
 * `what` names the operation in the error message (never a path or an id).
 */
export async function withRetries<T> (what: string, policy: RetryPolicy, attempt: (n: number) => Promise<Attempt<T>>): Promise<T> {
  for (let n = 0; ; n++) {
    const result = await attempt(n)
    if (result.ok) return result.value
    const failure = result.failure
    if (failure.final) throw failure.error
    if (n >= policy.retries) {
      throw withDetails(
        new ApiUnavailableError(`${what}: ${failure.reason} (gave up after ${n + 1} attempts)`),
        failure.status, failure.cause)
    }
    // a Retry-After wins over the backoff
    const wait = failure.retryAfterMs ?? backoffMs(n, policy.retryBaseMs)
    try {
      await retryTimer.sleep(wait, policy.signal)
    } catch {
      throw policy.closed()
    }
  }
}

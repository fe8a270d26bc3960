import { aborted } from './errors.js'
import type { PollOptions } from './types.js'

/** Small helpers shared by the helper's modules (browser globals only). */

export function record (value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? value as Record<string, unknown> : {}
}

/** calls a host callback; its exceptions are reported asynchronously, never break the flow */
export function safely<A extends unknown[]> (fn: ((...args: A) => void) | undefined, ...args: A): void {
  if (fn === undefined) return
  try {
    fn(...args)
  } catch (err) {
    setTimeout(() => { throw err })
  }
}

function pageDocument (): Document | undefined {
  return typeof document !== 'undefined' && typeof document.addEventListener === 'function' ? document : undefined
}

/** true while the page is in a background tab */
export function pageHidden (): boolean {
  return pageDocument()?.visibilityState === 'hidden'
}

/**
 * Waits `ms`; rejects with ABORTED when `signal` aborts. With `wakeOnVisible`, a background
 * tab coming back to the foreground ends the wait early (the status is read at once).
 */
export function sleep (ms: number, signal: AbortSignal | undefined, wakeOnVisible = false): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(aborted())
      return
    }
    const doc = wakeOnVisible ? pageDocument() : undefined
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      doc?.removeEventListener('visibilitychange', onVisible)
    }
    const onAbort = (): void => {
      done()
      reject(aborted())
    }
    const onVisible = (): void => {
      if (pageHidden()) return
      done()
      resolve()
    }
    const timer = setTimeout(() => {
      done()
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
    doc?.addEventListener('visibilitychange', onVisible)
  })
}

/** Resolved poll settings: a steady interval for `steadyMs`, then backoff by `factor` up to `maxIntervalMs`. */
export interface Poll {
  intervalMs: number
  steadyMs: number
  maxIntervalMs: number
  factor: number
  timeoutMs: number
}

/** the delay after `previous`, `elapsed` ms into the polling */
export function nextDelay (poll: Poll, previous: number, elapsed: number): number {
  if (elapsed < poll.steadyMs) return poll.intervalMs
  return Math.min(Math.max(previous, poll.intervalMs) * poll.factor, poll.maxIntervalMs)
}

/** `given` over `defaults`, field by field (an `undefined` field keeps the default) */
export function resolvePoll (defaults: Poll, given: PollOptions = {}): Poll {
  return {
    intervalMs: given.intervalMs ?? defaults.intervalMs,
    steadyMs: given.steadyMs ?? defaults.steadyMs,
    maxIntervalMs: given.maxIntervalMs ?? defaults.maxIntervalMs,
    factor: given.factor ?? defaults.factor,
    timeoutMs: given.timeoutMs ?? defaults.timeoutMs
  }
}

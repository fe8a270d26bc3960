import type { SandboxClock } from './types.js'

/** Time helpers shared by the sandbox parts: reported times read the sandbox's clock. */

export const systemClock: SandboxClock = { now: () => Date.now() }

/** Unix seconds of the clock */
export function seconds (clock: SandboxClock): number {
  return Math.floor(clock.now() / 1000)
}

/** max(now, previous + 1): strictly after `previous`, even within one second */
export function nextAfter (clock: SandboxClock, previous: number): number {
  return Math.max(seconds(clock), previous + 1)
}

/** Waits `ms` of real time; resolves false early (never rejects) when `signal` aborts. */
export function sleep (ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false)
  if (ms <= 0) return Promise.resolve(true)
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

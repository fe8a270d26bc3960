/** Time helpers shared by the sandbox parts. */

export function nowSeconds (): number {
  return Math.floor(Date.now() / 1000)
}

/** max(now, previous + 1): strictly after `previous`, even within one second */
export function nextAfter (previous: number): number {
  return Math.max(nowSeconds(), previous + 1)
}

/** Waits `ms`; resolves false early (never rejects) when `signal` aborts. */
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

import { scaled } from './time.js'

/**
 * Resolves once `predicate` holds (checked every `everyMs`, 10 by default). Rejects after
 * `ms` (scaled: test/helpers/time.ts) without it: a deadline for a test that would
 * otherwise hang, never a timing assertion.
 */
export async function until (predicate: () => boolean | Promise<boolean>, what: string, ms = 15_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + scaled(ms)
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

export const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

/**
 * Resolves once the millisecond clock has moved past now. A step-up counts only an
 * authentication received *after* its challenge was created; on a fast machine the
 * sandbox's delivery can land within the same millisecond, which is (rightly) not after.
 */
export async function nextMillisecond (): Promise<void> {
  const now = Date.now()
  while (Date.now() <= now) await sleep(1)
}

/**
 * `work`, or a rejection naming `what` once `ms` (scaled) have passed without it settling: a
 * step that hangs (a teardown waiting on a socket that never closes) fails with its
 * name and what the process still holds, instead of the whole file timing out.
 */
export async function within<T> (what: string, ms: number, work: Promise<T>, state?: () => string): Promise<T> {
  ms = scaled(ms)
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const held = new Map<string, number>()
      for (const kind of process.getActiveResourcesInfo()) held.set(kind, (held.get(kind) ?? 0) + 1)
      const summary = [...held].map(([kind, n]) => `${kind} × ${n}`).join(', ')
      reject(new Error(`${what} did not finish within ${ms} ms (${state?.() ?? ''}${state === undefined ? '' : '; '}active: ${summary})`))
    }, ms)
  })
  try {
    return await Promise.race([work, expired])
  } finally {
    clearTimeout(timer)
  }
}

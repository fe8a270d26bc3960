import type { Test } from 'tap'
import { retryTimer } from '../../src/provider/retry.js'

export interface HeldSleeps {
  /** the retries sleeping now, in order: how long each asked to sleep, and how to wake it */
  sleepers: Array<{ ms: number, wake: () => void }>
  /** wakes every sleeper and lets later retries sleep for real again */
  release: () => void
}

/**
 * Holds the provider client's retry sleeps (`retryTimer.sleep`) until the test wakes them
 * (the client's close still ends one): a test decides when a retry wakes, and checks how
 * long it asked for, instead of sleeping through a Retry-After. Released at teardown.
 */
export function holdRetrySleeps (t: Test): HeldSleeps {
  const sleepers: HeldSleeps['sleepers'] = []
  const real = retryTimer.sleep
  retryTimer.sleep = async (ms, signal) => {
    await new Promise<void>((resolve, reject) => {
      if (signal.aborted) { reject(signal.reason); return }
      const onAbort = (): void => { reject(signal.reason) }
      signal.addEventListener('abort', onAbort, { once: true })
      sleepers.push({ ms, wake: () => { signal.removeEventListener('abort', onAbort); resolve() } })
    })
  }
  const release = (): void => {
    retryTimer.sleep = real
    for (const sleeper of sleepers.splice(0)) sleeper.wake()
  }
  t.teardown(release)
  return { sleepers, release }
}

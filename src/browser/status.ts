import { clientError, isPassbaseClientError } from './errors.js'
import { permanent, type Http } from './http.js'
import type { PassbaseConfig, PassbaseStatus, WaitForStatusOptions } from './types.js'
import { nextDelay, pageHidden, resolvePoll, safely, sleep, type Poll } from './util.js'

/** `/config`, `/status`, `/verifications`, and following the status until it settles. */

/** statuses that do not change without the user doing something */
export const SETTLED: readonly string[] = ['approved', 'declined', 'expired']

export interface StatusApi {
  config: () => Promise<PassbaseConfig>
  status: () => Promise<PassbaseStatus>
  link: (identityAccessKey: string) => Promise<PassbaseStatus>
  /** polls until `until` (default: settled); `seen` is the status already reported */
  follow: (options: WaitForStatusOptions, seen?: PassbaseStatus) => Promise<PassbaseStatus>
}

export function statusKey (s: PassbaseStatus): string {
  return `${s.status}|${s.identityId ?? ''}|${s.updatedAt ?? ''}|${s.reason ?? ''}|${s.expiresAt ?? ''}`
}

export function createStatusApi (http: Http, prefix: string, defaults: Poll): StatusApi {
  async function config (): Promise<PassbaseConfig> {
    return (await http.call<PassbaseConfig>('GET', prefix + '/config')).body
  }

  async function status (): Promise<PassbaseStatus> {
    return (await http.call<PassbaseStatus>('GET', prefix + '/status')).body
  }

  async function link (identityAccessKey: string): Promise<PassbaseStatus> {
    return (await http.call<PassbaseStatus>('POST', prefix + '/verifications', { identityAccessKey })).body
  }

  async function follow (opts: WaitForStatusOptions, seen?: PassbaseStatus): Promise<PassbaseStatus> {
    const poll = resolvePoll(defaults, opts)
    const until = opts.until ?? ((s: PassbaseStatus) => SETTLED.includes(s.status))
    const began = Date.now()
    const deadline = began + poll.timeoutMs
    let known = seen === undefined ? undefined : statusKey(seen)
    let changedAt = began
    let delay = poll.intervalMs
    let last: PassbaseStatus | undefined
    for (;;) {
      try {
        last = await status()
        const key = statusKey(last)
        if (key !== known) {
          known = key
          changedAt = Date.now()
          safely(opts.onStatus, last)
        }
        if (until(last)) return last
      } catch (err) {
        if (permanent(err) || (isPassbaseClientError(err) && err.code === 'ABORTED')) throw err
      }
      delay = nextDelay(poll, delay, Date.now() - changedAt)
      // a background tab asks rarely and looks again as soon as it is visible
      const wait = pageHidden() ? Math.max(delay, poll.maxIntervalMs) : delay
      if (Date.now() + wait > deadline) {
        throw clientError('STATUS_TIMEOUT', 'the verification status did not settle in time', { body: last })
      }
      await sleep(wait, opts.signal, true)
    }
  }

  return { config, status, link, follow }
}

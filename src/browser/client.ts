import { createStepUpFetch } from './fetch.js'
import { createHttp } from './http.js'
import { createStatusApi } from './status.js'
import { createStepUp } from './step-up.js'
import type { PassbaseBrowserClient, PassbaseClientOptions } from './types.js'
import { resolvePoll, type Poll } from './util.js'
import { createVerifyButton } from './verify-button.js'

/** `createPassbaseClient`: the helper's parts wired for one plugin prefix. */

export const DEFAULT_PREFIX = '/passbase'

const STATUS_POLL: Poll = { intervalMs: 1000, steadyMs: 120_000, maxIntervalMs: 8000, factor: 1.5, timeoutMs: 600_000 }
const STEP_UP_POLL: Poll = { intervalMs: 500, steadyMs: 30_000, maxIntervalMs: 4000, factor: 1.5, timeoutMs: 120_000 }

export function createPassbaseClient (options: PassbaseClientOptions = {}, defaultPrefix = DEFAULT_PREFIX): PassbaseBrowserClient {
  const prefix = (options.prefix ?? defaultPrefix).replace(/\/+$/, '')
  const send = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init))
  const http = createHttp(send, options.credentials ?? 'same-origin')
  const api = createStatusApi(http, prefix, resolvePoll(STATUS_POLL, options.poll))
  const stepUp = createStepUp({ http, api, prefix, options, poll: resolvePoll(STEP_UP_POLL, options.stepUpPoll) })

  return {
    prefix,
    config: api.config,
    status: api.status,
    link: api.link,
    waitForStatus: async (opts = {}) => await api.follow(opts),
    renderVerifyButton: createVerifyButton(api, options),
    fetch: createStepUpFetch(send, stepUp),
    stepUp,
    async endStepUp () {
      await http.call('DELETE', prefix + '/reauth')
    }
  }
}

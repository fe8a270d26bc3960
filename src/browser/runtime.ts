/**
 * The browser helper. Everything lives inside `definePassbaseClient` so that the plugin
 * can serve this very code as a classic script (`GET {prefix}/client.js` sends
 * `definePassbaseClient.toString()`), and bundlers can import it from
 * `fastify-passbase/client`: one source, no build step for the served script.
 *
 * The function must stay self-contained: no imports, no reference to anything at
 * module level, only browser globals (fetch, document, setTimeout, …). Type-only
 * declarations outside it are fine, they are erased.
 */

export type VerificationStatus = 'none' | 'created' | 'processing' | 'pending' | 'approved' | 'declined'

/** `GET {prefix}/status` */
export interface PassbaseStatus {
  status: VerificationStatus
  identityId?: string
  score?: number | null
  reason?: string | null
  /** the provider's `updated`, ISO 8601 */
  updatedAt?: string
}

/** `GET {prefix}/config` */
export interface PassbaseConfig {
  publishableApiKey: string | null
  /** RSA-signed `{ user_id }` for the button (when the plugin has `metadataPrivateKey`) */
  metaData?: string
  /** where the provider's button script lives (plugin option `buttonScriptUrl`) */
  buttonScriptUrl?: string
}

/** What the provider button reports to `onError`, e.g. `CANCELLED_BY_USER`, `BIOMETRIC_AUTHENTICATION_FAILED`. */
export interface PassbaseButtonError {
  code: string
  message: string
}

export interface PrefillAttributes {
  email?: string
  country?: string
}

/** The options of `Passbase.renderButton` (the provider's button API). */
export interface PassbaseButtonOptions {
  onFinish?: (identityAccessKey: string) => void
  onSubmitted?: (identityAccessKey: string) => void
  onError?: (error: PassbaseButtonError) => void
  onStart?: () => void
  metaData?: string
  prefillAttributes?: PrefillAttributes
  integrationType?: 'signup' | 'login'
  /** for `integrationType: 'login'`: the identity that re-authenticates */
  identityAccessKey?: string
}

/** `window.Passbase`, defined by the provider's (or the sandbox's) button script. */
export interface PassbaseButtonApi {
  renderButton: (element: HTMLElement | string, publishableKey: string, options?: PassbaseButtonOptions) => unknown
}

/** An error of the helper: HTTP errors carry the plugin's `code` and `statusCode`. */
export interface PassbaseClientError extends Error {
  name: 'PassbaseClientError'
  /**
   * The plugin's code (`FST_PASSBASE_*`), the button's code (`CANCELLED_BY_USER`,
   * `BIOMETRIC_AUTHENTICATION_FAILED`, …) or the helper's own: `NETWORK_ERROR`,
   * `HTTP_<status>`, `BUTTON_UNAVAILABLE`, `NOT_CONFIGURED`, `ELEMENT_NOT_FOUND`,
   * `STATUS_TIMEOUT`, `STEP_UP_TIMEOUT`, `ABORTED`.
   */
  code: string
  statusCode?: number
  /** the response body, or the last status seen for `STATUS_TIMEOUT` */
  body?: unknown
}

/** Polling with exponential backoff. */
export interface PollOptions {
  /** first delay, default 1000 ms */
  intervalMs?: number
  /** longest delay, default 8000 ms */
  maxIntervalMs?: number
  /** growth per attempt, default 1.5 */
  factor?: number
  /** give up after this long; default 10 minutes for the status, 2 minutes for a step-up */
  timeoutMs?: number
}

export interface PassbaseClientOptions {
  /** where the plugin is mounted: a path (default: the plugin's prefix, `/passbase`) or an absolute URL */
  prefix?: string
  /** default `globalThis.fetch` */
  fetch?: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>
  /** default 'same-origin'; 'include' when the plugin is on another origin */
  credentials?: RequestCredentials
  /** overrides the `buttonScriptUrl` that `/config` announces; not needed when `window.Passbase` is already there */
  buttonScriptUrl?: string
  /** status polling (`waitForStatus`, `renderVerifyButton`) */
  poll?: PollOptions
  /** step-up completion polling (`stepUp`, `fetch`) */
  stepUpPoll?: PollOptions
  prefillAttributes?: PrefillAttributes
}

export interface WaitForStatusOptions extends PollOptions {
  /** stop when this returns true; default: `approved` or `declined` */
  until?: (status: PassbaseStatus) => boolean
  /** called with the first status and then on every change */
  onStatus?: (status: PassbaseStatus) => void
  signal?: AbortSignal
}

export interface RenderVerifyButtonOptions {
  /** every status from the link to the final decision */
  onStatus?: (status: PassbaseStatus) => void
  /** cancelled flow, failed link, polling timeout… (default: console.error) */
  onError?: (error: PassbaseClientError) => void
  /** the user opened the flow */
  onStart?: () => void
  prefillAttributes?: PrefillAttributes
  /** stops following the status */
  signal?: AbortSignal
}

export interface StepUpOptions {
  /** where to start the challenge; default `{prefix}/reauth/start` */
  start?: string
  /** the `max_age` the route asked for (shown to the user) */
  maxAge?: number
  /** render the login button here instead of in a modal dialog */
  container?: HTMLElement
  title?: string
  message?: string
  prefillAttributes?: PrefillAttributes
  signal?: AbortSignal
}

export interface PassbaseBrowserClient {
  readonly prefix: string
  /** `GET {prefix}/config` */
  config: () => Promise<PassbaseConfig>
  /** `GET {prefix}/status` */
  status: () => Promise<PassbaseStatus>
  /** `POST {prefix}/verifications`: links the button's identityAccessKey to the signed-in user */
  link: (identityAccessKey: string) => Promise<PassbaseStatus>
  /** polls `/status` with backoff until `until` holds (default: a final status) */
  waitForStatus: (options?: WaitForStatusOptions) => Promise<PassbaseStatus>
  /**
   * Renders the provider's "Verify Me" button in `element` (loading the button script
   * when `window.Passbase` is missing); when the flow finishes it links the key and
   * follows the status until it is final, reporting each change to `onStatus`.
   */
  renderVerifyButton: (element: HTMLElement | string, options?: RenderVerifyButtonOptions) => Promise<void>
  /**
   * `fetch`, plus the step-up: a 401 `FST_PASSBASE_REAUTH_REQUIRED` runs `stepUp()`
   * and the request is retried once. Rejects with the step-up's error when the user
   * cancels or the authentication fails. Bodies must be replayable (string, Blob,
   * FormData, URLSearchParams, or a `Request`), not streams.
   */
  fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>
  /**
   * Re-authentication: `POST /reauth/start`, the login button in a dialog, then
   * `POST /reauth/complete` until the step-up cookie is set. Concurrent calls share one run.
   */
  stepUp: (options?: StepUpOptions) => Promise<void>
  /** `DELETE {prefix}/reauth`: ends the step-up window now */
  endStepUp: () => Promise<void>
}

export interface ClientDefaults {
  prefix: string
}

export interface PassbaseClientModule {
  createPassbaseClient: (options?: PassbaseClientOptions) => PassbaseBrowserClient
  isPassbaseClientError: (value: unknown) => value is PassbaseClientError
}

export function definePassbaseClient (defaults: ClientDefaults): PassbaseClientModule {
  const FINAL: readonly string[] = ['approved', 'declined']
  const REAUTH_CODE = 'FST_PASSBASE_REAUTH_REQUIRED'
  const STYLE_ID = 'passbase-client-style'
  const CSS = [
    '.passbase-stepup-backdrop { position: fixed; inset: 0; z-index: 2147483000; background: rgba(15, 20, 40, .45);',
    '  display: flex; align-items: center; justify-content: center; font: 15px/1.4 system-ui, sans-serif; }',
    '.passbase-stepup { background: #fff; color: #1b2240; border-radius: 12px; padding: 24px; width: min(380px, 92vw);',
    '  box-shadow: 0 8px 32px rgba(15, 20, 40, .3); }',
    '.passbase-stepup h2 { margin: 0 0 8px; font-size: 1.15rem; }',
    '.passbase-stepup p { margin: 0 0 16px; color: #4a5175; }',
    '.passbase-stepup p[data-state=error] { color: #b42323; }',
    '.passbase-stepup-actions { display: flex; justify-content: space-between; align-items: center; gap: 12px; }',
    '.passbase-stepup-cancel { font: inherit; background: none; border: 0; color: #4a5175; cursor: pointer; text-decoration: underline; }'
  ].join('\n')
  const scripts = new Map<string, Promise<PassbaseButtonApi>>()

  function clientError (code: string, message: string, extra: { statusCode?: number, body?: unknown } = {}): PassbaseClientError {
    const err = new Error(message) as PassbaseClientError
    err.name = 'PassbaseClientError'
    err.code = code
    if (extra.statusCode !== undefined) err.statusCode = extra.statusCode
    if (extra.body !== undefined) err.body = extra.body
    return err
  }

  function isPassbaseClientError (value: unknown): value is PassbaseClientError {
    return value instanceof Error && value.name === 'PassbaseClientError' && typeof (value as { code?: unknown }).code === 'string'
  }

  function asClientError (err: unknown): PassbaseClientError {
    return isPassbaseClientError(err) ? err : clientError('UNKNOWN_ERROR', String(err))
  }

  /** calls a host callback; its exceptions are reported, never break the flow */
  function safely<T> (fn: ((arg: T) => void) | undefined, arg: T): void {
    if (fn === undefined) return
    try {
      fn(arg)
    } catch (err) {
      setTimeout(() => { throw err })
    }
  }

  function sleep (ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(clientError('ABORTED', 'aborted'))
        return
      }
      const onAbort = (): void => {
        clearTimeout(timer)
        reject(clientError('ABORTED', 'aborted'))
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  function record (value: unknown): Record<string, unknown> {
    return value !== null && typeof value === 'object' ? value as Record<string, unknown> : {}
  }

  function buttonApi (): PassbaseButtonApi | undefined {
    const api = (globalThis as { Passbase?: PassbaseButtonApi }).Passbase
    return api !== undefined && typeof api.renderButton === 'function' ? api : undefined
  }

  /** `window.Passbase`, loading the button script once per URL when it is missing */
  function loadButton (url: string | undefined): Promise<PassbaseButtonApi> {
    const present = buttonApi()
    if (present !== undefined) return Promise.resolve(present)
    if (url === undefined || url === '') {
      return Promise.reject(clientError('BUTTON_UNAVAILABLE', 'window.Passbase is missing and no buttonScriptUrl is configured'))
    }
    let loading = scripts.get(url)
    if (loading === undefined) {
      loading = new Promise<PassbaseButtonApi>((resolve, reject) => {
        const script = document.createElement('script')
        script.src = url
        script.async = true
        script.addEventListener('load', () => {
          const api = buttonApi()
          if (api !== undefined) resolve(api)
          else reject(clientError('BUTTON_UNAVAILABLE', `${url} did not define window.Passbase.renderButton`))
        })
        script.addEventListener('error', () => {
          scripts.delete(url)
          script.remove()
          reject(clientError('BUTTON_UNAVAILABLE', `could not load the button script ${url}`))
        })
        document.head.appendChild(script)
      })
      scripts.set(url, loading)
    }
    return loading
  }

  function injectStyle (): void {
    if (document.getElementById(STYLE_ID) !== null) return
    const style = document.createElement('style')
    style.id = STYLE_ID
    style.textContent = CSS
    document.head.appendChild(style)
  }

  interface StepUpDialog {
    slot: HTMLElement
    say: (text: string, state: 'info' | 'busy' | 'error') => void
    close: () => void
  }

  /** the step-up prompt: a modal (or `container`) with a message, the login button's slot and Cancel */
  function openDialog (options: StepUpOptions, onCancel: () => void): StepUpDialog {
    injectStyle()
    const box = document.createElement('div')
    box.className = 'passbase-stepup'
    box.setAttribute('role', 'dialog')
    box.setAttribute('aria-modal', options.container === undefined ? 'true' : 'false')
    box.setAttribute('aria-labelledby', 'passbase-stepup-title')
    box.setAttribute('data-testid', 'passbase-stepup')
    const title = document.createElement('h2')
    title.id = 'passbase-stepup-title'
    title.textContent = options.title ?? 'Confirm it is you'
    const text = document.createElement('p')
    text.setAttribute('data-testid', 'passbase-stepup-message')
    text.setAttribute('aria-live', 'polite')
    const minutes = options.maxAge !== undefined ? Math.max(1, Math.round(options.maxAge / 60)) : undefined
    const initial = options.message ??
      ('This action needs a fresh face authentication' + (minutes !== undefined ? ` (valid for ${minutes} min)` : '') + '.')
    const actions = document.createElement('div')
    actions.className = 'passbase-stepup-actions'
    const slot = document.createElement('div')
    const cancel = document.createElement('button')
    cancel.type = 'button'
    cancel.className = 'passbase-stepup-cancel'
    cancel.setAttribute('data-testid', 'passbase-stepup-cancel')
    cancel.textContent = 'Cancel'
    cancel.addEventListener('click', onCancel)
    actions.appendChild(slot)
    actions.appendChild(cancel)
    box.appendChild(title)
    box.appendChild(text)
    box.appendChild(actions)
    let root: HTMLElement = box
    if (options.container !== undefined) {
      options.container.appendChild(box)
    } else {
      root = document.createElement('div')
      root.className = 'passbase-stepup-backdrop'
      root.appendChild(box)
      document.body.appendChild(root)
    }
    const say = (message: string, state: 'info' | 'busy' | 'error'): void => {
      text.textContent = message
      text.setAttribute('data-state', state)
    }
    say(initial, 'info')
    return { slot, say, close: () => { root.remove() } }
  }

  function createPassbaseClient (options: PassbaseClientOptions = {}): PassbaseBrowserClient {
    const prefix = (options.prefix ?? defaults.prefix).replace(/\/+$/, '')
    const send = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init))
    const credentials = options.credentials ?? 'same-origin'
    const statusPoll = { intervalMs: 1000, maxIntervalMs: 8000, factor: 1.5, timeoutMs: 600_000, ...options.poll }
    const stepUpPoll = { intervalMs: 500, maxIntervalMs: 4000, factor: 1.5, timeoutMs: 120_000, ...options.stepUpPoll }
    let stepUpRun: Promise<void> | null = null

    async function call<T> (method: string, url: string, body?: unknown): Promise<{ statusCode: number, body: T }> {
      const headers: Record<string, string> = { accept: 'application/json' }
      if (body !== undefined) headers['content-type'] = 'application/json'
      let res: Response
      try {
        res = await send(url, { method, credentials, headers, body: body === undefined ? undefined : JSON.stringify(body) })
      } catch (err) {
        throw clientError('NETWORK_ERROR', `${method} ${url}: ${String(err)}`)
      }
      const data: unknown = res.status === 204 ? null : await res.json().catch(() => null)
      if (!res.ok) {
        const info = record(data)
        throw clientError(typeof info.code === 'string' ? info.code : `HTTP_${res.status}`,
          typeof info.message === 'string' ? info.message : `${method} ${url}: HTTP ${res.status}`,
          { statusCode: res.status, body: data })
      }
      return { statusCode: res.status, body: data as T }
    }

    async function config (): Promise<PassbaseConfig> {
      return (await call<PassbaseConfig>('GET', prefix + '/config')).body
    }

    async function status (): Promise<PassbaseStatus> {
      return (await call<PassbaseStatus>('GET', prefix + '/status')).body
    }

    async function link (identityAccessKey: string): Promise<PassbaseStatus> {
      return (await call<PassbaseStatus>('POST', prefix + '/verifications', { identityAccessKey })).body
    }

    /** 4xx other than 408/429 will not get better by asking again */
    function permanent (err: unknown): boolean {
      const code = isPassbaseClientError(err) ? err.statusCode : undefined
      return code !== undefined && code >= 400 && code < 500 && code !== 408 && code !== 429
    }

    function statusKey (s: PassbaseStatus): string {
      return `${s.status}|${s.identityId ?? ''}|${s.updatedAt ?? ''}|${s.reason ?? ''}`
    }

    async function follow (opts: WaitForStatusOptions, seen: string | undefined): Promise<PassbaseStatus> {
      const until = opts.until ?? ((s: PassbaseStatus) => FINAL.includes(s.status))
      const interval = opts.intervalMs ?? statusPoll.intervalMs
      const maxInterval = opts.maxIntervalMs ?? statusPoll.maxIntervalMs
      const factor = opts.factor ?? statusPoll.factor
      const deadline = Date.now() + (opts.timeoutMs ?? statusPoll.timeoutMs)
      let delay = interval
      let last: PassbaseStatus | undefined
      for (;;) {
        try {
          last = await status()
          const key = statusKey(last)
          if (key !== seen) {
            seen = key
            delay = interval
            safely(opts.onStatus, last)
          }
          if (until(last)) return last
        } catch (err) {
          if (permanent(err)) throw err
        }
        if (Date.now() + delay > deadline) {
          throw clientError('STATUS_TIMEOUT', 'the verification status did not settle in time', { body: last })
        }
        await sleep(delay, opts.signal)
        delay = Math.min(delay * factor, maxInterval)
      }
    }

    async function waitForStatus (opts: WaitForStatusOptions = {}): Promise<PassbaseStatus> {
      return await follow(opts, undefined)
    }

    async function renderVerifyButton (element: HTMLElement | string, opts: RenderVerifyButtonOptions = {}): Promise<void> {
      const target = typeof element === 'string' ? document.querySelector<HTMLElement>(element) : element
      if (target === null) throw clientError('ELEMENT_NOT_FOUND', `renderVerifyButton: no element ${String(element)}`)
      const cfg = await config()
      if (cfg.publishableApiKey === null || cfg.publishableApiKey === '') {
        throw clientError('NOT_CONFIGURED', 'the plugin has no publishableApiKey')
      }
      const api = await loadButton(options.buttonScriptUrl ?? cfg.buttonScriptUrl)
      const report = (err: unknown): void => {
        const error = asClientError(err)
        if (opts.onError !== undefined) safely(opts.onError, error)
        else console.error(error)
      }
      const finished = async (identityAccessKey: string): Promise<void> => {
        const linked = await link(identityAccessKey)
        safely(opts.onStatus, linked)
        if (!FINAL.includes(linked.status)) await follow({ onStatus: opts.onStatus, signal: opts.signal }, statusKey(linked))
      }
      api.renderButton(target, cfg.publishableApiKey, {
        metaData: cfg.metaData,
        prefillAttributes: opts.prefillAttributes ?? options.prefillAttributes,
        onStart: opts.onStart,
        onError: (e) => { report(clientError(e?.code ?? 'UNKNOWN_ERROR', e?.message ?? 'the verification failed')) },
        onFinish: (identityAccessKey) => { finished(identityAccessKey).catch(report) }
      })
    }

    async function complete (challengeId: string, signal: AbortSignal | undefined): Promise<void> {
      const deadline = Date.now() + stepUpPoll.timeoutMs
      let delay = stepUpPoll.intervalMs
      for (;;) {
        try {
          const res = await call<{ pending?: boolean }>('POST', prefix + '/reauth/complete', { challengeId })
          if (res.statusCode === 200) return
        } catch (err) {
          if (permanent(err)) throw err
        }
        if (Date.now() + delay > deadline) throw clientError('STEP_UP_TIMEOUT', 'the re-authentication was not confirmed in time')
        await sleep(delay, signal)
        delay = Math.min(delay * stepUpPoll.factor, stepUpPoll.maxIntervalMs)
      }
    }

    async function runStepUp (opts: StepUpOptions): Promise<void> {
      const startUrl = opts.start ?? prefix + '/reauth/start'
      const [challenge, cfg, current] = await Promise.all([
        call<{ challengeId: string }>('POST', startUrl).then((r) => r.body),
        config(),
        status()
      ])
      if (cfg.publishableApiKey === null || cfg.publishableApiKey === '') {
        throw clientError('NOT_CONFIGURED', 'the plugin has no publishableApiKey')
      }
      const api = await loadButton(options.buttonScriptUrl ?? cfg.buttonScriptUrl)
      // one way out for Cancel, the caller's signal and failures: stops the polling too
      const stop = new AbortController()
      let fail: (err: PassbaseClientError) => void = () => {}
      const abandon = (err: PassbaseClientError): void => {
        stop.abort()
        fail(err)
      }
      const onAbort = (): void => { abandon(clientError('ABORTED', 'aborted')) }
      const dialog = openDialog(opts, () => { abandon(clientError('CANCELLED_BY_USER', 'The user cancelled the re-authentication')) })
      opts.signal?.addEventListener('abort', onAbort, { once: true })
      try {
        if (opts.signal?.aborted === true) throw clientError('ABORTED', 'aborted')
        await new Promise<string>((resolve, reject) => {
          fail = reject
          api.renderButton(dialog.slot, cfg.publishableApiKey as string, {
            integrationType: 'login',
            identityAccessKey: current.identityId,
            prefillAttributes: opts.prefillAttributes ?? options.prefillAttributes,
            onFinish: resolve,
            onError: (e) => {
              // a failed face match may be retried with the same button; anything else ends the step-up
              if (e?.code === 'BIOMETRIC_AUTHENTICATION_FAILED') dialog.say(`${e.message}. Try again or cancel.`, 'error')
              else reject(clientError(e?.code ?? 'UNKNOWN_ERROR', e?.message ?? 'the re-authentication failed'))
            }
          })
        })
        dialog.say('Confirming your authentication…', 'busy')
        await new Promise<void>((resolve, reject) => {
          fail = reject
          complete(challenge.challengeId, stop.signal).then(resolve, reject)
        })
      } finally {
        opts.signal?.removeEventListener('abort', onAbort)
        stop.abort()
        dialog.close()
      }
    }

    function stepUp (opts: StepUpOptions = {}): Promise<void> {
      stepUpRun ??= runStepUp(opts).finally(() => { stepUpRun = null })
      return stepUpRun
    }

    async function endStepUp (): Promise<void> {
      await call('DELETE', prefix + '/reauth')
    }

    /** the step-up the 401 asks for, or null when it is another answer */
    async function reauthChallenge (res: Response): Promise<StepUpOptions | null> {
      if (res.status !== 401) return null
      const header = res.headers.get('www-authenticate') ?? ''
      const body = record(await res.clone().json().catch(() => null))
      if (body.code !== REAUTH_CODE && !/^PassbaseReauth\b/i.test(header)) return null
      const fromHeader = /max_age=(\d+)/.exec(header)
      const maxAge = typeof body.maxAge === 'number' ? body.maxAge : fromHeader !== null ? Number(fromHeader[1]) : undefined
      return { maxAge }
    }

    async function wrappedFetch (input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
      const replay = typeof Request !== 'undefined' && input instanceof Request ? input.clone() : input
      const res = await send(input, init)
      const challenge = await reauthChallenge(res)
      if (challenge === null) return res
      await stepUp({ ...challenge, signal: init?.signal ?? undefined })
      return await send(replay, init)
    }

    return { prefix, config, status, link, waitForStatus, renderVerifyButton, fetch: wrappedFetch, stepUp, endStepUp }
  }

  return { createPassbaseClient, isPassbaseClientError }
}

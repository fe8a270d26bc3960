import type { Test } from 'tap'
import { createPassbaseClient, isPassbaseClientError, type PassbaseBrowserClient, type PassbaseClientError } from '../../src/browser/index.js'
import { REAUTH_SECRET, harness, type Harness } from '../helpers/app.js'
import { nextMillisecond, until as waitUntil } from '../helpers/wait.js'
import { installDom, type FakeButton, type FakeDocument, type FakeElement } from './fake-dom.js'

/** What the helper's unit tests share: a browser-like fetch, the plugin + sandbox harness, the fake DOM. */

export const PUBLISHABLE = 'pk_client_test'
const BUTTON_URL = 'https://button.example/button.js'
let scriptVersion = 0
export const FAST = { intervalMs: 10, maxIntervalMs: 40, factor: 2 }

/** a fetch that behaves like a browser tab of `user`: absolute URLs, a cookie jar */
export function browserFetch (user: string | null) {
  const jar = new Map<string, string>()
  const calls: string[] = []
  const doFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init)
    if (user !== null) request.headers.set('x-user', user)
    if (jar.size > 0) request.headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '))
    calls.push(`${request.method} ${new URL(request.url).pathname}`)
    const res = await fetch(request)
    for (const cookie of res.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';')
      const [name = '', value = ''] = pair.split('=')
      if (value === '' || /max-age=0\b/i.test(cookie)) jar.delete(name)
      else jar.set(name, value)
    }
    return res
  }
  return { fetch: doFetch, jar, calls }
}

export async function setup (t: Test, opts: { user?: string | null, plugin?: Record<string, unknown> } = {}) {
  const dom = installDom()
  // a fresh URL per test: the helper caches a loaded script per URL, as a page would
  const buttonUrl = `${BUTTON_URL}?v=${++scriptVersion}`
  dom.document.scripts.set(buttonUrl, 'button')
  const h = await harness({
    sandbox: { publishableApiKey: PUBLISHABLE, processingDelayMs: 0 },
    plugin: {
      publishableApiKey: PUBLISHABLE,
      buttonScriptUrl: buttonUrl,
      reauth: { secret: REAUTH_SECRET, cookie: { secure: false } },
      ...opts.plugin
    },
    routes: (app) => {
      app.post('/payout', { preHandler: app.requireReauth }, async (request) => ({ paid: true, body: request.body ?? null }))
    }
  })
  t.teardown(h.close)
  const browser = browserFetch(opts.user === undefined ? 'u1' : opts.user)
  const client = createPassbaseClient({ prefix: `${h.url}/passbase`, fetch: browser.fetch, poll: FAST, stepUpPoll: FAST })
  return { h, client, browser, buttonUrl, ...dom }
}

export function verifyTarget (document: FakeDocument): FakeElement {
  const el = document.createElement('div')
  el.id = 'verify'
  document.body.appendChild(el)
  return el
}

export async function approved (h: Harness, client: PassbaseBrowserClient): Promise<string> {
  const identity = await h.sandbox.createIdentity({ status: 'approved', score: 0.95 })
  const linked = await client.link(identity.id)
  if (linked.status !== 'approved') throw new Error(`not approved: ${JSON.stringify(linked)}`)
  return identity.id
}

export async function rejection (promise: Promise<unknown>): Promise<PassbaseClientError> {
  try {
    await promise
  } catch (err) {
    if (isPassbaseClientError(err)) return err
    throw err
  }
  throw new Error('expected a rejection')
}

/** the sandbox delivers an approved login, in a later millisecond than the challenge (see nextMillisecond) */
export async function authenticated (h: Harness, identityId: string): Promise<void> {
  await nextMillisecond()
  await h.sandbox.authenticate(identityId)
}

/** the user passes the login when the helper renders the login button */
export function passLogins (h: Harness, button: FakeButton): void {
  button.onRender = ({ options }) => {
    if (options.integrationType !== 'login') return
    void authenticated(h, options.identityAccessKey ?? '').then(() => options.onFinish?.(options.identityAccessKey ?? ''))
  }
}

/** `onError` called the way older sandbox buttons did: one `{ code, message }` object */
export function legacyError (onError: unknown, error: unknown): void {
  (onError as ((error: unknown) => void) | undefined)?.(error)
}

/** `until`, checked every 2 ms: some UI states (a dialog that opens and closes at once) last only a few milliseconds */
export async function until (predicate: () => boolean, what: string, ms = 10_000): Promise<void> {
  await waitUntil(predicate, what, ms, 2)
}

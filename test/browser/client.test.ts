import Fastify from 'fastify'
import { Script, createContext } from 'node:vm'
import t from 'tap'
import { createPassbaseClient, isPassbaseClientError, type PassbaseClientError, type PassbaseStatus } from '../../src/browser/index.js'
import { clientScriptEtag } from '../../src/browser/route.js'
import { script } from '../../src/generated/browser-client.js'
import fastifyPassbase from '../../src/index.js'
import { SECRET_API_KEY, WEBHOOK_SECRET, getUserId } from '../helpers/app.js'
import { approved, authenticated, browserFetch, FAST, legacyError, passLogins, rejection, setup, until, until as waitFor, verifyTarget, PUBLISHABLE } from './setup.js'

/**
 * The browser helper under Node, against the real plugin and sandbox over HTTP, with
 * a minimal fake DOM and a scripted `window.Passbase` (called back with the real button's
 * signature, `onError(errorCode, context)`). test/e2e/ runs the same code in Chromium.
 */

t.test('config, status and link', async (t) => {
  const { h, client, buttonUrl } = await setup(t)
  t.equal(client.prefix, `${h.url}/passbase`)
  t.same(await client.config(), { publishableApiKey: PUBLISHABLE, buttonScriptUrl: buttonUrl })
  t.same(await client.status(), { status: 'none' })
  const identity = await h.sandbox.createIdentity({ status: 'processing' })
  const linked = await client.link(identity.id)
  t.equal(linked.status, 'processing')
  t.equal(linked.identityId, identity.id)

  const err = await rejection(client.link('not-a-uuid'))
  t.equal(err.statusCode, 400)
  t.equal(err.name, 'PassbaseClientError')
  t.notOk(isPassbaseClientError(new Error('x')))
})

t.test('errors carry the plugin code; network errors are NETWORK_ERROR', async (t) => {
  const { h } = await setup(t, { user: null })
  const anonymous = createPassbaseClient({ prefix: `${h.url}/passbase`, fetch: browserFetch(null).fetch })
  const err = await rejection(anonymous.status())
  t.equal(err.code, 'FST_PASSBASE_UNAUTHENTICATED')
  t.equal(err.statusCode, 401)
  t.match(err.body, { code: 'FST_PASSBASE_UNAUTHENTICATED' })

  const broken = createPassbaseClient({ prefix: `${h.url}/passbase`, fetch: async () => { throw new TypeError('offline') } })
  t.equal((await rejection(broken.status())).code, 'NETWORK_ERROR')

  const html = createPassbaseClient({ prefix: '/x', fetch: async () => new Response('<html>', { status: 502 }) })
  const bad = await rejection(html.config())
  t.equal(bad.code, 'HTTP_502')
  t.equal(bad.statusCode, 502)

  const defaults = createPassbaseClient()
  t.equal(defaults.prefix, '/passbase', 'the default prefix')
  t.equal(createPassbaseClient({ prefix: '/kyc/' }).prefix, '/kyc')
})

t.test('waitForStatus follows the status to a final one, reporting changes', async (t) => {
  const { h, client } = await setup(t)
  const identity = await h.sandbox.createIdentity({ status: 'processing' })
  await client.link(identity.id)
  const seen: string[] = []
  const waiting = client.waitForStatus({ onStatus: (s) => seen.push(s.status) })
  await waitFor(() => seen.length === 1, 'the first status (processing) seen')
  await h.sandbox.review(identity.id, { status: 'approved', score: 0.97 })
  const final = await waiting
  t.equal(final.status, 'approved')
  t.same(seen, ['processing', 'approved'], 'each change once')

  const until = await client.waitForStatus({ until: (s) => s.status === 'approved', timeoutMs: 1000 })
  t.equal(until.status, 'approved')
})

t.test('waitForStatus: timeout, abort, permanent errors, transient errors', async (t) => {
  const { h, client, browser } = await setup(t)
  const identity = await h.sandbox.createIdentity({ status: 'processing' })
  await client.link(identity.id)

  const timeout = await rejection(client.waitForStatus({ timeoutMs: 50 }))
  t.equal(timeout.code, 'STATUS_TIMEOUT')
  t.match(timeout.body, { status: 'processing' }, 'the last status seen')

  const controller = new AbortController()
  const waiting = client.waitForStatus({ signal: controller.signal })
  setTimeout(() => controller.abort(), 30)
  t.equal((await rejection(waiting)).code, 'ABORTED')
  const aborted = new AbortController()
  aborted.abort()
  t.equal((await rejection(client.waitForStatus({ signal: aborted.signal }))).code, 'ABORTED')

  const anonymous = createPassbaseClient({ prefix: `${h.url}/passbase`, fetch: browserFetch(null).fetch, poll: FAST })
  t.equal((await rejection(anonymous.waitForStatus())).code, 'FST_PASSBASE_UNAUTHENTICATED', '4xx: no point in asking again')

  // 503s and network errors are retried
  let failures = 2
  const flaky = createPassbaseClient({
    prefix: `${h.url}/passbase`,
    poll: FAST,
    fetch: async (input, init) => {
      if (failures-- > 0) return failures === 1 ? new Response('{}', { status: 503 }) : await Promise.reject(new TypeError('reset'))
      return await browser.fetch(input, init)
    }
  })
  const settle = flaky.waitForStatus()
  await h.sandbox.review(identity.id, { status: 'declined', score: 0.2 })
  t.equal((await settle).status, 'declined')
})

t.test('renderVerifyButton: loads the button, links the key, follows the status', async (t) => {
  const { h, client, document, button, buttonUrl } = await setup(t)
  const target = verifyTarget(document)
  const statuses: PassbaseStatus[] = []
  let started = false
  await client.renderVerifyButton('#verify', {
    onStatus: (s) => statuses.push(s),
    onStart: () => { started = true },
    prefillAttributes: { email: 'ada@example.com' }
  })
  t.same(document.loaded, [buttonUrl], 'the button script came from /config')
  const call = button.calls[0]!
  t.equal(call.element, target)
  t.equal(call.publishableKey, PUBLISHABLE)
  t.same(call.options.prefillAttributes, { email: 'ada@example.com' })
  t.equal(call.options.metaData, undefined, 'no metaData without metadataPrivateKey')
  call.options.onStart?.()
  t.ok(started)

  const identity = await h.sandbox.createIdentity({ status: 'processing' })
  call.options.onFinish?.(identity.id)
  await until(() => statuses.length > 0, 'the first status')
  await h.sandbox.review(identity.id, { status: 'approved', score: 0.95 })
  await until(() => statuses.at(-1)?.status === 'approved', 'the approval')
  t.same(statuses.map((s) => s.status), ['processing', 'approved'])

  // a second render reuses window.Passbase
  await client.renderVerifyButton(target as unknown as HTMLElement)
  t.equal(document.loaded.length, 1)
  t.equal(button.calls.length, 2)
})

t.test('renderVerifyButton: a final status right away is reported once', async (t) => {
  const { h, client, document, button } = await setup(t)
  verifyTarget(document)
  const statuses: string[] = []
  await client.renderVerifyButton('#verify', { onStatus: (s) => statuses.push(s.status) })
  const identity = await h.sandbox.createIdentity({ status: 'approved', score: 0.95 })
  button.calls[0]!.options.onFinish?.(identity.id)
  await until(() => statuses.length > 0, 'a status')
  await new Promise((resolve) => setTimeout(resolve, 30)) // time passes: no second report of the same status
  t.same(statuses, ['approved'])
})

t.test('renderVerifyButton: errors reach onError as PassbaseClientError', async (t) => {
  const { client, document, button } = await setup(t)
  verifyTarget(document)
  const errors: PassbaseClientError[] = []
  await client.renderVerifyButton('#verify', { onError: (e) => errors.push(e) })
  const { options } = button.calls[0]!
  options.onError?.('CANCELLED_BY_USER', { step: 'CONSENT' })
  options.onFinish?.('2b4cf1f7-6a36-4f5e-9a3c-5d21c0f8e001') // unknown to the provider
  await until(() => errors.length >= 2, 'two errors')
  t.same(errors.map((e) => e.code), ['CANCELLED_BY_USER', 'FST_PASSBASE_UNKNOWN_IDENTITY'])
  t.ok(errors.every(isPassbaseClientError))

  // without onError they go to console.error
  const logged: unknown[] = []
  const original = console.error
  console.error = (value: unknown) => { logged.push(value) }
  t.teardown(() => { console.error = original })
  await client.renderVerifyButton('#verify')
  button.calls[1]!.options.onError?.('X')
  console.error = original
  t.match(logged, [{ code: 'X' }])
})

t.test('renderVerifyButton: missing element, key or button script', async (t) => {
  const { h, client, document } = await setup(t)
  t.equal((await rejection(client.renderVerifyButton('#nowhere'))).code, 'ELEMENT_NOT_FOUND')
  const target = verifyTarget(document)

  const { fetch: f } = browserFetch('u1')
  const noKey = createPassbaseClient({ prefix: '/p', fetch: async () => Response.json({ publishableApiKey: null }) })
  t.equal((await rejection(noKey.renderVerifyButton('#verify'))).code, 'NOT_CONFIGURED')

  const noScript = createPassbaseClient({ prefix: '/p', fetch: async () => Response.json({ publishableApiKey: 'pk' }) })
  t.equal((await rejection(noScript.renderVerifyButton('#verify'))).code, 'BUTTON_UNAVAILABLE')

  const failing = createPassbaseClient({ prefix: `${h.url}/passbase`, fetch: f, buttonScriptUrl: 'https://down.example/button.js' })
  const down = await rejection(failing.renderVerifyButton(target as unknown as HTMLElement))
  t.equal(down.code, 'BUTTON_UNAVAILABLE')
  t.match(down.message, /could not load/)
  t.equal(document.head.children.filter((c) => c.tagName === 'script').length, 0, 'the failed script element is removed')
  document.scripts.set('https://down.example/button.js', 'empty')
  const empty = await rejection(failing.renderVerifyButton(target as unknown as HTMLElement))
  t.match(empty.message, /did not define window\.Passbase/, 'a failed load is retried, not cached')
})

t.test('fetch: a step-up refusal runs the login and retries once', async (t) => {
  const { h, client, browser, document, button } = await setup(t)
  const identityId = await approved(h, client)
  passLogins(h, button)

  const res = await client.fetch(`${h.url}/payout`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount: 5 })
  })
  t.equal(res.status, 200)
  t.same(await res.json(), { paid: true, body: { amount: 5 } }, 'the body was sent again')
  const login = button.calls.find((c) => c.options.integrationType === 'login')!
  t.equal(login.options.identityAccessKey, identityId, 'the login names the identity')
  t.equal(login.publishableKey, PUBLISHABLE)
  t.ok(browser.jar.has('passbase_reauth'), 'the step-up cookie was set')
  t.equal(browser.calls.filter((c) => c === 'POST /payout').length, 2)
  t.equal(document.find('passbase-stepup'), undefined, 'the dialog is gone')
  t.ok(document.getElementById('passbase-client-style'), 'its style stays injected')

  // inside the window: no step-up
  const again = await client.fetch(new Request(`${h.url}/payout`, { method: 'POST', body: 'x' }))
  t.equal(again.status, 200)
  t.equal(button.calls.filter((c) => c.options.integrationType === 'login').length, 1)

  // ending the window asks again; a Request input is replayed from a clone
  await client.endStepUp()
  t.notOk(browser.jar.has('passbase_reauth'))
  const replayed = await client.fetch(new Request(`${h.url}/payout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' }))
  t.equal(replayed.status, 200)
  t.same(await replayed.json(), { paid: true, body: { n: 1 } })
  t.equal(button.calls.filter((c) => c.options.integrationType === 'login').length, 2)
})

t.test('fetch: other answers pass through untouched', async (t) => {
  const { h, client, button } = await setup(t)
  const unverified = await client.fetch(`${h.url}/payout`, { method: 'POST' })
  t.equal(unverified.status, 403, 'not verified: no step-up')
  const anonymous = createPassbaseClient({ prefix: `${h.url}/passbase`, fetch: browserFetch(null).fetch })
  const res = await anonymous.fetch(`${h.url}/payout`, { method: 'POST' })
  t.equal(res.status, 401)
  t.equal((await res.json() as { code: string }).code, 'FST_PASSBASE_UNAUTHENTICATED')
  t.equal(button.calls.length, 0)

  // a bare WWW-Authenticate challenge (no JSON body) is recognised too
  const served: string[] = []
  let refused = false
  const headerOnly = createPassbaseClient({
    prefix: '/p',
    fetch: async (input) => {
      const url = String(input)
      served.push(url)
      if (url === '/guarded' && !refused) {
        refused = true
        return new Response('nope', { status: 401, headers: { 'www-authenticate': 'PassbaseReauth error="insufficient_user_authentication", max_age=60' } })
      }
      if (url === '/p/reauth/start') return Response.json({ challengeId: 'c1', expiresAt: '' })
      if (url === '/p/config') return Response.json({ publishableApiKey: 'pk' })
      if (url === '/p/status') return Response.json({ status: 'approved', identityId: 'id-1' })
      if (url === '/p/reauth/complete') return Response.json({ authTime: '', expiresAt: '' })
      return new Response('ok')
    }
  })
  button.onRender = ({ options }) => { setTimeout(() => options.onFinish?.('id-1'), 1) }
  ;(globalThis as { Passbase?: unknown }).Passbase = button.api
  const retried = await headerOnly.fetch('/guarded')
  t.equal(await retried.text(), 'ok')
  t.same(served, ['/guarded', '/p/reauth/start', '/p/config', '/p/status', '/p/reauth/complete', '/guarded'])
})

t.test('stepUp: Cancel, failed face match, concurrent callers, container, abort', async (t) => {
  const { h, client, document, button } = await setup(t)
  await approved(h, client)

  // Cancel in the dialog rejects with CANCELLED_BY_USER and removes it
  button.onRender = () => {
    setTimeout(() => document.find('passbase-stepup-cancel')?.dispatch('click'), 5)
  }
  const cancelled = await rejection(client.fetch(`${h.url}/payout`, { method: 'POST' }))
  t.equal(cancelled.code, 'CANCELLED_BY_USER')
  t.equal(document.find('passbase-stepup'), undefined)

  // the button's own errors end the step-up
  button.onRender = ({ options }) => { setTimeout(() => options.onError?.('CANCELLED_BY_USER', {}), 1) }
  t.equal((await rejection(client.stepUp())).code, 'CANCELLED_BY_USER')
  button.onRender = ({ options }) => { setTimeout(() => options.onError?.(undefined as never), 1) }
  t.equal((await rejection(client.stepUp())).code, 'UNKNOWN_ERROR')

  // a failed face match shows an error and keeps the button; the second try passes
  let tries = 0
  const messages: Array<string | null> = []
  button.onRender = ({ options }) => {
    setTimeout(() => {
      if (tries++ === 0) {
        // the object form of older sandbox buttons is still understood
        legacyError(options.onError, { code: 'BIOMETRIC_AUTHENTICATION_FAILED', message: 'The face did not match' })
        const message = document.find('passbase-stepup-message')
        messages.push(message?.getAttribute('data-state') ?? null, message?.textContent ?? null)
        legacyError(options.onError, { code: 'BIOMETRIC_AUTHENTICATION_FAILED', message: 'The face did not match' })
      }
      void authenticated(h, options.identityAccessKey ?? '').then(() => options.onFinish?.(options.identityAccessKey ?? ''))
    }, 1)
  }
  // concurrent callers share one step-up
  const [a, b] = await Promise.all([
    client.fetch(`${h.url}/payout`, { method: 'POST' }),
    client.fetch(`${h.url}/payout`, { method: 'POST' })
  ])
  t.same([a.status, b.status], [200, 200])
  t.equal(tries, 1, 'one login for both requests')
  t.same(messages, ['error', 'The face did not match. Try again or cancel.'])

  // in a container instead of a modal, with the caller's texts
  await client.endStepUp()
  const container = document.createElement('section')
  document.body.appendChild(container)
  let seenTitle: string | undefined
  button.onRender = ({ options }) => {
    seenTitle = container.children[0]?.children[0]?.textContent
    void authenticated(h, options.identityAccessKey ?? '').then(() => options.onFinish?.(options.identityAccessKey ?? ''))
  }
  await client.stepUp({ container: container as unknown as HTMLElement, title: 'Confirm the payout', message: 'Look at the camera', maxAge: 120 })
  t.equal(seenTitle, 'Confirm the payout')
  t.equal(container.children.length, 0, 'removed from the container afterwards')

  // the caller's signal, before and during
  const aborted = new AbortController()
  aborted.abort()
  t.equal((await rejection(client.stepUp({ signal: aborted.signal }))).code, 'ABORTED')
  const later = new AbortController()
  button.onRender = () => { setTimeout(() => later.abort(), 5) }
  t.equal((await rejection(client.stepUp({ signal: later.signal }))).code, 'ABORTED')
})

t.test('stepUp: completion polling (202 until the webhook), cancel while confirming, timeout', async (t) => {
  const { h, client, document, button } = await setup(t)
  const identityId = await approved(h, client)
  h.sandbox.faults = { deliveries: { delayMs: 80 } }
  button.onRender = ({ options }) => {
    void authenticated(h, identityId)
    options.onFinish?.(identityId) // before the webhook: /reauth/complete answers 202 a few times
  }
  await client.stepUp()
  t.pass('completed after 202s')

  h.sandbox.faults = { deliveries: { drop: true } }
  button.onRender = ({ options }) => {
    options.onFinish?.(identityId)
    setTimeout(() => document.find('passbase-stepup-cancel')?.dispatch('click'), 30)
  }
  t.equal((await rejection(client.stepUp())).code, 'CANCELLED_BY_USER', 'Cancel while confirming')

  const impatient = createPassbaseClient({ prefix: client.prefix, fetch: browserFetch('u1').fetch, stepUpPoll: { intervalMs: 10, timeoutMs: 60 } })
  button.onRender = ({ options }) => { options.onFinish?.(identityId) }
  t.equal((await rejection(impatient.stepUp())).code, 'STEP_UP_TIMEOUT')

  const noKey = createPassbaseClient({
    prefix: '/p',
    fetch: async (input) => String(input) === '/p/config' ? Response.json({ publishableApiKey: null }) : Response.json({ challengeId: 'c', status: 'approved' })
  })
  t.equal((await rejection(noKey.stepUp())).code, 'NOT_CONFIGURED')
  const unverified = createPassbaseClient({ prefix: '/p', fetch: async () => Response.json({ code: 'FST_PASSBASE_VERIFICATION_REQUIRED', message: 'no' }, { status: 403 }) })
  t.equal((await rejection(unverified.stepUp())).code, 'FST_PASSBASE_VERIFICATION_REQUIRED')
  const gone = createPassbaseClient({
    prefix: '/p',
    fetch: async (input) => String(input) === '/p/reauth/complete'
      ? Response.json({ code: 'FST_PASSBASE_CHALLENGE_GONE', message: 'gone' }, { status: 410 })
      : Response.json({ challengeId: 'c', status: 'approved', publishableApiKey: 'pk' })
  })
  t.equal((await rejection(gone.stepUp())).code, 'FST_PASSBASE_CHALLENGE_GONE', 'a 410 ends the polling')
})

t.test('GET /passbase/client.js serves the same helper as a script', async (t) => {
  const { h } = await setup(t)
  const res = await fetch(`${h.url}/passbase/client.js`)
  t.equal(res.status, 200)
  t.equal(res.headers.get('content-type'), 'application/javascript; charset=utf-8')
  t.equal(res.headers.get('cache-control'), 'public, max-age=0, must-revalidate')
  t.equal(res.headers.get('x-content-type-options'), 'nosniff')
  const etag = res.headers.get('etag')
  t.match(etag, /^"[\w-]{32}"$/)
  t.equal(etag, clientScriptEtag, 'the digest of the served script')
  const source = await res.text()
  t.equal(source, script, 'the bundled helper (src/browser/client.iife.ts → src/generated/browser-client.ts), exactly')

  const cached = await fetch(`${h.url}/passbase/client.js`, { headers: { 'if-none-match': `W/"other", W/${etag ?? ''}` } })
  t.equal(cached.status, 304)
  t.equal(await cached.text(), '')
  const stale = await fetch(`${h.url}/passbase/client.js`, { headers: { 'if-none-match': '"other"' } })
  t.equal(stale.status, 200)

  // it runs on its own (no imports, no Node globals) and talks to the plugin
  const window: { PassbaseClient?: { createPassbaseClient: typeof createPassbaseClient } } = {}
  new Script(source).runInContext(createContext({ window }))
  const served = window.PassbaseClient!.createPassbaseClient({ fetch: async (input, init) => await browserFetch('u1').fetch(h.url + String(input), init) })
  t.equal(served.prefix, '/passbase')
  t.same(await served.status(), { status: 'none' })
})

t.test('the served script knows a custom prefix', async (t) => {
  const app = Fastify()
  await app.register(fastifyPassbase, { secretApiKey: SECRET_API_KEY, webhookSecret: WEBHOOK_SECRET, getUserId, prefix: '/kyc' })
  t.teardown(() => app.close())
  const res = await app.inject('/kyc/client.js')
  t.equal(res.statusCode, 200)
  // as a <script src="/kyc/client.js">: the script reads its prefix from its own URL
  const window: { PassbaseClient?: { createPassbaseClient: typeof createPassbaseClient } } = {}
  const document = { currentScript: { src: 'http://localhost:3000/kyc/client.js' } }
  const location = { origin: 'http://localhost:3000', href: 'http://localhost:3000/wallet' }
  new Script(res.body).runInContext(createContext({ window, document, location, URL }))
  t.equal(window.PassbaseClient!.createPassbaseClient().prefix, '/kyc')
  const config = await app.inject({ url: '/kyc/config', headers: { 'x-user': 'u1' } })
  t.same(config.json(), { publishableApiKey: null }, 'no buttonScriptUrl unless configured')
})

t.test('the buttonScriptUrl option', async (t) => {
  for (const good of ['https://button.passbase.com/__index.js', 'http://127.0.0.1:9/button.js', '/vendor/passbase.js']) {
    const app = Fastify()
    await app.register(fastifyPassbase, { secretApiKey: SECRET_API_KEY, webhookSecret: WEBHOOK_SECRET, getUserId, buttonScriptUrl: good })
    const res = await app.inject({ url: '/passbase/config', headers: { 'x-user': 'u1' } })
    t.equal(res.json().buttonScriptUrl, good, `${good} is handed to the page`)
    await app.close()
  }
  for (const bad of ['ftp://example.com/b.js', '//cdn.example/b.js', 'button.js', 'javascript:alert(1)', '']) {
    const app = Fastify()
    await t.rejects(async () => { await app.register(fastifyPassbase, { secretApiKey: SECRET_API_KEY, webhookSecret: WEBHOOK_SECRET, getUserId, buttonScriptUrl: bad }) },
      /buttonScriptUrl: must be an absolute http\(s\) URL or a path/, `${JSON.stringify(bad)} is refused`)
    await app.close().catch(() => {})
  }
})

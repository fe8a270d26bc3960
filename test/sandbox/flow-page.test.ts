import { runInNewContext } from 'node:vm'
import t, { type Test } from 'tap'
import type { Sandbox } from '../../src/sandbox/index.js'
import { sandboxFor } from './helpers.js'

/**
 * The flow page's script, run in a VM against the HTML the sandbox really serves (its
 * elements rebuilt from the markup): what it posts to the host page, to which origin,
 * and that with no valid origin it posts nothing at all.
 */

const PUBLISHABLE = 'pk_page'
const HOST = 'http://localhost:3000'

type Listener = (event: { preventDefault: () => void }) => void

class FakeElement {
  textContent = ''
  disabled = false
  checked = false
  readonly attributes = new Map<string, string>()
  readonly listeners = new Map<string, Listener[]>()
  constructor (readonly tag: string, readonly id: string, public value = '') {}
  setAttribute (name: string, value: string): void { this.attributes.set(name, value) }
  getAttribute (name: string): string | null { return this.attributes.get(name) ?? null }
  addEventListener (type: string, listener: Listener): void { this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]) }
  fire (type: string): void { for (const l of this.listeners.get(type) ?? []) l({ preventDefault: () => {} }) }
}

interface Posted { message: Record<string, unknown>, targetOrigin: string, to: string }
type Answer = { status: number, body: Record<string, unknown> } | 'network-error'

async function run (t: Test, sandbox: Sandbox, query: Record<string, string>, frame: { parent?: boolean, opener?: boolean }, answers: Answer[] = []) {
  const html = await (await fetch(`${sandbox.url}/flow?${new URLSearchParams(query).toString()}`)).text()
  const elements = new Map<string, FakeElement>()
  for (const match of html.matchAll(/<(button|input|select|form|p|pre)\b([^>]*)>/g)) {
    const id = /\bid="([^"]+)"/.exec(match[2])?.[1]
    if (id === undefined) continue
    const el = new FakeElement(match[1], id, /\bvalue="([^"]*)"/.exec(match[2])?.[1] ?? '')
    el.checked = /\bchecked\b/.test(match[2])
    // a <select>'s value is its first option's
    if (match[1] === 'select') el.value = /^<option value="([^"]+)"/.exec(html.slice((match.index ?? 0) + match[0].length))?.[1] ?? ''
    el.setAttribute('name', /\bname="([^"]+)"/.exec(match[2])?.[1] ?? '')
    elements.set(id, el)
  }
  const data = /<script type="application\/json" id="flow-data">(.*?)<\/script>/s.exec(html)![1]
  elements.set('flow-data', Object.assign(new FakeElement('script', 'flow-data'), { textContent: data }))
  const script = /<script nonce="[^"]+">(.*?)<\/script>/s.exec(html)![1]

  const posted: Posted[] = []
  const requests: unknown[] = []
  const target = (to: string) => ({ postMessage: (message: Record<string, unknown>, targetOrigin: string) => { posted.push({ message, targetOrigin, to }) } })
  const window: Record<string, unknown> = {}
  window.parent = frame.parent === true ? target('parent') : window
  window.opener = frame.opener === true ? target('opener') : null
  const document = {
    getElementById: (id: string) => elements.get(id) ?? null,
    querySelectorAll: (selector: string) => {
      t.equal(selector, 'button, input, select')
      return [...elements.values()].filter((e) => ['button', 'input', 'select'].includes(e.tag))
    },
    querySelector: (selector: string) => {
      t.equal(selector, 'input[name=decision]:checked')
      return [...elements.values()].find((e) => e.getAttribute('name') === 'decision' && e.checked) ?? null
    }
  }
  const fetchStub = async (url: string, init: { body: string }) => {
    requests.push({ url, body: JSON.parse(init.body) })
    const answer = answers.shift() ?? { status: 201, body: { identityAccessKey: 'id-1', status: 'processing' } }
    if (answer === 'network-error') throw new TypeError('fetch failed')
    return { ok: answer.status < 300, status: answer.status, json: async () => answer.body }
  }
  runInNewContext(script, { window, document, fetch: fetchStub, console })
  const settle = async (): Promise<void> => { for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve)) }
  const el = (id: string): FakeElement => elements.get(id)!
  return { posted, requests, el, settle }
}

function neverStar (t: Test, posted: Posted[]): void {
  t.notOk(posted.some((p) => p.targetOrigin !== HOST), 'every message targets exactly the host origin, never *')
}

t.test('embedded with a valid origin: the step, then the result, to exactly that origin', async (t) => {
  const sandbox = await sandboxFor(t, { publishableApiKey: PUBLISHABLE })
  const page = await run(t, sandbox, { key: PUBLISHABLE, origin: HOST }, { parent: true })
  t.same(page.posted, [{ message: { type: 'step', step: 'SUMMARY', source: 'passbase-sandbox' }, targetOrigin: HOST, to: 'parent' }])
  t.equal(page.el('flow-origin').textContent, '')
  page.el('decision-pending').checked = true
  page.el('decision-approve').checked = false
  page.el('document-expiry').value = '2031-01-31'
  page.el('flow-form').fire('submit')
  await page.settle()
  t.match(page.requests, [{ url: '/flow/submit', body: { key: PUBLISHABLE, decision: 'pending', score: 0.95, documentExpiry: '2031-01-31', documentCountry: 'DE', documentType: 'PASSPORT' } }])
  t.same(page.posted.slice(1).map((p) => p.message), [
    { type: 'step', step: 'FINISHED', source: 'passbase-sandbox' },
    { type: 'submitted', identityAccessKey: 'id-1', source: 'passbase-sandbox' },
    { type: 'finish', identityAccessKey: 'id-1', source: 'passbase-sandbox' }
  ])
  t.equal(page.el('flow-status').getAttribute('data-identity-access-key'), 'id-1')
  neverStar(t, page.posted)
})

t.test('with no valid origin the page shows an error and posts nothing', async (t) => {
  const sandbox = await sandboxFor(t, { publishableApiKey: PUBLISHABLE })
  const cases: Array<[Record<string, string>, { parent?: boolean, opener?: boolean }, RegExp]> = [
    [{ key: PUBLISHABLE }, { parent: true }, /no host origin was given/],
    [{ key: PUBLISHABLE }, { opener: true }, /no host origin was given/],
    [{ key: PUBLISHABLE, origin: '*' }, { parent: true }, /not a valid origin/],
    [{ key: PUBLISHABLE, origin: `${HOST}/` }, {}, /not a valid origin/],
    [{ key: 'pk_wrong', origin: 'nope' }, { parent: true }, /not a valid origin/],
    [{ key: PUBLISHABLE, integrationType: 'login', identityAccessKey: 'x' }, { parent: true }, /no host origin was given/]
  ]
  for (const [query, frame, why] of cases) {
    const page = await run(t, sandbox, query, frame)
    const origin = page.el('flow-origin')
    t.match(origin.textContent, why, JSON.stringify(query))
    t.match(origin.textContent, 'Nothing is sent.')
    t.equal(origin.getAttribute('data-state'), 'error')
    t.equal(origin.getAttribute('role'), 'alert')
    for (const id of ['cancel', 'submit', 'login-pass']) {
      const button = page.el(id)
      if (button === undefined) continue
      t.equal(button.disabled, true, `${id} disabled`)
      button.fire('click')
    }
    page.el('flow-form')?.fire('submit')
    await page.settle()
    t.same(page.posted, [], 'nothing posted')
    t.same(page.requests, [], 'nothing submitted')
  }
})

t.test('opened directly (no parent, no opener, no origin) the flow works on its own', async (t) => {
  const sandbox = await sandboxFor(t, { publishableApiKey: PUBLISHABLE })
  const page = await run(t, sandbox, { key: PUBLISHABLE }, {})
  t.match(page.el('flow-origin').textContent, 'Opened directly')
  t.equal(page.el('flow-origin').getAttribute('data-state'), null)
  page.el('flow-form').fire('submit')
  await page.settle()
  t.equal(page.requests.length, 1)
  t.match(page.el('flow-status').textContent, 'Identity id-1 is processing')
  t.same(page.posted, [])
})

t.test('errors: page errors, cancel, a failed face match, server and network failures', async (t) => {
  const sandbox = await sandboxFor(t, { publishableApiKey: PUBLISHABLE })
  const bad = await run(t, sandbox, { key: 'pk_wrong', origin: HOST }, { parent: true })
  t.same(bad.posted.map((p) => p.message), [{
    type: 'error', code: 'FATAL_ERROR', step: 'START', reason: 'INVALID_PUBLISHABLE_KEY', message: 'Unknown publishable API key', source: 'passbase-sandbox'
  }])

  const cancel = await run(t, sandbox, { key: PUBLISHABLE, origin: HOST }, { opener: true })
  cancel.el('cancel').fire('click')
  t.same(cancel.posted.map((p) => [p.to, p.message.type, p.message.code, p.message.step]),
    [['opener', 'step', undefined, 'SUMMARY'], ['opener', 'error', 'CANCELLED_BY_USER', 'SUMMARY']])

  const login = await run(t, sandbox, { key: PUBLISHABLE, origin: HOST, integrationType: 'login', identityAccessKey: 'id-9' }, { parent: true }, [
    { status: 400, body: { code: 'INVALID_REQUEST', message: 'identityAccessKey: too long' } },
    { status: 422, body: { code: 'BIOMETRIC_AUTHENTICATION_FAILED', message: 'The face did not match' } },
    { status: 404, body: { code: 'IDENTITY_NOT_FOUND', message: 'No identity' } },
    'network-error',
    { status: 502, body: {} },
    { status: 200, body: { identityAccessKey: 'id-9', authenticated: true } }
  ])
  const messages = (): Array<Record<string, unknown>> => login.posted.map((p) => p.message)
  login.el('login-pass').fire('click')
  await login.settle()
  t.match(login.el('flow-status').textContent, 'identityAccessKey: too long (INVALID_REQUEST)')
  t.equal(login.el('login-pass').disabled, false, 'an invalid form can be corrected')
  t.equal(messages().length, 1, 'a 400 is shown, not reported')
  login.el('login-fail').fire('click')
  await login.settle()
  t.match(messages()[1], { type: 'error', code: 'BIOMETRIC_AUTHENTICATION_FAILED', step: 'FACE_AUTHENTICATION', reason: 'BIOMETRIC_AUTHENTICATION_FAILED' })
  for (const reason of ['IDENTITY_NOT_FOUND', 'NETWORK_ERROR', 'HTTP_ERROR']) {
    login.el('login-pass').fire('click')
    await login.settle()
    t.match(messages().at(-1), { type: 'error', code: 'FATAL_ERROR', step: 'FACE_AUTHENTICATION', reason }, reason)
  }
  login.el('login-pass').fire('click')
  await login.settle()
  t.same(messages().slice(-2), [
    { type: 'step', step: 'FINISHED', source: 'passbase-sandbox' },
    { type: 'finish', identityAccessKey: 'id-9', source: 'passbase-sandbox' }
  ])
  t.match(login.requests[0], { body: { integrationType: 'login', identityAccessKey: 'id-9', result: 'pass' } })
  t.match(login.requests[1], { body: { result: 'fail' } })
  neverStar(t, [...bad.posted, ...cancel.posted, ...login.posted])
})

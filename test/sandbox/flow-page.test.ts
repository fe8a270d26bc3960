import t, { type Test } from 'tap'
import { run, type Posted } from './flow-page-dom.js'
import { sandboxFor } from './helpers.js'

/**
 * The flow page's script, run in a VM against the HTML the sandbox really serves (its
 * elements rebuilt from the markup): what it posts to the host page, to which origin,
 * and that with no valid origin it posts nothing at all.
 */

const PUBLISHABLE = 'pk_page'
const HOST = 'http://localhost:3000'

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

import t, { type Test } from 'tap'
import { createPassbaseClient } from '../../src/browser/index.js'
import { script } from '../../src/generated/browser-client.js'
import { actionIdOf } from '../../src/step-up/action.js'
import { contractServer } from './contract-server.js'
import { installDom, type FakeDocument, type FakeElement } from './fake-dom.js'
import { FAST, browserFetch, rejection, until } from './setup.js'

/**
 * The transaction-bound step-up from the page's side: a refusal that names an action is
 * confirmed with its details in the dialog, started bound, summarised for the button, and
 * opens that one request; other details ask again; concurrent requests for one action
 * share a step-up, different actions take turns. Against a stand-in of the plugin's
 * contract (contract-server.ts) over HTTP, with the fake DOM.
 */

const IBAN = 'DE89 3704 0044 0532 0130 00'

async function setup (t: Test) {
  const dom = installDom()
  ;(globalThis as { Passbase?: unknown }).Passbase = dom.button.api
  const server = await contractServer()
  t.teardown(server.close)
  const browser = browserFetch('ada')
  const client = createPassbaseClient({ prefix: `${server.url}/passbase`, fetch: browser.fetch, stepUpPoll: FAST })
  // the user passes the login when they click the login button
  const summaries: Array<string | undefined> = []
  dom.button.onClick = ({ options }) => {
    summaries.push(options.summary)
    server.authenticate('ada')
    options.onFinish?.(options.identityAccessKey ?? '')
  }
  return { ...dom, server, browser, client, summaries }
}

function payout (client: ReturnType<typeof createPassbaseClient>, url: string, amount: number, payee = IBAN): Promise<Response> {
  return client.fetch(`${url}/payout`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount, payee })
  })
}

function rows (dialog: FakeElement): string[][] {
  const dl = dialog.find('passbase-stepup-action')
  return (dl?.children ?? []).map((pair) => pair.children.map((c) => c.text))
}

async function loginButton (document: FakeDocument): Promise<FakeElement> {
  await until(() => document.find('passbase-login-button') !== undefined, 'the login button is rendered')
  return document.find('passbase-login-button')!
}

/** an element that had focus when the step-up started */
function opener (document: FakeDocument): FakeElement {
  const el = document.createElement('button')
  el.textContent = 'Send payout'
  document.body.appendChild(el)
  el.focus()
  return el
}

t.test('a bound refusal: the details in the dialog, a bound start, the summary for the button, that one request retried', async (t) => {
  const { document, button, server, client, summaries } = await setup(t)
  const sender = opener(document)
  const sent = payout(client, server.url, 50)
  const login = await loginButton(document)
  const dialog = document.find('passbase-stepup')!
  t.equal(dialog.getAttribute('data-bound'), 'true')
  t.equal(dialog.getAttribute('role'), 'dialog')
  t.equal(dialog.children[0]?.text, 'Confirm payout', 'the title names the action')
  t.equal(document.find('passbase-stepup-summary')?.text, `Confirm payout of 50.00 EUR to ${IBAN}`)
  t.same(rows(dialog), [['Type', 'payout'], ['Amount', '50.00 EUR'], ['Payee', IBAN]], 'every field, as label and value')
  t.match(document.find('passbase-stepup-message')?.text, /valid for this request only/)
  t.equal(document.activeElement, login, 'focus is on the login button')
  const { options } = button.calls[0]!
  t.equal(options.integrationType, 'login')
  t.equal(options.identityAccessKey, 'identity-of-ada')
  t.equal(options.summary, `Confirm payout of 50.00 EUR to ${IBAN}`, 'the one-line summary goes to the button')

  login.click()
  const res = await sent
  t.equal(res.status, 200)
  t.same(await res.json(), { paid: true, amount: 50, payee: IBAN })
  const action = { type: 'payout', amount: '50.00 EUR', payee: IBAN }
  t.same(server.starts, [{ action: actionIdOf(action, 'ada', 'POST /payout') }], 'started bound to the refusal\u2019s actionId')
  t.same(summaries, [`Confirm payout of 50.00 EUR to ${IBAN}`])
  t.equal(server.log.filter((l) => l.startsWith('POST /payout')).length, 2, 'refused, then retried once')
  t.equal(document.find('passbase-stepup'), undefined, 'the dialog is gone')
  t.equal(document.activeElement, sender, 'focus is back where it was')
})

t.test('other details ask again; the same details again too (a bound confirmation opens one request)', async (t) => {
  const { document, server, client, summaries } = await setup(t)
  const first = payout(client, server.url, 50)
  ;(await loginButton(document)).click()
  t.equal((await first).status, 200)

  const second = payout(client, server.url, 75, 'FR14 2004 1010 0505 0001 3M02 606')
  await until(() => document.find('passbase-stepup') !== undefined, 'a new dialog')
  t.equal(document.find('passbase-stepup-summary')?.text, 'Confirm payout of 75.00 EUR to FR14 2004 1010 0505 0001 3M02 606')
  ;(await loginButton(document)).click()
  t.equal((await second).status, 200)

  const again = payout(client, server.url, 50)
  ;(await loginButton(document)).click()
  t.equal((await again).status, 200)
  t.equal(summaries.length, 3, 'three payouts, three confirmations')
  t.equal(server.starts.length, 3)
})

t.test('concurrent requests for one action share a step-up; different actions take turns', async (t) => {
  const { document, button, server, client } = await setup(t)
  const both = Promise.all([payout(client, server.url, 20), payout(client, server.url, 20)])
  ;(await loginButton(document)).click()
  const statuses = (await both).map((r) => r.status).sort()
  t.equal(button.calls.length, 1, 'one dialog, one login for the two requests')
  t.same(statuses, [200, 401], 'the proof opens one of them: a double submission is not confirmed twice')

  // two different payouts at once: one dialog after the other, each with its own details
  const shown: string[] = []
  let open = 0
  button.onRender = () => {
    open = document.body.querySelectorAll('[data-testid=passbase-stepup]').length
    shown.push(document.find('passbase-stepup-summary')?.text ?? '')
  }
  const different = Promise.all([payout(client, server.url, 30), payout(client, server.url, 40)])
  ;(await loginButton(document)).click()
  await until(() => shown.length === 2, 'the second dialog')
  t.equal(open, 1, 'never two dialogs at once')
  ;(await loginButton(document)).click()
  t.same((await different).map((r) => r.status), [200, 200])
  t.same(shown.sort(), ['Confirm payout of 30.00 EUR to ' + IBAN, 'Confirm payout of 40.00 EUR to ' + IBAN])
})

t.test('an unbound refusal keeps its window; every POST is sent as JSON (the plugin answers 415 otherwise)', async (t) => {
  const { document, server, client } = await setup(t)
  const statement = client.fetch(`${server.url}/statement`)
  const login = await loginButton(document)
  const dialog = document.find('passbase-stepup')!
  t.equal(dialog.getAttribute('data-bound'), 'false')
  t.equal(dialog.children[0]?.text, 'Confirm it is you')
  t.equal(document.find('passbase-stepup-summary'), undefined, 'no action to summarise')
  t.match(document.find('passbase-stepup-message')?.text, /face authentication \(valid for 5 min\)/)
  login.click()
  t.equal((await statement).status, 200)
  t.equal((await client.fetch(`${server.url}/statement`)).status, 200, 'inside the window: no second step-up')
  t.same(server.starts, [{}], 'an unbound start sends an empty JSON object')

  // a bound route is not opened by the unbound window
  const paid = payout(client, server.url, 5)
  ;(await loginButton(document)).click()
  t.equal((await paid).status, 200)
  const posts = server.log.filter((l) => l.startsWith('POST /passbase/'))
  t.ok(posts.length >= 4)
  t.ok(posts.every((l) => l.endsWith(' application/json')), posts.join('\n'))

  await client.endStepUp()
  t.equal(server.log.at(-1), 'DELETE /passbase/reauth', 'DELETE sends no body')
  const locked = client.fetch(`${server.url}/statement`)
  await loginButton(document)
  document.find('passbase-stepup-cancel')?.click()
  t.equal((await rejection(locked)).code, 'CANCELLED_BY_USER')
})

/** a scripted plugin: `refusal` answers the first request to /guarded */
function scripted (refusal: () => Response, start: Record<string, unknown> = {}) {
  const served: Array<{ url: string, body: string | null, type: string | null }> = []
  let refused = false
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input)
    const headers = new Headers(init?.headers)
    served.push({ url, body: typeof init?.body === 'string' ? init.body : null, type: headers.get('content-type') })
    if (url === '/guarded' && !refused) {
      refused = true
      return refusal()
    }
    if (url === '/p/reauth/start') return Response.json({ challengeId: 'c1', expiresAt: '', ...start })
    if (url === '/p/config') return Response.json({ publishableApiKey: 'pk' })
    if (url === '/p/status') return Response.json({ status: 'approved', identityId: 'id-1' })
    if (url === '/p/reauth/complete') return Response.json({ authTime: '', expiresAt: '' })
    return new Response('ok')
  }
  return { served, fetch }
}

t.test('a bound refusal named only by its WWW-Authenticate header starts bound', async (t) => {
  const { document, button } = installDom()
  ;(globalThis as { Passbase?: unknown }).Passbase = button.api
  const plugin = scripted(() => new Response('', {
    status: 401,
    headers: { 'www-authenticate': 'PassbaseReauth error="insufficient_user_authentication", max_age=60, action_id="abc_-123"' }
  }))
  // the login completes only once the dialog was looked at (it would close at once otherwise)
  let finish = (): void => {}
  const rendered = new Promise<void>((resolve) => {
    button.onRender = ({ options }) => {
      finish = () => { options.onFinish?.('id-1') }
      resolve()
    }
  })
  const client = createPassbaseClient({ prefix: '/p', fetch: plugin.fetch })
  const res = client.fetch('/guarded')
  await rendered
  t.equal(document.find('passbase-stepup')?.children[0]?.text, 'Confirm this action', 'no details: a generic title')
  t.equal(document.find('passbase-stepup-summary')?.text, 'Confirm this action')
  finish()
  t.equal(await (await res).text(), 'ok')
  const start = plugin.served.find((s) => s.url === '/p/reauth/start')
  t.same(start, { url: '/p/reauth/start', body: '{"action":"abc_-123"}', type: 'application/json' })
  t.equal(button.calls[0]?.options.summary, 'Confirm this action')
})

t.test('the details the challenge is bound to (the start answer) win over the refusal\u2019s', async (t) => {
  const { document, button } = installDom()
  ;(globalThis as { Passbase?: unknown }).Passbase = button.api
  const plugin = scripted(() => Response.json({
    code: 'FST_PASSBASE_REAUTH_REQUIRED', maxAge: 300, actionId: 'a1', action: { type: 'payout', amount: '1.00 EUR' }
  }, { status: 401 }), { action: { type: 'payout', amount: '2.00 EUR', payee: 'X' } })
  let summary: string | undefined
  button.onRender = ({ options }) => {
    summary = document.find('passbase-stepup-summary')?.text
    setTimeout(() => options.onFinish?.('id-1'), 1)
  }
  await createPassbaseClient({ prefix: '/p', fetch: plugin.fetch }).fetch('/guarded')
  t.equal(summary, 'Confirm payout of 2.00 EUR to X')
})

t.test('the details are data: markup stays text, disguising characters become visible, other types are dropped', async (t) => {
  const { document, button } = installDom()
  ;(globalThis as { Passbase?: unknown }).Passbase = button.api
  const hostile = {
    type: 'payout',
    payee: '<img src=x onerror=alert(1)>',
    note: 'safe\u202Eevil\u200B',
    nested: { amount: '1' },
    list: ['a'],
    flag: true,
    count: 3,
    infinite: null
  }
  const plugin = scripted(() => Response.json({ code: 'FST_PASSBASE_REAUTH_REQUIRED', actionId: 'a2', action: hostile }, { status: 401 }))
  let seen: string[][] = []
  button.onRender = ({ options }) => {
    seen = rows(document.find('passbase-stepup')!)
    setTimeout(() => options.onFinish?.('id-1'), 1)
  }
  await createPassbaseClient({ prefix: '/p', fetch: plugin.fetch }).fetch('/guarded')
  t.same(seen, [['Type', 'payout'], ['Payee', '<img src=x onerror=alert(1)>'], ['Note', 'safe\ufffdevil\ufffd'], ['Count', '3']])
  t.equal(document.body.querySelectorAll('img').length, 0, 'no element was made from the text')
  t.notMatch(script, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/, 'the helper never parses markup')
})

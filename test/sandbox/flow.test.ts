import { constants, generateKeyPairSync, privateEncrypt, type KeyObject } from 'node:crypto'
import { Script } from 'node:vm'
import t, { type Test } from 'tap'
import { createSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js'
import { receiver, sandboxFor } from './helpers.js'

const PUBLISHABLE = 'pk_test_publishable'
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString()

function sign (value: unknown, key: KeyObject = privateKey): string {
  const plain = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))
  return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, plain).toString('base64')
}

/** a sandbox with the flow's keys and a webhook receiver, both closed at the end of `t` */
async function flowSandbox (t: Test, options: Partial<SandboxOptions> = {}): Promise<Sandbox> {
  const rx = await receiver()
  t.teardown(rx.close)
  return await sandboxFor(t, {
    publishableApiKey: PUBLISHABLE,
    webhookUrl: rx.url,
    metadataPublicKey: PUBLIC_PEM,
    processingDelayMs: 30,
    ...options
  })
}

async function submit (sandbox: Sandbox, body: unknown) {
  const res = await fetch(sandbox.url + '/flow/submit', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://localhost:3000' },
    body: JSON.stringify(body)
  })
  return { status: res.status, headers: res.headers, body: await res.json() as Record<string, unknown> }
}

async function page (sandbox: Sandbox, query: Record<string, string>) {
  const res = await fetch(`${sandbox.url}/flow?${new URLSearchParams(query).toString()}`)
  const html = await res.text()
  const json = /<script type="application\/json" id="flow-data">(.*?)<\/script>/s.exec(html)?.[1] ?? 'null'
  return { res, html, data: JSON.parse(json) as Record<string, unknown> }
}

t.test('GET /button.js serves the button script', async (t) => {
  const sandbox = await flowSandbox(t)
  const res = await fetch(sandbox.buttonUrl)
  t.equal(res.status, 200)
  t.equal(res.headers.get('content-type'), 'application/javascript; charset=utf-8')
  t.equal(res.headers.get('access-control-allow-origin'), '*')
  const script = await res.text()
  // v0.2: the bundle of src/sandbox/browser/button.iife.ts (no longer a hand-written template)
  t.match(script, 'renderButton')
  t.match(script, JSON.stringify(sandbox.url))
  t.notMatch(script, '__PASSBASE_SANDBOX_ORIGIN__', 'the fallback origin is filled in')
  t.doesNotThrow(() => new Script(script), 'valid JavaScript')
})

t.test('GET /flow renders the verifier page', async (t) => {
  const sandbox = await flowSandbox(t)
  const metaData = sign({ user_id: 'u-42' })
  const { res, html, data } = await page(sandbox, { key: PUBLISHABLE, email: 'ada@example.com', metaData, origin: 'http://localhost:3000' })
  t.equal(res.status, 200)
  t.equal(res.headers.get('content-type'), 'text/html; charset=utf-8')
  for (const id of ['flow-form', 'email', 'first-name', 'last-name', 'decision-approve', 'decision-decline', 'decision-pending', 'score', 'submit', 'cancel', 'flow-status', 'metadata']) {
    t.match(html, `data-testid="${id}"`, id)
  }
  t.match(html, 'value="ada@example.com"')
  t.match(html, 'value="0.95"')
  t.match(html, '&#34;user_id&#34;: &#34;u-42&#34;', 'the decrypted metadata is shown')
  t.same(data, { key: PUBLISHABLE, integrationType: 'signup', metaData, origin: 'http://localhost:3000', originProblem: null, error: null })
  const [, nonce, inline] = /<script nonce="([^"]+)">(.*?)<\/script>/s.exec(html) ?? []
  t.doesNotThrow(() => new Script(inline ?? ''), 'the page script is valid JavaScript')
  t.match(res.headers.get('content-security-policy'), `script-src 'nonce-${String(nonce)}'`, 'only the page\'s own script runs')
  t.notMatch(res.headers.get('content-security-policy'), 'frame-ancestors', 'the flow page is framed by the host page')

  const login = await page(sandbox, { key: PUBLISHABLE, integrationType: 'login', identityAccessKey: 'abc', origin: 'not a url' })
  for (const id of ['identity-access-key', 'login-pass', 'login-fail', 'cancel']) t.match(login.html, `data-testid="${id}"`, id)
  t.match(login.html, 'value="abc"')
  t.notMatch(login.html, 'data-testid="decision-approve"')
  // v0.2: never '*': an invalid origin is no target at all
  t.equal(login.data.origin, null, 'an invalid origin is not a postMessage target')
  t.equal(login.data.originProblem, 'invalid')
  t.equal(login.data.integrationType, 'login')

  const badKey = await page(sandbox, { key: 'pk_wrong' })
  t.match(badKey.html, 'data-testid="flow-error" data-code="INVALID_PUBLISHABLE_KEY"')
  t.match(badKey.data, { error: { code: 'INVALID_PUBLISHABLE_KEY' } })
  t.notMatch(badKey.html, 'data-testid="submit"')

  const badMeta = await page(sandbox, { key: PUBLISHABLE, metaData: 'bm90IGVuY3J5cHRlZA==' })
  t.match(badMeta.data, { error: { code: 'INVALID_METADATA' } })

  const hostile = await page(sandbox, { key: PUBLISHABLE, email: '"><script>alert(1)</script>', metaData: '</script><b>' })
  t.notMatch(hostile.html, '<script>alert(1)')
  t.notMatch(hostile.html, '</script><b>')
  t.match(hostile.data, { error: { code: 'INVALID_METADATA' } })

  const repeated = await fetch(`${sandbox.url}/flow?key=${PUBLISHABLE}&key=other`)
  t.notMatch(await repeated.text(), 'flow-error', 'the first of repeated parameters counts')
})

t.test('POST /flow/submit creates a processing identity, then reviews it', async (t) => {
  const sandbox = await flowSandbox(t, { processingDelayMs: 80 })
  const metaData = sign({ user_id: 'u-42', nonce: 'n' })
  const started = Date.now()
  const res = await submit(sandbox, {
    key: PUBLISHABLE, metaData, email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', decision: 'declined', score: 0.42
  })
  t.equal(res.status, 201)
  t.equal(res.headers.get('access-control-allow-origin'), '*')
  const id = String(res.body.identityAccessKey)
  t.same(res.body, { identityAccessKey: id, status: 'processing' })
  t.match(sandbox.getIdentity(id), {
    status: 'processing',
    metadata: { user_id: 'u-42', nonce: 'n' },
    owner: { email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' }
  })
  t.equal(sandbox.deliveries.length, 0, 'nothing delivered before the processing delay')
  const reviewed = await sandbox.waitForDelivery((d) => d.event === 'VERIFICATION_REVIEWED' && d.key === id)
  t.ok(Date.now() - started >= 75, 'after the processing delay')
  t.match(reviewed, { status: 200, body: { status: 'declined', key: id } })
  t.match(sandbox.getIdentity(id), { status: 'declined', score: 0.42 })
  t.same(sandbox.deliveries.map((d) => d.event), ['VERIFICATION_COMPLETED', 'VERIFICATION_REVIEWED'])

  const defaults = await submit(sandbox, { key: PUBLISHABLE, email: '' })
  t.equal(defaults.status, 201)
  await sandbox.settled()
  t.match(sandbox.getIdentity(String(defaults.body.identityAccessKey)), { status: 'approved', score: 0.95, metadata: null, owner: { email: /@example\.com$/ } })
})

t.test('POST /flow/submit rejects bad keys, metaData and bodies', async (t) => {
  const sandbox = await flowSandbox(t)
  t.match(await submit(sandbox, { key: 'pk_wrong' }), { status: 401, body: { code: 'INVALID_PUBLISHABLE_KEY' } })
  for (const metaData of ['not base64!', 'bm90IGVuY3J5cHRlZA==', sign([1, 2]), sign('null'), sign('not json')]) {
    t.match(await submit(sandbox, { key: PUBLISHABLE, metaData }), { status: 400, body: { code: 'INVALID_METADATA', message: String } }, metaData)
  }
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
  t.match(await submit(sandbox, { key: PUBLISHABLE, metaData: sign({ user_id: 'x' }, other) }), { status: 400, body: { code: 'INVALID_METADATA' } })
  t.match(await submit(sandbox, { key: PUBLISHABLE, score: 2 }), { status: 400, body: { code: 'INVALID_REQUEST', message: /score/ } })
  t.match(await submit(sandbox, { key: PUBLISHABLE, decision: 'maybe' }), { status: 400, body: { code: 'INVALID_REQUEST' } })
  t.match(await submit(sandbox, 'just a string'), { status: 400, body: { code: 'INVALID_REQUEST' } })

  const broken = await fetch(sandbox.url + '/flow/submit', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' })
  t.equal(broken.status, 400)
  t.match(await broken.json(), { code: 'INVALID_REQUEST' })
  const wrongType = await fetch(sandbox.url + '/flow/submit', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'a,b' })
  t.equal(wrongType.status, 415)
  t.match(await wrongType.json(), { code: 'INVALID_REQUEST' })
  t.equal(sandbox.listIdentities().length, 0, 'nothing created')

  const preflight = await fetch(sandbox.url + '/flow/submit', { method: 'OPTIONS', headers: { origin: 'http://localhost:3000' } })
  t.equal(preflight.status, 204)
  t.equal(preflight.headers.get('access-control-allow-origin'), '*')
  t.match(preflight.headers.get('access-control-allow-methods'), 'POST')
  t.match(preflight.headers.get('access-control-allow-headers'), 'content-type')
})

t.test('metaData is ignored without a metadata public key; key objects are accepted', async (t) => {
  const plain = await flowSandbox(t, { metadataPublicKey: undefined })
  const res = await submit(plain, { key: PUBLISHABLE, metaData: sign({ user_id: 'u' }) })
  t.equal(res.status, 201)
  t.equal(plain.getIdentity(String(res.body.identityAccessKey))?.metadata, null)

  for (const key of [publicKey, privateKey]) {
    const sandbox = await flowSandbox(t, { metadataPublicKey: key })
    const ok = await submit(sandbox, { key: PUBLISHABLE, metaData: sign({ user_id: key.type }) })
    t.same(sandbox.getIdentity(String(ok.body.identityAccessKey))?.metadata, { user_id: key.type })
  }
  await t.rejects(createSandbox({ secretApiKey: 'k', metadataPublicKey: 'not a pem' }))
})

t.test('the login flow authenticates or fails without a webhook', async (t) => {
  const sandbox = await flowSandbox(t)
  const identity = await sandbox.createIdentity({ status: 'approved', owner: { email: 'Grace@Example.com' } })

  const pass = await submit(sandbox, { key: PUBLISHABLE, integrationType: 'login', identityAccessKey: identity.id, result: 'pass' })
  t.match(pass, { status: 200, body: { identityAccessKey: identity.id, authenticated: true } })
  const delivery = await sandbox.waitForDelivery((d) => d.event === 'IDENTITY_AUTHENTICATED')
  t.match(delivery.body, { key: identity.id, status: 'approved' })
  t.equal(sandbox.getIdentity(identity.id)?.updated, identity.updated, 'a login does not change the identity')

  const byEmail = await submit(sandbox, { key: PUBLISHABLE, integrationType: 'login', email: 'grace@example.com' })
  t.match(byEmail, { status: 200, body: { identityAccessKey: identity.id } })
  await sandbox.settled()

  const fail = await submit(sandbox, { key: PUBLISHABLE, integrationType: 'login', identityAccessKey: identity.id, result: 'fail' })
  t.match(fail, { status: 422, body: { code: 'BIOMETRIC_AUTHENTICATION_FAILED' } })
  t.match(await submit(sandbox, { key: PUBLISHABLE, integrationType: 'login', identityAccessKey: 'nope' }), { status: 404, body: { code: 'IDENTITY_NOT_FOUND' } })
  t.match(await submit(sandbox, { key: PUBLISHABLE, integrationType: 'login', email: 'nobody@example.com' }), { status: 404 })
  t.match(await submit(sandbox, { key: PUBLISHABLE, integrationType: 'login' }), { status: 404 })
  await sandbox.settled()
  t.equal(sandbox.deliveries.filter((d) => d.event === 'IDENTITY_AUTHENTICATED').length, 2, 'the failed login sent nothing')
})

t.test('close cancels flow jobs still waiting for their processing delay', async (t) => {
  const sandbox = await createSandbox({ secretApiKey: 'k', publishableApiKey: PUBLISHABLE, processingDelayMs: 60_000 })
  const res = await submit(sandbox, { key: PUBLISHABLE })
  t.equal(res.status, 201)
  const started = Date.now()
  await sandbox.close()
  t.ok(Date.now() - started < 5000, 'close does not wait for the delay')
  t.equal(sandbox.deliveries.length, 0)
  t.equal(sandbox.getIdentity(String(res.body.identityAccessKey))?.status, 'processing')
})

t.test('GET /flow takes only an exact http(s) origin as the postMessage target', async (t) => {
  const sandbox = await flowSandbox(t)
  const cases: Array<[string | undefined, string | null, string | null]> = [
    ['http://localhost:3000', 'http://localhost:3000', null],
    ['https://shop.example', 'https://shop.example', null],
    [undefined, null, 'missing'],
    ['', null, 'missing'],
    ['*', null, 'invalid'],
    ['http://localhost:3000/', null, 'invalid'],
    ['http://localhost:3000/path', null, 'invalid'],
    ['HTTP://LOCALHOST:3000', null, 'invalid'],
    ['javascript:alert(1)', null, 'invalid'],
    ['ftp://files.example', null, 'invalid'],
    ['null', null, 'invalid']
  ]
  for (const [origin, target, problem] of cases) {
    const query: Record<string, string> = { key: PUBLISHABLE }
    if (origin !== undefined) query.origin = origin
    const { data } = await page(sandbox, query)
    t.same([data.origin, data.originProblem], [target, problem], `origin ${String(origin)}`)
  }
})

t.test('the login page shows the summary prominently, escaped; signup ignores it', async (t) => {
  const sandbox = await flowSandbox(t)
  const summary = 'Confirm payout of 50.00 EUR to DE89 3704 0044 0532 0130 00 <img src=x onerror=alert(1)> & "more"'
  const login = await page(sandbox, { key: PUBLISHABLE, integrationType: 'login', identityAccessKey: 'abc', summary, origin: 'http://localhost:3000' })
  t.match(login.html, 'data-testid="summary"')
  t.match(login.html, 'Confirm payout of 50.00 EUR to DE89 3704 0044 0532 0130 00 &#60;img src=x onerror=alert(1)&#62; &#38; &#34;more&#34;')
  t.notMatch(login.html, '<img')
  t.ok(login.html.indexOf('data-testid="summary"') < login.html.indexOf('data-testid="login-pass"'), 'above the buttons')

  const signup = await page(sandbox, { key: PUBLISHABLE, summary, origin: 'http://localhost:3000' })
  t.notMatch(signup.html, 'data-testid="summary"')
  t.notMatch(signup.html, 'Confirm payout')

  const long = await page(sandbox, { key: PUBLISHABLE, integrationType: 'login', summary: 'x'.repeat(1001) })
  t.match(long.data, { error: { code: 'INVALID_SUMMARY' } })
  t.notMatch(long.html, 'x'.repeat(1001))
  t.match((await page(sandbox, { key: PUBLISHABLE, integrationType: 'login', summary: 'y'.repeat(1000) })).html, 'y'.repeat(1000))
})

t.test('the signup page offers document fields; their values reach the identity', async (t) => {
  const sandbox = await flowSandbox(t)
  const { html } = await page(sandbox, { key: PUBLISHABLE, country: 'fr' })
  for (const id of ['document-type', 'document-country', 'document-expiry']) t.match(html, `data-testid="${id}"`, id)
  t.match(html, /id="document-expiry" name="documentExpiry" type="date"/)
  t.match(html, /data-testid="document-country"\s+value="FR"/, 'prefillAttributes.country')
  t.match((await page(sandbox, { key: PUBLISHABLE, country: '"><b>' })).html, /data-testid="document-country"\s+value="DE"/, 'not a country: the default')

  const res = await submit(sandbox, { key: PUBLISHABLE, documentType: 'DRIVERS_LICENSE', documentCountry: 'at', documentExpiry: '2029-12-31' })
  t.equal(res.status, 201)
  const identity = sandbox.getIdentity(String(res.body.identityAccessKey))!
  t.match(identity.resources[0], { type: 'DRIVERS_LICENSE', datapoints: { date_of_expiry: '2029-12-31', document_origin_country: 'AT' } })
  t.match(await submit(sandbox, { key: PUBLISHABLE, documentExpiry: '2029-13-01' }), { status: 400, body: { code: 'INVALID_REQUEST', message: /documentExpiry/ } })
  t.match(await submit(sandbox, { key: PUBLISHABLE, documentCountry: 'A1' }), { status: 400, body: { message: /documentCountry/ } })
  const blank = await submit(sandbox, { key: PUBLISHABLE, documentExpiry: '', documentCountry: '' })
  t.equal(blank.status, 201, 'empty fields mean the defaults')
  t.match(sandbox.getIdentity(String(blank.body.identityAccessKey))!.resources[0].datapoints, { document_origin_country: 'DE', date_of_expiry: /^\d{4}-/ })
})

t.test('GET / answers JSON, or sends a browser to the identities page', async (t) => {
  const sandbox = await flowSandbox(t)
  t.match(await (await fetch(sandbox.url + '/')).json(), { name: 'passbase-sandbox', identitiesPage: sandbox.url + '/identities' })
  const browser = await fetch(sandbox.url + '/', { headers: { accept: 'text/html,application/xhtml+xml' }, redirect: 'manual' })
  t.equal(browser.status, 302)
  t.equal(browser.headers.get('location'), '/identities')
  const res = await fetch(sandbox.url + '/identities')
  t.equal(res.status, 200)
  t.match(res.headers.get('content-security-policy'), "connect-src 'self'")
  t.match(res.headers.get('content-security-policy'), "frame-ancestors 'none'", 'the identities page cannot be framed')
  const html = await res.text()
  for (const id of ['api-key', 'flag-type', 'load', 'identities-body', 'identities-status']) t.match(html, `data-testid="${id}"`, id)
  const identity = await sandbox.createIdentity()
  t.notMatch(html + (await (await fetch(sandbox.url + '/identities')).text()), identity.id, 'the page itself holds no identity')
})

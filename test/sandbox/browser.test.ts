import { constants, generateKeyPairSync, privateEncrypt } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser, type Page } from 'playwright-core'
import t from 'tap'
import { createSandbox } from '../src/sandbox/index.js'

/**
 * The button and the verification page in a real browser (Debian's Chromium), the
 * host page on another origin than the sandbox. Skipped when Chromium is missing.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const PUBLISHABLE = 'pk_browser'

if (!existsSync(CHROMIUM)) {
  t.plan(0, `no Chromium at ${CHROMIUM}`)
} else {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const sandbox = await createSandbox({
    secretApiKey: 'sk_browser',
    publishableApiKey: PUBLISHABLE,
    metadataPublicKey: publicKey,
    processingDelayMs: 1000,
    retry: { attempts: 1 }
  })

  const hostPage = `<!doctype html><html><head><meta charset="utf-8"><title>host</title></head><body>
    <div id="verify"></div>
    <script src="${sandbox.buttonUrl}"></script>
    <script>
      window.events = []
      const q = new URLSearchParams(location.search)
      Passbase.renderButton(document.getElementById('verify'), q.get('key'), {
        integrationType: q.get('type') || 'signup',
        identityAccessKey: q.get('iak') || undefined,
        metaData: q.get('metaData') || undefined,
        prefillAttributes: { email: q.get('email') || undefined },
        onStart: () => events.push(['start']),
        onSubmitted: (key) => events.push(['submitted', key]),
        onFinish: (key) => events.push(['finish', key]),
        onError: (error) => events.push(['error', error.code])
      })
    </script></body></html>`
  const host = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8')
    res.end(hostPage)
  })
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve))
  const hostUrl = `http://localhost:${(host.address() as AddressInfo).port}/`

  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync']
  })
  t.teardown(async () => {
    await browser.close()
    await sandbox.close()
    host.close()
  })

  async function open (query: Record<string, string>): Promise<Page> {
    const page = await browser.newPage()
    await page.goto(`${hostUrl}?${new URLSearchParams({ key: PUBLISHABLE, ...query }).toString()}`)
    return page
  }

  async function events (page: Page, count: number): Promise<unknown[][]> {
    await page.waitForFunction((n) => (window as unknown as { events: unknown[] }).events.length >= n, count)
    return await page.evaluate(() => (window as unknown as { events: unknown[][] }).events)
  }

  t.test('signup: pick decline with a score, submit, get the key and the webhooks', async (t) => {
    const metaData = privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING },
      Buffer.from(JSON.stringify({ user_id: 'u-7' }))).toString('base64')
    const page = await open({ email: 'ada@example.com', metaData })
    t.teardown(() => page.close())
    await page.getByTestId('passbase-verify-button').click()
    const flow = page.frameLocator('[data-testid="passbase-frame"]')
    t.equal(await flow.getByTestId('email').inputValue(), 'ada@example.com')
    t.match(await flow.getByTestId('metadata').textContent(), '"user_id": "u-7"')
    await flow.getByTestId('decision-decline').check()
    await flow.getByTestId('score').fill('0.5')
    await flow.getByTestId('submit').click()
    const seen = await events(page, 3)
    t.same(seen.map((e) => e[0]), ['start', 'submitted', 'finish'])
    const id = String(seen[2][1])
    t.equal(seen[1][1], id)
    t.equal(await page.getByTestId('passbase-overlay').count(), 0, 'the overlay closed')
    t.match(sandbox.getIdentity(id), { status: 'processing', metadata: { user_id: 'u-7' }, owner: { email: 'ada@example.com' } })
    await sandbox.waitForDelivery((d) => d.key === id && d.event === 'VERIFICATION_REVIEWED')
    t.match(sandbox.getIdentity(id), { status: 'declined', score: 0.5 })
  })

  t.test('cancel and a bad publishable key call onError', async (t) => {
    const page = await open({})
    t.teardown(() => page.close())
    await page.getByTestId('passbase-verify-button').click()
    await page.frameLocator('[data-testid="passbase-frame"]').getByTestId('cancel').click()
    t.same(await events(page, 2), [['start'], ['error', 'CANCELLED_BY_USER']])

    const bad = await open({ key: 'pk_unknown' })
    t.teardown(() => bad.close())
    await bad.getByTestId('passbase-verify-button').click()
    t.same(await events(bad, 2), [['start'], ['error', 'INVALID_PUBLISHABLE_KEY']])

    const badMeta = await open({ metaData: 'AAAA' })
    t.teardown(() => badMeta.close())
    await badMeta.getByTestId('passbase-verify-button').click()
    t.same(await events(badMeta, 2), [['start'], ['error', 'INVALID_METADATA']])
  })

  t.test('login: pass authenticates, fail reports BIOMETRIC_AUTHENTICATION_FAILED', async (t) => {
    const identity = await sandbox.createIdentity({ status: 'approved' })
    const page = await open({ type: 'login', iak: identity.id })
    t.teardown(() => page.close())
    t.equal(await page.getByTestId('passbase-login-button').textContent(), 'Log in with Passbase')
    await page.getByTestId('passbase-login-button').click()
    const flow = page.frameLocator('[data-testid="passbase-frame"]')
    t.equal(await flow.getByTestId('identity-access-key').inputValue(), identity.id)
    await flow.getByTestId('login-pass').click()
    t.same(await events(page, 2), [['start'], ['finish', identity.id]])
    const delivery = await sandbox.waitForDelivery((d) => d.key === identity.id && d.event === 'IDENTITY_AUTHENTICATED')
    t.equal(delivery.body.status, 'approved')

    await page.getByTestId('passbase-login-button').click()
    await flow.getByTestId('login-fail').click()
    t.same((await events(page, 4)).slice(2), [['start'], ['error', 'BIOMETRIC_AUTHENTICATION_FAILED']])
    await sandbox.settled()
    t.equal(sandbox.deliveries.filter((d) => d.key === identity.id).length, 1, 'no webhook for a failed login')
  })

  t.test('the flow page works opened directly', async (t) => {
    const page = await browser.newPage()
    t.teardown(() => page.close())
    await page.goto(`${sandbox.url}/flow?key=${PUBLISHABLE}&email=direct@example.com`)
    await page.getByTestId('decision-pending').check()
    await page.getByTestId('submit').click()
    const status = page.getByTestId('flow-status')
    await status.filter({ hasText: 'is processing' }).waitFor()
    const id = await status.getAttribute('data-identity-access-key')
    t.match(sandbox.getIdentity(String(id)), { owner: { email: 'direct@example.com' } })

    const invalid = await browser.newPage()
    t.teardown(() => invalid.close())
    await invalid.goto(`${sandbox.url}/flow?key=${PUBLISHABLE}`)
    await invalid.getByTestId('score').fill('3')
    await invalid.getByTestId('submit').click()
    await invalid.getByTestId('flow-status').filter({ hasText: 'INVALID_REQUEST' }).waitFor()
    t.equal(await invalid.getByTestId('submit').isEnabled(), true, 'the form can be corrected')
  })
}

import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import t, { type Test } from 'tap'

/**
 * The whole journey in a real browser (Debian's Chromium, headless): the example
 * wallet app (built package, in-process sandbox, SQLite store in a temp dir),
 * driven like a user: sign in, Verify Me, act as the verifier in the sandbox page,
 * watch the status settle, open the profile, send a payout through the step-up.
 * Needs `npm run build` first (`npm test` does it).
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const DIST = new URL('../../dist/index.js', import.meta.url)
const WAIT = { timeout: 20_000 }

if (!existsSync(CHROMIUM)) {
  console.error([
    '',
    '#'.repeat(78),
    `# e2e SKIPPED: no Chromium at ${CHROMIUM}.`,
    '# Install it (apt-get install -y chromium) or set CHROMIUM_PATH; .ci/run installs it.',
    '#'.repeat(78),
    ''
  ].join('\n'))
  t.skip(`end-to-end journey: no Chromium at ${CHROMIUM}`, () => {})
} else if (!existsSync(DIST)) {
  t.fail('dist/ is missing: run `npm run build` before this test (`npm test` does it)')
} else {
  await journey()
}

async function journey (): Promise<void> {
  const { start } = await import('../../example/server.js')
  const dataDir = mkdtempSync(join(tmpdir(), 'passbase-e2e-'))
  const wallet = await start({ port: 0, dataDir, processingDelayMs: 250, logger: false, env: {} })
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-quic', '--disable-sync']
  })
  t.teardown(async () => {
    await browser.close()
    await wallet.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  /** a fresh browser profile (own cookies) with the wallet open; page errors fail the test */
  async function openWallet (t: Test): Promise<{ context: BrowserContext, page: Page, errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } })
    t.teardown(() => context.close())
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    await page.goto(wallet.url)
    return { context, page, errors }
  }

  async function signIn (page: Page, name: string): Promise<void> {
    await page.getByTestId('signin-name').fill(name)
    await page.getByTestId('signin-submit').click()
    await page.waitForSelector('[data-testid=verification-status][data-status=none]', WAIT)
  }

  /** clicks Verify Me and plays the verifier in the sandbox page */
  async function verify (t: Test, page: Page, decision: 'approve' | 'decline', score: string): Promise<void> {
    await page.getByTestId('passbase-verify-button').click()
    const flow = page.frameLocator('[data-testid=passbase-frame]')
    await flow.getByTestId('flow-form').waitFor(WAIT)
    t.match(await flow.getByTestId('metadata').textContent(), /"user_id"/, 'the sandbox decrypted the signed metaData')
    await flow.getByTestId(`decision-${decision}`).check()
    await flow.getByTestId('score').fill(score)
    await flow.getByTestId('submit').click()
    await page.getByTestId('passbase-overlay').waitFor({ state: 'detached', ...WAIT })
  }

  async function statusOf (page: Page): Promise<string | null> {
    return await page.getByTestId('verification-status').getAttribute('data-status')
  }

  async function payout (page: Page, amount: string): Promise<void> {
    await page.getByTestId('payout-amount').fill(amount)
    await page.getByTestId('payout-submit').click()
  }

  t.test('approved: verify, profile, payout through the step-up', async (t) => {
    const { page, errors } = await openWallet(t)
    await signIn(page, 'alice')
    t.equal(await page.getByTestId('user-name').textContent(), 'alice')

    // before verification the guarded routes refuse
    await page.getByTestId('open-profile').click()
    t.match(await page.getByTestId('profile').textContent(), /Refused \(403\).*none/)

    await verify(t, page, 'approve', '0.95')
    // the status follows by polling: processing first, approved once the webhooks arrived
    await page.waitForSelector('[data-testid=verification-status][data-status=approved]', WAIT)
    t.equal(await statusOf(page), 'approved')
    t.equal(await wallet.app.passbase.statusOf('user:alice'), 'approved', 'the store agrees')
    t.ok(await page.getByTestId('verify').isHidden(), 'the Verify Me button is gone')
    await page.waitForSelector('[data-testid=activity] li:has-text("→ approved")', WAIT)

    await page.getByTestId('open-profile').click()
    await page.waitForSelector('[data-testid=profile] dl', WAIT)
    const profile = await page.getByTestId('profile').textContent()
    t.match(profile, /Sandbox User/, 'personal data fetched from the provider')
    t.match(profile, /alice@example\.com/, 'the prefilled email went through the flow')

    // the payout asks for a step-up: the helper shows the login button, the user passes
    await payout(page, '25')
    const dialog = page.getByTestId('passbase-stepup')
    await dialog.waitFor(WAIT)
    t.match(await page.getByTestId('passbase-stepup-message').textContent(), /face authentication \(valid for 5 min\)/)
    await page.getByTestId('passbase-login-button').click()
    const login = page.frameLocator('[data-testid=passbase-frame]')
    await login.getByTestId('login-pass').waitFor(WAIT)
    t.not(await login.getByTestId('identity-access-key').inputValue(), '', 'the login knows which identity')
    await login.getByTestId('login-pass').click()
    await page.waitForSelector('[data-testid=payout-result].ok', WAIT)
    t.match(await page.getByTestId('payout-result').textContent(), /Sent €25\.00/)
    t.equal(await page.getByTestId('balance').textContent(), '€975.00')
    t.ok(await dialog.isHidden(), 'the step-up dialog closed')
    t.ok(wallet.sandbox?.deliveries.some((d) => d.event === 'IDENTITY_AUTHENTICATED' && d.status === 200),
      'the re-authentication webhook was delivered and accepted')

    // within the window, the next payout goes straight through
    await payout(page, '5')
    await page.waitForSelector('[data-testid=payout-result]:has-text("Sent €5.00")', WAIT)
    t.ok(await dialog.isHidden(), 'no second step-up inside the window')
    t.equal(await page.getByTestId('balance').textContent(), '€970.00')

    // after "Lock payouts again" the step-up is asked again; cancelling sends nothing
    await page.getByTestId('end-stepup').click()
    await page.getByTestId('notice').filter({ hasText: 'Payouts locked' }).waitFor(WAIT)
    await payout(page, '7')
    await dialog.waitFor(WAIT)
    await page.getByTestId('passbase-stepup-cancel').click()
    await page.waitForSelector('[data-testid=payout-result].error', WAIT)
    t.match(await page.getByTestId('payout-result').textContent(), /cancelled/)
    t.equal(await page.getByTestId('balance').textContent(), '€970.00')
    await page.waitForSelector('[data-testid=activity] li[data-kind=payout] >> nth=1', WAIT)
    t.same(errors, [], 'no uncaught errors in the page')
  })

  t.test('declined: the status becomes declined, profile and payout are refused', async (t) => {
    const { page, errors } = await openWallet(t)
    await signIn(page, 'bob')
    await verify(t, page, 'decline', '0.30')
    await page.waitForSelector('[data-testid=verification-status][data-status=declined]', WAIT)
    t.equal(await wallet.app.passbase.statusOf('user:bob'), 'declined')
    t.ok(await page.getByTestId('passbase-verify-button').isVisible(), 'Verify Me is offered again')

    await page.getByTestId('open-profile').click()
    await page.waitForSelector('[data-testid=profile].error', WAIT)
    t.match(await page.getByTestId('profile').textContent(), /Refused \(403\).*declined/)

    await payout(page, '10')
    await page.waitForSelector('[data-testid=payout-result].error', WAIT)
    t.match(await page.getByTestId('payout-result').textContent(), /Refused \(403\)/, 'no step-up for an unverified user')
    t.ok(await page.getByTestId('passbase-stepup').isHidden())
    t.equal(await page.getByTestId('balance').textContent(), '€1,000.00')
    t.same(errors, [], 'no uncaught errors in the page')
  })

  t.test('a failed face authentication can be retried', async (t) => {
    const { page, errors } = await openWallet(t)
    await signIn(page, 'carol')
    await verify(t, page, 'approve', '0.9')
    await page.waitForSelector('[data-testid=verification-status][data-status=approved]', WAIT)
    await payout(page, '1')
    await page.getByTestId('passbase-stepup').waitFor(WAIT)
    await page.getByTestId('passbase-login-button').click()
    await page.frameLocator('[data-testid=passbase-frame]').getByTestId('login-fail').click()
    await page.waitForSelector('[data-testid=passbase-stepup-message][data-state=error]', WAIT)
    t.match(await page.getByTestId('passbase-stepup-message').textContent(), /Try again/)
    await page.getByTestId('passbase-login-button').click()
    await page.frameLocator('[data-testid=passbase-frame]').getByTestId('login-pass').click()
    await page.waitForSelector('[data-testid=payout-result]:has-text("Sent €1.00")', WAIT)
    t.same(errors, [], 'no uncaught errors in the page')
  })

  t.test('a score under the local threshold stays in review, and the page survives a reload', async (t) => {
    const { page, errors } = await openWallet(t)
    await signIn(page, 'dave')
    await verify(t, page, 'approve', '0.8')
    // the provider approved, but 0.8 < thresholds.approveAt (0.85): manual review
    await page.waitForSelector('[data-testid=verification-status][data-status=pending]', WAIT)
    await page.reload()
    await page.waitForSelector('[data-testid=verification-status][data-status=pending]', WAIT)
    t.match(await page.getByTestId('status-detail').textContent(), /threshold/)
    t.same(errors, [], 'no uncaught errors in the page')
  })
}

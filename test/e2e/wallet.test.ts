import t from 'tap'
import { IBAN, WAIT, canRun, launch, openWallet, passLogin, payout, seeText, signIn, startWallet, verify, waitForStatus, flow } from './helpers.js'

/**
 * The whole journey in a real browser (Debian's Chromium, headless): the example wallet
 * app (built package, in-process sandbox, SQLite store in a temp dir), driven like a user:
 * sign in, Verify Me, act as the verifier in the sandbox page, watch the status settle,
 * open the profile, confirm each payout with a face authentication (transaction-bound
 * step-up), open the statement inside a step-up window. Needs `npm run build` first.
 */

if (canRun(t)) {
  const wallet = await startWallet(t)
  const browser = await launch(t)

  t.test('approved: verify, profile, payouts confirmed one by one, the statement in a window', async (t) => {
    const { page, errors, missing } = await openWallet(t, browser, wallet)
    t.ok(await page.getByTestId('sign-out').isHidden(), 'no Sign out on the sign-in page')
    t.ok(await page.locator('#avatar').isHidden(), 'no empty avatar either')
    await signIn(page, 'alice')
    t.equal(await page.getByTestId('user-name').textContent(), 'alice')
    t.ok(await page.getByTestId('sign-out').isVisible())

    // before verification the guarded routes refuse, in words
    await page.getByTestId('open-profile').click()
    await seeText(t, page.getByTestId('profile'), /Refused \(403\).*not verified yet/)

    await verify(t, page, 'approve', '0.95')
    // the status follows by polling: processing first, approved once the webhooks arrived
    await waitForStatus(page, 'approved')
    t.equal(await wallet.app.passbase.statusOf('user:alice'), 'approved', 'the store agrees')
    t.ok(await page.getByTestId('verify').isHidden(), 'the Verify Me button is gone')
    t.equal(await page.getByTestId('profile').textContent(), '', 'the old refusal is gone with the old status')
    await seeText(t, page.getByTestId('status-text'), /verified until \d{1,2} \w+ \d{4}/, 'Verified until … (expiry.maxAge)')
    await seeText(t, page.getByTestId('announcer'), /Identity status: Verified/, 'the change was announced')
    await page.locator('[data-testid=activity] li[data-to=approved]').waitFor(WAIT)
    await seeText(t, page.locator('[data-testid=activity] li[data-to=approved]'), /Processing → Verified \(score 0\.95\)/)

    await page.getByTestId('open-profile').click()
    await page.locator('[data-testid=profile] dl').waitFor(WAIT)
    const profile = await page.getByTestId('profile').textContent()
    t.match(profile, /Sandbox User/, 'personal data fetched from the provider')
    t.match(profile, /alice@example\.com/, 'the prefilled email went through the flow')

    // a payout asks to confirm its details: the dialog and the sandbox's login page show them
    await payout(page, '25')
    const dialog = page.getByTestId('passbase-stepup')
    await dialog.waitFor(WAIT)
    t.equal(await dialog.getAttribute('data-bound'), 'true')
    t.equal(await page.getByTestId('passbase-stepup-summary').textContent(), `Confirm payout of 25.00 EUR to ${IBAN}`)
    t.same(await page.locator('[data-testid=passbase-stepup-action] dd').allTextContents(), ['payout', '25.00 EUR', IBAN])
    await page.getByTestId('passbase-login-button').click()
    const login = flow(page)
    await login.getByTestId('login-pass').waitFor(WAIT)
    t.not(await login.getByTestId('identity-access-key').inputValue(), '', 'the login knows which identity')
    await seeText(t, login.locator('body'), /Confirm payout of 25\.00 EUR/, 'the sandbox login page shows the summary')
    await login.getByTestId('login-pass').click()
    // while the authentication is confirmed, the login button cannot be pressed again
    await page.waitForFunction(() => {
      const message = document.querySelector('[data-testid=passbase-stepup-message]')
      const button = document.querySelector<HTMLButtonElement>('[data-testid=passbase-login-button]')
      return message?.getAttribute('data-state') === 'busy' && button !== null && button.disabled
    }, undefined, { ...WAIT, polling: 10 })
    await page.locator('[data-testid=payout-result].ok').waitFor(WAIT)
    await seeText(t, page.getByTestId('payout-result'), /Sent €25\.00 to DE89 3704/)
    t.equal(await page.getByTestId('balance').textContent(), '€975.00')
    t.ok(await dialog.isHidden(), 'the step-up dialog closed')
    t.ok(wallet.sandbox?.deliveries.some((d) => d.event === 'IDENTITY_AUTHENTICATED' && d.status === 200),
      'the re-authentication webhook was delivered and accepted')

    // the next payout is confirmed again, with its own details
    await payout(page, '5')
    await dialog.waitFor(WAIT)
    t.equal(await page.getByTestId('passbase-stepup-summary').textContent(), `Confirm payout of 5.00 EUR to ${IBAN}`)
    await passLogin(page)
    await seeText(t, page.getByTestId('payout-result'), /Sent €5\.00/)
    t.equal(await page.getByTestId('balance').textContent(), '€970.00')

    // cancelling sends nothing
    await payout(page, '7')
    await dialog.waitFor(WAIT)
    await page.getByTestId('passbase-stepup-cancel').click()
    await seeText(t, page.getByTestId('payout-result'), /Payout cancelled: it was not confirmed/)
    t.equal(await page.getByTestId('balance').textContent(), '€970.00')

    // the statement: one face authentication opens it for 5 minutes; locking it asks again
    await page.getByTestId('open-statement').click()
    await dialog.waitFor(WAIT)
    t.equal(await dialog.getAttribute('data-bound'), 'false')
    await seeText(t, page.getByTestId('passbase-stepup-message'), /face authentication \(valid for 5 min\)/)
    await passLogin(page)
    await page.locator('[data-testid=statement] dl').waitFor(WAIT)
    t.equal(await page.locator('[data-testid=statement] dd').count(), 2, 'the two payouts')
    await seeText(t, page.getByTestId('statement'), new RegExp(IBAN), 'full payees in the statement')
    await seeText(t, page.locator('[data-testid=activity] li[data-kind=payout]').first(), /to DE89 … 3000/, 'masked in the activity')
    await page.getByTestId('open-statement').click()
    await page.locator('[data-testid=statement] dl').waitFor(WAIT)
    t.ok(await dialog.isHidden(), 'inside the window: no second step-up')
    await page.getByTestId('end-stepup').click()
    await page.getByTestId('notice').filter({ hasText: 'Statement locked' }).waitFor(WAIT)
    await page.getByTestId('open-statement').click()
    await dialog.waitFor(WAIT)
    await page.getByTestId('passbase-stepup-cancel').click()
    await seeText(t, page.getByTestId('statement'), /Statement not opened/)

    t.same(errors, [], 'no uncaught errors in the page')
    t.same(missing, [], 'no request answered 404 (favicon included)')
  })

  t.test('declined: the status becomes declined, profile and payout are refused', async (t) => {
    const { page, errors } = await openWallet(t, browser, wallet)
    await signIn(page, 'bob')
    await verify(t, page, 'decline', '0.30')
    await waitForStatus(page, 'declined')
    t.equal(await wallet.app.passbase.statusOf('user:bob'), 'declined')
    t.ok(await page.getByTestId('passbase-verify-button').isVisible(), 'Verify Me is offered again')

    await page.getByTestId('open-profile').click()
    await seeText(t, page.getByTestId('profile'), /Refused \(403\).*declined/)

    await payout(page, '10')
    await seeText(t, page.getByTestId('payout-result'), /Refused \(403\)/, 'no step-up for an unverified user')
    t.ok(await page.getByTestId('passbase-stepup').isHidden())
    t.equal(await page.getByTestId('balance').textContent(), '€1,000.00')
    t.same(errors, [], 'no uncaught errors in the page')
  })

  t.test('a failed face authentication can be retried', async (t) => {
    const { page, errors } = await openWallet(t, browser, wallet)
    await signIn(page, 'carol')
    await verify(t, page, 'approve', '0.9')
    await waitForStatus(page, 'approved')
    await payout(page, '1')
    await page.getByTestId('passbase-stepup').waitFor(WAIT)
    await page.getByTestId('passbase-login-button').click()
    await flow(page).getByTestId('login-fail').click()
    await page.locator('[data-testid=passbase-stepup-message][data-state=error]').waitFor(WAIT)
    await seeText(t, page.getByTestId('passbase-stepup-message'), /did not match.*\. Try again or cancel\./)
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'passbase-login-button', undefined, WAIT)
    t.pass('focus is back on the login button for the retry')
    await passLogin(page)
    await seeText(t, page.getByTestId('payout-result'), /Sent €1\.00/)
    t.same(errors, [], 'no uncaught errors in the page')
  })

  t.test('the sandbox\u2019s verifier form checks the score, and Decline suggests a low one', async (t) => {
    const { page } = await openWallet(t, browser, wallet)
    await signIn(page, 'gina')
    await page.getByTestId('passbase-verify-button').click()
    const form = flow(page)
    const score = form.getByTestId('score')
    await form.getByTestId('flow-form').waitFor(WAIT)
    const flagged = async (): Promise<boolean> => await score.evaluate((el) =>
      !(el as HTMLInputElement).checkValidity() || el.getAttribute('aria-invalid') === 'true')
    for (const bad of ['1.5', '']) {
      await score.fill(bad)
      await form.getByTestId('submit').click()
      t.ok(await flagged(), `a score of ${JSON.stringify(bad)} is marked invalid in the form`)
      t.ok(await page.getByTestId('passbase-overlay').isVisible(), 'the overlay stays open')
    }
    t.equal(await page.getByTestId('verification-status').getAttribute('data-status'), 'none', 'nothing was submitted')
    await form.getByTestId('decision-decline').check()
    t.ok(Number(await score.inputValue()) < 0.7, 'Decline comes with a declining score')
    await form.getByTestId('cancel').click()
    await page.getByTestId('passbase-overlay').waitFor({ state: 'detached', ...WAIT })
    await seeText(t, page.getByTestId('notice'), /Verification cancelled/)
  })

  t.test('the payout form checks its fields before anything is sent', async (t) => {
    const { page } = await openWallet(t, browser, wallet)
    await signIn(page, 'erin')
    await payout(page, '')
    await seeText(t, page.getByTestId('payout-error'), /Enter an amount/)
    t.equal(await page.getByTestId('payout-amount').getAttribute('aria-invalid'), 'true')
    await payout(page, '1.005')
    await seeText(t, page.getByTestId('payout-error'), /two decimals/)
    await payout(page, '10', 'not an iban')
    await seeText(t, page.getByTestId('payout-error'), /IBAN/)
    t.equal(await page.getByTestId('payout-result').textContent(), '', 'nothing was sent')
    await payout(page, '10', 'DE89 3704 0044 0532 0130 01')
    await seeText(t, page.getByTestId('payout-result'), /Refused \(400\): The payee is not a valid IBAN/, 'the server checks the checksum')
  })

  t.test('a score under the local threshold stays in review, and the page survives a reload', async (t) => {
    const { page, errors } = await openWallet(t, browser, wallet)
    await signIn(page, 'dave')
    await verify(t, page, 'approve', '0.8')
    // the provider approved, but 0.8 < thresholds.approveAt (0.85): manual review
    await waitForStatus(page, 'pending')
    await page.reload()
    await waitForStatus(page, 'pending')
    await seeText(t, page.getByTestId('status-detail'), /threshold/)
    t.same(errors, [], 'no uncaught errors in the page')
  })
}

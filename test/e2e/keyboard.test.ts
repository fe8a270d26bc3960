import t from 'tap'
import {
  IBAN, WAIT, axeCheck, canRun, flow, focused, hasFocus, launch, openWallet, seeText, startWallet, tabTo, waitForStatus
} from './helpers.js'

/**
 * The wallet with the keyboard only (Tab, Shift+Tab, Enter, Escape, typing): sign in,
 * verify, open the profile, send a payout through the step-up. Dialogs take the focus,
 * keep it while they are open and give it back; status changes are announced; axe-core
 * finds no serious or critical violation in the main states.
 */

/** the focus is inside the provider's (the sandbox's) overlay */
const inOverlay = (): boolean => document.activeElement?.closest('[data-testid=passbase-overlay]') != null

if (canRun(t)) {
  const wallet = await startWallet(t)
  const browser = await launch(t)

  t.test('keyboard only: sign in, verify, profile, payout with step-up', async (t) => {
    const { page, errors, missing } = await openWallet(t, browser, wallet)
    const key = async (k: string): Promise<void> => { await page.keyboard.press(k) }

    // sign in: the name field has the focus on arrival
    await page.getByTestId('signin-name').waitFor(WAIT)
    t.ok(await hasFocus(page.getByTestId('signin-name')), 'the name field has focus')
    await axeCheck(t, page, 'sign-in page')
    await page.keyboard.type('kim')
    await key('Enter')
    await page.getByTestId('status-text').filter({ hasNotText: 'Loading' }).waitFor(WAIT)
    await page.waitForFunction(() => document.activeElement?.id === 'dashboard-title', undefined, WAIT)
    t.pass('after sign-in the focus is on the dashboard heading')
    await page.getByTestId('passbase-verify-button').waitFor(WAIT)
    await axeCheck(t, page, 'dashboard, not verified')

    // Verify Me: the sandbox's overlay takes the focus; the verifier's form with the keyboard
    await tabTo(page, page.getByTestId('passbase-verify-button'))
    await key('Enter')
    const form = flow(page)
    await form.getByTestId('flow-form').waitFor(WAIT)
    await page.waitForFunction(inOverlay, undefined, WAIT)
    t.pass('the focus moved into the verification overlay')
    // the overlay is aria-modal: Tab never reaches the page behind it (it may pass through the
    // browser's own controls, where the page sees no focused element, as with a native <dialog>)
    const walked: string[] = []
    for (let i = 0; i < 14; i++) {
      await key('Tab')
      const where = await focused(page)
      if (where !== 'body' && !(await page.evaluate(inOverlay))) walked.push(where)
    }
    t.same(walked, [], 'Tab stays inside the verification overlay')
    const score = form.getByTestId('score')
    await tabTo(page, score)
    await page.keyboard.press('Control+A')
    await page.keyboard.type('0.95')
    await key('Enter')
    await page.getByTestId('passbase-overlay').waitFor({ state: 'detached', ...WAIT })
    await waitForStatus(page, 'approved')
    await seeText(t, page.getByTestId('announcer'), /Identity status: Verified/, 'the live region announced the new status')
    t.equal(await page.getByTestId('announcer').getAttribute('aria-live'), 'polite')
    t.not(await focused(page), 'body', 'the focus was not lost when the flow closed')
    await axeCheck(t, page, 'dashboard, verified')

    // the profile
    await tabTo(page, page.getByTestId('open-profile'))
    await key('Enter')
    await page.locator('[data-testid=profile] dl').waitFor(WAIT)
    t.pass('the profile opened with Enter')

    // a payout: Enter in the form; the step-up dialog takes the focus
    await tabTo(page, page.getByTestId('payout-amount'))
    await page.keyboard.press('Control+A')
    await page.keyboard.type('25')
    await tabTo(page, page.getByTestId('payout-payee'))
    await key('Enter')
    const dialog = page.getByTestId('passbase-stepup')
    await dialog.waitFor(WAIT)
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'passbase-login-button', undefined, WAIT)
    t.pass('the focus moved into the step-up dialog, on the login button')
    t.equal(await page.getByTestId('passbase-stepup-summary').textContent(), `Confirm payout of 25.00 EUR to ${IBAN}`)
    await axeCheck(t, page, 'step-up dialog')

    // Tab and Shift+Tab stay in the dialog
    const walk: string[] = []
    for (let i = 0; i < 4; i++) {
      await key('Tab')
      walk.push(await focused(page))
    }
    t.same(walk, ['passbase-stepup-cancel', 'passbase-login-button', 'passbase-stepup-cancel', 'passbase-login-button'], 'Tab is trapped')
    await key('Shift+Tab')
    t.equal(await focused(page), 'passbase-stepup-cancel', 'Shift+Tab too')

    // Escape closes it, nothing is sent, the focus returns to where Enter was pressed
    await key('Escape')
    await dialog.waitFor({ state: 'detached', ...WAIT })
    await seeText(t, page.getByTestId('payout-result'), /Payout cancelled/)
    t.equal(await focused(page), 'payout-payee', 'the focus is back on the payee field')
    t.equal(await page.getByTestId('balance').textContent(), '€1,000.00')

    // again, this time through the face authentication
    await key('Enter')
    await dialog.waitFor(WAIT)
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'passbase-login-button', undefined, WAIT)
    await key('Enter')
    const login = flow(page)
    await login.getByTestId('login-pass').waitFor(WAIT)
    await page.waitForFunction(inOverlay, undefined, WAIT)
    t.pass('the login overlay took the focus')
    await tabTo(page, login.getByTestId('login-pass'))
    await key('Enter')
    await seeText(t, page.getByTestId('payout-result'), /Sent €25\.00/)
    await dialog.waitFor({ state: 'detached', ...WAIT })
    t.equal(await focused(page), 'payout-payee', 'the focus is back on the payee field')
    t.equal(await page.getByTestId('balance').textContent(), '€975.00')
    await axeCheck(t, page, 'after the payout')

    t.same(errors, [], 'no uncaught errors in the page')
    t.same(missing, [], 'no request answered 404')
  })
}

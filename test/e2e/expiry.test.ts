import t from 'tap'
import { axeCheck, canRun, launch, openWallet, seeText, signIn, startWallet, verify, waitForStatus } from './helpers.js'

/**
 * Approvals that expire (`expiry.maxAge`): the page shows "Verified until …", a guarded
 * route refuses with status `expired` once the time has come, the page says so and offers
 * Verify Me again, and a new verification approves the user again. The wallet's plugin and
 * sandbox share a clock the test moves forward (no waiting for an hour to pass).
 */

if (canRun(t)) {
  let offset = 0
  const clock = { now: () => Date.now() + offset }
  const wallet = await startWallet(t, { expiryMaxAge: 3600, clock })
  const browser = await launch(t)

  t.test('verified until …, then expired, then verified again', async (t) => {
    const { page, errors } = await openWallet(t, browser, wallet)
    await signIn(page, 'frank')
    await verify(t, page, 'approve', '0.95')
    await waitForStatus(page, 'approved')
    const { expiresAt } = await page.evaluate(async () => await (await fetch('/passbase/status')).json() as { expiresAt?: string })
    t.ok(expiresAt !== undefined && Math.abs(Date.parse(expiresAt) - clock.now() - 3600_000) < 120_000, 'the approval expires in an hour')
    await seeText(t, page.getByTestId('status-text'), /verified until/)

    // an hour and a minute later, on the wallet's clock
    offset += 3660_000
    await page.getByTestId('open-profile').click()
    await seeText(t, page.getByTestId('profile'), /Refused \(403\).*your verification has expired/)
    await waitForStatus(page, 'expired')
    await seeText(t, page.getByTestId('status-text'), /has expired\. Verify again/)
    await seeText(t, page.getByTestId('announcer'), /Identity status: Expired/)
    t.ok(await page.getByTestId('passbase-verify-button').isVisible(), 'Verify Me is offered again')
    t.match(await page.getByTestId('profile').textContent(), /expired/, 'the refusal that found it stays')
    await axeCheck(t, page, 'expired')

    await verify(t, page, 'approve', '0.96')
    await waitForStatus(page, 'approved')
    await seeText(t, page.getByTestId('status-text'), /verified until/)
    t.equal(await page.getByTestId('profile').textContent(), '', 'the expired refusal is gone')
    await page.getByTestId('open-profile').click()
    await page.locator('[data-testid=profile] dl').waitFor()
    t.same(errors, [], 'no uncaught errors in the page')
  })
}

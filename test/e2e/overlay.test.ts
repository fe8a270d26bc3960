import t from 'tap'
import type { Page } from 'playwright-core'
import { WAIT, canRun, flow, launch, openWallet, payout, signIn, startWallet, waitForStatus } from './helpers.js'

/**
 * The sandbox's overlay as a user sees it (Chromium, the wallet example): the close button
 * never covers the page inside it, the overlay is as tall as that page (no blank band under
 * a short one), the login page's face authentication has a labelled choice (no empty
 * "result:" label), and the wallet's notice about a cancelled verification goes away when
 * the user opens the flow again. Needs `npm run build` first.
 */

interface Box { x: number, y: number, width: number, height: number }

async function box (page: Page, testId: string): Promise<Box> {
  const found = await page.getByTestId(testId).boundingBox()
  if (found === null) throw new Error(`${testId} is not visible`)
  return found
}

const overlaps = (a: Box, b: Box): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height

/** Where the flow page's card ends inside the frame, and the frame's own height (CSS pixels). */
async function cardAndFrame (page: Page): Promise<{ cardBottom: number, frameHeight: number }> {
  const frame = page.frame({ name: 'passbase-flow' })
  if (frame === null) throw new Error('no flow frame')
  return await frame.evaluate(() => {
    const main = document.querySelector('main')!
    return { cardBottom: main.getBoundingClientRect().bottom + window.scrollY, frameHeight: window.innerHeight }
  })
}

if (canRun(t)) {
  const wallet = await startWallet(t)
  const browser = await launch(t)

  t.test('the overlay: the close button, its height, the login choice, no stale notice', async (t) => {
    const { page, errors } = await openWallet(t, browser, wallet)
    await signIn(page, 'olga')

    // the verification flow: the × sits above the page, never on it, also when the page scrolls
    await page.getByTestId('passbase-verify-button').click()
    const form = flow(page)
    await form.getByTestId('email').waitFor(WAIT)
    const close = await box(page, 'passbase-close')
    t.notOk(overlaps(close, await box(page, 'passbase-frame')), 'the close button is outside the frame')
    await form.getByTestId('email').evaluate((el) => { el.scrollIntoView({ block: 'start' }) })
    const email = await form.getByTestId('email').boundingBox()
    t.ok(email !== null && !overlaps(close, email), 'the close button does not cover the Email field scrolled to the top')
    const tall = await cardAndFrame(page)
    t.ok(tall.cardBottom > tall.frameHeight, 'the long form scrolls inside the frame (the overlay stays within the window)')

    // cancelled: the wallet says so, and stops saying so once the flow is open again
    await page.getByTestId('passbase-close').click()
    await page.getByTestId('notice').filter({ hasText: 'Verification cancelled.' }).waitFor(WAIT)
    await page.getByTestId('passbase-verify-button').click()
    await form.getByTestId('first-name').fill('Olga')
    t.ok(await page.getByTestId('notice').isHidden(), 'no stale "Verification cancelled." while the form is filled again')
    await form.getByTestId('submit').click()
    await waitForStatus(page, 'approved')

    // the face authentication: a short page, an overlay of its height, a labelled choice
    await payout(page, '12')
    await page.getByTestId('passbase-login-button').click()
    await form.getByTestId('login-pass').waitFor(WAIT)
    await page.waitForFunction(() => {
      const frame = document.querySelector<HTMLIFrameElement>('[data-testid=passbase-frame]')
      return frame !== null && frame.getBoundingClientRect().height < 600
    }, undefined, WAIT)
    const short = await cardAndFrame(page)
    t.ok(short.frameHeight - short.cardBottom < 40, `no blank band under the card (frame ${short.frameHeight} px, card ends at ${Math.round(short.cardBottom)} px)`)
    t.ok(short.cardBottom <= short.frameHeight + 1, 'and the card fits the frame')
    t.notOk(overlaps(await box(page, 'passbase-close'), await box(page, 'passbase-frame')), 'the close button is outside the frame here too')
    const choice = form.getByRole('group', { name: /face authentication/i })
    t.equal(await choice.getByRole('button', { name: 'Pass login' }).count(), 1, 'Pass login is in the labelled group')
    t.equal(await choice.getByRole('button', { name: 'Fail login' }).count(), 1, 'Fail login too')
    t.equal(await form.getByText(/result:\s*$/).count(), 0, 'no label that ends with nothing after it')
    await form.getByTestId('login-pass').click()
    await page.locator('[data-testid=payout-result].ok').waitFor(WAIT)
    t.same(errors, [], 'no page error')
  })
}

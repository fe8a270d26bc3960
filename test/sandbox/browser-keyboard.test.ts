import type { Frame, Page } from 'playwright-core'
import t from 'tap'
import { CHROMIUM, PUBLISHABLE, hasChromium, startHost } from './browser-host.js'
import { scaled } from '../helpers/time.js'

/**
 * The button's overlay and the flow page with the keyboard, in Chromium: the overlay takes
 * the focus (the flow page's first control), Tab and Shift+Tab go round it and never reach
 * the page behind, Escape cancels wherever the focus is, the focus comes back to the button;
 * the verifier form checks the score and each decision suggests one; the pages declare an
 * icon. Waits on conditions only.
 */

/** where the focus is: the host page's element and, inside the flow frame, the frame's */
async function where (page: Page): Promise<string> {
  const top = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName.toLowerCase() ?? 'none')
  if (top !== 'passbase-frame') return top
  const inner = await (await flowFrame(page)).evaluate(() => document.activeElement?.getAttribute('data-testid') ?? 'body')
  return `frame:${inner}`
}

/** the overlay's iframe's frame (waits for the element) */
async function flowFrame (page: Page): Promise<Frame> {
  const frame = await (await page.locator('[data-testid=passbase-frame]').elementHandle())?.contentFrame()
  if (frame === null || frame === undefined) throw new Error('no flow frame')
  return frame
}

const WAIT = { timeout: scaled(10_000) }

/** waits until the focus is on the flow page's control `testId` (moves across the frame's edge are messages: asynchronous) */
async function focusIn (page: Page, testId: string): Promise<void> {
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'passbase-frame', undefined, WAIT)
  await (await flowFrame(page)).waitForFunction((id) => document.hasFocus() && document.activeElement?.getAttribute('data-testid') === id, testId, WAIT)
}

/** waits until the focus is on the host page's element `testId` */
async function focusOn (page: Page, testId: string): Promise<void> {
  await page.waitForFunction((id) => document.activeElement?.getAttribute('data-testid') === id, testId, WAIT)
}

async function press (page: Page, key: string, times: number): Promise<string[]> {
  const seen: string[] = []
  for (let i = 0; i < times; i++) {
    await page.keyboard.press(key)
    seen.push(await where(page))
  }
  return seen
}

if (!hasChromium()) {
  t.plan(0, `no Chromium at ${CHROMIUM}`)
} else {
  const { sandbox, open, events, contexts } = await startHost(t, 50)

  t.test('the overlay takes the focus, keeps Tab inside, and gives the focus back', async (t) => {
    const page = await open({})
    t.teardown(() => page.close())
    const button = page.getByTestId('passbase-verify-button')
    await button.focus()
    await page.keyboard.press('Enter')
    await focusIn(page, 'email')
    t.pass('the first control of the flow page has the focus')
    t.equal(await page.evaluate(() => {
      const before = document.querySelector<HTMLElement>('[data-testid=before]')!
      before.focus()
      return document.activeElement === before
    }), false, 'the page behind cannot take the focus (inert)')

    // twice round: the focus is always in the overlay (in the frame or on ×)
    const forward = await press(page, 'Tab', 32)
    t.same(forward.filter((w) => !w.startsWith('frame:') && w !== 'passbase-close'), [], 'Tab never leaves the overlay')
    t.ok(['frame:first-name', 'frame:score', 'frame:submit', 'passbase-close'].every((w) => forward.includes(w)), 'every stop is on the way')
    const backward = await press(page, 'Shift+Tab', 32)
    t.same(backward.filter((w) => !w.startsWith('frame:') && w !== 'passbase-close'), [], 'nor does Shift+Tab')

    // the edges, one by one
    await page.frameLocator('[data-testid=passbase-frame]').getByTestId('submit').focus()
    await page.keyboard.press('Tab')
    await focusOn(page, 'passbase-close')
    t.pass('Tab after the last control: ×')
    await page.keyboard.press('Tab')
    await focusIn(page, 'email')
    t.pass('Tab on ×: the first control again')
    await page.keyboard.press('Shift+Tab')
    await focusOn(page, 'passbase-close')
    t.pass('Shift+Tab at the first control: ×')
    await page.keyboard.press('Shift+Tab')
    await focusIn(page, 'submit')
    t.pass('Shift+Tab on ×: the last control')

    await page.keyboard.press('Escape')
    t.same(await events(page, 2), [['start'], ['error', 'CANCELLED_BY_USER']], 'Escape inside the frame cancels')
    t.match(await contexts(page), [{ step: 'SUMMARY', reason: 'CANCELLED_BY_USER' }])
    await page.getByTestId('passbase-overlay').waitFor({ state: 'detached' })
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'passbase-verify-button')
    t.pass('the focus is back on the button')
    t.equal(await page.getByTestId('before').evaluate((el) => (el as HTMLElement).inert), false, 'the page is usable again')

    // Escape on × cancels too, and the host page never sees it
    await page.keyboard.press('Enter')
    await focusIn(page, 'email')
    await page.keyboard.press('Shift+Tab')
    await focusOn(page, 'passbase-close')
    await page.keyboard.press('Escape')
    await page.getByTestId('passbase-overlay').waitFor({ state: 'detached' })
    t.same((await events(page, 4)).slice(2), [['start'], ['error', 'CANCELLED_BY_USER']])
    t.notOk((await page.evaluate(() => (window as unknown as { hostKeys: string[] }).hostKeys)).includes('Escape'),
      'the overlay\'s Escape is not handed on to the host page')
    t.equal(await where(page), 'passbase-verify-button')

    // finishing gives the focus back as well
    await page.keyboard.press('Enter')
    await focusIn(page, 'email')
    await page.keyboard.press('Enter') // submits the form
    const seen = await events(page, 7)
    t.same(seen.slice(4).map((e) => e[0]), ['start', 'submitted', 'finish'])
    await page.getByTestId('passbase-overlay').waitFor({ state: 'detached' })
    t.equal(await where(page), 'passbase-verify-button', 'after finishing the focus is back on the button')
  })

  t.test('the login overlay: the focus on the first field, Escape cancels at the face authentication', async (t) => {
    const identity = await sandbox.createIdentity({ status: 'approved' })
    const page = await open({ type: 'login', iak: identity.id })
    t.teardown(() => page.close())
    await page.getByTestId('passbase-login-button').click()
    await focusIn(page, 'identity-access-key')
    t.pass('the identity field has the focus')
    await page.keyboard.press('Escape')
    t.same(await events(page, 2), [['start'], ['error', 'CANCELLED_BY_USER']])
    t.match(await contexts(page), [{ step: 'FACE_AUTHENTICATION' }])
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'passbase-login-button')
    t.pass('the focus is back on the login button')
  })

  t.test('the verifier form marks a score that is not one, and each decision suggests one', async (t) => {
    const page = await open({})
    t.teardown(() => page.close())
    const submits: string[] = []
    page.on('request', (req) => { if (new URL(req.url()).pathname === '/flow/submit') submits.push(req.method()) })
    await page.getByTestId('passbase-verify-button').click()
    const form = page.frameLocator('[data-testid=passbase-frame]')
    const score = form.getByTestId('score')
    await form.getByTestId('flow-form').waitFor()
    const state = async () => await score.evaluate((el) => {
      const input = el as HTMLInputElement
      const message = document.getElementById('score-error')!
      return {
        invalid: input.getAttribute('aria-invalid'),
        valid: input.checkValidity(),
        message: message.hidden ? null : message.textContent,
        focused: document.activeElement === input
      }
    })
    t.same(await state(), { invalid: null, valid: true, message: null, focused: false })
    for (const [bad, why] of [['1.5', 'The score must be from 0 to 1: 1.5 is out of range.'], ['-1', 'The score must be from 0 to 1: -1 is out of range.'], ['', 'Enter a score from 0 to 1, e.g. 0.95.']]) {
      await score.fill(bad)
      await form.getByTestId('submit').click()
      await score.and(form.locator('[aria-invalid=true]')).waitFor()
      t.same(await state(), { invalid: 'true', valid: false, message: why, focused: true }, `${JSON.stringify(bad)}: marked, explained, focused`)
      t.equal(await score.evaluate((el) => (el as HTMLInputElement).validationMessage), why, 'the constraint API has the same message')
      t.ok(await page.getByTestId('passbase-overlay').isVisible(), 'the overlay stays open')
    }
    t.same(submits, [], 'nothing was sent')
    t.same(await events(page, 1), [['start']], 'no callback')

    await form.getByTestId('decision-decline').check()
    t.equal(await score.inputValue(), '0.30', 'Decline, the field emptied: 0.30')
    t.same(await state(), { invalid: null, valid: true, message: null, focused: false }, 'and no longer marked')
    await form.getByTestId('decision-pending').check()
    t.equal(await score.inputValue(), '0.80', 'Manual review: 0.80')
    await form.getByTestId('decision-approve').check()
    t.equal(await score.inputValue(), '0.95', 'Approve: 0.95')
    await score.fill('0.42')
    await form.getByTestId('decision-decline').check()
    t.equal(await score.inputValue(), '0.42', 'a typed score is kept')
    await form.getByTestId('submit').click()
    const seen = await events(page, 3)
    const id = String(seen[2][1])
    await sandbox.waitForDelivery((d) => d.key === id && d.event === 'VERIFICATION_REVIEWED')
    t.match(sandbox.getIdentity(id), { status: 'declined', score: 0.42 })
    t.same(submits, ['POST'], 'one submission')
  })

  t.test('the flow and identities pages declare an icon: no /favicon.ico', async (t) => {
    const page = await open({})
    t.teardown(() => page.close())
    for (const path of [`/flow?key=${PUBLISHABLE}`, '/identities']) {
      await page.goto(sandbox.url + path)
      t.equal(await page.evaluate(() => document.querySelector('link[rel=icon]')?.getAttribute('href')), 'data:,', path)
    }
  })
}

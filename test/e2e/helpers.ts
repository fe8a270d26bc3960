import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core'
import type { Test } from 'tap'
import type { StartOptions, Wallet } from '../../example/server.js'
import { scaled } from '../helpers/time.js'

/**
 * What the browser tests share: Debian's Chromium through playwright-core (never a
 * downloaded browser), the wallet example from the built package (dist/) with the
 * in-process sandbox and a SQLite store in a temp dir, and waits on conditions (never on
 * time): playwright's auto-waiting locators, or a poll until a condition holds.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const DIST = new URL('../../dist/index.js', import.meta.url)
export const WAIT = { timeout: scaled(20_000) }
export const IBAN = 'DE89 3704 0044 0532 0130 00'
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

/** false (and a loud skip or a failure) when Chromium or dist/ is missing */
export function canRun (t: Test): boolean {
  if (!existsSync(CHROMIUM)) {
    console.error(['', '#'.repeat(78), `# e2e SKIPPED: no Chromium at ${CHROMIUM}.`,
      '# Install it (apt-get install -y chromium) or set CHROMIUM_PATH; .ci/run installs it.', '#'.repeat(78), ''].join('\n'))
    t.skip(`end-to-end journey: no Chromium at ${CHROMIUM}`, () => {})
    return false
  }
  if (!existsSync(DIST)) {
    t.fail('dist/ is missing: run `npm run build` before this test (`npm test` does it)')
    return false
  }
  return true
}

export async function launch (t: Test): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-quic', '--disable-sync']
  })
  t.teardown(() => browser.close())
  return browser
}

/** the wallet example on a random port, data in a temp dir removed afterwards */
export async function startWallet (t: Test, options: StartOptions = {}): Promise<Wallet> {
  const { start } = await import('../../example/server.js')
  const dataDir = mkdtempSync(join(tmpdir(), 'passbase-e2e-'))
  const wallet = await start({ port: 0, dataDir, processingDelayMs: 250, logger: false, env: {}, ...options })
  t.teardown(async () => {
    await wallet.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  return wallet
}

export interface OpenPage {
  page: Page
  /** uncaught page errors */
  errors: string[]
  /** requests answered 404 (e.g. a missing favicon) */
  missing: string[]
}

/** a fresh browser profile (own cookies) with the wallet open */
export async function openWallet (t: Test, browser: Browser, wallet: Wallet): Promise<OpenPage> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } })
  t.teardown(() => context.close())
  const page = await context.newPage()
  const errors: string[] = []
  const missing: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  page.on('response', (res) => { if (res.status() === 404) missing.push(res.url()) })
  await page.goto(wallet.url)
  return { page, errors, missing }
}

/** waits until `locator` shows text matching `pattern`, then asserts it (no read-before-fill race) */
export async function seeText (t: Test, locator: Locator, pattern: RegExp, message?: string): Promise<void> {
  await locator.filter({ hasText: pattern }).first().waitFor(WAIT)
  t.match(await locator.first().textContent(), pattern, message ?? `shows ${String(pattern)}`)
}

export async function waitForStatus (page: Page, status: string): Promise<void> {
  await page.locator(`[data-testid=verification-status][data-status=${status}]`).waitFor(WAIT)
}

export async function signIn (page: Page, name: string): Promise<void> {
  await page.getByTestId('signin-name').fill(name)
  await page.getByTestId('signin-submit').click()
  await page.getByTestId('status-text').filter({ hasNotText: 'Loading' }).waitFor(WAIT)
}

/** the sandbox's flow page inside the button's overlay */
export function flow (page: Page) {
  return page.frameLocator('[data-testid=passbase-frame]')
}

/** clicks Verify Me and plays the verifier in the sandbox page */
export async function verify (t: Test, page: Page, decision: 'approve' | 'decline', score: string): Promise<void> {
  await page.getByTestId('passbase-verify-button').click()
  const form = flow(page)
  await form.getByTestId('flow-form').waitFor(WAIT)
  t.match(await form.getByTestId('metadata').textContent(), /"user_id"/, 'the sandbox decrypted the signed metaData')
  await form.getByTestId(`decision-${decision}`).check()
  await form.getByTestId('score').fill(score)
  await form.getByTestId('submit').click()
  await page.getByTestId('passbase-overlay').waitFor({ state: 'detached', ...WAIT })
}

export async function payout (page: Page, amount: string, payee = IBAN): Promise<void> {
  await page.getByTestId('payout-amount').fill(amount)
  await page.getByTestId('payout-payee').fill(payee)
  await page.getByTestId('payout-submit').click()
}

/** passes the sandbox's face authentication in the step-up dialog */
export async function passLogin (page: Page): Promise<void> {
  await page.getByTestId('passbase-login-button').click()
  await flow(page).getByTestId('login-pass').click()
}

/** the element that has focus, described (testid, id or tag), in the page or in one of its frames */
export async function focused (target: Page | Frame): Promise<string> {
  return await target.evaluate(() => {
    const el = document.activeElement
    if (el === null || el === document.body) return 'body'
    return el.getAttribute('data-testid') ?? (el.id !== '' ? `#${el.id}` : el.tagName.toLowerCase())
  })
}

/** true when `locator` (in the page or a frame) has the keyboard focus */
export async function hasFocus (locator: Locator): Promise<boolean> {
  return await locator.evaluate((el) => el === document.activeElement && document.hasFocus())
}

/** presses Tab (Shift+Tab) until `locator` has focus; fails naming what got focus instead */
export async function tabTo (page: Page, locator: Locator, options: { shift?: boolean, max?: number } = {}): Promise<void> {
  await locator.waitFor(WAIT)
  const seen: string[] = []
  for (let i = 0; i < (options.max ?? 25); i++) {
    if (await hasFocus(locator)) return
    await page.keyboard.press(options.shift === true ? 'Shift+Tab' : 'Tab')
    seen.push(await focused(page))
  }
  if (await hasFocus(locator)) return
  throw new Error(`Tab never reached ${String(locator)}; focus went to: ${seen.join(' → ')}`)
}

interface AxeViolation { id: string, impact: string | null, help: string, nodes: Array<{ target: unknown[] }> }

/** axe-core on the page as it is now: no serious or critical violation */
export async function axeCheck (t: Test, page: Page, state: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE })
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe
    const result = await axe.run(document, { resultTypes: ['violations'], iframes: false })
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }))
  })
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact ?? ''} ${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`)
  t.same(serious, [], `axe: no serious or critical violation (${state})`)
}

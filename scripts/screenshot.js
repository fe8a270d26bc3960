#!/usr/bin/env node
/* global HTMLElement -- inside page.evaluate(), which runs in the browser */
// Re-takes the example's screenshots in docs/ from the real page, driving Debian's
// Chromium headless:
//
//   npm run build && node scripts/screenshot.js [output-dir]
//
//   example.png          the dashboard, verified, after a payout (profile and activity open)
//   example-stepup.png   a payout's confirmation: the step-up dialog with the payout's details
//   example-signin.png   the sign-in page
//
// CHROMIUM_PATH overrides /usr/bin/chromium. Never downloads a browser.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { start } from '../example/server.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = resolve(process.argv[2] ?? join(root, 'docs'))
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const WAIT = { timeout: 20_000 }

if (!existsSync(executablePath)) {
  console.error(`screenshot: no Chromium at ${executablePath} (apt-get install -y chromium, or set CHROMIUM_PATH)`)
  process.exit(1)
}

const dataDir = mkdtempSync(join(tmpdir(), 'passbase-shot-'))
const wallet = await start({ port: 0, dataDir, processingDelayMs: 300, logger: false, env: {} })
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-quic', '--disable-sync', '--hide-scrollbars']
})

async function shot (page, name, options = {}) {
  const path = join(outDir, name)
  await page.mouse.move(0, 0)
  await page.screenshot({ path, ...options })
  console.log(`screenshot: wrote ${path}`)
}

try {
  mkdirSync(outDir, { recursive: true })
  const page = await browser.newPage({ viewport: { width: 1100, height: 860 }, deviceScaleFactor: 1 })
  await page.goto(wallet.publicUrl)
  await page.getByTestId('signin-name').waitFor(WAIT)
  await shot(page, 'example-signin.png')
  await page.getByTestId('signin-name').fill('Ada')
  await page.getByTestId('signin-submit').click()

  // Verify Me → approve in the sandbox page
  await page.getByTestId('passbase-verify-button').click()
  const flow = page.frameLocator('[data-testid=passbase-frame]')
  await flow.getByTestId('first-name').fill('Ada')
  await flow.getByTestId('last-name').fill('Lovelace')
  await flow.getByTestId('score').fill('0.96')
  await flow.getByTestId('submit').click()
  await page.waitForSelector('[data-testid=verification-status][data-status=approved]', WAIT)

  await page.getByTestId('open-profile').click()
  await page.waitForSelector('[data-testid=profile] dl', WAIT)

  // a payout: its confirmation dialog, then the face authentication
  await page.getByTestId('payout-amount').fill('120')
  await page.getByTestId('payout-submit').click()
  await page.getByTestId('passbase-login-button').waitFor(WAIT)
  await shot(page, 'example-stepup.png')
  await page.getByTestId('passbase-login-button').click()
  await page.frameLocator('[data-testid=passbase-frame]').getByTestId('login-pass').click()
  await page.waitForSelector('[data-testid=payout-result].ok', WAIT)
  await page.waitForSelector('[data-testid=activity] li[data-kind=payout]', WAIT)
  await page.getByTestId('notice').waitFor({ state: 'hidden', ...WAIT }).catch(() => {})
  await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur())
  await shot(page, 'example.png', { fullPage: true })
} finally {
  await browser.close()
  await wallet.close()
  rmSync(dataDir, { recursive: true, force: true })
}

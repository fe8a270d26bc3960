import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, Page } from 'playwright-core'
import type { Test } from 'tap'
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js'
import { CHROMIUM, launch } from '../e2e/helpers.js'

/**
 * What the sandbox's Chromium tests share: a sandbox, a host page on another origin (the
 * button rendered from the query string, every callback recorded, links before and after
 * the button to Tab to) and Debian's Chromium.
 */

export { CHROMIUM }
export const PUBLISHABLE = 'pk_browser'

export function hasChromium (): boolean {
  return existsSync(CHROMIUM)
}

export interface Host {
  sandbox: Sandbox
  browser: Browser
  hostUrl: string
  /** signs the button's metaData */
  privateKey: KeyObject
  open: (query: Record<string, string>) => Promise<Page>
  /** waits for `count` callbacks, returns them all */
  events: (page: Page, count: number) => Promise<unknown[][]>
  contexts: (page: Page) => Promise<unknown[]>
}

function hostPage (buttonUrl: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>host</title></head><body>
    <a href="#before" data-testid="before">before</a>
    <div id="verify"></div>
    <a href="#after" data-testid="after">after</a>
    <script src="${buttonUrl}"></script>
    <script>
      window.events = []
      window.contexts = []
      window.messages = []
      window.addEventListener('message', (event) => { messages.push([event.origin, event.data]) })
      window.hostKeys = []
      document.addEventListener('keydown', (event) => { hostKeys.push(event.key) })
      const q = new URLSearchParams(location.search)
      Passbase.renderButton(document.getElementById('verify'), q.get('key'), {
        integrationType: q.get('type') || 'signup',
        identityAccessKey: q.get('iak') || undefined,
        metaData: q.get('metaData') || undefined,
        summary: q.get('summary') || undefined,
        hidden: q.get('hidden') === '1',
        prefillAttributes: { email: q.get('email') || undefined, country: q.get('country') || undefined },
        onStart: () => events.push(['start']),
        onSubmitted: (key) => events.push(['submitted', key]),
        onFinish: (key) => events.push(['finish', key]),
        // @passbase/button 4.4.0's signature: (errorCode, context)
        onError: (code, context) => { events.push(['error', code]); contexts.push(context) }
      })
    </script></body></html>`
}

export async function startHost (t: Test, processingDelayMs = 1000): Promise<Host> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const sandbox = await createSandbox({
    secretApiKey: 'sk_browser',
    publishableApiKey: PUBLISHABLE,
    metadataPublicKey: publicKey,
    processingDelayMs,
    retry: { attempts: 1 }
  })
  const html = hostPage(sandbox.buttonUrl)
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8')
    res.end(html)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const hostUrl = `http://localhost:${(server.address() as AddressInfo).port}/`

  const browser: Browser = await launch(t)
  t.teardown(async () => {
    await sandbox.close()
    server.close()
  })

  return {
    sandbox,
    browser,
    hostUrl,
    privateKey,
    async open (query) {
      const page = await browser.newPage()
      await page.goto(`${hostUrl}?${new URLSearchParams({ key: PUBLISHABLE, ...query }).toString()}`)
      return page
    },
    async events (page, count) {
      await page.waitForFunction((n) => (window as unknown as { events: unknown[] }).events.length >= n, count)
      return await page.evaluate(() => (window as unknown as { events: unknown[][] }).events)
    },
    async contexts (page) {
      return await page.evaluate(() => (window as unknown as { contexts: unknown[] }).contexts)
    }
  }
}

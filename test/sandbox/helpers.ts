import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'
import { decryptWebhook, webhookKey } from '../../src/protocol/crypto.js'
import { createSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js'

/** Shared by the sandbox's tests: a webhook receiver, a sandbox per test, an API caller. */

export const SECRET_API_KEY = 'sk_test_secret'
export const WEBHOOK_SECRET = 'abcdefghijklmnopqrstuvwxyz012345'

export interface Received {
  headers: IncomingHttpHeaders
  raw: string
  body: Record<string, unknown>
}

export interface Receiver {
  url: string
  received: Received[]
  queue: number[]
  close: () => Promise<void>
}

/** a webhook receiver: answers with `statuses` in turn (then 200); -1 destroys the socket */
export async function receiver (statuses: number[] = [], secret: string | null = WEBHOOK_SECRET): Promise<Receiver> {
  const received: Received[] = []
  const queue = [...statuses]
  const server = createServer((req, res) => {
    let raw = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => { raw += chunk })
    req.on('end', () => {
      const status = queue.shift() ?? 200
      if (status === -1) {
        req.socket.destroy()
        return
      }
      const text = secret === null ? raw : decryptWebhook(webhookKey(secret), raw)
      received.push({ headers: req.headers, raw, body: JSON.parse(text ?? 'null') })
      res.statusCode = status
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/passbase/webhooks`,
    received,
    queue,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  }
}

export async function sandboxFor (t: Test, options: Partial<SandboxOptions> = {}): Promise<Sandbox> {
  const sandbox = await createSandbox({
    secretApiKey: SECRET_API_KEY,
    webhookSecret: WEBHOOK_SECRET,
    retry: { attempts: 3, baseMs: 5 },
    ...options
  })
  t.teardown(() => sandbox.close())
  return sandbox
}

export async function api (sandbox: Sandbox, path: string, key: string | null = SECRET_API_KEY, init: RequestInit = {}): Promise<Response> {
  const headers: Record<string, string> = key === null ? {} : { 'x-api-key': key }
  return await fetch(sandbox.apiBaseUrl + path, { ...init, headers })
}

import type { Test } from 'tap'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { once } from 'node:events'
import { PassbaseClient } from '../../src/provider/client.js'
import type { PassbaseClientOptions } from '../../src/provider/client.js'

/** Test helpers: a local HTTP server playing the provider, and clients pointed at it. */

export const KEY = 'sk_test_super_secret_key_0123456789'

export type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void | Promise<void>

export interface Provider {
  url: string
  requests: Array<{ url: string, headers: IncomingMessage['headers'] }>
  maxConcurrent: number
}

/** A local HTTP server playing the provider; `n` is the 1-based request number. */
export async function provider (t: Test, handler: Handler): Promise<Provider> {
  const state: Provider = { url: '', requests: [], maxConcurrent: 0 }
  let concurrent = 0
  const server = createServer((req, res) => {
    state.requests.push({ url: req.url ?? '', headers: req.headers })
    concurrent++
    state.maxConcurrent = Math.max(state.maxConcurrent, concurrent)
    res.once('close', () => { concurrent-- })
    Promise.resolve(handler(req, res, state.requests.length)).catch((err: unknown) => {
      res.destroy(err as Error)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/verification/v2`
  t.teardown(async () => {
    server.closeAllConnections()
    server.close()
  })
  return state
}

/** A client for the provider (fast retries), closed at teardown. */
export function client (t: Test, p: Provider, options: Partial<PassbaseClientOptions> = {}): PassbaseClient {
  const c = new PassbaseClient({ secretApiKey: KEY, baseUrl: p.url, retryBaseMs: 1, timeoutMs: 2000, ...options })
  t.teardown(() => c.close())
  return c
}

export function json (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

/** An identity on the wire, with fields clients must tolerate. */
export function identity (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    status: 'approved',
    owner: { email: 'a@example.com', first_name: 'Ada', last_name: 'Lovelace', nickname: 'extra' },
    score: 0.93,
    created: 1582628711,
    updated: 1582628999,
    resources: [{ type: 'PASSPORT', datapoints: { document_number: 'X1' }, unknown_field: 1 }],
    metadata: { user_id: 'u1' },
    an_unknown_top_level_field: { nested: true },
    ...extra
  }
}

/** The (decoded) id of a `/identities/{id}` request, so that a server can answer for the id asked. */
export function requestedId (req: IncomingMessage): string {
  // not through URL, which would resolve a `%2E%2E` segment
  const path = (req.url ?? '').split('?')[0]
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1))
}

/** Asserts the error leaks no secret anywhere. */
export function noKey (t: Test, err: unknown): void {
  const e = err as Error
  t.notOk(String(e.message).includes(KEY), 'message has no key')
  t.notOk(String(e.stack).includes(KEY), 'stack has no key')
  t.notOk(JSON.stringify(e).includes(KEY), 'serialised error has no key')
}

export async function rejection (promise: Promise<unknown>): Promise<Error & { providerStatus?: number, code?: string, statusCode?: number }> {
  try {
    await promise
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}

import t from 'tap'
import type { Test } from 'tap'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { PassbaseClient } from '../src/provider/client.js'
import type { PassbaseClientOptions } from '../src/provider/client.js'
import {
  ApiNotFoundError,
  ApiResponseError,
  ApiUnauthorizedError,
  ApiUnavailableError,
  PassbaseOptionsError
} from '../src/errors.js'

const KEY = 'sk_test_super_secret_key_0123456789'

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void | Promise<void>

interface Provider {
  url: string
  requests: Array<{ url: string, headers: IncomingMessage['headers'] }>
  maxConcurrent: number
}

/** A local HTTP server playing the provider; `n` is the 1-based request number. */
async function provider (t: Tap, handler: Handler): Promise<Provider> {
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

type Tap = Test

function client (t: Tap, p: Provider, options: Partial<PassbaseClientOptions> = {}): PassbaseClient {
  const c = new PassbaseClient({ secretApiKey: KEY, baseUrl: p.url, retryBaseMs: 1, timeoutMs: 2000, ...options })
  t.teardown(() => c.close())
  return c
}

function json (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

function identity (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
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

/** Asserts the error leaks no secret anywhere. */
function noKey (t: Tap, err: unknown): void {
  const e = err as Error
  t.notOk(String(e.message).includes(KEY), 'message has no key')
  t.notOk(String(e.stack).includes(KEY), 'stack has no key')
  t.notOk(JSON.stringify(e).includes(KEY), 'serialised error has no key')
}

t.test('sends X-API-KEY and Accept, keeps the base path, maps snake_case to camelCase', async (t) => {
  const p = await provider(t, (req, res) => { json(res, 200, identity('id-1')) })
  // a trailing slash on the base URL is harmless
  const c = new PassbaseClient({ secretApiKey: KEY, baseUrl: `${p.url}/` })
  t.teardown(() => c.close())
  const i = await c.getIdentity('id-1')
  t.equal(p.requests[0].url, '/verification/v2/identities/id-1')
  t.equal(p.requests[0].headers['x-api-key'], KEY)
  t.equal(p.requests[0].headers.accept, 'application/json')
  t.same(i, {
    id: 'id-1',
    status: 'approved',
    owner: { email: 'a@example.com', firstName: 'Ada', lastName: 'Lovelace' },
    score: 0.93,
    created: 1582628711,
    updated: 1582628999,
    resources: [{ type: 'PASSPORT', datapoints: { document_number: 'X1' }, unknown_field: 1 }],
    metadata: { user_id: 'u1' },
    watchlist: null
  })
  t.notOk('an_unknown_top_level_field' in i, 'unknown fields are tolerated and dropped')
})

t.test('ids are encoded as one path segment, empty ids refused', async (t) => {
  const p = await provider(t, (req, res) => { json(res, 200, identity('x')) })
  const c = client(t, p)
  await c.getIdentity('a/b c?d')
  await c.getIdentity('..')
  t.equal(p.requests[0].url, '/verification/v2/identities/a%2Fb%20c%3Fd')
  t.equal(p.requests[1].url, '/verification/v2/identities/%2E%2E')
  await t.rejects(c.getIdentity(''), TypeError)
  await t.rejects(c.listResources(''), TypeError)
  await t.rejects(c.getResource('i', ''), TypeError)
  await t.rejects(c.getResourceFile('i', 'r', ''), TypeError)
  t.equal(p.requests.length, 2, 'nothing sent for invalid ids')
})

t.test('listIdentities and the identities() generator follow the cursor', async (t) => {
  const pages: Record<string, unknown> = {
    '': { cursor: { next: 'c2' }, data: [identity('a'), identity('b')] },
    c2: { cursor: { next: 'c3' }, data: [identity('c')], extra: true },
    c3: { cursor: { next: null }, data: [identity('d')] }
  }
  const p = await provider(t, (req, res) => {
    const u = new URL(req.url ?? '', 'http://x')
    json(res, 200, pages[u.searchParams.get('cursor') ?? ''])
  })
  const c = client(t, p)
  const ids: string[] = []
  for await (const i of c.identities({ limit: 2 })) ids.push(i.id)
  t.same(ids, ['a', 'b', 'c', 'd'])
  t.same(p.requests.map((r) => r.url), [
    '/verification/v2/identities?limit=2',
    '/verification/v2/identities?limit=2&cursor=c2',
    '/verification/v2/identities?limit=2&cursor=c3'
  ])
  const first = await c.listIdentities()
  t.equal(p.requests[3].url, '/verification/v2/identities', 'no query string without options')
  t.equal(first.next, 'c2')
  t.equal(first.data.length, 2)
  const last = await c.listIdentities({ cursor: 'c3' })
  t.equal(last.next, null)
})

t.test('identities() stops on a missing cursor and refuses a cursor that does not advance', async (t) => {
  const p = await provider(t, (req, res) => {
    const u = new URL(req.url ?? '', 'http://x')
    if (u.searchParams.get('limit') === '1') json(res, 200, { data: [identity('only')] })
    else json(res, 200, { cursor: { next: 'same' }, data: [identity('x')] })
  })
  const c = client(t, p)
  const ids: string[] = []
  for await (const i of c.identities({ limit: 1 })) ids.push(i.id)
  t.same(ids, ['only'])
  await t.rejects((async () => {
    for await (const i of c.identities()) ids.push(i.id)
  })(), ApiResponseError)
  t.equal(p.requests.length, 3, 'stopped after the cursor repeated once')
})

t.test('resources use the singular /identity/ path', async (t) => {
  const resource = { id: 'r1', type: 'PASSPORT', datapoints: { a: 1 }, resource_files: [{ id: 'f1', kind: 'front' }], more: 1 }
  const p = await provider(t, (req, res) => {
    if (req.url?.endsWith('/resources')) {
      json(res, 200, req.url.includes('wrapped') ? { data: [resource] } : [resource])
    } else {
      json(res, 200, resource)
    }
  })
  const c = client(t, p)
  const list = await c.listResources('id 1')
  const wrapped = await c.listResources('wrapped')
  const one = await c.getResource('id 1', 'r1')
  t.same(p.requests.map((r) => r.url), [
    '/verification/v2/identity/id%201/resources',
    '/verification/v2/identity/wrapped/resources',
    '/verification/v2/identity/id%201/resources/r1'
  ])
  t.equal(list.length, 1)
  t.same(wrapped, list, 'array and { data } forms both accepted')
  t.equal(one.id, 'r1')
  t.same(one.resourceFiles, [{ id: 'f1', kind: 'front' }])
  t.same(one.datapoints, { a: 1 })
})

t.test('resource file is streamed, not buffered', async (t) => {
  const chunk = Buffer.alloc(64 * 1024)
  for (let i = 0; i < chunk.length; i++) chunk[i] = i % 251
  const chunks = 16
  // the server sends one chunk, then holds the rest until the test lets it go:
  // getResourceFile resolving meanwhile shows the body is not buffered
  let letGo = (): void => {}
  const held = new Promise<void>((resolve) => { letGo = resolve })
  const p = await provider(t, async (req, res) => {
    if (req.url?.endsWith('/bare')) {
      res.removeHeader('content-type')
      res.end(Buffer.from([1, 2, 3]))
      return
    }
    res.writeHead(200, { 'content-type': 'image/jpeg' })
    res.write(chunk)
    await held
    for (let i = 1; i < chunks; i++) {
      if (!res.write(chunk)) await once(res, 'drain')
    }
    res.end()
  })
  const c = client(t, p, { concurrency: 1, timeoutMs: 200 })
  const file = await c.getResourceFile('i1', 'r1', 'f1')
  t.equal(p.requests[0].url, '/verification/v2/identity/i1/resources/r1/resource_files/f1')
  t.equal(file.contentType, 'image/jpeg')
  await sleep(300)
  t.equal(c.stats().inFlight, 1, 'the slot is held while the body is open (the attempt timer no longer runs)')
  letGo()
  const parts: Buffer[] = []
  for await (const part of file.body) parts.push(part as Buffer)
  const all = Buffer.concat(parts)
  t.equal(all.length, chunk.length * chunks)
  t.ok(all.subarray(0, chunk.length).equals(chunk))
  await sleep(10)
  t.equal(c.stats().inFlight, 0, 'the slot is released once the body closed')

  const bare = await c.getResourceFile('i1', 'r1', 'bare')
  t.equal(bare.contentType, null)
  const bytes: Buffer[] = []
  for await (const part of bare.body) bytes.push(part as Buffer)
  t.same([...Buffer.concat(bytes)], [1, 2, 3])
})

t.test('a destroyed file body releases its slot', async (t) => {
  const p = await provider(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/pdf' })
    res.write(Buffer.alloc(1024))
    // never ends
  })
  const c = client(t, p, { concurrency: 1 })
  const file = await c.getResourceFile('i', 'r', 'f')
  const closed = new Promise((resolve) => file.body.once('close', resolve))
  file.body.on('error', () => {})
  file.body.destroy()
  await closed
  t.equal(c.stats().inFlight, 0)
})

t.test('a file body that stalls errors after timeoutMs and releases its slot', async (t) => {
  const p = await provider(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/pdf' })
    res.write(Buffer.alloc(10))
    // then nothing
  })
  const c = client(t, p, { timeoutMs: 100 })
  const file = await c.getResourceFile('i', 'r', 'f')
  const start = Date.now()
  await t.rejects((async () => {
    for await (const part of file.body) t.ok(part)
  })(), { code: 'UND_ERR_BODY_TIMEOUT' })
  t.ok(Date.now() - start < 1000)
  t.equal(c.stats().inFlight, 0)
})

t.test('settings', async (t) => {
  const p = await provider(t, (req, res) => { json(res, 200, { name: 'Acme', verification_steps: ['document'] }) })
  const c = client(t, p)
  t.same(await c.getSettings(), { name: 'Acme', verification_steps: ['document'] })
  t.equal(p.requests[0].url, '/verification/v2/settings')
})

t.test('401 and 403 → ApiUnauthorizedError without retry', async (t) => {
  for (const status of [401, 403]) {
    const p = await provider(t, (req, res) => { json(res, status, { message: 'bad key' }) })
    const c = client(t, p)
    const err = await c.getSettings().catch((e: unknown) => e)
    t.ok(err instanceof ApiUnauthorizedError, `${status}`)
    t.equal((err as { providerStatus?: number }).providerStatus, status)
    t.equal(p.requests.length, 1, 'not retried')
    t.equal(c.stats().requests, 1)
    noKey(t, err)
  }
})

t.test('404 → ApiNotFoundError without retry', async (t) => {
  const p = await provider(t, (req, res) => { json(res, 404, { message: 'not found' }) })
  const c = client(t, p)
  const err = await c.getIdentity('missing').catch((e: unknown) => e)
  t.ok(err instanceof ApiNotFoundError)
  t.equal((err as ApiNotFoundErrorInstance).statusCode, 404)
  t.equal((err as { providerStatus?: number }).providerStatus, 404)
  t.equal(p.requests.length, 1)
})
type ApiNotFoundErrorInstance = InstanceType<typeof ApiNotFoundError>

t.test('other 4xx → ApiResponseError without retry', async (t) => {
  const p = await provider(t, (req, res) => { json(res, 400, { message: 'bad' }) })
  const c = client(t, p)
  const err = await c.getSettings().catch((e: unknown) => e)
  t.ok(err instanceof ApiResponseError)
  t.equal((err as { providerStatus?: number }).providerStatus, 400)
  t.equal(p.requests.length, 1)
})

t.test('500 twice then 200 → success after 3 attempts', async (t) => {
  const p = await provider(t, (req, res, n) => {
    if (n <= 2) json(res, 500, { message: 'oops' })
    else json(res, 200, identity('id-r'))
  })
  const c = client(t, p)
  const i = await c.getIdentity('id-r')
  t.equal(i.id, 'id-r')
  t.equal(p.requests.length, 3)
  t.equal(c.stats().requests, 3)
})

t.test('500 always → ApiUnavailableError after retries + 1 attempts', async (t) => {
  const p = await provider(t, (req, res) => { json(res, 502, { message: 'down' }) })
  const c = client(t, p, { retries: 3 })
  const err = await c.getSettings().catch((e: unknown) => e)
  t.ok(err instanceof ApiUnavailableError)
  t.equal((err as { providerStatus?: number }).providerStatus, 502)
  t.match((err as Error).message, /gave up after 4 attempts/)
  t.equal(p.requests.length, 4)
  noKey(t, err)

  const p0 = await provider(t, (req, res) => { json(res, 503, {}) })
  const c0 = client(t, p0, { retries: 0 })
  await t.rejects(c0.getSettings(), ApiUnavailableError)
  t.equal(p0.requests.length, 1, 'retries: 0 means a single attempt')
})

t.test('429 with Retry-After: 1 waits about a second instead of the backoff', async (t) => {
  const p = await provider(t, (req, res, n) => {
    if (n === 1) json(res, 429, {}, { 'retry-after': '1' })
    else json(res, 200, {})
  })
  const c = client(t, p, { retryBaseMs: 0 })
  const start = Date.now()
  await c.getSettings()
  const elapsed = Date.now() - start
  t.ok(elapsed >= 900, `waited ${elapsed} ms`)
  t.equal(p.requests.length, 2)
})

t.test('Retry-After as an HTTP date, in the past, repeated or unparsable', async (t) => {
  const p = await provider(t, (req, res, n) => {
    if (n === 1) json(res, 503, {}, { 'retry-after': new Date(Date.now() - 60_000).toUTCString() })
    else if (n === 2) {
      res.setHeader('retry-after', ['0', '20']) // a repeated header: the first one counts
      json(res, 429, {})
    } else if (n === 3) json(res, 429, {}, { 'retry-after': 'soon-ish' })
    else if (n === 4) json(res, 429, {}, { 'retry-after': new Date(Date.now() + 1500).toUTCString() })
    else json(res, 200, {})
  })
  const c = client(t, p, { retries: 4, retryBaseMs: 0 })
  const start = Date.now()
  await c.getSettings()
  const elapsed = Date.now() - start
  t.ok(elapsed >= 400 && elapsed < 2500, `a date in the past waits 0, garbage falls back to the backoff, a future date is honoured (${elapsed} ms)`)
  t.equal(p.requests.length, 5)
})

t.test('timeouts (headers never come, body stalls) → ApiUnavailableError', async (t) => {
  const p = await provider(t, (req, res) => {
    if (req.url?.endsWith('/stall')) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"id":')
    }
    // otherwise: never answer
  })
  const c = client(t, p, { timeoutMs: 100, retries: 1 })
  const start = Date.now()
  const err = await c.getSettings().catch((e: unknown) => e)
  t.ok(err instanceof ApiUnavailableError)
  t.match((err as Error).message, /timed out after 100 ms/)
  t.equal((err as { providerStatus?: number }).providerStatus, undefined)
  t.equal(p.requests.length, 2)
  t.ok(Date.now() - start < 1500)
  await t.rejects(c.getIdentity('stall'), ApiUnavailableError)
  t.equal(p.requests.length, 4)
  t.equal(c.stats().inFlight, 0)
})

t.test('network errors are retried, then ApiUnavailableError', async (t) => {
  const p = await provider(t, (req, res, n) => {
    if (n === 1) {
      res.socket?.destroy()
      return
    }
    json(res, 200, {})
  })
  const c = client(t, p)
  t.same(await c.getSettings(), {})
  t.equal(p.requests.length, 2, 'the reset connection was retried')

  // a port nobody listens on any more
  const tmp = createServer()
  tmp.listen(0, '127.0.0.1')
  await once(tmp, 'listening')
  const port = (tmp.address() as AddressInfo).port
  tmp.close()
  await once(tmp, 'close')
  const c3 = new PassbaseClient({ secretApiKey: KEY, baseUrl: `http://127.0.0.1:${port}`, retries: 1, retryBaseMs: 1 })
  t.teardown(() => c3.close())
  const err = await c3.getSettings().catch((e: unknown) => e)
  t.ok(err instanceof ApiUnavailableError)
  t.match((err as Error).message, /network error \(ECONNREFUSED\).*gave up after 2 attempts/)
  t.ok((err as Error).cause, 'the network error is kept as cause')
  t.equal(c3.stats().requests, 2)
  noKey(t, err)
})

t.test('invalid bodies → ApiResponseError, not retried', async (t) => {
  const p = await provider(t, (req, res) => {
    if (req.url?.endsWith('/settings')) {
      json(res, 200, ['not', 'a', 'record'])
    } else if (req.url?.endsWith('/not-json')) {
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end('<html>hello</html>')
    } else {
      json(res, 200, { id: 'x', status: 'weird', created: 'yesterday' })
    }
  })
  const c = client(t, p)
  const err = await c.getIdentity('bad-shape').catch((e: unknown) => e)
  t.ok(err instanceof ApiResponseError)
  t.match((err as Error).message, /does not match the schema \(status: .*created: /)
  t.equal((err as { providerStatus?: number }).providerStatus, 200)
  await t.rejects(c.getIdentity('not-json'), ApiResponseError)
  await t.rejects(c.listIdentities(), ApiResponseError)
  await t.rejects(c.getSettings(), { message: /\(\(root\): / })
  t.equal(p.requests.length, 4)
})

t.test('concurrency limit: at most `concurrency` requests at once, the rest queue FIFO', async (t) => {
  const order: string[] = []
  const p = await provider(t, async (req, res) => {
    order.push(req.url ?? '')
    await sleep(40)
    json(res, 200, identity('x'))
  })
  const c = client(t, p, { concurrency: 3 })
  const ids = Array.from({ length: 20 }, (_, i) => `id-${i}`)
  const all = Promise.all(ids.map((id) => c.getIdentity(id)))
  await sleep(5)
  const mid = c.stats()
  t.equal(mid.inFlight, 3)
  t.equal(mid.queued, 17)
  t.equal(mid.coalescing, 20)
  await all
  t.equal(p.maxConcurrent, 3)
  t.same(order, ids.map((id) => `/verification/v2/identities/${id}`), 'served in call order')
  t.same(c.stats(), { requests: 20, inFlight: 0, queued: 0, coalescing: 0 })
})

t.test('FIFO queue survives a long backlog (compaction)', async (t) => {
  const p = await provider(t, (req, res) => { json(res, 200, {}) })
  const c = client(t, p, { concurrency: 1, connections: 1 })
  const results = await Promise.all(Array.from({ length: 1100 }, () => c.getSettings()))
  t.equal(results.length, 1100)
  t.same(c.stats(), { requests: 1100, inFlight: 0, queued: 0, coalescing: 0 })
})

t.test('single-flight: 100 concurrent getIdentity for one id cost ≤ 2 requests', async (t) => {
  const p = await provider(t, async (req, res) => {
    if (req.url?.endsWith('/hot')) await sleep(50)
    json(res, 200, identity('hot'))
  })
  const c = client(t, p)
  const first = c.getIdentity('hot')
  const rest = Array.from({ length: 99 }, () => c.getIdentity('hot'))
  t.equal(c.stats().coalescing, 1)
  const results = await Promise.all([first, ...rest])
  t.ok(p.requests.length <= 2, `${p.requests.length} requests`)
  t.equal(p.requests.length, 1, 'callers arriving before the fetch is sent share it')
  t.ok(results.every((r) => r.id === 'hot'))
  t.same(c.stats(), { requests: 1, inFlight: 0, queued: 0, coalescing: 0 }, 'maps cleaned up')

  // callers arriving once it is on the wire share one follow-up
  const onWire = c.getIdentity('hot')
  await sleep(20)
  const later = Array.from({ length: 50 }, () => c.getIdentity('hot'))
  t.equal(later[0], later[49], 'one shared follow-up')
  await Promise.all([onWire, ...later])
  t.equal(p.requests.length, 3, 'the fetch on the wire plus one follow-up')

  // the DESIGN §7 burst: 1,000 identities × 10 deliveries each
  const before = p.requests.length
  const burst: Array<Promise<unknown>> = []
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 1000; i++) burst.push(c.getIdentity(`id-${i}`))
  }
  await Promise.all(burst)
  const perId = new Map<string, number>()
  for (const r of p.requests.slice(before)) perId.set(r.url, (perId.get(r.url) ?? 0) + 1)
  t.equal(perId.size, 1000)
  t.ok([...perId.values()].every((n) => n <= 2), 'at most 2 fetches per identity')
  t.same(c.stats().coalescing, 0)
})

t.test('single-flight: a caller arriving during a fetch gets a state fetched after it arrived', async (t) => {
  // each request reads the provider state on arrival, reports its arrival, and
  // answers only when the test releases it: the interleaving is deterministic
  let version = 1
  const arrivals: Array<(release: () => void) => void> = []
  const arrived = (): Promise<() => void> => new Promise((resolve) => { arrivals.push(resolve) })
  let next = arrived()
  const p = await provider(t, async (req, res) => {
    const v = version
    const gate = new Promise<void>((resolve) => { arrivals.shift()?.(resolve) })
    await gate
    json(res, 200, identity('id-f', { updated: 1000 + v }))
  })
  const c = client(t, p)
  const a = c.getIdentity('id-f')
  let release = await next // A's fetch is on the server, which read version 1
  next = arrived()
  version = 2 // the identity changes; the webhook saying so calls getIdentity again
  const b = c.getIdentity('id-f')
  const b2 = c.getIdentity('id-f')
  t.equal(b, b2, 'callers during the in-flight fetch share one follow-up')
  t.equal(p.requests.length, 1, 'the follow-up waits for the in-flight fetch')
  t.same(c.stats().coalescing, 1)
  release()
  t.equal((await a).updated, 1001)
  release = await next // the follow-up is on the server now
  next = arrived()
  // a caller arriving while the follow-up runs gets a third fetch
  version = 3
  const d = c.getIdentity('id-f')
  release()
  t.equal((await b).updated, 1002, 'B sees the change made after it arrived')
  release = await next
  release()
  t.equal((await d).updated, 1003, 'D sees the change made after it arrived')
  t.equal(p.requests.length, 3)
  t.equal(c.stats().coalescing, 0)
})

t.test('single-flight: a failed fetch fails its callers only; the follow-up fetches afresh', async (t) => {
  const p = await provider(t, async (req, res, n) => {
    await sleep(30)
    if (n === 1) json(res, 404, {})
    else json(res, 200, identity('id-e'))
  })
  const c = client(t, p)
  const a = c.getIdentity('id-e')
  await sleep(10) // a is on the wire: b gets the follow-up
  const b = c.getIdentity('id-e')
  await t.rejects(a, ApiNotFoundError)
  t.equal((await b).id, 'id-e')
  t.equal(p.requests.length, 2)
  t.equal(c.stats().coalescing, 0)
})

t.test('close(): idempotent; later, queued and sleeping requests fail with ApiUnavailableError', async (t) => {
  const p = await provider(t, async (req, res, n) => {
    if (n === 1) {
      await sleep(50)
      json(res, 200, {})
    } else {
      json(res, 500, {})
    }
  })
  const c = new PassbaseClient({ secretApiKey: KEY, baseUrl: p.url, concurrency: 1, retryBaseMs: 2000, retries: 5 })
  const inFlight = c.getSettings()
  const queued = c.getSettings()
  await sleep(10)
  t.equal(c.stats().queued, 1)
  const closing = c.close()
  t.equal(c.close(), closing, 'idempotent')
  await t.rejects(queued, ApiUnavailableError, 'a queued request fails at once')
  t.same(await inFlight, {}, 'a request on the wire completes')
  await closing
  await c.close()
  await t.rejects(c.getSettings(), ApiUnavailableError, 'requests after close fail')
  t.equal(p.requests.length, 1)

  // a request sleeping before its retry is woken and fails
  const c2 = new PassbaseClient({ secretApiKey: KEY, baseUrl: p.url, retryBaseMs: 2000, retries: 5 })
  const sleeping = t.rejects(c2.getSettings(), { message: /closed/ })
  await sleep(50)
  const start = Date.now()
  await c2.close()
  await sleeping
  t.ok(Date.now() - start < 1000)
})

t.test('options are validated and name the option', async (t) => {
  const base = { secretApiKey: KEY, baseUrl: 'https://api.passbase.com/verification/v2' }
  const bad: Array<[Partial<PassbaseClientOptions>, RegExp]> = [
    [{ secretApiKey: '' }, /secretApiKey/],
    [{ baseUrl: 'not a url' }, /baseUrl/],
    [{ baseUrl: 'ftp://example.com' }, /baseUrl/],
    [{ timeoutMs: 0 }, /timeoutMs/],
    [{ retries: -1 }, /retries/],
    [{ retries: 1.5 }, /retries/],
    [{ concurrency: 0 }, /concurrency/],
    [{ connections: 0 }, /connections/],
    [{ retryBaseMs: -5 }, /retryBaseMs/]
  ]
  for (const [patch, re] of bad) {
    t.throws(() => new PassbaseClient({ ...base, ...patch }), PassbaseOptionsError)
    t.throws(() => new PassbaseClient({ ...base, ...patch }), { message: re })
  }
  const err = (() => {
    try {
      return new PassbaseClient({ ...base, baseUrl: 'nope' })
    } catch (e) {
      return e
    }
  })()
  noKey(t, err)
  const ok = new PassbaseClient(base)
  t.same(ok.stats(), { requests: 0, inFlight: 0, queued: 0, coalescing: 0 })
  await ok.close()
})

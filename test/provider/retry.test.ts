import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { once } from 'node:events'
import { PassbaseClient } from '../../src/provider/client.js'
import { BACKOFF_CAP_MS, RETRY_AFTER_CAP_MS, backoffMs, parseRetryAfter } from '../../src/provider/retry.js'
import { ApiUnavailableError, ProviderUnavailableError } from '../../src/errors.js'
import { client, identity, json, KEY, noKey, provider, rejection } from './helpers.js'

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

t.test('retryable statuses: 408, 429 and every 5xx; the error is 503 FST_PASSBASE_PROVIDER_UNAVAILABLE', async (t) => {
  for (const status of [408, 429, 500, 503, 504, 599]) {
    const p = await provider(t, (req, res) => { json(res, status, {}) })
    const c = client(t, p, { retries: 1 })
    const err = await rejection(c.getSettings())
    t.match(err, { code: 'FST_PASSBASE_PROVIDER_UNAVAILABLE', statusCode: 503, providerStatus: status }, `${status}`)
    t.ok(err instanceof ProviderUnavailableError, 'a ProviderUnavailableError')
    t.match(err.message, new RegExp(`getSettings: HTTP ${status} \\(gave up after 2 attempts\\)`))
    t.equal(p.requests.length, 2)
  }
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

t.test('parseRetryAfter and backoffMs (pure)', async (t) => {
  const now = Date.parse('2024-01-01T00:00:00Z')
  t.equal(parseRetryAfter(undefined, now), undefined)
  t.equal(parseRetryAfter('  ', now), undefined)
  t.equal(parseRetryAfter('2', now), 2000)
  t.equal(parseRetryAfter(' 1.5 ', now), 1500)
  t.equal(parseRetryAfter(['3', '9'], now), 3000)
  t.equal(parseRetryAfter('Mon, 01 Jan 2024 00:00:04 GMT', now), 4000)
  t.equal(parseRetryAfter('Sun, 31 Dec 2023 23:00:00 GMT', now), 0, 'a date in the past: no wait')
  t.equal(parseRetryAfter('3600', now), RETRY_AFTER_CAP_MS, 'capped')
  t.equal(parseRetryAfter('-1', now), undefined, 'not delta-seconds, not a date')
  t.equal(parseRetryAfter('tomorrow', now), undefined)
  t.equal(backoffMs(0, 100, () => 0.5), 50)
  t.equal(backoffMs(3, 100, () => 1), 800)
  t.equal(backoffMs(20, 100, () => 1), BACKOFF_CAP_MS, 'capped')
  t.equal(backoffMs(5, 0, () => 1), 0)
  const r = backoffMs(1, 100)
  t.ok(r >= 0 && r <= 200)
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
  t.same(await c.getSettings(), { id: null, slug: null, environment: null, organization: null, customizations: null, verificationSteps: [] })
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

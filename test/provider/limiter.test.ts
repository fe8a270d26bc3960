import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { PassbaseClient } from '../../src/provider/client.js'
import { Limiter } from '../../src/provider/limiter.js'
import { ApiUnavailableError } from '../../src/errors.js'
import { holdRetrySleeps } from '../helpers/retry-sleeps.js'
import { until } from '../helpers/wait.js'
import { client, identity, json, KEY, provider, rejection, requestedId } from './helpers.js'

/** A gate the server waits on; `open()` lets every held request through. */
function gate (): { wait: Promise<void>, open: () => void } {
  let open = (): void => {}
  const wait = new Promise<void>((resolve) => { open = resolve })
  return { wait, open }
}

t.test('concurrency limit: at most `concurrency` requests at once, the rest queue FIFO', async (t) => {
  const order: string[] = []
  const p = await provider(t, async (req, res) => {
    order.push(req.url ?? '')
    await sleep(40)
    json(res, 200, identity(requestedId(req)))
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
  const c = client(t, p, { concurrency: 1, connections: 1, maxQueue: 2000 })
  const results = await Promise.all(Array.from({ length: 1100 }, () => c.getSettings()))
  t.equal(results.length, 1100)
  t.same(c.stats(), { requests: 1100, inFlight: 0, queued: 0, coalescing: 0 })
})

t.test('maxQueue: with `concurrency` in flight and `maxQueue` waiting, a new call fails at once', async (t) => {
  const held = gate()
  const p = await provider(t, async (req, res) => {
    await held.wait
    json(res, 200, {})
  })
  const c = client(t, p, { concurrency: 2, maxQueue: 3 })
  const accepted = Array.from({ length: 5 }, () => c.getSettings())
  await until(() => p.requests.length === 2, 'two requests at the provider')
  t.match(c.stats(), { inFlight: 2, queued: 3 })
  const err = await rejection(c.getSettings())
  t.ok(err instanceof ApiUnavailableError)
  t.match(err, { code: 'FST_PASSBASE_PROVIDER_UNAVAILABLE', statusCode: 503 })
  t.match(err.message, /queue full \(2 requests in flight, 3 waiting\)/)
  await t.rejects(c.getIdentity('x'), { message: /queue full/ }, 'whatever the operation')
  t.equal(c.stats().coalescing, 0, 'the refused getIdentity left nothing behind')
  t.equal(c.stats().queued, 3, 'a refused call takes no place')
  held.open()
  t.equal((await Promise.all(accepted)).length, 5, 'the calls already accepted all complete')
  t.equal(p.requests.length, 5, 'nothing was sent for the refused calls')
  await c.getSettings()
  t.same(c.stats(), { requests: 6, inFlight: 0, queued: 0, coalescing: 0 }, 'room again once drained')
})

t.test('the default maxQueue is 1000', async (t) => {
  const held = gate()
  const p = await provider(t, async (req, res) => {
    await held.wait
    json(res, 200, {})
  })
  const c = new PassbaseClient({ secretApiKey: KEY, baseUrl: p.url, concurrency: 1 })
  t.teardown(() => c.close())
  const accepted = Array.from({ length: 1001 }, () => c.getSettings())
  t.equal(c.stats().queued, 1000)
  await t.rejects(c.getSettings(), { message: /queue full \(1 requests in flight, 1000 waiting\)/ })
  held.open()
  await Promise.all(accepted)
})

t.test('a retry sleeping on its backoff holds no slot and no queue place', async (t) => {
  const { sleepers } = holdRetrySleeps(t)
  const held = gate()
  const p = await provider(t, async (req, res, n) => {
    if (n === 1) {
      json(res, 503, {}, { 'retry-after': '2' }) // the first call sleeps 2 s: until the test wakes it
      return
    }
    await held.wait
    json(res, 200, {})
  })
  const c = client(t, p, { concurrency: 1, maxQueue: 1 })
  const sleeping = c.getSettings()
  await until(() => sleepers.length === 1, 'the first request sleeps before its retry')
  t.equal(sleepers[0]?.ms, 2000, 'for the provider\'s Retry-After')
  await until(() => c.stats().requests === 1 && c.stats().inFlight === 0, 'the first request settled')
  t.same(c.stats(), { requests: 1, inFlight: 0, queued: 0, coalescing: 0 }, 'the sleeping retry holds nothing')
  const inFlight = c.getSettings()
  const queued = c.getSettings()
  await until(() => p.requests.length === 2, 'two requests at the provider')
  t.match(c.stats(), { inFlight: 1, queued: 1 }, 'both places went to later calls')
  await t.rejects(c.getSettings(), { message: /queue full/ })
  held.open()
  await Promise.all([inFlight, queued])
  sleepers[0]?.wake()
  await sleeping
  t.equal(p.requests.length, 4, 'the sleeping call was retried once awake')
})

t.test('Limiter: FIFO hand-over, bounded queue, close', async (t) => {
  const full = (): Error => new Error('full')
  const closed = (): Error => new Error('closed')
  const l = new Limiter(1, 2, { full, closed })
  await l.acquire()
  const order: number[] = []
  const a = l.acquire().then(() => order.push(1))
  const b = l.acquire().then(() => order.push(2))
  await t.rejects(l.acquire(), { message: 'full' })
  t.equal(l.active, 1)
  t.equal(l.queued, 2)
  l.release()
  await a
  l.release()
  await b
  t.same(order, [1, 2])
  t.equal(l.active, 1, 'the slot was handed over, never freed in between')
  const c = l.acquire()
  l.close()
  l.close()
  await t.rejects(c, { message: 'closed' })
  await t.rejects(l.acquire(), { message: 'closed' })
  l.release()
  t.equal(l.active, 0, 'a holder still releases after close')

  const none = new Limiter(1, 0, { full, closed })
  await none.acquire()
  await t.rejects(none.acquire(), { message: 'full' }, 'maxQueue 0: nobody waits')
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
  t.same(await inFlight, { id: null, slug: null, environment: null, organization: null, customizations: null, verificationSteps: [] }, 'a request on the wire completes')
  await closing
  await c.close()
  await t.rejects(c.getSettings(), ApiUnavailableError, 'requests after close fail')
  await t.rejects(c.getSettings(), { message: /the client is closed/ })
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

import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { SingleFlight } from '../../src/provider/single-flight.js'
import { ApiNotFoundError } from '../../src/errors.js'
import { until } from '../helpers/wait.js'
import { client, identity, json, provider, requestedId } from './helpers.js'

/** Requests the fake provider holds until the test answers them, in arrival order. */
function held (): { wait: () => Promise<void>, answer: () => void } {
  const waiting: Array<() => void> = []
  const early: number[] = []
  return {
    wait: async () => { await new Promise<void>((resolve) => { if (early.pop() === undefined) waiting.push(resolve); else resolve() }) },
    answer: () => { const next = waiting.shift(); if (next === undefined) early.push(1); else next() }
  }
}

t.test('single-flight: 100 concurrent getIdentity for one id cost ≤ 2 requests', async (t) => {
  const hot = held()
  const p = await provider(t, async (req, res) => {
    if (req.url?.endsWith('/hot')) await hot.wait()
    json(res, 200, identity(requestedId(req)))
  })
  const c = client(t, p)
  const first = c.getIdentity('hot')
  const rest = Array.from({ length: 99 }, () => c.getIdentity('hot'))
  t.equal(c.stats().coalescing, 1)
  await until(() => p.requests.length === 1, 'the fetch reached the provider')
  hot.answer()
  const results = await Promise.all([first, ...rest])
  t.ok(p.requests.length <= 2, `${p.requests.length} requests`)
  t.equal(p.requests.length, 1, 'callers arriving before the fetch is sent share it')
  t.ok(results.every((r) => r.id === 'hot'))
  t.same(c.stats(), { requests: 1, inFlight: 0, queued: 0, coalescing: 0 }, 'maps cleaned up')

  // callers arriving once it is on the wire share one follow-up
  const onWire = c.getIdentity('hot')
  await until(() => p.requests.length === 2, 'the fetch is on the wire (the provider holds it)')
  const later = Array.from({ length: 50 }, () => c.getIdentity('hot'))
  t.equal(later[0], later[49], 'one shared follow-up')
  hot.answer()
  await until(() => p.requests.length === 3, 'the follow-up reached the provider')
  hot.answer()
  await Promise.all([onWire, ...later])
  t.equal(p.requests.length, 3, 'the fetch on the wire plus one follow-up')

  // a burst: 1,000 identities × 10 deliveries each
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
  const first = held()
  const p = await provider(t, async (req, res, n) => {
    if (n === 1) {
      await first.wait()
      json(res, 404, {})
    } else json(res, 200, identity('id-e'))
  })
  const c = client(t, p)
  const a = c.getIdentity('id-e')
  await until(() => p.requests.length === 1, 'a is on the wire (the provider holds it)')
  const b = c.getIdentity('id-e') // b gets the follow-up
  first.answer()
  await t.rejects(a, ApiNotFoundError)
  t.equal((await b).id, 'id-e')
  t.equal(p.requests.length, 2)
  t.equal(c.stats().coalescing, 0)
})

t.test('SingleFlight: unsent fetches are shared, sent ones get one follow-up, keys are independent', async (t) => {
  const sf = new SingleFlight<number>()
  let started = 0
  const resolvers: Array<(v: number) => void> = []
  const marks: Array<() => void> = []
  const start = (markSent: () => void): Promise<number> => {
    started++
    marks.push(markSent)
    return new Promise((resolve) => { resolvers.push(resolve) })
  }
  const a1 = sf.run('a', start)
  const a2 = sf.run('a', start)
  t.equal(a1, a2, 'not sent yet: shared as is')
  const b = sf.run('b', start)
  t.equal(started, 2)
  t.equal(sf.size, 2)
  marks[0]()
  const a3 = sf.run('a', start)
  const a4 = sf.run('a', start)
  t.equal(a3, a4, 'sent: one follow-up')
  t.not(a3, a1)
  t.equal(sf.size, 2, 'a key with a fetch and a follow-up counts once')
  resolvers[0](1)
  t.equal(await a1, 1)
  await sleep(0)
  t.equal(started, 3, 'the follow-up started once the first settled')
  resolvers[2](3)
  t.equal(await a3, 3)
  resolvers[1](2)
  t.equal(await b, 2)
  t.equal(sf.size, 0)
})

import t, { type Test } from 'tap'
import type { StatusChange } from '../../src/index.js'
import type { ReviewStatus } from '../../src/sandbox/index.js'
import { harness, linkNew, statusOf, type Harness } from '../helpers/app.js'
import { holdRetrySleeps } from '../helpers/retry-sleeps.js'
import { until } from '../helpers/wait.js'

/**
 * The plugin driven through every sandbox fault. Each test checks the final state
 * against the provider and counts onStatusChange per identity: nothing lost, nothing
 * applied twice.
 */

interface Recorder { changes: StatusChange[], of: (id: string) => string[] }

function recorder (): Recorder & { onStatusChange: (c: StatusChange) => void } {
  const changes: StatusChange[] = []
  return {
    changes,
    onStatusChange: (c) => { changes.push(c) },
    of: (id) => changes.filter((c) => c.identityId === id).map((c) => `${c.from}>${c.to}`)
  }
}

async function faulty (rec: { onStatusChange: (c: StatusChange) => void }, opts: { retries?: number, timeoutMs?: number, concurrency?: number } = {}): Promise<Harness> {
  return await harness({
    plugin: { onStatusChange: rec.onStatusChange, api: { timeoutMs: opts.timeoutMs ?? 2000, retries: opts.retries ?? 3, concurrency: opts.concurrency ?? 16 } },
    sandbox: { retry: { attempts: 8, baseMs: 20 } }
  })
}

async function linkMany (h: Harness, n: number, prefix: string): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < n; i++) ids.push(await linkNew(h, `${prefix}${i}`))
  return ids
}

const FINAL: ReviewStatus[] = ['approved', 'declined', 'pending']
const scoreOf: Record<ReviewStatus, number> = { approved: 0.95, declined: 0.3, pending: 0.8 }

/** Every identity's local status equals the provider's, and each made exactly the one processing→final transition. */
async function checkSettled (t: Test, h: Harness, rec: Recorder, ids: string[], prefix: string): Promise<void> {
  let wrong = 0
  let extra = 0
  for (const [i, id] of ids.entries()) {
    const expected = h.sandbox.getIdentity(id)!.status
    const local = (await statusOf(h, `${prefix}${i}`)).status
    if (local !== expected) wrong++
    const seen = rec.of(id)
    if (seen.join() !== ['created>processing', `processing>${expected}`].join()) extra++
  }
  t.equal(wrong, 0, 'every local status equals the provider\'s')
  t.equal(extra, 0, 'exactly one transition per change, per identity')
}

t.test('API failRate 0.5: client retries and provider redeliveries; nothing lost or doubled', async (t) => {
  const rec = recorder()
  const h = await faulty(rec)
  t.teardown(h.close)
  const ids = await linkMany(h, 16, 'f')
  h.sandbox.faults.api.failRate = 0.5
  h.sandbox.resetStats()
  const records = (await Promise.all(ids.map(async (id, i) => await h.sandbox.review(id, { status: FINAL[i % 3]!, score: scoreOf[FINAL[i % 3]!] })))).flat()
  t.ok(records.every((r) => r.status === 200), 'every delivery eventually answered 200')
  const stats = h.sandbox.stats()
  t.ok(stats.api.byKind.getIdentity > records.length, `API failures happened and were retried (${stats.api.byKind.getIdentity} fetches for ${records.length} deliveries)`)
  await checkSettled(t, h, rec, ids, 'f')
})

t.test('API outage (503) while a delivery is retried: the provider\'s retry applies it once', async (t) => {
  const rec = recorder()
  const h = await faulty(rec, { retries: 0 })
  t.teardown(h.close)
  const [id] = await linkMany(h, 1, 'o')
  h.sandbox.faults.api.status = 503
  h.sandbox.resetStats()
  const review = h.sandbox.review(id!, { status: 'approved', score: 0.9 })
  await until(() => h.sandbox.stats().api.byKind.getIdentity >= 2, 'two refused fetches')
  t.equal((await statusOf(h, 'o0')).status, 'processing', 'nothing applied during the outage')
  h.sandbox.faults.api.status = undefined
  const [completed, reviewed] = await review
  t.ok(completed!.attempts > 1, `the webhook answered 5xx, then the redelivery succeeded (${completed!.attempts} attempts)`)
  t.equal(completed!.status, 200)
  t.equal(reviewed!.status, 200)
  await checkSettled(t, h, rec, [id!], 'o')
})

t.test('429 with Retry-After: the client waits as told, then succeeds', async (t) => {
  const rec = recorder()
  const h = await faulty(rec, { retries: 3 })
  t.teardown(h.close)
  const [id] = await linkMany(h, 1, 'r')
  h.sandbox.setIdentity(id!, { status: 'approved', score: 0.9 })
  h.sandbox.faults.api = { status: 429, retryAfter: 1 }
  h.sandbox.resetStats()
  const held = holdRetrySleeps(t)
  const refresh = h.app.passbase.refresh(id!)
  await until(() => h.sandbox.stats().api.byKind.getIdentity >= 1, 'first fetch')
  await until(() => held.sleepers.length === 1, 'the client sleeps before its retry')
  t.equal(held.sleepers[0]?.ms, 1000, 'as long as the Retry-After says')
  t.equal(h.sandbox.stats().api.byKind.getIdentity, 1, 'no retry inside the Retry-After window (backoff alone would have retried 3 times)')
  h.sandbox.faults.api = {}
  held.release()
  t.match(await refresh, { status: 'approved' })
  t.equal(h.sandbox.stats().api.byKind.getIdentity, 2)
  t.same(rec.of(id!), ['created>processing', 'processing>approved'])

  // a webhook during a 429 storm answers 5xx so that the provider retries
  const [other] = await linkMany(h, 1, 'r2-')
  h.sandbox.faults.api = { status: 429, retryAfter: 0 }
  const identity = h.sandbox.setIdentity(other!, { status: 'declined', score: 0.2 })
  const d = h.sandbox.deliver({ event: 'VERIFICATION_REVIEWED', key: other!, status: 'declined', updated: identity.updated })
  // link (1) + a first webhook attempt whose 4 fetches all got 429 + the start of the provider's retry
  await until(() => (h.sandbox.stats().api.byIdentity[other!] ?? 0) >= 6, 'a refused webhook attempt, then a redelivery')
  h.sandbox.faults.api = {}
  t.equal((await d).status, 200)
  t.ok((await d).attempts > 1)
  t.same(rec.of(other!), ['created>processing', 'processing>declined'])
})

t.test('hung API: the client times out, the webhook answers 5xx, redelivery applies; guards never wait on the provider', async (t) => {
  const rec = recorder()
  const h = await faulty(rec, { retries: 0, timeoutMs: 200 })
  t.teardown(h.close)
  const [ok, id] = await linkMany(h, 2, 'h')
  await h.sandbox.review(ok!, { status: 'approved', score: 0.9 })
  h.sandbox.faults.api.hang = true
  h.sandbox.resetStats()
  const review = h.sandbox.review(id!, { status: 'approved', score: 0.9 })
  await until(() => h.sandbox.stats().api.byKind.getIdentity >= 2, 'two hung fetches')
  // requireVerified reads the store only: an approved user passes while the provider hangs
  const guarded = await h.app.inject({ url: '/profile', headers: { 'x-user': 'h0' } })
  t.equal(guarded.statusCode, 200)
  // linking while the provider hangs keeps the link as `created`
  const pending = await h.sandbox.createIdentity({ status: 'approved' })
  const link = await h.app.inject({ method: 'POST', url: '/passbase/verifications', headers: { 'x-user': 'late' }, payload: { identityAccessKey: pending.id } })
  t.equal(link.statusCode, 201)
  t.equal(link.json().status, 'created')
  h.sandbox.faults.api.hang = false
  const records = await review
  t.ok(records[0]!.attempts > 1, 'retried by the provider')
  t.ok(records.every((r) => r.status === 200))
  await checkSettled(t, h, rec, [ok!, id!], 'h')
  // the link made during the outage is settled by reconciliation
  t.match(await h.app.passbase.reconcile(), { repaired: 1 })
  t.equal((await statusOf(h, 'late')).status, 'approved')
})

t.test('slow API with a concurrency limit: every delivery applied, never more than the limit in flight', async (t) => {
  const rec = recorder()
  const h = await faulty(rec, { concurrency: 2 })
  t.teardown(h.close)
  const ids = await linkMany(h, 10, 's')
  h.sandbox.faults.api.latencyMs = 40
  let maxInFlight = 0
  const sampler = setInterval(() => { maxInFlight = Math.max(maxInFlight, h.app.passbase.client.stats().inFlight) }, 2)
  t.teardown(() => clearInterval(sampler))
  await Promise.all(ids.map(async (id, i) => await h.sandbox.review(id, { status: FINAL[i % 3]!, score: scoreOf[FINAL[i % 3]!] })))
  clearInterval(sampler)
  t.ok(maxInFlight >= 1 && maxInFlight <= 2, `in flight ≤ 2 (saw ${maxInFlight})`)
  await checkSettled(t, h, rec, ids, 's')
  t.match(h.app.passbase.client.stats(), { inFlight: 0, queued: 0, coalescing: 0 }, 'nothing left queued')
})

t.test('duplicated deliveries (×6, concurrent): one effect each', async (t) => {
  const rec = recorder()
  const h = await faulty(rec)
  t.teardown(h.close)
  const ids = await linkMany(h, 8, 'd')
  h.sandbox.faults.deliveries.duplicate = 5
  h.sandbox.resetStats()
  await Promise.all(ids.map(async (id, i) => await h.sandbox.review(id, { status: FINAL[i % 3]!, score: scoreOf[FINAL[i % 3]!] })))
  await h.sandbox.settled()
  const stats = h.sandbox.stats()
  // a review sends COMPLETED then REVIEWED; a manual review (pending) only COMPLETED (as Passbase does)
  const events = ids.reduce((n, _id, i) => n + (FINAL[i % 3] === 'pending' ? 1 : 2), 0)
  t.equal(stats.deliveries.total, events * 6, 'every copy was sent')
  t.equal(stats.deliveries.succeeded, stats.deliveries.total, 'and answered 200')
  for (const id of ids) t.ok((stats.api.byIdentity[id] ?? 0) <= 2, 'one fetch per distinct event at most: copies are recognised before the API')
  await checkSettled(t, h, rec, ids, 'd')
})

t.test('delayed deliveries overtaken by a newer review: the API state wins, no intermediate transition', async (t) => {
  const rec = recorder()
  const h = await faulty(rec)
  t.teardown(h.close)
  const ids = await linkMany(h, 4, 'l')
  h.sandbox.faults.deliveries.delayMs = 50
  // each identity is approved, then declined before any delivery lands
  const first = ids.map(async (id) => await h.sandbox.review(id, { status: 'approved', score: 0.9 }))
  const second = ids.map(async (id) => await h.sandbox.review(id, { status: 'declined', score: 0.2 }))
  const records = (await Promise.all([...first, ...second])).flat()
  t.ok(records.every((r) => r.status === 200))
  await checkSettled(t, h, rec, ids, 'l')
  for (const id of ids) t.same(rec.of(id), ['created>processing', 'processing>declined'], 'approved was never observed')
})

t.test('reordered deliveries (REVIEWED before COMPLETED): final state right, one transition per review', async (t) => {
  const rec = recorder()
  const h = await faulty(rec)
  t.teardown(h.close)
  const [id] = await linkMany(h, 1, 'x')
  h.sandbox.faults.deliveries.reorder = true
  // a manual review is one VERIFICATION_COMPLETED (pending); the final review is COMPLETED + REVIEWED, reversed by the fault
  const one = await h.sandbox.review(id!, { status: 'pending', score: 0.8 })
  t.same(one.map((r) => r.event), ['VERIFICATION_COMPLETED'])
  const two = await h.sandbox.review(id!, { status: 'approved', score: 0.93 })
  t.same(two.map((r) => r.event), ['VERIFICATION_REVIEWED', 'VERIFICATION_COMPLETED'], 'the fault reorders')
  t.ok([...one, ...two].every((r) => r.status === 200))
  t.match(await statusOf(h, 'x0'), { status: 'approved', score: 0.93 })
  t.same(rec.of(id!), ['created>processing', 'processing>pending', 'pending>approved'])
})

t.test('everything at once (seeded): fail rate, latency, duplicates, delays, reordering and drops, then reconcile', async (t) => {
  const rec = recorder()
  const h = await faulty(rec)
  t.teardown(h.close)
  const ids = await linkMany(h, 24, 'z')
  h.sandbox.faults = { api: { failRate: 0.3, latencyMs: 5 }, deliveries: { duplicate: 2, delayMs: 5, reorder: true } }
  // two thirds delivered (with faults), one third dropped
  const delivered = ids.filter((_, i) => i % 3 !== 0)
  const dropped = ids.filter((_, i) => i % 3 === 0)
  await Promise.all(delivered.map(async (id, i) => await h.sandbox.review(id, { status: FINAL[i % 3]!, score: scoreOf[FINAL[i % 3]!] })))
  h.sandbox.faults.deliveries = { drop: true }
  await Promise.all(dropped.map(async (id, i) => await h.sandbox.review(id, { status: FINAL[i % 3]!, score: scoreOf[FINAL[i % 3]!] })))
  await h.sandbox.settled()
  for (const [i, id] of ids.entries()) {
    if (i % 3 === 0) t.equal((await statusOf(h, `z${i}`)).status, 'processing', `dropped: ${id} still stale`)
  }
  h.sandbox.faults.api = {}
  const result = await h.app.passbase.reconcile()
  t.equal(result.repaired, dropped.length, 'reconcile repairs exactly the dropped ones')
  await checkSettled(t, h, rec, ids, 'z')
  t.equal(rec.changes.length, ids.length * 2, 'link + one transition per identity, nothing more')
})

t.test('host faults: a getUserId that throws (synchronously or not) fails closed on both guards', async (t) => {
  let mode: 'sync' | 'async' | 'ok' = 'sync'
  const h = await harness({
    plugin: {
      reauth: { secret: 'r'.repeat(32) },
      getUserId: (request) => {
        if (mode === 'sync') throw new Error('auth backend down')
        if (mode === 'async') return Promise.reject(new Error('auth backend down'))
        return typeof request.headers['x-user'] === 'string' ? request.headers['x-user'] : null
      }
    },
    routes: (app) => { app.get('/withdraw', { preHandler: app.requireReauth }, async () => 'ok') }
  })
  t.teardown(h.close)
  for (const m of ['sync', 'async'] as const) {
    mode = m
    for (const url of ['/profile', '/withdraw']) {
      const res = await h.app.inject({ url, headers: { 'x-user': 'someone' } })
      // The host's getUserId failing is not a store outage: 500, still a refusal
      t.equal(res.statusCode, 500, `${m} throw on ${url}`)
      t.equal(res.json().code, 'FST_PASSBASE_INTERNAL')
    }
  }
  mode = 'ok'
  t.equal((await h.app.inject({ url: '/profile', headers: { 'x-user': 'someone' } })).statusCode, 403, 'and it recovers')
})

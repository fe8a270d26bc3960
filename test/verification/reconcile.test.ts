import Fastify from 'fastify'
import t from 'tap'
import fastifyPassbase, { type StatusChange } from '../../src/index.js'
import { getUserId, harness, linkNew, SECRET_API_KEY, statusOf, WEBHOOK_SECRET, type Harness } from '../helpers/app.js'
import { until } from '../helpers/wait.js'

function transitions (changes: StatusChange[], identityId: string): string[] {
  return changes.filter((c) => c.identityId === identityId).map((c) => `${c.from}>${c.to}`)
}

async function withDroppedReviews (h: Harness, reviews: Array<[string, 'approved' | 'declined' | 'pending', number]>): Promise<void> {
  h.sandbox.faults.deliveries.drop = true
  for (const [id, status, score] of reviews) {
    const records = await h.sandbox.review(id, { status, score })
    if (!records.every((r) => r.dropped)) throw new Error('the drop fault did not drop')
  }
  h.sandbox.faults.deliveries.drop = false
}

t.test('dropped deliveries leave statuses stale; reconcile repairs them, once', async (t) => {
  const changes: StatusChange[] = []
  const h = await harness({ plugin: { onStatusChange: (c) => { changes.push(c) } } })
  t.teardown(h.close)
  const a = await linkNew(h, 'ann')
  const b = await linkNew(h, 'ben')
  const c = await linkNew(h, 'cid')
  await h.sandbox.createIdentity({ status: 'approved' }) // nobody linked it
  await withDroppedReviews(h, [[a, 'approved', 0.97], [b, 'declined', 0.2], [c, 'pending', 0.8]])

  t.equal((await statusOf(h, 'ann')).status, 'processing', 'stale: the webhook never arrived')
  t.equal((await h.app.inject({ url: '/profile', headers: { 'x-user': 'ann' } })).statusCode, 403)
  t.equal(h.sandbox.stats().deliveries.dropped, 5, 'two reviews of two events each, one manual review (one event)')

  const result = await h.app.passbase.reconcile()
  t.same(result, { scanned: 4, linked: 3, repaired: 3 })
  t.match(await statusOf(h, 'ann'), { status: 'approved', score: 0.97 })
  t.match(await statusOf(h, 'ben'), { status: 'declined', score: 0.2 })
  t.match(await statusOf(h, 'cid'), { status: 'pending', score: 0.8 })
  t.equal((await h.app.inject({ url: '/profile', headers: { 'x-user': 'ann' } })).statusCode, 200, 'the guard sees the repair at once')
  t.same(transitions(changes, a), ['created>processing', 'processing>approved'])
  t.same(transitions(changes, b), ['created>processing', 'processing>declined'])
  t.same(transitions(changes, c), ['created>processing', 'processing>pending'])

  const again = await h.app.passbase.reconcile()
  t.same(again, { scanned: 4, linked: 3, repaired: 0 }, 'idempotent')
  t.equal(changes.length, 6, 'no second onStatusChange')

  // a late redelivery of the dropped webhook changes nothing either
  const identity = h.sandbox.getIdentity(a)!
  const late = await h.sandbox.deliver({ event: 'VERIFICATION_REVIEWED', key: a, status: 'approved', created: identity.created, updated: identity.updated })
  t.equal(late.status, 200)
  t.equal(changes.length, 6)
})

t.test('reconcile follows the cursor over several pages', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const ids: string[] = []
  for (let i = 0; i < 230; i++) ids.push((await h.sandbox.createIdentity({ status: 'processing' })).id)
  const picks = [0, 99, 100, 150, 229]
  for (const [n, i] of picks.entries()) {
    const res = await h.app.inject({ method: 'POST', url: '/passbase/verifications', headers: { 'x-user': `u${n}` }, payload: { identityAccessKey: ids[i] } })
    t.equal(res.statusCode, 201)
  }
  await withDroppedReviews(h, picks.map((i) => [ids[i]!, 'approved', 0.9]))
  h.sandbox.resetStats()
  const result = await h.app.passbase.reconcile()
  t.same(result, { scanned: 230, linked: 5, repaired: 5 })
  t.equal(h.sandbox.stats().api.byKind.listIdentities, 3, 'three pages of 100')
  t.equal(h.sandbox.stats().api.byKind.getIdentity, 0, 'the listed state is applied as is: no per-identity fetch')
  for (let n = 0; n < picks.length; n++) t.equal((await statusOf(h, `u${n}`)).status, 'approved')
})

t.test('since: identities updated before it are skipped', async (t) => {
  const changes: StatusChange[] = []
  const h = await harness({ plugin: { onStatusChange: (c) => { changes.push(c) } } })
  t.teardown(h.close)
  const now = Math.floor(Date.now() / 1000)
  // an identity last updated two hours ago, linked then
  const old = (await h.sandbox.createIdentity({ status: 'processing' })).id
  h.sandbox.setIdentity(old, { created: now - 7300, updated: now - 7200 })
  const linked = await h.app.inject({ method: 'POST', url: '/passbase/verifications', headers: { 'x-user': 'old' }, payload: { identityAccessKey: old } })
  t.equal(linked.statusCode, 201)
  const recent = await linkNew(h, 'recent')
  await withDroppedReviews(h, [[old, 'approved', 0.9], [recent, 'approved', 0.9]])
  // its (dropped) review happened an hour ago: newer than what is stored, older than `since`
  h.sandbox.setIdentity(old, { updated: now - 3600 })
  t.equal((await h.app.passbase.store.getByIdentity(old))?.providerUpdated, now - 7200)

  const first = await h.app.passbase.reconcile({ since: new Date((now - 60) * 1000) })
  t.same(first, { scanned: 2, linked: 1, repaired: 1 })
  t.equal((await statusOf(h, 'recent')).status, 'approved')
  t.equal((await statusOf(h, 'old')).status, 'processing', 'older than since: untouched')

  const second = await h.app.passbase.reconcile({ since: now - 7200 })
  t.same(second, { scanned: 2, linked: 2, repaired: 1 }, 'Unix seconds work too')
  t.equal((await statusOf(h, 'old')).status, 'approved')
  t.equal(changes.filter((c) => c.to === 'approved').length, 2)

  await t.rejects(h.app.passbase.reconcile({ since: Number.NaN }), TypeError)
  await t.rejects(h.app.passbase.reconcile({ since: new Date('nope') }), /since/)
})

t.test('reconcile rejects when the API fails, and nothing half-written stays wrong', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const id = await linkNew(h, 'eve')
  await withDroppedReviews(h, [[id, 'approved', 0.9]])
  h.sandbox.faults.api.status = 503
  await t.rejects(h.app.passbase.reconcile(), { code: 'FST_PASSBASE_PROVIDER_UNAVAILABLE' })
  t.equal((await statusOf(h, 'eve')).status, 'processing')
  h.sandbox.faults.api.status = undefined
  t.same(await h.app.passbase.reconcile(), { scanned: 1, linked: 1, repaired: 1 })
})

t.test('store failure during reconcile rejects (fail loudly, never silently skip)', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const id = await linkNew(h, 'fay')
  await withDroppedReviews(h, [[id, 'approved', 0.9]])
  const store = h.app.passbase.store
  const original = store.getByIdentity.bind(store)
  store.getByIdentity = async () => { throw new Error('db down') }
  // classified where it arose: a store failure (the original error is its cause)
  await t.rejects(h.app.passbase.reconcile(), { code: 'FST_PASSBASE_STORE_UNAVAILABLE', cause: { message: 'db down' } })
  store.getByIdentity = original
  t.match(await h.app.passbase.reconcile(), { repaired: 1 })
})

t.test('interval mode: repairs in the background, survives failures, stops on close', async (t) => {
  const changes: StatusChange[] = []
  const h = await harness({ plugin: { reconcile: { intervalMs: 20 }, onStatusChange: (c) => { changes.push(c) } } })
  const errors: unknown[] = []
  const log = h.app.log as unknown as { error: (...args: unknown[]) => void }
  log.error = (...args: unknown[]) => { errors.push(args[0]) }

  // the API fails: background runs fail, are logged, and the loop keeps going
  h.sandbox.faults.api.status = 500
  h.sandbox.resetStats()
  await until(() => errors.length >= 2, 'two failed background runs logged')
  t.match(errors[0], { err: { code: 'FST_PASSBASE_PROVIDER_UNAVAILABLE' } })
  h.sandbox.faults.api.status = undefined

  const id = await linkNew(h, 'gus')
  await withDroppedReviews(h, [[id, 'approved', 0.95]])
  await until(async () => (await statusOf(h, 'gus')).status === 'approved', 'background repair')
  const lists = h.sandbox.stats().api.byKind.listIdentities
  await until(() => h.sandbox.stats().api.byKind.listIdentities >= lists + 3, 'three more background runs')
  t.same(transitions(changes, id), ['created>processing', 'processing>approved'], 'one transition despite repeated runs')

  await h.app.close()
  const after = h.sandbox.stats().api.byKind.listIdentities
  await new Promise((resolve) => setTimeout(resolve, 100)) // 20 intervals: time must pass to show that no run comes
  t.equal(h.sandbox.stats().api.byKind.listIdentities, after, 'no run after close')
  await h.sandbox.close()
})

t.test('interval mode: close does not wait for a hung provider call beyond the client timeout', async (t) => {
  const h = await harness({ plugin: { reconcile: { intervalMs: 5 }, api: { timeoutMs: 300, retries: 0 } } })
  h.sandbox.faults.api.hang = true
  h.sandbox.resetStats()
  await until(() => h.sandbox.stats().api.byKind.listIdentities >= 1, 'a background run on the wire')
  await h.app.close()
  t.pass('closed while a background run was hung')
  await h.sandbox.close()
})

t.test('reconcile option is validated', async (t) => {
  for (const [reconcile, message] of [[{ intervalMs: 0 }, /reconcile\.intervalMs/], [{ intervalMs: 1.5 }, /reconcile\.intervalMs/], [{ every: 5 }, /reconcile/]] as const) {
    const app = Fastify()
    app.register(fastifyPassbase, { secretApiKey: SECRET_API_KEY, webhookSecret: WEBHOOK_SECRET, getUserId, reconcile: reconcile as { intervalMs?: number } })
    await t.rejects(async () => { await app.ready() }, message)
    await app.close()
  }
})

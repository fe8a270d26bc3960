import { generateKeyPairSync } from 'node:crypto'
import t from 'tap'
import type { StatusChange } from '../../src/index.js'
import { encryptWebhook, webhookKey } from '../../src/protocol/crypto.js'
import { harness, linkNew, statusOf, WEBHOOK_SECRET } from '../helpers/app.js'

const key = webhookKey(WEBHOOK_SECRET)

t.test('a review is applied from the API: status, score, onStatusChange', async (t) => {
  const changes: StatusChange[] = []
  const h = await harness({ plugin: { onStatusChange: (c) => { changes.push(c) } } })
  t.teardown(h.close)
  const id = await linkNew(h, 'alice')
  t.same(changes.map((c) => [c.from, c.to]), [['created', 'processing']])
  const blocked = await h.app.inject({ url: '/profile', headers: { 'x-user': 'alice' } })
  t.equal(blocked.statusCode, 403)
  t.equal(blocked.json().status, 'processing')
  const deliveries = await h.sandbox.review(id, { status: 'approved', score: 0.97 })
  t.same(deliveries.map((d) => d.status), [200, 200])
  const s = await statusOf(h, 'alice')
  t.match(s, { status: 'approved', identityId: id, score: 0.97 })
  t.match(s.updatedAt, /^\d{4}-\d\d-\d\dT/)
  t.same(changes.map((c) => [c.from, c.to]), [['created', 'processing'], ['processing', 'approved']], 'one transition for two events')
  t.match(changes[1], { userId: 'alice', identityId: id, score: 0.97 })
  const open = await h.app.inject({ url: '/profile', headers: { 'x-user': 'alice' } })
  t.equal(open.statusCode, 200)
  t.same(open.json(), { ok: true, identityId: id })
  t.equal(await h.app.passbase.statusOf('alice'), 'approved')
  t.equal(await h.app.passbase.statusOf('nobody'), 'none')
})

t.test('20 concurrent duplicate deliveries: one transition, one callback', async (t) => {
  let calls = 0
  const h = await harness({ plugin: { onStatusChange: (c) => { if (c.to === 'approved') calls++ } } })
  t.teardown(h.close)
  const id = await linkNew(h, 'dup')
  const identity = h.sandbox.setIdentity(id, { status: 'approved', score: 0.9 })
  const body = encryptWebhook(key, JSON.stringify({ event: 'VERIFICATION_REVIEWED', key: id, status: 'approved', created: identity.created, updated: identity.updated }))
  const before = h.sandbox.stats().api.byKind.getIdentity
  const answers = await Promise.all(Array.from({ length: 20 }, async () =>
    await fetch(`${h.url}/passbase/webhooks`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body })))
  t.same(new Set(answers.map((r) => r.status)), new Set([200]))
  t.equal(calls, 1, 'one onStatusChange')
  t.equal(h.sandbox.stats().api.byKind.getIdentity - before, 1, 'one API fetch: duplicates are recognised')
  t.equal((await statusOf(h, 'dup')).status, 'approved')
})

t.test('a stale API state never overwrites a newer one', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const id = await linkNew(h, 'carol')
  const newer = h.sandbox.setIdentity(id, { status: 'declined', score: 0.2 })
  await h.sandbox.deliver({ event: 'VERIFICATION_REVIEWED', key: id, status: 'declined', updated: newer.updated })
  t.equal((await statusOf(h, 'carol')).status, 'declined')
  // the provider (e.g. a lagging replica) answers an older state
  h.sandbox.setIdentity(id, { status: 'approved', score: 0.99, updated: newer.updated - 10 })
  const d = await h.sandbox.deliver({ event: 'VERIFICATION_COMPLETED', key: id, status: 'approved', updated: newer.updated - 10 })
  t.equal(d.status, 200)
  t.match(await statusOf(h, 'carol'), { status: 'declined', score: 0.2 })
})

t.test('the webhook body is a hint: approved in the body, declined at the API → declined', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const id = await linkNew(h, 'dave')
  const identity = h.sandbox.setIdentity(id, { status: 'declined', score: 0.1 })
  await h.sandbox.deliver({ event: 'VERIFICATION_REVIEWED', key: id, status: 'approved', updated: identity.updated + 100 })
  t.equal((await statusOf(h, 'dave')).status, 'declined')
  t.equal((await h.app.inject({ url: '/profile', headers: { 'x-user': 'dave' } })).statusCode, 403)
})

t.test('metadata bound to another user is never approved (and never linked: 403, nothing stored)', async (t) => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const h = await harness({ plugin: { metadataPrivateKey: privateKey } })
  t.teardown(h.close)
  const good = await linkNew(h, 'erin', { metadata: { user_id: 'erin' } })
  await h.sandbox.review(good, { status: 'approved', score: 0.99 })
  t.equal((await statusOf(h, 'erin')).status, 'approved')
  const link = async (user: string, metadata: Record<string, unknown> | null) => {
    const identity = await h.sandbox.createIdentity({ status: 'processing', metadata })
    const res = await h.app.inject({ method: 'POST', url: '/passbase/verifications', headers: { 'x-user': user }, payload: { identityAccessKey: identity.id } })
    await h.sandbox.review(identity.id, { status: 'approved', score: 0.99 })
    return res
  }
  const bad = await link('frank', { user_id: 'erin' })
  t.match(bad.json(), { statusCode: 403, code: 'FST_PASSBASE_METADATA_MISMATCH' })
  t.match(await statusOf(h, 'frank'), { status: 'none' })
  const missing = await link('gina', null)
  t.match(missing.json(), { statusCode: 403, code: 'FST_PASSBASE_METADATA_MISMATCH' })
  t.match(await statusOf(h, 'gina'), { status: 'none' })
})

t.test('below-threshold scores are not approved', async (t) => {
  const h = await harness({ plugin: { thresholds: { approveAt: 0.85, declineBelow: 0.7 } } })
  t.teardown(h.close)
  const a = await linkNew(h, 'hank')
  await h.sandbox.review(a, { status: 'approved', score: 0.8 })
  t.match(await statusOf(h, 'hank'), { status: 'pending', reason: 'score_below_threshold' })
  const b = await linkNew(h, 'ivy')
  await h.sandbox.review(b, { status: 'approved', score: 0.5 })
  t.match(await statusOf(h, 'ivy'), { status: 'declined', reason: 'score_below_threshold' })
  t.equal((await h.app.inject({ url: '/profile', headers: { 'x-user': 'hank' } })).statusCode, 403)
})

t.test('API outage: 5xx so the provider retries, then the redelivery applies', async (t) => {
  const h = await harness({ sandbox: { retry: { attempts: 1, baseMs: 10 } } })
  t.teardown(h.close)
  const id = await linkNew(h, 'jack')
  h.sandbox.faults.api.status = 503
  const [first] = await h.sandbox.review(id, { status: 'approved', score: 0.95 })
  t.equal(first?.status, 503, 'webhook answered 5xx')
  t.equal((await statusOf(h, 'jack')).status, 'processing', 'nothing half-written')
  h.sandbox.faults.api.status = undefined
  const identity = h.sandbox.getIdentity(id)!
  const again = await h.sandbox.deliver({ event: 'VERIFICATION_REVIEWED', key: id, status: 'approved', created: identity.created, updated: identity.updated })
  t.equal(again.status, 200, 'the same delivery is processed again (not treated as a duplicate)')
  t.equal((await statusOf(h, 'jack')).status, 'approved')
})

t.test('store outage while handling a webhook: 5xx, mark released', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const id = await linkNew(h, 'kim')
  const store = h.app.passbase.store
  const original = store.applyUpdate.bind(store)
  store.applyUpdate = async () => { throw new Error('db down') }
  const identity = h.sandbox.setIdentity(id, { status: 'approved', score: 0.9 })
  const body = { event: 'VERIFICATION_REVIEWED', key: id, status: 'approved', updated: identity.updated }
  t.equal((await h.sandbox.deliver(body)).status, 503)
  store.applyUpdate = original
  t.equal((await h.sandbox.deliver(body)).status, 200)
  t.equal((await statusOf(h, 'kim')).status, 'approved')
})

t.test('an identity the API no longer knows: 200, ignored', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const fakeId = '7f5a3c1e-1111-4222-8333-944445555666'
  const res = await h.app.inject({ method: 'POST', url: '/passbase/verifications', headers: { 'x-user': 'lee' }, payload: { identityAccessKey: fakeId } })
  t.equal(res.statusCode, 404)
  // link while the API is down, then it turns out not to exist
  h.sandbox.faults.api.status = 500
  const kept = await h.app.inject({ method: 'POST', url: '/passbase/verifications', headers: { 'x-user': 'lee' }, payload: { identityAccessKey: fakeId } })
  t.equal(kept.statusCode, 201)
  h.sandbox.faults.api.status = undefined
  const d = await h.sandbox.deliver({ event: 'VERIFICATION_REVIEWED', key: fakeId, status: 'approved', updated: 5 })
  t.equal(d.status, 200)
  // the link kept during the outage fails its first authoritative check: released
  t.equal((await statusOf(h, 'lee')).status, 'none')
})

t.test('refresh() applies the API state on demand', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const id = await linkNew(h, 'mia')
  h.sandbox.setIdentity(id, { status: 'approved', score: 0.9 })
  t.match(await h.app.passbase.refresh(id), { status: 'approved' })
  t.equal(await h.app.passbase.refresh('not-linked'), null)
})

t.test('onStatusChange that throws does not make the provider retry', async (t) => {
  const h = await harness({ plugin: { onStatusChange: () => { throw new Error('host bug') } } })
  t.teardown(h.close)
  const id = await linkNew(h, 'ned')
  const [a, b] = await h.sandbox.review(id, { status: 'approved', score: 0.9 })
  t.equal(a?.status, 200)
  t.equal(b?.status, 200)
  t.equal((await statusOf(h, 'ned')).status, 'approved')
})

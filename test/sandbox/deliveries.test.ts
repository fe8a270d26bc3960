import t from 'tap'
import { createSandbox } from '../../src/sandbox/index.js'
import { api, receiver, SECRET_API_KEY, sandboxFor } from './helpers.js'

/** Webhook deliveries: reviews, authentications, encryption, retries, delivery faults, the log. */

t.test('review delivers VERIFICATION_COMPLETED then VERIFICATION_REVIEWED, encrypted', async (t) => {
  const rx = await receiver()
  t.teardown(rx.close)
  const sandbox = await sandboxFor(t)
  sandbox.webhookUrl = rx.url // set after start, like a host app that listens later
  const identity = await sandbox.createIdentity({ status: 'processing' })

  const records = await sandbox.review(identity.id, { status: 'approved', score: 0.91 })
  const after = sandbox.getIdentity(identity.id)!
  t.match(after, { status: 'approved', score: 0.91 })
  t.ok(after.updated > identity.updated, 'updated strictly increases')

  t.equal(rx.received.length, 2)
  for (const r of rx.received) {
    t.equal(r.headers['content-type'], 'text/plain')
    t.match(r.raw, /^[A-Za-z0-9+/]+=*$/)
  }
  const [completed, reviewed] = rx.received.map((r) => r.body)
  t.match(completed, { event: 'VERIFICATION_COMPLETED', key: identity.id, status: 'pending', created: identity.created, updated: after.updated })
  t.same(Object.keys(reviewed).sort(), ['created', 'event', 'key', 'processed', 'status', 'updated'])
  t.match(reviewed, { event: 'VERIFICATION_REVIEWED', key: identity.id, status: 'approved', created: identity.created, updated: after.updated })
  t.type(reviewed.processed, 'number')

  t.equal(records.length, 2)
  t.match(records[1], { event: 'VERIFICATION_REVIEWED', key: identity.id, status: 200, attempts: 1, duplicate: false, dropped: false })
  t.same(records[1].body, reviewed)
  t.same(sandbox.deliveries.map((d) => d.event), ['VERIFICATION_COMPLETED', 'VERIFICATION_REVIEWED'])

  // a second review in the same second still moves updated forward
  await sandbox.review(identity.id, { status: 'declined' })
  const again = sandbox.getIdentity(identity.id)!
  t.ok(again.updated > after.updated)
  t.equal(again.score, 0.91, 'score kept when the review gives none')
  t.equal(rx.received[3].body.updated, again.updated)
  t.equal(rx.received[3].body.status, 'declined')

  // an unscored identity gets a default score for its review
  const fresh = await sandbox.createIdentity({ status: 'processing' })
  await sandbox.review(fresh.id, { status: 'pending' })
  t.equal(sandbox.getIdentity(fresh.id)?.score, 0.8)
  t.same(rx.received.slice(4).map((r) => [r.body.event, r.body.status]), [['VERIFICATION_COMPLETED', 'pending']],
    'v0.2: a manual review is VERIFICATION_COMPLETED (pending) alone')

  await t.rejects(sandbox.review('nope', { status: 'approved' }), /unknown identity/)
  // @ts-expect-error an invalid review status
  await t.rejects(sandbox.review(identity.id, { status: 'processing' }), /review status/)
})

t.test('manual review: VERIFICATION_COMPLETED pending only; VERIFICATION_REVIEWED never carries pending', async (t) => {
  const rx = await receiver()
  t.teardown(rx.close)
  const sandbox = await sandboxFor(t, { webhookUrl: rx.url })
  const identity = await sandbox.createIdentity({ status: 'processing' })
  const pending = await sandbox.review(identity.id, { status: 'pending', score: 0.75 })
  t.equal(pending.length, 1)
  t.match(pending[0].body, { event: 'VERIFICATION_COMPLETED', key: identity.id, status: 'pending' })
  t.match(sandbox.getIdentity(identity.id), { status: 'pending', score: 0.75 })

  // the reviewer decides later: completed (pending) again, then the review's result
  for (const status of ['approved', 'declined'] as const) {
    const records = await sandbox.review(identity.id, { status })
    t.same(records.map((r) => [r.body.event, r.body.status]), [['VERIFICATION_COMPLETED', 'pending'], ['VERIFICATION_REVIEWED', status]])
  }
  const reviewed = rx.received.filter((r) => r.body.event === 'VERIFICATION_REVIEWED').map((r) => r.body.status)
  t.same(reviewed, ['approved', 'declined'])
  t.notOk(rx.received.some((r) => r.body.event === 'VERIFICATION_REVIEWED' && r.body.status === 'pending'))
})

t.test('without a webhook secret deliveries are plain JSON', async (t) => {
  const rx = await receiver([], null)
  t.teardown(rx.close)
  const sandbox = await sandboxFor(t, { webhookSecret: undefined, webhookUrl: rx.url })
  t.equal(sandbox.webhookSecret, undefined)
  const identity = await sandbox.createIdentity()
  await sandbox.review(identity.id, { status: 'approved' })
  t.equal(rx.received[0].headers['content-type'], 'application/json')
  t.match(rx.received[1].body, { event: 'VERIFICATION_REVIEWED', key: identity.id })
  t.match(await (await api(sandbox, '/settings')).json(), { webhooks: { url: rx.url, encrypted: false } })
})

t.test('deliveries retry non-2xx answers and network errors with backoff', async (t) => {
  const rx = await receiver([500, -1, 202])
  t.teardown(rx.close)
  const sandbox = await sandboxFor(t, { webhookUrl: rx.url, retry: { attempts: 4, baseMs: 20 } })
  const started = Date.now()
  const record = await sandbox.deliver({ event: 'DATAPOINT_UPDATED', key: 'k1', resource_key: 'r', type: 'email', value: 'x' })
  t.ok(Date.now() - started >= 20 + 40, 'exponential backoff')
  t.match(record, { event: 'DATAPOINT_UPDATED', key: 'k1', status: 202, attempts: 3 })
  t.notOk('error' in record)
  t.equal(rx.received.length, 2, 'the destroyed attempt was not received')

  rx.queue.push(503, 503, 503, 503)
  const failed = await sandbox.deliver({ event: 'VERIFICATION_REVIEWED', key: 'k2', status: 'approved' })
  t.match(failed, { status: 503, attempts: 4, error: 'HTTP 503' })

  rx.queue.push(-1, -1, -1, -1)
  const network = await sandbox.deliver({ event: 'VERIFICATION_REVIEWED', key: 'k3' })
  t.match(network, { status: null, attempts: 4, error: String })

  t.match(sandbox.stats().deliveries, { total: 3, succeeded: 1, failed: 2, dropped: 0 })
})

t.test('a sandbox without a webhook URL records deliveries as not sent', async (t) => {
  const sandbox = await sandboxFor(t)
  const identity = await sandbox.createIdentity()
  const records = await sandbox.review(identity.id, { status: 'approved' })
  t.match(records, [{ status: null, attempts: 0, error: 'no webhook URL set' }, { status: null, attempts: 0 }])
})

t.test('authenticate delivers IDENTITY_AUTHENTICATED without touching the identity', async (t) => {
  const rx = await receiver()
  t.teardown(rx.close)
  const sandbox = await sandboxFor(t, { webhookUrl: rx.url })
  const identity = await sandbox.createIdentity({ status: 'approved' })
  const first = await sandbox.authenticate(identity.id)
  const second = await sandbox.authenticate(identity.id)
  const failed = await sandbox.authenticate(identity.id, { success: false })
  t.same(sandbox.getIdentity(identity.id), identity, 'identity unchanged')
  t.match(first.body, { event: 'IDENTITY_AUTHENTICATED', key: identity.id, status: 'approved', created: identity.created })
  t.ok(Math.abs(Number(first.body.updated) - Date.now() / 1000) < 5, 'updated is now')
  t.ok(Number(second.body.updated) > Number(first.body.updated), 'two logins never share an updated')
  t.equal(failed.body.status, 'declined')
  t.same(rx.received.map((r) => r.body), [first.body, second.body, failed.body])
  await t.rejects(sandbox.authenticate('nope'), /unknown identity/)
})

t.test('delivery faults: duplicate, reorder, drop, delay', async (t) => {
  const rx = await receiver()
  t.teardown(rx.close)
  const sandbox = await sandboxFor(t, { webhookUrl: rx.url, faults: { deliveries: { duplicate: 2 } } })
  const identity = await sandbox.createIdentity()

  const records = await sandbox.review(identity.id, { status: 'approved' })
  t.equal(rx.received.length, 6, 'each event three times')
  t.equal(sandbox.deliveries.length, 6)
  t.equal(sandbox.deliveries.filter((d) => d.duplicate).length, 4)
  t.same(records.map((r) => r.duplicate), [false, false])
  t.same(rx.received.slice(0, 3).map((r) => r.body.event), Array(3).fill('VERIFICATION_COMPLETED'), 'the next event waits for all copies')

  rx.received.length = 0
  sandbox.faults.deliveries = { reorder: true }
  await sandbox.review(identity.id, { status: 'declined' })
  t.same(rx.received.map((r) => r.body.event), ['VERIFICATION_REVIEWED', 'VERIFICATION_COMPLETED'])

  rx.received.length = 0
  sandbox.faults.deliveries = { drop: true }
  const dropped = await sandbox.review(identity.id, { status: 'approved' })
  t.equal(rx.received.length, 0)
  t.match(dropped, [{ status: null, attempts: 0, dropped: true }, { status: null, dropped: true }])
  t.equal(sandbox.stats().deliveries.dropped, 2)

  sandbox.faults.deliveries = { delayMs: 80 }
  const started = Date.now()
  await sandbox.deliver({ event: 'VERIFICATION_REVIEWED', key: identity.id })
  t.ok(Date.now() - started >= 75, 'delayed')
  t.equal(rx.received.length, 1)
})

t.test('waitForDelivery, settled and a bounded delivery log', async (t) => {
  const rx = await receiver()
  t.teardown(rx.close)
  const sandbox = await sandboxFor(t, { webhookUrl: rx.url })
  const identity = await sandbox.createIdentity()
  const waiting = sandbox.waitForDelivery((d) => d.event === 'VERIFICATION_REVIEWED')
  void sandbox.review(identity.id, { status: 'approved' })
  t.match(await waiting, { event: 'VERIFICATION_REVIEWED', key: identity.id, status: 200 })
  await sandbox.settled()
  t.equal(rx.received.length, 2)
  t.match(await sandbox.waitForDelivery(), { event: 'VERIFICATION_COMPLETED' }, 'an existing record matches at once')
  await t.rejects(sandbox.waitForDelivery((d) => d.key === 'never', 30), /no matching delivery within 30 ms/)

  sandbox.faults.deliveries.drop = true
  for (let i = 0; i < 1005; i++) void sandbox.deliver({ event: 'X', key: String(i) })
  await sandbox.settled()
  t.equal(sandbox.deliveries.length, 1000)
  t.equal(sandbox.deliveries[999].key, '1004')
  t.ok(sandbox.deliveries[0].seq < sandbox.deliveries[999].seq)
})

t.test('close gives up retries in flight and rejects waiters', async (t) => {
  const rx = await receiver([500, 500, 500, 500, 500])
  t.teardown(rx.close)
  const sandbox = await createSandbox({ secretApiKey: SECRET_API_KEY, webhookUrl: rx.url, retry: { attempts: 5, baseMs: 10_000 } })
  const identity = await sandbox.createIdentity()
  const review = sandbox.review(identity.id, { status: 'approved' })
  const waiter = sandbox.waitForDelivery((d) => d.key === 'never').then(() => 'resolved', (err: Error) => err.message)
  await new Promise((resolve) => setTimeout(resolve, 50))
  await sandbox.close()
  const records = await review
  t.match(records[0], { status: 500, attempts: 1 })
  t.equal(records.length, 2)
  t.match(records[1], { status: null, attempts: 0, error: 'sandbox closed' })
  t.equal(await waiter, 'sandbox: closed')
  await t.rejects(sandbox.waitForDelivery((d) => d.key === 'never'), /closed/)
})

import { randomUUID } from 'node:crypto'
import t from 'tap'
import { createTestClock } from '../../src/testing/host.js'
import { harness, statusOf, type Harness } from '../helpers/app.js'

/**
 * Without a binding, a link made while the provider could not be asked is kept as
 * `created` and checked at its first authoritative fetch; maintenance (`runMaintenance()`, and every 5 minutes) asks the provider again
 * about the links never settled that are older than 5 minutes: its answer settles them (a
 * 404 releases at once), and one still unconfirmed 24 hours after linking is released, so
 * that a link nobody can confirm never holds an identity for longer than a day.
 */

const HOUR = 3_600_000
const link = async (h: Harness, user: string, identityAccessKey: string) =>
  await h.app.inject({ method: 'POST', url: '/passbase/verifications', headers: { 'x-user': user }, payload: { identityAccessKey } })

t.test('a link the provider never confirms is released 24 h after linking (injected clock)', async (t) => {
  const clock = createTestClock()
  const h = await harness({ clock })
  t.teardown(h.close)
  const a = await h.sandbox.createIdentity({ status: 'processing' })
  const b = await h.sandbox.createIdentity({ status: 'processing' })
  h.sandbox.faults.api.status = 503
  const linkedAt = clock.now()
  for (const [user, key] of [['dora', a.id], ['fay', b.id], ['eve', randomUUID()]] as const) {
    const res = await link(h, user, key)
    t.equal(res.statusCode, 201, `${user}: kept as created while the provider is down`)
  }
  const asked = (): number => h.sandbox.stats().api.byKind.getIdentity

  clock.advance(60_000)
  const before = asked()
  t.match(await h.app.passbase.runMaintenance(), { released: 0 })
  t.equal(asked(), before, 'a link younger than 5 minutes is not asked about')

  clock.set(linkedAt + HOUR)
  t.match(await h.app.passbase.runMaintenance(), { released: 0 }, 'an hour later, still unconfirmed: kept')
  t.ok(asked() > before, 'the provider was asked again')
  for (const user of ['dora', 'fay', 'eve']) t.equal((await statusOf(h, user)).status, 'created')

  clock.set(linkedAt + 24 * HOUR - 1)
  t.match(await h.app.passbase.runMaintenance(), { released: 0 }, 'just before 24 h: kept')
  clock.set(linkedAt + 24 * HOUR)
  t.match(await h.app.passbase.runMaintenance(), { released: 3 }, '24 h after linking, still unconfirmed: released')
  for (const user of ['dora', 'fay', 'eve']) t.same(await statusOf(h, user), { status: 'none' }, `${user} holds nothing`)
  let released = 0
  for await (const entry of h.app.passbase.audit.entries()) if (entry.type === 'released') released++
  t.equal(released, 3, 'each release is in the audit trail')

  h.sandbox.faults.api.status = undefined
  const owner = await link(h, 'owner', a.id)
  t.equal(owner.statusCode, 201, 'the identity is free for whoever the provider confirms')
  t.equal(owner.json().status, 'processing')
})

t.test('maintenance settles what the provider confirms and releases what it does not know (404) at once', async (t) => {
  const clock = createTestClock()
  const h = await harness({ clock })
  t.teardown(h.close)
  const real = await h.sandbox.createIdentity({ status: 'processing' })
  h.sandbox.faults.api.status = 503
  t.equal((await link(h, 'gus', real.id)).statusCode, 201)
  t.equal((await link(h, 'hal', randomUUID())).statusCode, 201)
  h.sandbox.faults.api.status = undefined
  h.sandbox.setIdentity(real.id, { status: 'approved', score: 0.95 }) // reviewed; the webhook was lost

  clock.advance(10 * 60_000)
  t.match(await h.app.passbase.runMaintenance(), { released: 1 }, 'the unknown key is released at once')
  t.same(await statusOf(h, 'hal'), { status: 'none' })
  t.match(await statusOf(h, 'gus'), { status: 'approved', identityId: real.id }, 'the confirmed link is settled')

  h.sandbox.faults.api.status = 503
  clock.advance(25 * HOUR)
  t.match(await h.app.passbase.runMaintenance(), { released: 0 })
  t.match(await statusOf(h, 'gus'), { status: 'approved' }, 'a settled link is never released')
})

t.test('a link kept during an outage is checked at its first authoritative fetch: a 404 releases it', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const key = randomUUID()
  h.sandbox.faults.api.status = 503
  t.equal((await link(h, 'ivy', key)).statusCode, 201)
  h.sandbox.faults.api.status = undefined
  const delivery = await h.sandbox.deliver({ event: 'VERIFICATION_REVIEWED', key, status: 'approved', created: 1, updated: 2 })
  t.equal(delivery.status, 200, 'a webhook naming it makes the app ask the provider')
  t.same(await statusOf(h, 'ivy'), { status: 'none' }, 'unknown to the provider: released')
})

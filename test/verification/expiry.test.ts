import t from 'tap'
import { MemoryStore, type StatusChange } from '../../src/index.js'
import { createTestClock } from '../../src/testing/host.js'
import { harness, linkNew, statusOf, type Harness } from '../helpers/app.js'

/** Verifications that expire (`expiry: { maxAge }`), checked per request, reported once. */

const HOUR = 3600

async function approvedUser (h: Harness, user: string): Promise<{ id: string, updated: number }> {
  const id = await linkNew(h, user)
  await h.sandbox.review(id, { status: 'approved', score: 0.95 })
  return { id, updated: h.sandbox.getIdentity(id)!.updated }
}

t.test('an approval expires maxAge after the provider\'s updated: guards refuse at expiresAt (no sweep needed), /status says so', async (t) => {
  const clock = createTestClock()
  const h = await harness({ plugin: { clock, expiry: { maxAge: HOUR } } })
  t.teardown(h.close)
  const { updated } = await approvedUser(h, 'eve')
  const expiresAt = (updated + HOUR) * 1000
  t.match(await statusOf(h, 'eve'), { status: 'approved', expiresAt: new Date(expiresAt).toISOString() })
  const profile = async (): Promise<{ statusCode: number, status?: string }> => {
    const res = await h.app.inject({ url: '/profile', headers: { 'x-user': 'eve' } })
    return { statusCode: res.statusCode, status: res.json().status }
  }
  t.same(await profile(), { statusCode: 200, status: undefined })
  clock.advance(expiresAt - clock.now() - 1)
  t.equal((await profile()).statusCode, 200, 'one millisecond before: still approved')
  clock.advance(1)
  t.same(await profile(), { statusCode: 403, status: 'expired' }, 'at expiresAt: refused, per request, before any sweep')
  t.match(await statusOf(h, 'eve'), { status: 'expired', reason: 'expired' })
  t.notOk('expiresAt' in await statusOf(h, 'eve'), 'expiresAt only while the approval will expire')
  t.equal(await h.app.passbase.statusOf('eve'), 'expired')
})

t.test('approved → expired is reported once, from any instance; the expired user may link a new identity', async (t) => {
  const clock = createTestClock()
  const store = new MemoryStore()
  const changes: Array<{ instance: string, change: StatusChange }> = []
  const a = await harness({ plugin: { clock, store, expiry: { maxAge: HOUR }, onStatusChange: (change) => { changes.push({ instance: 'a', change }) } }, sandbox: { clock } })
  t.teardown(a.close)
  const b = await harness({ plugin: { clock, store, expiry: { maxAge: HOUR }, onStatusChange: (change) => { changes.push({ instance: 'b', change }) } } })
  t.teardown(b.close)
  const { id } = await approvedUser(a, 'ivy')
  await a.app.passbase.runMaintenance()
  clock.advance((HOUR + 60) * 1000) // (the sandbox reports `updated` strictly increasing per identity, so maybe a few seconds ahead)
  const results = await Promise.all([a.app.passbase.runMaintenance(), b.app.passbase.runMaintenance(), a.app.passbase.runMaintenance()])
  t.equal(results.reduce((n, r) => n + r.expired, 0), 1, 'one sweep expired it')
  await a.app.passbase.runMaintenance()
  await b.app.passbase.runMaintenance()
  const expiries = changes.filter((c) => c.change.to === 'expired')
  t.equal(expiries.length, 1, 'reported once')
  t.match(expiries[0]!.change, { userId: 'ivy', identityId: id, from: 'approved', to: 'expired' })
  // re-verification
  const fresh = await a.sandbox.createIdentity({ status: 'processing' })
  const res = await a.app.inject({ method: 'POST', url: '/passbase/verifications', headers: { 'x-user': 'ivy' }, payload: { identityAccessKey: fresh.id } })
  t.equal(res.statusCode, 201, 'an expired user may link a new identity')
  t.match(res.json(), { status: 'processing', identityId: fresh.id })
  // the provider (on the same clock) approves it now
  await a.sandbox.review(fresh.id, { status: 'approved', score: 0.95 })
  t.equal((await statusOf(a, 'ivy')).status, 'approved', 'approved again')
})

t.test('a declined user may link a new identity; an approved one may not (409)', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const id = await linkNew(h, 'dan')
  await h.sandbox.review(id, { status: 'declined', score: 0.2 })
  t.equal((await linkNew(h, 'dan').then(() => 201, (err: Error) => err.message)), 201)
  const { id: second } = await approvedUser(h, 'amy')
  void second
  const other = await h.sandbox.createIdentity({ status: 'processing' })
  const res = await h.app.inject({ method: 'POST', url: '/passbase/verifications', headers: { 'x-user': 'amy' }, payload: { identityAccessKey: other.id } })
  t.match(res.json(), { statusCode: 409, code: 'FST_PASSBASE_ALREADY_VERIFIED' })
})

t.test('documents: an approval expires with the earliest document (date_of_expiry), one clock for the sandbox and the plugin', async (t) => {
  const clock = createTestClock(Date.UTC(2027, 0, 10))
  const h = await harness({ plugin: { clock, expiry: { documents: true } }, sandbox: { clock } })
  t.teardown(h.close)
  const identity = await h.sandbox.createIdentity({ status: 'processing', documentExpiry: '2027-03-01' })
  const res = await h.app.inject({ method: 'POST', url: '/passbase/verifications', headers: { 'x-user': 'doc' }, payload: { identityAccessKey: identity.id } })
  t.equal(res.statusCode, 201)
  await h.sandbox.review(identity.id, { status: 'approved', score: 0.95 })
  t.match(await statusOf(h, 'doc'), { status: 'approved', expiresAt: '2027-03-01T00:00:00.000Z' })
  clock.advance(Date.UTC(2027, 2, 1) - clock.now() - 1)
  t.equal((await h.app.inject({ url: '/profile', headers: { 'x-user': 'doc' } })).statusCode, 200, 'the day before')
  clock.advance(1)
  t.equal((await h.app.inject({ url: '/profile', headers: { 'x-user': 'doc' } })).json().status, 'expired', 'on the day the document expires')
  // an identity whose document already expired is never approved
  const stale = await h.sandbox.createIdentity({ status: 'processing', documentExpiry: '2027-02-01' })
  await h.app.inject({ method: 'POST', url: '/passbase/verifications', headers: { 'x-user': 'old' }, payload: { identityAccessKey: stale.id } })
  await h.sandbox.review(stale.id, { status: 'approved', score: 0.95 })
  t.match(await statusOf(h, 'old'), { status: 'expired', reason: 'expired' })
})

t.test('watchlist: the sandbox flags an identity (WATCHLIST_MONITORING): with decline it is declined, reason watchlist', async (t) => {
  const h = await harness({ plugin: { watchlist: 'decline' } })
  t.teardown(h.close)
  const { id } = await approvedUser(h, 'wanda')
  t.equal((await h.sandbox.flagWatchlist(id)).status, 200)
  t.match(await statusOf(h, 'wanda'), { status: 'declined', reason: 'watchlist' })
  t.equal((await h.app.inject({ url: '/profile', headers: { 'x-user': 'wanda' } })).statusCode, 403)
})

t.test('watchlist: with decline, a listing found later declines the user (reason watchlist) on WATCHLIST_MONITORING', async (t) => {
  for (const mode of ['decline', 'ignore'] as const) {
    const h = await harness({ plugin: { watchlist: mode } })
    t.teardown(h.close)
    const { id } = await approvedUser(h, 'wes')
    const listed = h.sandbox.setIdentity(id, { watchlist: { clean: false, listings: {}, media: [], sources: ['OFAC'], types: ['sanction'] } })
    t.equal((await h.sandbox.deliver({ event: 'WATCHLIST_MONITORING', key: id, status: listed.status, updated: listed.updated })).status, 200)
    const status = await statusOf(h, 'wes')
    if (mode === 'decline') t.match(status, { status: 'declined', reason: 'watchlist' }, 'decline')
    else t.match(status, { status: 'approved' }, 'ignore')
  }
})

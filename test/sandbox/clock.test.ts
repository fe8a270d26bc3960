import t from 'tap'
import type { WirePage, WireResource } from '../../src/sandbox/index.js'
import { createTestClock } from '../../src/testing/host.js'
import { api, receiver, sandboxFor } from './helpers.js'

/** `createSandbox({ clock })`: every time the sandbox reports or decides reads it. */

const START = Date.UTC(2030, 0, 15, 12, 0, 0)
const S = START / 1000

t.test('the sandbox reports its clock\'s time everywhere', async (t) => {
  const clock = createTestClock(START)
  const rx = await receiver()
  t.teardown(rx.close)
  const sandbox = await sandboxFor(t, { clock, webhookUrl: rx.url })
  t.equal(sandbox.clock, clock, 'sandbox.clock is the clock given')

  const identity = await sandbox.createIdentity({ status: 'processing' })
  t.match(identity, { created: S, updated: S })
  const year = Number(String(identity.resources[0].datapoints.date_of_expiry).slice(0, 4))
  t.ok(year >= 2031 && year <= 2039, `the default document expiry counts from the clock's year (${year})`)
  const resources = (await (await api(sandbox, `/identity/${identity.id}/resources`)).json() as WirePage<WireResource>).data
  t.same(resources.map((r) => [r.created, r.updated, r.resource_files[0].created]), [[S, S, S], [S, S, S]])

  // the clock stands still: updated still moves strictly forward
  t.equal(sandbox.setIdentity(identity.id, { score: 0.1 }).updated, S + 1)
  clock.advance(3_600_000)
  const records = await sandbox.review(identity.id, { status: 'approved' })
  t.same(records.map((r) => r.body), [
    { event: 'VERIFICATION_COMPLETED', key: identity.id, created: S, updated: S + 3600, processed: S + 3600, status: 'pending' },
    { event: 'VERIFICATION_REVIEWED', key: identity.id, created: S, updated: S + 3600, processed: S + 3600, status: 'approved' }
  ])
  t.same(records.map((r) => r.deliveredAt), [START + 3_600_000, START + 3_600_000], 'deliveredAt reads the clock')
  t.same(rx.received.map((r) => r.body.updated), [S + 3600, S + 3600])

  clock.advance(60_000)
  const login = await sandbox.authenticate(identity.id)
  t.match(login.body, { updated: S + 3660, processed: S + 3660, created: S })

  clock.advance(60_000)
  const flagged = await sandbox.flagWatchlist(identity.id)
  t.match(flagged.body, { event: 'WATCHLIST_MONITORING', updated: S + 3720 })
  const listing = Object.values(sandbox.getIdentity(identity.id)!.watchlist.listings)[0]
  t.equal(listing.listing_started_utc, new Date((S + 3720 - 365 * 86_400) * 1000).toISOString(), 'listed a year before the screening')

  // going back in time never moves updated backwards
  clock.set(START - 86_400_000)
  t.equal(sandbox.setIdentity(identity.id, { score: 0.2 }).updated, S + 3721)
  t.equal((await sandbox.createIdentity()).created, S - 86_400)
})

t.test('without a clock the sandbox uses the system clock', async (t) => {
  const sandbox = await sandboxFor(t)
  const before = Date.now()
  const now = sandbox.clock.now()
  t.ok(now >= before && now <= Date.now())
  const identity = await sandbox.createIdentity()
  t.ok(Math.abs(identity.created - Date.now() / 1000) < 5)
})

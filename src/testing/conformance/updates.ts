import assert from 'node:assert/strict'
import { STATUS_RANK, supersedes } from '../../stores/rank.js'
import type { IdentityStatus, StatusUpdate, UpdateResult, VerificationRecord } from '../../stores/types.js'
import { base, checkUpdateChain, count, expectRecord, freshLink, linkOk, shuffle, update, type ConformanceCase } from './fixtures.js'

const STATUSES = Object.keys(STATUS_RANK) as IdentityStatus[]

/** Conditional, monotonic updates: newer states win, the same-second tie rule, concurrency. */
export const updateCases: ConformanceCase[] = [
  {
    name: 'applyUpdate of an unlinked identity changes nothing',
    needs: ['identities'],
    async run ({ store, id }) {
      const i = id('identity')
      assert.deepStrictEqual(await store.applyUpdate(i, update(100, 'approved', 1), base()), { applied: false, previous: null, record: null })
      assert.equal(await store.getByIdentity(i), null, 'no record created')
    }
  },
  {
    name: 'applyUpdate writes a newer state and returns previous and record',
    needs: ['identities'],
    async run ({ store, id }) {
      const { now, identity: i, record: linkedRecord } = await freshLink(store, id)
      const first = await store.applyUpdate(i, update(1_582_628_711, 'processing'), now)
      const afterFirst: VerificationRecord = { ...linkedRecord, status: 'processing', providerUpdated: 1_582_628_711 }
      assert.deepStrictEqual(first, { applied: true, previous: linkedRecord, record: afterFirst }, 'first update')
      const second = await store.applyUpdate(i, update(1_582_628_999, 'declined', 0.123456789, 'metadata_mismatch'), now)
      const afterSecond: VerificationRecord = {
        ...linkedRecord, status: 'declined', score: 0.123456789, reason: 'metadata_mismatch', providerUpdated: 1_582_628_999
      }
      assert.deepStrictEqual(second, { applied: true, previous: afterFirst, record: afterSecond }, 'second update')
      expectRecord(await store.getByIdentity(i), afterSecond, 'stored')
      const third = await store.applyUpdate(i, update(1_582_629_000, 'approved', 0.9, null, now + 86_400_000), now)
      const afterThird = { ...afterSecond, status: 'approved' as const, score: 0.9, reason: null, providerUpdated: 1_582_629_000, expiresAt: now + 86_400_000 }
      assert.deepStrictEqual(third.record, afterThird, 'score, reason and expiresAt are replaced, also by null')
      const fourth = await store.applyUpdate(i, update(1_582_629_001, 'approved', 0.95, null, null), now)
      assert.deepStrictEqual(fourth.record, { ...afterThird, score: 0.95, providerUpdated: 1_582_629_001, expiresAt: null }, 'expiresAt back to null')
    }
  },
  {
    name: 'applyUpdate never lets an older state, or an equal one as permissive, overwrite the stored one',
    needs: ['identities'],
    async run ({ store, id }) {
      const { now, identity: i } = await freshLink(store, id)
      const applied = await store.applyUpdate(i, update(200, 'declined', 0.1, 'x'), now)
      const stored = applied.record as VerificationRecord
      const refused: Array<[StatusUpdate, string]> = [
        [update(200, 'declined', 0.2, 'y'), 'equal, as permissive'],
        [update(200, 'approved', 0.9), 'equal, more permissive'],
        [update(200, 'pending', 0.9), 'equal, more permissive (pending)'],
        [update(199, 'declined', 0.3), 'older'],
        [update(0, 'approved', 0.9), 'zero']
      ]
      for (const [u2, label] of refused) {
        assert.deepStrictEqual(await store.applyUpdate(i, u2, now), { applied: false, previous: stored, record: stored },
          `${label} update is refused and reports the stored record`)
      }
      expectRecord(await store.getByIdentity(i), stored, 'unchanged')
      const newer = await store.applyUpdate(i, update(300, 'approved', 0.9), now)
      assert.equal(newer.applied, true, 'a newer approval replaces a decline')
      assert.equal((await store.applyUpdate(i, update(299, 'declined', 0.1), now)).applied, false, 'an older decline does not replace it')
    }
  },
  {
    name: 'applyUpdate in the same second: only a less permissive status applies (declined < created, processing, pending, expired < approved)',
    needs: ['identities'],
    async run ({ store, id }) {
      const now = base()
      for (const from of STATUSES) {
        for (const to of STATUSES) {
          const i = id('identity')
          await linkOk(store, id('user'), i, now)
          assert.equal((await store.applyUpdate(i, update(500, from, 0.5, 'first'), now)).applied, true)
          const result = await store.applyUpdate(i, update(500, to, 0.6, 'second'), now)
          const expected = supersedes({ providerUpdated: 500, status: to }, { providerUpdated: 500, status: from })
          assert.equal(result.applied, expected, `${to} after ${from} in the same second: ${expected ? 'applies' : 'refused'}`)
          assert.equal((await store.getByIdentity(i))?.status, expected ? to : from, `${to} after ${from}: stored status`)
        }
      }
    }
  },
  {
    name: 'concurrent: 20 identical applyUpdate calls, exactly one applies',
    needs: ['identities'],
    async run ({ store, id }) {
      const { now, identity: i } = await freshLink(store, id)
      const results = await Promise.all(Array.from({ length: 20 }, async () => await store.applyUpdate(i, update(1000, 'approved', 0.9), now)))
      assert.equal(count(results, (r) => r.applied), 1, 'exactly one applied')
      checkUpdateChain(results.map((result) => ({ update: update(1000, 'approved', 0.9), result })), 0)
      assert.equal((await store.getByIdentity(i))?.providerUpdated, 1000)
    }
  },
  {
    name: 'concurrent: 20 applyUpdate calls in any order end at the newest state',
    needs: ['identities'],
    async run ({ store, id }) {
      const { now, identity: i } = await freshLink(store, id)
      const statuses: IdentityStatus[] = ['processing', 'pending', 'approved', 'declined']
      // 1..16 plus four duplicates, shuffled
      const values = shuffle([...Array.from({ length: 16 }, (_, k) => k + 1), 3, 8, 16, 16])
      const updates = values.map((v) => update(v, statuses[v % 4], v / 100, `r${v}`))
      const results = await Promise.all(updates.map(async (u2) => await store.applyUpdate(i, u2, now)))
      const final = await store.getByIdentity(i)
      assert.equal(final?.providerUpdated, 16, 'the newest state is stored')
      assert.equal(final?.status, statuses[0], 'with its status')
      assert.equal(final?.reason, 'r16')
      assert.equal(count(results.map((r, k) => ({ r, v: values[k] })), ({ r, v }) => r.applied && v === 16), 1, 'the newest state is applied exactly once')
      checkUpdateChain(updates.map((u2, k) => ({ update: u2, result: results[k] as UpdateResult })), 0)
    }
  },
  {
    name: 'concurrent: 21 updates of the same second end at the least permissive status',
    needs: ['identities'],
    async run ({ store, id }) {
      const { now, identity: i } = await freshLink(store, id)
      const statuses = shuffle(Array.from({ length: 21 }, (_, k): IdentityStatus => (['approved', 'pending', 'declined'] as const)[k % 3]))
      const results = await Promise.all(statuses.map(async (s) => await store.applyUpdate(i, update(700, s, 0.5), now)))
      assert.equal((await store.getByIdentity(i))?.status, 'declined', 'the decline wins')
      const applied = results.filter((r) => r.applied).sort((a, b) => STATUS_RANK[b.record!.status] - STATUS_RANK[a.record!.status])
      assert.equal(count(applied, (r) => r.record?.status === 'declined'), 1, 'one decline applies')
      assert.ok(applied.length <= 3, `each applied update was less permissive than the one before (${applied.length} applied)`)
      let previous: IdentityStatus = 'created'
      for (const r of applied) {
        assert.equal(r.previous?.status, previous, 'each applied update saw the state the one before wrote')
        previous = r.record!.status
      }
    }
  }
]

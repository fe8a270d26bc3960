import assert from 'node:assert/strict'
import type { VerificationRecord } from '../../stores/types.js'
import { approvals, base, count, linkOk, linkWith, update, type ConformanceCase } from './fixtures.js'

/** Approvals that expire: `expireDue`, and `link`/`getByUser` deciding with `now`. */
export const expiryCases: ConformanceCase[] = [
  {
    name: 'expireDue expires each due approval once, with a change and a pending change',
    needs: ['identities', 'changes'],
    async run ({ store, id, changes, tag }) {
      const now = base()
      const u = id('user'); const i = id('identity')
      const approved = await linkWith(store, u, i, now, update(10, 'approved', 0.9, null, now + 100))
      const mine = (records: VerificationRecord[]): VerificationRecord[] => records.filter((r) => r.identityId.includes(tag))
      assert.deepStrictEqual(mine(await store.expireDue(now + 99, 1000)), [], 'not due before expiresAt')
      const expired: VerificationRecord = { ...approved, status: 'expired', reason: 'expired' }
      assert.deepStrictEqual(mine(await store.expireDue(now + 100, 1000)), [expired], 'due at expiresAt: returned as after the call')
      assert.deepStrictEqual(await store.getByIdentity(i), expired, 'stored')
      assert.deepStrictEqual(mine(await store.expireDue(now + 200, 1000)), [], 'expired once')
      const entries = (await changes()).filter((e) => e.identityId === i && e.type === 'expired')
      assert.deepStrictEqual(entries.map((e) => [e.from, e.to, e.reason, e.at]), [['approved', 'expired', 'expired', now + 100]])
      const pending = (await store.claimChanges('owner', now + 100, 60_000, 1000)).filter((c) => c.identityId === i)
      assert.deepStrictEqual(pending.map((c) => [c.from, c.to]), [['created', 'approved']], 'the approval is handed over first (per-user order)')
      await store.ackChange(pending[0]!.id)
      const next = (await store.claimChanges('owner', now + 100, 60_000, 1000)).filter((c) => c.identityId === i)
      assert.deepStrictEqual(next.map((c) => [c.id, c.from, c.to]), [[entries[0]!.id, 'approved', 'expired']], 'then the expiry')
    }
  },
  {
    name: 'expireDue leaves approvals without expiresAt, approvals not yet due and other statuses alone',
    needs: ['identities'],
    async run ({ store, id, tag }) {
      const now = base()
      const forever = await linkWith(store, id('user'), id('identity'), now, update(10, 'approved', 0.9))
      const later = await linkWith(store, id('user'), id('identity'), now, update(10, 'approved', 0.9, null, now + 1000))
      const declined = await linkWith(store, id('user'), id('identity'), now, update(10, 'declined', 0.1, null, now + 10))
      const expired = (await store.expireDue(now + 500, 1000)).filter((r) => r.identityId.includes(tag))
      assert.deepStrictEqual(expired, [], 'nothing of this case is due')
      for (const r of [forever, later, declined]) assert.deepStrictEqual(await store.getByIdentity(r.identityId), r, `${r.status} unchanged`)
    }
  },
  {
    name: 'expireDue expires at most limit records per call',
    needs: ['identities'],
    async run ({ store, id, tag }) {
      const now = base()
      const ids = await approvals(store, id, 5, now, now + 1)
      const seen: string[] = []
      for (let round = 0; round < 1000 && seen.length < ids.length; round++) {
        const batch = await store.expireDue(now + 1, 2)
        assert.ok(batch.length <= 2, `at most limit (${batch.length})`)
        if (batch.length === 0) break
        seen.push(...batch.filter((r) => r.identityId.includes(tag)).map((r) => r.identityId))
      }
      assert.deepStrictEqual([...seen].sort(), [...ids].sort(), 'each record expired exactly once')
    }
  },
  {
    name: 'an approval past expiresAt no longer blocks a new link nor wins getByUser, before expireDue runs',
    needs: ['identities'],
    async run ({ store, id }) {
      const now = base()
      const u = id('user'); const old = id('identity'); const fresh = id('identity')
      await linkWith(store, u, old, now, update(10, 'approved', 0.9, null, now + 100))
      assert.deepStrictEqual(await store.link(u, fresh, now + 99), { ok: false, reason: 'already_verified' }, 'still valid')
      assert.equal((await store.getByUser(u, now + 99))?.identityId, old)
      await linkOk(store, u, fresh, now + 100)
      const current = await store.getByUser(u, now + 100)
      assert.equal(current?.identityId, fresh, 'at expiresAt the most recent link is the current one')
      assert.equal((await store.getByUser(u, now + 50))?.identityId, old, 'getByUser decides with the now it is given')
    }
  },
  {
    name: 'concurrent: expireDue from 5 callers expires each record once',
    needs: ['identities'],
    async run ({ store, id, tag }) {
      const now = base()
      const ids = await approvals(store, id, 12, now, now + 1)
      const results = await Promise.all(Array.from({ length: 5 }, async () => await store.expireDue(now + 1, 1000)))
      const expired = results.flat().filter((r) => r.identityId.includes(tag)).map((r) => r.identityId)
      assert.deepStrictEqual([...expired].sort(), [...ids].sort(), 'every record once')
      assert.equal(count(results, (r) => r.length > 0) >= 1, true)
    }
  }
]

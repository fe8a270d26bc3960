import assert from 'node:assert/strict'
import type { CompleteStore, UpdateResult } from '../../stores/types.js'
import { assertChainVerifies } from './changes.js'
import { approvals, base, challengeOf, checkUpdateChain, count, linkOk, linkWith, shuffle, update, type ConformanceCase } from './fixtures.js'

/** Another instance, and `pick(k)`: the two instances in turn. */
async function pair (store: CompleteStore, another: () => Promise<CompleteStore>): Promise<{ other: CompleteStore, pick: (k: number) => CompleteStore }> {
  const other = await another()
  return { other, pick: (k) => k % 2 === 0 ? store : other }
}

/** Two instances on one database: every guarantee holds across them. */
export const sharedCases: ConformanceCase[] = [
  {
    name: 'shared: two instances see each other\'s writes and race safely',
    needs: ['identities', 'deliveries', 'shared'],
    async run ({ store, another, id }) {
      const { other, pick } = await pair(store, another)
      const now = base()

      // visibility
      const u = id('user'); const i = id('identity')
      await linkOk(store, u, i, now)
      assert.equal((await other.getByIdentity(i))?.userId, u, 'a link made by one instance is seen by the other')
      await other.applyUpdate(i, update(10, 'approved', 0.9), now)
      assert.equal((await store.getByUser(u, now))?.status, 'approved', 'an update made by one instance is seen by the other')

      // link race
      for (let round = 0; round < 5; round++) {
        const identity = id('identity')
        const users = Array.from({ length: 6 }, () => id('user'))
        const results = await Promise.all(users.map(async (user, k) => await pick(k).link(user, identity, now)))
        assert.equal(count(results, (r) => r.ok), 1, 'across instances exactly one link succeeds')
      }

      // update race
      const j = id('identity')
      await linkOk(other, id('user'), j, now)
      const values = shuffle([...Array.from({ length: 20 }, (_, k) => k + 1), 20, 20, 7])
      const updates = values.map((v) => update(v, 'pending', v / 100))
      const results = await Promise.all(updates.map(async (u2, k) => await pick(k).applyUpdate(j, u2, now)))
      assert.equal((await store.getByIdentity(j))?.providerUpdated, 20, 'the newest state wins across instances')
      checkUpdateChain(updates.map((u2, k) => ({ update: u2, result: results[k] as UpdateResult })), 0)
      const identical = await Promise.all(Array.from({ length: 20 }, async (_, k) => await pick(k).applyUpdate(j, update(21, 'approved', 0.9), now)))
      assert.equal(count(identical, (r) => r.applied), 1, 'of identical updates across instances exactly one applies')

      // event race
      const key = id('event')
      const marks = await Promise.all(Array.from({ length: 20 }, async (_, k) => await pick(k).markEvent(key, now + 60_000, now)))
      assert.equal(count(marks, (r) => r), 1, 'across instances exactly one markEvent is new')
      assert.equal(await other.hasEvent(key, now), true, 'the entry is seen by both')
    }
  },
  {
    name: 'shared: step-up state is shared and single use across instances',
    needs: ['stepUp', 'shared'],
    async run ({ store, another, id }) {
      const { other, pick } = await pair(store, another)
      const now = base()
      const owner = id('user'); const identity = id('identity')
      const challenge = challengeOf(id('challenge'), owner, identity, now, 60_000)
      await store.createChallenge(challenge)
      assert.equal(await other.recordAuthentication(identity, now + 1, id('event'), now + 86_400_000), 'satisfied', 'satisfied through the other instance')
      assert.equal((await store.getChallenge(challenge.id))?.authenticatedAt, now + 1, 'and seen by the first')
      const consumed = await Promise.all(Array.from({ length: 10 }, async (_, k) => await pick(k).consumeChallenge(challenge.id, owner, now + 2)))
      assert.equal(count(consumed, (r) => r.ok), 1, 'across instances exactly one consumeChallenge succeeds')
      const next = challengeOf(id('challenge'), owner, identity, now + 3)
      await other.createChallenge(next)
      await store.createChallenge(challengeOf(id('challenge'), owner, identity, now + 5))
      assert.equal((await other.getChallenge(next.id))?.conflicted, true, 'a challenge created on one instance conflicts the open one created on the other')
      const racing = Array.from({ length: 6 }, (_, k) => challengeOf(id('challenge'), owner, id('identity'), now + 6 + k))
      await Promise.all(racing.map(async (c, k) => { await pick(k).createChallenge(c) }))
      const raced = await Promise.all(racing.map(async (c) => await store.getChallenge(c.id)))
      assert.equal(count(raced, (c) => c?.conflicted === true), racing.length, 'concurrent starts on two instances conflict each other')
      await other.revokeUser(owner, now, now + 1000, now)
      assert.equal(await store.revokedBefore(owner, now), now, 'revocation seen by the other instance')
      const jti = id('jti')
      const uses = await Promise.all(Array.from({ length: 10 }, async (_, k) => await pick(k).useToken(jti, now + 1000, now)))
      assert.equal(count(uses, (r) => r), 1, 'a token is used once across instances')
    }
  },
  {
    name: 'shared: each due approval is expired by one instance',
    needs: ['identities', 'shared'],
    async run ({ store, another, id, tag }) {
      const { other, pick } = await pair(store, another)
      const now = base()
      const ids = [...await approvals(store, id, 10, now, now + 1), ...await approvals(other, id, 10, now, now + 1)]
      const results = await Promise.all(Array.from({ length: 8 }, async (_, k) => await pick(k).expireDue(now + 1, 3)))
      const rest = await store.expireDue(now + 1, 1000)
      const expired = [...results.flat(), ...rest].filter((r) => r.identityId.includes(tag)).map((r) => r.identityId)
      assert.deepStrictEqual([...expired].sort(), [...ids].sort(), 'every due approval expired exactly once across instances')
    }
  },
  {
    name: 'shared: a pending change is leased to one instance at a time',
    needs: ['identities', 'changes', 'shared'],
    async run ({ store, another, id, tag }) {
      const { other, pick } = await pair(store, another)
      const now = base()
      await Promise.all(Array.from({ length: 20 }, async (_, k) => { await linkWith(pick(k), id('user'), id('identity'), now, update(10, 'pending', 0.8)) }))
      const batches = await Promise.all(Array.from({ length: 10 }, async (_, k) => await pick(k).claimChanges(`owner-${k}`, now + 1, 60_000, 4)))
      const claimed = batches.flat().filter((c) => c.identityId.includes(tag)).map((c) => c.id)
      assert.equal(new Set(claimed).size, claimed.length, 'no change was leased to two claimers')
      const rest = (await other.claimChanges('late', now + 1, 60_000, 1000)).filter((c) => c.identityId.includes(tag))
      assert.equal(claimed.length + rest.length, 20, 'every change was leased exactly once')
    }
  },
  {
    name: 'shared: writers on two instances keep the change log gap-free and verifiable; forget is seen by both',
    needs: ['identities', 'changes', 'shared'],
    async run ({ store, another, id, changes }) {
      const { other, pick } = await pair(store, another)
      const now = base()
      const users = Array.from({ length: 20 }, () => id('user'))
      await Promise.all(users.map(async (u, k) => { await pick(k).link(u, id('identity'), now) }))
      await Promise.all(users.slice(0, 6).map(async (u, k) => { await pick(k + 1).forget(u, now + 1) }))
      const seqs = (await changes()).map((e) => e.seq)
      assert.deepStrictEqual(seqs, Array.from({ length: seqs.length }, (_, k) => seqs[0]! + k), 'seq has no gap and no repeat')
      assert.ok(seqs.length >= 26, `every write is logged (${seqs.length})`)
      await assertChainVerifies(store, 'after writers on two instances')
      for (const u of users.slice(0, 6)) {
        assert.equal(await store.getByUser(u, now + 1), null, 'forgotten on both')
        assert.equal(await other.subjectOf(u), null)
      }
    }
  }
]

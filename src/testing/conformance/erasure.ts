import assert from 'node:assert/strict'
import { subjectFor } from '../../changes/chain.js'
import { assertChainVerifies } from './changes.js'
import { base, challengeOf, freshLink, linkOk, linkWith, update, type ConformanceCase } from './fixtures.js'

/** `forget`: every record naming the user goes, one `erased` entry stays, the chain still verifies. */
export const erasureCases: ConformanceCase[] = [
  {
    name: 'forget removes every record of the user and logs the erasure under their former subject',
    needs: ['identities', 'changes'],
    async run ({ store, id, tag, changes }) {
      const now = base()
      const u = id('user'); const approved = id('identity'); const pending = id('identity')
      const bystander = id('user'); const theirs = id('identity')
      await linkOk(store, u, pending, now)
      await linkWith(store, u, approved, now + 1, update(10, 'approved', 0.9))
      await store.applyUpdate(pending, update(11, 'pending', 0.8), now + 2)
      const kept = await linkWith(store, bystander, theirs, now, update(12, 'approved', 0.95))
      const subject = await store.subjectOf(u)
      const before = await store.pendingChanges()

      assert.deepStrictEqual(await store.forget(u, now + 10), { links: 2 }, 'both links removed')
      assert.equal(await store.getByUser(u, now + 10), null, 'getByUser')
      assert.equal(await store.getByIdentity(approved), null, 'getByIdentity (approved)')
      assert.equal(await store.getByIdentity(pending), null, 'getByIdentity (pending)')
      assert.equal(await store.subjectOf(u), null, 'the salt is gone')
      assert.equal(await store.pendingChanges(), before - 2, 'their two pending changes are gone')
      const claimed = (await store.claimChanges('owner', now + 60_000, 60_000, 1000)).filter((c) => c.identityId.includes(tag))
      assert.ok(claimed.every((c) => c.userId !== u), 'none of their changes is handed out any more')

      const entries = await changes()
      const erased = entries.filter((e) => e.type === 'erased' && e.subject === subject)
      assert.equal(erased.length, 1, 'one erased entry, under the subject the user had')
      assert.deepStrictEqual([erased[0]!.at, erased[0]!.identityId, erased[0]!.from, erased[0]!.to], [now + 10, null, null, null])
      assert.ok(entries.every((e) => !JSON.stringify(e).includes(u)), 'no entry names the user')
      await assertChainVerifies(store, 'after forget')

      assert.deepStrictEqual(await store.getByUser(bystander, now + 10), kept, 'other users are untouched')
      assert.notEqual(await store.subjectOf(bystander), null)
      const free = await store.link(id('user'), approved, now + 11)
      assert.ok(free.ok && free.created, 'the identities are free again')
    }
  },
  {
    name: "forget removes the user's challenges and revocations",
    needs: ['identities', 'changes', 'stepUp'],
    async run ({ store, id }) {
      const { now, user: u, identity: i, other } = await freshLink(store, id)
      const c = challengeOf(id('challenge'), u, i, now)
      await store.createChallenge(c)
      await store.revokeUser(u, now, now + 600_000, now)
      const theirs = challengeOf(id('challenge'), other, id('identity'), now)
      await store.createChallenge(theirs)
      await store.revokeUser(other, now, now + 600_000, now)
      await store.forget(u, now + 1)
      assert.equal(await store.getChallenge(c.id), null, 'the challenge is gone')
      assert.deepStrictEqual(await store.consumeChallenge(c.id, u, now + 2), { ok: false, reason: 'missing' })
      assert.equal(await store.recordAuthentication(i, now + 3, id('event'), now + 86_400_000), 'unmatched', 'nothing left to satisfy')
      assert.equal(await store.revokedBefore(u, now + 1), null, 'the revocation is gone')
      assert.notEqual(await store.getChallenge(theirs.id), null, "another user's challenge stays")
      assert.equal(await store.revokedBefore(other, now + 1), now, "another user's revocation stays")
    }
  },
  {
    name: 'after forget the former subject cannot be derived again; a later link gets a new one',
    needs: ['identities', 'changes'],
    async run ({ store, id, changes }) {
      const { now, user: u } = await freshLink(store, id)
      const first = await store.subjectOf(u)
      await store.forget(u, now + 1)
      await linkOk(store, u, id('identity'), now + 2)
      const second = await store.subjectOf(u)
      assert.ok(first !== null && second !== null)
      assert.notEqual(second, first, 'a new salt, a new subject')
      const types = (await changes()).filter((e) => e.subject === first).map((e) => e.type)
      assert.deepStrictEqual(types, ['linked', 'erased'], 'the former subject ends with the erasure')
      // the subject is an HMAC under a random salt: the id alone does not give it
      assert.notEqual(subjectFor('', u), first)
    }
  },
  {
    name: 'forget of a user the store does not know logs an erasure and removes nothing',
    needs: ['identities', 'changes'],
    async run ({ store, id, changes }) {
      const { now, user: bystander, other: u } = await freshLink(store, id)
      assert.deepStrictEqual(await store.forget(u, now + 1), { links: 0 })
      assert.equal(await store.subjectOf(u), null, 'no salt is left behind')
      const last = (await changes()).at(-1)
      assert.equal(last?.type, 'erased', 'the erasure is logged')
      assert.notEqual(await store.getByUser(bystander, now + 1), null)
      await assertChainVerifies(store, 'after forgetting an unknown user')
    }
  }
]

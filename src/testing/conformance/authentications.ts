import assert from 'node:assert/strict'
import { base, challengeOf, count, fresh, type ConformanceCase } from './fixtures.js'

const DAY = 86_400_000

/**
 * Authentications: de-duplicated; each closes every open challenge of the identity's user
 * created before it, and satisfies one only when it was the only one and not conflicted.
 */
export const authenticationCases: ConformanceCase[] = [
  {
    name: 'recordAuthentication satisfies the pending challenge of the identity, once',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const now = base()
      const owner = id('user'); const identity = id('identity')
      const c = challengeOf(id('challenge'), owner, identity, now)
      await store.createChallenge(c)
      assert.equal(await store.recordAuthentication(identity, now + 10, id('event'), now + DAY), 'satisfied')
      assert.equal((await store.getChallenge(c.id))?.authenticatedAt, now + 10, 'authenticatedAt is when it was received')
      assert.equal(await store.recordAuthentication(identity, now + 20, id('event'), now + DAY), 'unmatched', 'a satisfied challenge is not satisfied again')
      assert.equal((await store.getChallenge(c.id))?.authenticatedAt, now + 10, 'the first authentication counts')
      assert.equal(await store.recordAuthentication(id('identity'), now + 30, id('event'), now + DAY), 'unmatched', 'another identity has no challenge')
      const consumed = await store.consumeChallenge(c.id, owner, now + 40)
      assert.ok(consumed.ok && consumed.challenge.authenticatedAt === now + 10, 'consumed with its authentication time')
      assert.equal(await store.recordAuthentication(identity, now + 50, id('event'), now + DAY), 'unmatched', 'a consumed challenge is not satisfied')
    }
  },
  {
    name: 'recordAuthentication counts only what is received after the challenge was created and before it expires',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const now = base()
      const owner = id('user'); const identity = id('identity')
      const c = challengeOf(id('challenge'), owner, identity, now, 100)
      await store.createChallenge(c)
      assert.equal(await store.recordAuthentication(identity, now - 1, id('event'), now + DAY), 'unmatched', 'before the challenge')
      assert.equal(await store.recordAuthentication(identity, now, id('event'), now + DAY), 'unmatched', 'in the millisecond it was created')
      assert.equal(await store.recordAuthentication(identity, now + 100, id('event'), now + DAY), 'unmatched', 'at expiresAt')
      assert.equal((await store.getChallenge(c.id))?.authenticatedAt, null, 'still not satisfied')
      assert.equal(await store.recordAuthentication(identity, now + 99, id('event'), now + DAY), 'satisfied', 'just before expiresAt')
    }
  },
  {
    name: 'recordAuthentication de-duplicates by event key, recording it also when nothing matched',
    needs: ['stepUp', 'deliveries'],
    async run ({ store, id }) {
      const now = base()
      const owner = id('user'); const identity = id('identity'); const key = id('event')
      assert.equal(await store.recordAuthentication(identity, now, key, now + 1000), 'unmatched', 'no challenge yet')
      assert.equal(await store.hasEvent(key, now), true, 'the key is recorded')
      const c = challengeOf(id('challenge'), owner, identity, now + 1)
      await store.createChallenge(c)
      assert.equal(await store.recordAuthentication(identity, now + 2, key, now + 1000), 'duplicate', 'a redelivery is a duplicate')
      assert.equal((await store.getChallenge(c.id))?.authenticatedAt, null, 'and satisfies nothing')
      assert.equal(await store.recordAuthentication(identity, now + 1000, key, now + 2000), 'satisfied', 'after the key expired it counts again')
      assert.equal(await store.recordAuthentication(identity, now + 1001, key, now + 2000), 'duplicate')
    }
  },
  {
    name: 'one authentication satisfies at most one challenge: of two open ones (two users on one identity) it satisfies none and closes both',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const now = base()
      const identity = id('identity')
      const older = challengeOf(id('challenge'), id('user'), identity, now)
      const newer = challengeOf(id('challenge'), id('user'), identity, now + 5)
      await store.createChallenge(older)
      await store.createChallenge(newer)
      assert.equal(await store.recordAuthentication(identity, now + 10, id('event'), now + DAY), 'unmatched')
      for (const c of [older, newer]) {
        assert.deepStrictEqual(await store.getChallenge(c.id), { ...c, authenticatedAt: null, conflicted: false, closedAt: now + 10 }, 'closed, not satisfied')
        assert.deepStrictEqual(await store.consumeChallenge(c.id, c.userId, now + 11), { ok: false, reason: 'used' }, 'closed: it never completes')
      }
      assert.equal(await store.recordAuthentication(identity, now + 12, id('event'), now + DAY), 'unmatched', 'a closed challenge absorbs nothing more')
    }
  },
  {
    name: 'an authentication after a conflict closes every open challenge of the user created before it and satisfies none',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const { now, user, identity } = fresh(id)
      const victim = challengeOf(id('challenge'), user, identity, now)
      const thief = challengeOf(id('challenge'), user, identity, now + 1, 600_000, 'thief-action')
      const again = challengeOf(id('challenge'), user, identity, now + 2, 600_000, 'thief-action')
      for (const c of [victim, thief, again]) await store.createChallenge(c)
      const atAuth = challengeOf(id('challenge'), user, identity, now + 10, 600_000, 'thief-action')
      await store.createChallenge(atAuth)
      assert.equal(await store.recordAuthentication(identity, now + 10, id('event'), now + DAY), 'unmatched', 'conflicted: none satisfied')
      for (const c of [victim, thief, again]) {
        const stored = await store.getChallenge(c.id)
        assert.equal(stored?.closedAt, now + 10, 'closed')
        assert.equal(stored?.authenticatedAt, null, 'not satisfied')
        assert.deepStrictEqual(await store.consumeChallenge(c.id, user, now + 11), { ok: false, reason: 'conflicted' })
      }
      const later = await store.getChallenge(atAuth.id)
      assert.equal(later?.closedAt, null, 'one created in the millisecond of the authentication stays open')
      assert.equal(later?.conflicted, true, '(conflicted: it was started while the others were open)')
      const next = challengeOf(id('challenge'), user, identity, now + 12)
      await store.createChallenge(next)
      assert.equal((await store.getChallenge(next.id))?.conflicted, true, 'it still conflicts a new start')
      assert.equal(await store.recordAuthentication(identity, now + 13, id('event'), now + DAY), 'unmatched', 'and the next authentication closes them')
      const fresh1 = challengeOf(id('challenge'), user, identity, now + 14)
      await store.createChallenge(fresh1)
      assert.equal((await store.getChallenge(fresh1.id))?.conflicted, false, 'once every open one was closed, a start is clean')
      assert.equal(await store.recordAuthentication(identity, now + 15, id('event'), now + DAY), 'satisfied', 'and the next authentication satisfies it')
    }
  },
  {
    name: 'a conflicted challenge left alone (the other one expired) absorbs the authentication; the closing is by user, not identity',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const { now, user, identity } = fresh(id)
      const short = challengeOf(id('challenge'), user, identity, now, 10)
      const long = challengeOf(id('challenge'), user, identity, now + 1)
      await store.createChallenge(short)
      await store.createChallenge(long)
      assert.equal(await store.recordAuthentication(identity, now + 20, id('event'), now + DAY), 'unmatched', 'one open, but conflicted')
      assert.equal((await store.getChallenge(long.id))?.closedAt, now + 20)
      // the user's challenges for an identity they had before and for the current one
      const formerIdentity = id('identity')
      const former = challengeOf(id('challenge'), user, formerIdentity, now + 30)
      const current = challengeOf(id('challenge'), user, identity, now + 31)
      await store.createChallenge(former)
      await store.createChallenge(current)
      assert.equal(await store.recordAuthentication(identity, now + 40, id('event'), now + DAY), 'unmatched')
      assert.equal((await store.getChallenge(former.id))?.closedAt, now + 40, "an authentication closes the user's challenges for another identity too")
    }
  },
  {
    name: 'concurrent: starts racing an authentication never let it satisfy a conflicted or a later challenge',
    needs: ['stepUp'],
    async run ({ store, id }) {
      for (let round = 0; round < 8; round++) {
        const { now, user, identity } = fresh(id)
        const victim = challengeOf(id('challenge'), user, identity, now)
        await store.createChallenge(victim)
        const thieves = Array.from({ length: 4 }, (_, k) => challengeOf(id('challenge'), user, identity, now + 1 + k))
        const [result] = await Promise.all([
          store.recordAuthentication(identity, now + 3, id('event'), now + DAY),
          ...thieves.map(async (c) => { await store.createChallenge(c) })
        ])
        const stored = await Promise.all([victim, ...thieves].map(async (c) => await store.getChallenge(c.id)))
        const satisfiedOnes = stored.filter((c) => c?.authenticatedAt !== null)
        assert.ok(thieves.every((c, k) => stored[k + 1]?.authenticatedAt === null), 'a challenge started after the victim\'s is never satisfied')
        if (result === 'satisfied') {
          assert.deepStrictEqual(satisfiedOnes.map((c) => c?.id), [victim.id], 'the only open one, before any other start')
          assert.equal(stored[0]?.conflicted, false)
        } else {
          assert.equal(result, 'unmatched')
          assert.equal(satisfiedOnes.length, 0)
          assert.equal(stored[0]?.conflicted, true, 'the victim\'s challenge was conflicted first')
        }
      }
    }
  },
  {
    name: 'concurrent: authentications of one identity satisfy its challenge once; one key counts once',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const now = base()
      const identity = id('identity')
      await store.createChallenge(challengeOf(id('challenge'), id('user'), identity, now))
      const distinct = await Promise.all(Array.from({ length: 10 }, async (_, k) => await store.recordAuthentication(identity, now + 1 + k, id('event'), now + DAY)))
      assert.equal(count(distinct, (r) => r === 'satisfied'), 1, `one satisfies the challenge: ${distinct.join(', ')}`)
      assert.equal(count(distinct, (r) => r === 'unmatched'), 9, 'the others find it satisfied')
      const key = id('event')
      const same = await Promise.all(Array.from({ length: 10 }, async () => await store.recordAuthentication(identity, now + 20, key, now + DAY)))
      assert.equal(count(same, (r) => r !== 'duplicate'), 1, 'of ten deliveries with one key, one is not a duplicate')
    }
  }
]

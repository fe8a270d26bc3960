import assert from 'node:assert/strict'
import { base, challengeOf, count, type ConformanceCase } from './fixtures.js'

const DAY = 86_400_000

/** Authentications: de-duplicated, satisfying the one challenge pending when received. */
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
    name: 'one authentication satisfies at most one challenge: the latest created that is pending',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const now = base()
      const identity = id('identity')
      const older = challengeOf(id('challenge'), id('user'), identity, now)
      const newer = challengeOf(id('challenge'), id('user'), identity, now + 5)
      await store.createChallenge(older)
      await store.createChallenge(newer)
      assert.equal(await store.recordAuthentication(identity, now + 10, id('event'), now + DAY), 'satisfied')
      assert.equal((await store.getChallenge(newer.id))?.authenticatedAt, now + 10, 'the latest created is satisfied')
      assert.equal((await store.getChallenge(older.id))?.authenticatedAt, null, 'the other is not')
      assert.deepStrictEqual(await store.consumeChallenge(older.id, older.userId, now + 11), { ok: false, reason: 'pending' })
      assert.equal(await store.recordAuthentication(identity, now + 12, id('event'), now + DAY), 'satisfied', 'a second authentication satisfies the other')
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

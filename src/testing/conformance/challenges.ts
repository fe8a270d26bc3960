import assert from 'node:assert/strict'
import type { Challenge } from '../../stores/types.js'
import { base, challengeOf, count, fresh, satisfied, type ConformanceCase } from './fixtures.js'

const read = (c: ReturnType<typeof challengeOf>, authenticatedAt: number | null = null): Challenge => ({ ...c, authenticatedAt })

/** Step-up challenges: single use, owned, expiring, satisfied first, one pending per user. */
export const challengeCases: ConformanceCase[] = [
  {
    name: 'challenges are single use, owned, expiring',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const { now, user: owner, other: intruder, identity } = fresh(id)
      const challenge = challengeOf(id('challenge'), owner, identity, now)
      await store.createChallenge(challenge)
      assert.deepStrictEqual(await store.getChallenge(challenge.id), read(challenge), 'getChallenge')
      assert.equal(await store.recordAuthentication(identity, now + 1, id('event'), now + 86_400_000), 'satisfied')
      const done = read(challenge, now + 1)
      assert.deepStrictEqual(await store.consumeChallenge(challenge.id, intruder, now + 1), { ok: false, reason: 'forbidden' }, 'another user')
      assert.deepStrictEqual(await store.getChallenge(challenge.id), done, 'still there after a forbidden attempt')
      assert.deepStrictEqual(await store.consumeChallenge(challenge.id, owner, now + 2), { ok: true, challenge: done }, 'owner consumes')
      assert.deepStrictEqual(await store.consumeChallenge(challenge.id, owner, now + 3), { ok: false, reason: 'used' }, 'second use')
      assert.equal(await store.getChallenge(challenge.id), null, 'getChallenge after use')
      assert.deepStrictEqual(await store.consumeChallenge(id('challenge'), owner, now), { ok: false, reason: 'missing' }, 'unknown id')
      assert.equal(await store.getChallenge(id('challenge')), null, 'getChallenge of an unknown id')

      const expiring = challengeOf(id('challenge'), owner, identity, now, 100)
      await satisfied(store, expiring, now + 50, id('event'))
      assert.deepStrictEqual(await store.consumeChallenge(expiring.id, owner, now + 100), { ok: false, reason: 'expired' }, 'at expiresAt')
      assert.deepStrictEqual(await store.consumeChallenge(expiring.id, owner, now + 5000), { ok: false, reason: 'expired' }, 'after expiresAt')
      const lastMoment = challengeOf(id('challenge'), owner, identity, now, 100)
      await satisfied(store, lastMoment, now + 50, id('event'))
      assert.deepStrictEqual(await store.consumeChallenge(lastMoment.id, owner, now + 99), { ok: true, challenge: read(lastMoment, now + 50) },
        'just before expiresAt')
    }
  },
  {
    name: 'consumeChallenge refuses in order: missing, forbidden, used, expired, pending',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const { now, user: owner, other: intruder, identity } = fresh(id)
      const c = challengeOf(id('challenge'), owner, identity, now, 1000, 'action-id')
      await store.createChallenge(c)
      assert.deepStrictEqual(await store.consumeChallenge(c.id, owner, now + 1), { ok: false, reason: 'pending' }, 'not satisfied yet')
      assert.deepStrictEqual(await store.consumeChallenge(c.id, owner, now + 1000), { ok: false, reason: 'expired' }, 'expired before pending')
      assert.deepStrictEqual(await store.consumeChallenge(c.id, intruder, now + 1000), { ok: false, reason: 'forbidden' }, 'forbidden before expired')
      assert.deepStrictEqual(await store.getChallenge(c.id), read(c), 'a pending challenge stays usable')
      assert.equal(await store.recordAuthentication(identity, now + 2, id('event'), now + 86_400_000), 'satisfied')
      const consumed = await store.consumeChallenge(c.id, owner, now + 3)
      assert.deepStrictEqual(consumed, { ok: true, challenge: read(c, now + 2) }, 'once satisfied it is consumed, with its action')
      assert.deepStrictEqual(await store.consumeChallenge(c.id, owner, now + 5000), { ok: false, reason: 'used' }, 'used before expired')
      assert.deepStrictEqual(await store.consumeChallenge(c.id, intruder, now + 5000), { ok: false, reason: 'forbidden' }, 'forbidden before used')
    }
  },
  {
    name: "createChallenge removes the user's other challenges (constant space per user), not other users'",
    needs: ['stepUp'],
    async run ({ store, id }) {
      const { now, user: owner, other, identity } = fresh(id)
      const first = challengeOf(id('challenge'), owner, identity, now)
      await satisfied(store, first, now + 1, id('event'))
      const theirs = challengeOf(id('challenge'), other, id('identity'), now)
      await store.createChallenge(theirs)
      const second = challengeOf(id('challenge'), owner, identity, now + 2)
      await store.createChallenge(second)
      assert.equal(await store.getChallenge(first.id), null, 'the earlier challenge is gone (even satisfied)')
      assert.deepStrictEqual(await store.consumeChallenge(first.id, owner, now + 3), { ok: false, reason: 'missing' }, 'a removed challenge reads as missing (the route answers 410)')
      assert.deepStrictEqual(await store.getChallenge(second.id), read(second), 'the new one is pending')
      assert.deepStrictEqual(await store.getChallenge(theirs.id), read(theirs), "another user's challenge is untouched")
    }
  },
  {
    name: 'concurrent: 10 consumeChallenge calls, exactly one succeeds',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const now = base()
      const owner = id('user')
      const challenge = challengeOf(id('challenge'), owner, id('identity'), now, 60_000)
      await satisfied(store, challenge, now + 1, id('event'))
      const results = await Promise.all(Array.from({ length: 10 }, async () => await store.consumeChallenge(challenge.id, owner, now + 2)))
      assert.equal(count(results, (r) => r.ok), 1, 'exactly one ok')
      assert.ok(results.every((r) => r.ok || r.reason === 'used'), `the others get 'used': ${JSON.stringify(results)}`)
    }
  },
  {
    name: 'concurrent: 10 createChallenge calls for one user leave one pending challenge',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const now = base()
      const owner = id('user'); const identity = id('identity')
      const challenges = Array.from({ length: 10 }, (_, k) => challengeOf(id('challenge'), owner, identity, now + k))
      await Promise.all(challenges.map(async (c) => { await store.createChallenge(c) }))
      const pending = (await Promise.all(challenges.map(async (c) => await store.getChallenge(c.id)))).filter((c) => c !== null)
      assert.equal(pending.length, 1, 'a user has at most one pending challenge')
    }
  }
]

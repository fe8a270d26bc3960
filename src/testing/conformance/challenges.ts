import assert from 'node:assert/strict'
import type { Challenge, CompleteStore } from '../../stores/types.js'
import { base, challengeOf, count, fresh, satisfied, type ConformanceCase } from './fixtures.js'

const read = (c: ReturnType<typeof challengeOf>, authenticatedAt: number | null = null, conflicted = false, closedAt: number | null = null): Challenge =>
  ({ ...c, authenticatedAt, conflicted, closedAt })

const conflictedOf = async (store: CompleteStore, id: string): Promise<boolean | undefined> => (await store.getChallenge(id))?.conflicted

/**
 * Step-up challenges: single use, owned, expiring, satisfied first; the conflict rule (a
 * start while another challenge of the user is open conflicts them all) and cancelling.
 */
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
    name: 'consumeChallenge refuses a conflicted challenge: conflicted after missing and forbidden, before used, expired and pending',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const { now, user: owner, other: intruder, identity } = fresh(id)
      const first = challengeOf(id('challenge'), owner, identity, now, 1000)
      const second = challengeOf(id('challenge'), owner, identity, now + 1, 1000)
      await store.createChallenge(first)
      await store.createChallenge(second)
      assert.deepStrictEqual(await store.consumeChallenge(first.id, owner, now + 2), { ok: false, reason: 'conflicted' }, 'pending and conflicted')
      assert.deepStrictEqual(await store.consumeChallenge(first.id, intruder, now + 2), { ok: false, reason: 'forbidden' }, 'forbidden before conflicted')
      assert.deepStrictEqual(await store.consumeChallenge(first.id, owner, now + 1000), { ok: false, reason: 'conflicted' }, 'conflicted before expired')
      assert.equal(await store.recordAuthentication(identity, now + 3, id('event'), now + 86_400_000), 'unmatched', 'two were open: none satisfied')
      assert.deepStrictEqual(await store.consumeChallenge(second.id, owner, now + 4), { ok: false, reason: 'conflicted' }, 'closed and conflicted: conflicted')
      assert.deepStrictEqual(await store.getChallenge(second.id), read(second, null, true, now + 3), 'never consumed')
    }
  },
  {
    name: 'createChallenge while the user has an open challenge: every open one and the new one are conflicted; nothing is removed',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const { now, user: owner, other, identity } = fresh(id)
      const first = challengeOf(id('challenge'), owner, identity, now)
      await store.createChallenge(first)
      assert.deepStrictEqual(await store.getChallenge(first.id), read(first), 'alone: not conflicted')
      const theirs = challengeOf(id('challenge'), other, id('identity'), now)
      await store.createChallenge(theirs)
      assert.equal(await conflictedOf(store, theirs.id), false, "another user's challenge does not conflict")
      const second = challengeOf(id('challenge'), owner, identity, now + 2, 600_000, 'action-id')
      await store.createChallenge(second)
      assert.deepStrictEqual(await store.getChallenge(first.id), read(first, null, true), 'the earlier one is conflicted, and kept')
      assert.deepStrictEqual(await store.getChallenge(second.id), read(second, null, true), 'the new one is conflicted (bound or not)')
      assert.deepStrictEqual(await store.getChallenge(theirs.id), read(theirs), "another user's challenge is untouched")
      const third = challengeOf(id('challenge'), owner, identity, now + 3)
      await store.createChallenge(third)
      assert.equal(await conflictedOf(store, third.id), true, 'conflicted challenges stay open: a later start conflicts too')
    }
  },
  {
    name: 'createChallenge: a challenge that is not open (satisfied, consumed, cancelled, closed or expired at createdAt) does not conflict',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const { now, user: owner, identity } = fresh(id)
      const done = challengeOf(id('challenge'), owner, identity, now)
      await satisfied(store, done, now + 1, id('event'))
      const afterSatisfied = challengeOf(id('challenge'), owner, identity, now + 2)
      await store.createChallenge(afterSatisfied)
      assert.equal(await conflictedOf(store, afterSatisfied.id), false, 'a satisfied challenge is not open')
      assert.equal((await store.consumeChallenge(done.id, owner, now + 3)).ok, true, 'and can still be consumed')
      assert.equal(await store.cancelChallenge(afterSatisfied.id, owner, now + 4), true)
      const afterCancel = challengeOf(id('challenge'), owner, identity, now + 5, 100)
      await store.createChallenge(afterCancel)
      assert.equal(await conflictedOf(store, afterCancel.id), false, 'consumed and cancelled challenges are not open')
      const atExpiry = challengeOf(id('challenge'), owner, identity, now + 105)
      await store.createChallenge(atExpiry)
      assert.equal(await conflictedOf(store, atExpiry.id), false, 'a challenge is not open at its expiresAt')
      assert.equal(await conflictedOf(store, afterCancel.id), false, 'an expired challenge is not marked')
      const second = challengeOf(id('challenge'), owner, identity, now + 106)
      await store.createChallenge(second)
      assert.equal(await store.recordAuthentication(identity, now + 107, id('event'), now + 86_400_000), 'unmatched')
      const afterClosed = challengeOf(id('challenge'), owner, identity, now + 108)
      await store.createChallenge(afterClosed)
      assert.equal(await conflictedOf(store, afterClosed.id), false, 'challenges an authentication closed are not open')
    }
  },
  {
    name: 'cancelChallenge deletes the owner\'s open challenge that is not conflicted, and nothing else',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const { now, user: owner, other: intruder, identity } = fresh(id)
      const c = challengeOf(id('challenge'), owner, identity, now)
      await store.createChallenge(c)
      assert.equal(await store.cancelChallenge(c.id, intruder, now + 1), false, 'another user cannot cancel it')
      assert.deepStrictEqual(await store.getChallenge(c.id), read(c), 'kept')
      assert.equal(await store.cancelChallenge(id('challenge'), owner, now + 1), false, 'an unknown id')
      assert.equal(await store.cancelChallenge(c.id, owner, now + 1), true, 'the owner cancels it')
      assert.equal(await store.getChallenge(c.id), null, 'gone')
      assert.deepStrictEqual(await store.consumeChallenge(c.id, owner, now + 2), { ok: false, reason: 'missing' })
      assert.equal(await store.cancelChallenge(c.id, owner, now + 2), false, 'cancelled once')
      assert.equal(await store.recordAuthentication(identity, now + 3, id('event'), now + 86_400_000), 'unmatched', 'a cancelled challenge absorbs nothing')

      const done = challengeOf(id('challenge'), owner, identity, now + 10)
      await satisfied(store, done, now + 11, id('event'))
      assert.equal(await store.cancelChallenge(done.id, owner, now + 12), false, 'a satisfied challenge is not open')
      assert.equal((await store.consumeChallenge(done.id, owner, now + 13)).ok, true)
      assert.equal(await store.cancelChallenge(done.id, owner, now + 14), false, 'nor a consumed one')

      const first = challengeOf(id('challenge'), owner, identity, now + 20)
      const second = challengeOf(id('challenge'), owner, identity, now + 21)
      await store.createChallenge(first)
      await store.createChallenge(second)
      assert.equal(await store.cancelChallenge(second.id, owner, now + 22), false, 'a conflicted challenge cannot be cancelled')
      assert.equal(await store.cancelChallenge(first.id, owner, now + 22), false)
      const third = challengeOf(id('challenge'), owner, identity, now + 23)
      await store.createChallenge(third)
      assert.equal(await conflictedOf(store, third.id), true, 'it stays open: a start after the attempt still conflicts')
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
    name: 'concurrent: 10 createChallenge calls for one user conflict them all, as one after the other would',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const now = base()
      const owner = id('user'); const identity = id('identity')
      const challenges = Array.from({ length: 10 }, (_, k) => challengeOf(id('challenge'), owner, identity, now + k))
      await Promise.all(challenges.map(async (c) => { await store.createChallenge(c) }))
      const stored = await Promise.all(challenges.map(async (c) => await store.getChallenge(c.id)))
      assert.equal(count(stored, (c) => c?.conflicted === true), 10, `every one is kept and conflicted: ${JSON.stringify(stored.map((c) => c?.conflicted))}`)
    }
  }
]

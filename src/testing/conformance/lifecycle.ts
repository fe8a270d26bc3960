import assert from 'node:assert/strict'
import { challengeOf, linkOk, PAST, update, type ConformanceCase } from './fixtures.js'

/** Start-up and housekeeping. */
export const lifecycleCases: ConformanceCase[] = [
  {
    name: 'init() is idempotent and may run concurrently',
    needs: [],
    async run ({ store, another }) {
      await store.init?.()
      await Promise.all([store.init?.(), store.init?.()])
      const other = await another()
      await Promise.all([other.init?.(), other.init?.()])
    }
  },
  {
    name: 'purgeExpired removes expired de-duplication entries only, never links or changes',
    needs: ['identities', 'deliveries', 'housekeeping'],
    async run ({ store, id, changes }) {
      const now = PAST + Math.floor(Math.random() * 1000)
      const oldKey = id('event'); const liveKey = id('event')
      await store.markEvent(oldKey, now + 100, now)
      await store.markEvent(liveKey, now + 100_000, now)
      const u = id('user'); const i = id('identity')
      await linkOk(store, u, i, now)
      await store.applyUpdate(i, update(5, 'approved', 0.9), now)
      const logged = await changes()

      await store.purgeExpired(now + 200)
      // observe the deletions by asking with a `now` before the old expiry
      assert.equal(await store.markEvent(oldKey, now + 300, now + 50), true, 'the expired event entry was removed')
      assert.equal(await store.markEvent(liveKey, now + 300, now + 50), false, 'a live event entry is kept')
      assert.equal((await store.getByIdentity(i))?.userId, u, 'links are never purged')
      assert.deepStrictEqual((await changes()).slice(0, logged.length), logged, 'change-log entries are never purged')
    }
  },
  {
    name: 'purgeExpired removes expired challenges, revocations and used tokens only',
    needs: ['stepUp', 'housekeeping'],
    async run ({ store, id }) {
      const now = PAST + Math.floor(Math.random() * 1000)
      const oldChallenge = challengeOf(id('challenge'), id('user'), id('identity'), now, 100)
      const liveChallenge = challengeOf(id('challenge'), id('user'), id('identity'), now, 100_000)
      await store.createChallenge(oldChallenge)
      await store.createChallenge(liveChallenge)
      const oldUser = id('user'); const liveUser = id('user')
      await store.revokeUser(oldUser, now, now + 100, now)
      await store.revokeUser(liveUser, now, now + 100_000, now)
      const oldJti = id('jti'); const liveJti = id('jti')
      await store.useToken(oldJti, now + 100, now)
      await store.useToken(liveJti, now + 100_000, now)

      await store.purgeExpired(now + 200)
      assert.equal(await store.getChallenge(oldChallenge.id), null, 'the expired challenge was removed')
      const consumed = await store.consumeChallenge(oldChallenge.id, oldChallenge.userId, now + 50)
      assert.ok(!consumed.ok && (consumed.reason === 'missing' || consumed.reason === 'expired'), 'a purged challenge cannot be consumed')
      assert.deepStrictEqual(await store.getChallenge(liveChallenge.id), { ...liveChallenge, authenticatedAt: null, conflicted: false, closedAt: null }, 'a live challenge is kept')
      assert.equal(await store.revokedBefore(oldUser, now + 50), null, 'the expired revocation was removed')
      assert.equal(await store.revokedBefore(liveUser, now + 50), now, 'a live revocation is kept')
      assert.equal(await store.useToken(oldJti, now + 300, now + 50), true, 'the expired token entry was removed')
      assert.equal(await store.useToken(liveJti, now + 300, now + 50), false, 'a live token entry is kept')
    }
  }
]

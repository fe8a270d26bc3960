import assert from 'node:assert/strict'
import { base, type ConformanceCase } from './fixtures.js'

/** Per-user revocations: every step-up window issued at or before `notBefore` ends. */
export const revocationCases: ConformanceCase[] = [
  {
    name: 'revokeUser holds until expiresAt',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const now = base()
      const u = id('user')
      assert.equal(await store.revokedBefore(u, now), null, 'not revoked')
      await store.revokeUser(u, now, now + 100, now)
      assert.equal(await store.revokedBefore(u, now), now, 'revoked: notBefore')
      assert.equal(await store.revokedBefore(u, now + 99), now, 'just before expiresAt')
      assert.equal(await store.revokedBefore(u, now + 100), null, 'forgotten at expiresAt')
      assert.equal(await store.revokedBefore(id('user'), now), null, 'other users are not revoked')
    }
  },
  {
    name: 'revokeUser keeps the latest notBefore and the later expiresAt',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const now = base()
      const u = id('user')
      await store.revokeUser(u, now + 50, now + 1000, now + 50)
      await store.revokeUser(u, now + 10, now + 2000, now + 60)
      assert.equal(await store.revokedBefore(u, now + 100), now + 50, 'an earlier notBefore does not replace a later one')
      assert.equal(await store.revokedBefore(u, now + 1999), now + 50, 'the later expiresAt is kept')
      await store.revokeUser(u, now + 70, now + 500, now + 70)
      assert.equal(await store.revokedBefore(u, now + 1999), now + 70, 'a later notBefore replaces, the expiresAt stays the later one')
    }
  },
  {
    name: 'concurrent: 10 revokeUser calls keep the latest notBefore and expiresAt',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const now = base()
      const u = id('user')
      await Promise.all(Array.from({ length: 10 }, async (_, k) => { await store.revokeUser(u, now + k, now + 1000 + (k * 7) % 10, now + k) }))
      assert.equal(await store.revokedBefore(u, now + 1008), now + 9, 'the latest notBefore')
      assert.equal(await store.revokedBefore(u, now + 1009), null, 'the latest expiresAt (now + 1009) is the end')
    }
  }
]

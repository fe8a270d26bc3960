import assert from 'node:assert/strict'
import { base, count, type ConformanceCase } from './fixtures.js'

/** Webhook de-duplication: an entry per key until it expires, written once the effect is stored. */
export const deliveryCases: ConformanceCase[] = [
  {
    name: 'markEvent de-duplicates until the entry expires',
    needs: ['deliveries'],
    async run ({ store, id }) {
      const now = base()
      const key = id('event')
      assert.equal(await store.markEvent(key, now + 1000, now), true, 'first delivery')
      assert.equal(await store.markEvent(key, now + 2000, now + 1), false, 'duplicate')
      assert.equal(await store.markEvent(key, now + 2000, now + 999), false, 'duplicate just before expiry')
      assert.equal(await store.markEvent(key, now + 3000, now + 1000), true, 'at expiresAt the entry has expired')
      assert.equal(await store.markEvent(key, now + 4000, now + 2999), false, 'the new entry lasts until its own expiresAt')
      const other = id('event')
      assert.equal(await store.markEvent(other, now + 1000, now + 3001), true, 'keys are independent')
    }
  },
  {
    name: 'hasEvent tells whether a key is recorded and live, without recording it',
    needs: ['deliveries'],
    async run ({ store, id }) {
      const now = base()
      const key = id('event')
      assert.equal(await store.hasEvent(key, now), false, 'unknown key')
      assert.equal(await store.hasEvent(key, now), false, 'asking does not record it')
      assert.equal(await store.markEvent(key, now + 1000, now), true, 'so it is still new')
      assert.equal(await store.hasEvent(key, now), true, 'recorded')
      assert.equal(await store.hasEvent(key, now + 999), true, 'just before expiresAt')
      assert.equal(await store.hasEvent(key, now + 1000), false, 'at expiresAt it has expired')
      assert.equal(await store.hasEvent(id('event'), now), false, 'other keys are not recorded')
    }
  },
  {
    name: 'concurrent: 20 markEvent calls with one key, exactly one is new',
    needs: ['deliveries'],
    async run ({ store, id }) {
      const now = base()
      const key = id('event')
      const results = await Promise.all(Array.from({ length: 20 }, async () => await store.markEvent(key, now + 60_000, now)))
      assert.equal(count(results, (r) => r), 1, 'exactly one true')
      // and again once it has expired
      const later = now + 60_000
      const again = await Promise.all(Array.from({ length: 20 }, async () => await store.markEvent(key, later + 60_000, later)))
      assert.equal(count(again, (r) => r), 1, 'exactly one true after expiry')
    }
  }
]

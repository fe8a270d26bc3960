import t from 'tap'
import { RevocationCache } from '../../src/step-up/revocations.js'
import { RecordCache } from '../../src/verification/cache.js'
import { MemoryStore, type Invalidation } from '../../src/index.js'
import { harness, linkNew } from '../helpers/app.js'

/** A MemoryStore that announces invalidations like a shared store would. */
class AnnouncingStore extends MemoryStore {
  private readonly listeners = new Set<(event: Invalidation) => void>()
  subscribe (listener: (event: Invalidation) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  announce (event: Invalidation): void {
    for (const l of this.listeners) l(event)
  }

  get subscribers (): number { return this.listeners.size }
}

t.test('RecordCache: hit, expiry, bound, invalidation race', async (t) => {
  const store = new MemoryStore()
  await store.link('u', 'i', 1)
  const cache = new RecordCache(store, 50, 2)
  const now = 1000
  t.equal(cache.peek('u', now), undefined)
  t.match(await cache.get('u', now), { identityId: 'i' })
  t.match(cache.peek('u', now), { identityId: 'i' }, 'hit')
  t.equal(cache.peek('u', now + 51), undefined, 'expired')
  await cache.get('a', now)
  await cache.get('b', now)
  await cache.get('c', now)
  t.equal(cache.size, 2, 'bounded')
  // a read that raced an invalidation is not cached
  const pending = cache.load('u', now)
  cache.invalidate('u')
  await pending
  t.equal(cache.peek('u', now), undefined)
  await cache.get('u', now)
  cache.clear()
  t.equal(cache.size, 0)
  const noCache = new RecordCache(store, 0)
  await noCache.get('u', now)
  t.equal(noCache.size, 0, 'ttl 0 disables caching')
})

t.test('RevocationCache: per-user not-before, trusted for the TTL only, known at once when made here, bounded', async (t) => {
  const store = new MemoryStore()
  const cache = new RevocationCache(store, 60_000, 2)
  const now = 1_000_000
  t.equal(cache.peek('u1', now), undefined, 'a miss: ask the store')
  t.equal(await cache.load('u1', now), null)
  t.equal(cache.peek('u1', now), null, 'cached: not revoked')
  await store.revokeUser('u1', now, now + 300_000, now)
  t.equal(cache.peek('u1', now), null, 'cached negative within the TTL (another process revoked; its notification drops it)')
  cache.invalidate('u1')
  t.equal(await cache.load('u1', now), now, 'after an invalidation, the store is asked')
  t.equal(cache.peek('u1', now + 60_001), undefined, 'trusted for the TTL only')
  t.equal(await cache.load('u1', now + 400_000), null, 'the revocation row expired (every token it ended has too)')
  // a revocation made here is known at once, and a read that raced it is not cached
  const racing = cache.load('u2', now)
  cache.revoke('u2', now + 5, now)
  await racing
  t.equal(cache.peek('u2', now), now + 5)
  cache.revoke('a', now, now)
  cache.revoke('b', now, now)
  t.equal(cache.peek('u2', now), undefined, 'bounded: the oldest is dropped')
  cache.clear()
  t.equal(cache.peek('a', now), undefined)
})

t.test("the plugin follows the store's invalidations", async (t) => {
  const store = new AnnouncingStore()
  const h = await harness({ plugin: { store, cacheTtlMs: 60_000, reauth: { secret: 'r'.repeat(32) } } })
  t.equal(store.subscribers, 1)
  const id = await linkNew(h, 'ann')
  await h.sandbox.review(id, { status: 'approved', score: 0.9 })
  const profile = async (): Promise<number> => (await h.app.inject({ url: '/profile', headers: { 'x-user': 'ann' } })).statusCode
  t.equal(await profile(), 200)
  // another process declines (the store changes behind this process's back)
  const record = (await store.getByIdentity(id))!
  await MemoryStore.prototype.applyUpdate.call(store, id, { status: 'declined', score: 0.1, reason: null, providerUpdated: record.providerUpdated + 1, expiresAt: null }, Date.now())
  t.equal(await profile(), 200, 'cached (TTL 60 s) until told')
  store.announce({ kind: 'user', userId: 'ann' })
  t.equal(await profile(), 403, 'user invalidation')
  await MemoryStore.prototype.applyUpdate.call(store, id, { status: 'approved', score: 0.9, reason: null, providerUpdated: record.providerUpdated + 2, expiresAt: null }, Date.now())
  t.equal(await profile(), 403, 'cached again')
  store.announce({ kind: 'all' })
  t.equal(await profile(), 200, 'all invalidation')
  await h.close()
  t.equal(store.subscribers, 0, 'unsubscribed on close')
})

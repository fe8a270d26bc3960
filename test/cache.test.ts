import t from 'tap'
import { RecordCache } from '../src/guards/cache.js'
import { RevocationCache } from '../src/guards/revocations.js'
import { MemoryStore, type Invalidation } from '../src/index.js'
import { harness, linkNew } from './helpers/app.js'

/** A MemoryStore that announces invalidations like a shared store would. */
class AnnouncingStore extends MemoryStore {
  override readonly shared: boolean = true
  override readonly cacheTtlMs = 60_000
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
  t.equal(cache.peek('u', Date.now()), undefined)
  t.match(await cache.get('u'), { identityId: 'i' })
  t.match(cache.peek('u', Date.now()), { identityId: 'i' }, 'hit')
  t.equal(cache.peek('u', Date.now() + 51), undefined, 'expired')
  await cache.get('a')
  await cache.get('b')
  await cache.get('c')
  t.equal(cache.size, 2, 'bounded')
  // a read that raced an invalidation is not cached
  const pending = cache.load('u')
  cache.invalidate('u')
  await pending
  t.equal(cache.peek('u', Date.now()), undefined)
  await cache.get('u')
  cache.clear()
  t.equal(cache.size, 0)
  const noCache = new RecordCache(store, 0)
  await noCache.get('u')
  t.equal(noCache.size, 0, 'ttl 0 disables caching')
})

t.test('RevocationCache: remembers, trusts "not revoked" for the TTL only, bounded', async (t) => {
  const store = new MemoryStore()
  const cache = new RevocationCache(store, 60_000, 300_000, 2)
  const now = Date.now()
  t.equal(await cache.isRevoked('j1', now), false)
  await store.revokeToken('j1', now + 1000)
  t.equal(await cache.isRevoked('j1', now), false, 'cached negative within the TTL')
  cache.clearNegative()
  t.equal(await cache.isRevoked('j1', now), true, 'after clearing, the store is asked')
  t.equal(await cache.isRevoked('j1', now + 400_000), false, 'forgotten after expiry')
  cache.remember('a', now + 10)
  cache.remember('b', now + 10)
  cache.remember('c', now + 10)
  t.equal(await cache.isRevoked('c', now), true)
})

t.test("the plugin follows the store's invalidations", async (t) => {
  const store = new AnnouncingStore()
  const h = await harness({ plugin: { store, reauth: { secret: 'r'.repeat(32) } } })
  t.equal(store.subscribers, 1)
  const id = await linkNew(h, 'ann')
  await h.sandbox.review(id, { status: 'approved', score: 0.9 })
  const profile = async (): Promise<number> => (await h.app.inject({ url: '/profile', headers: { 'x-user': 'ann' } })).statusCode
  t.equal(await profile(), 200)
  // another process declines (the store changes behind this process's back)
  const record = (await store.getByIdentity(id))!
  await MemoryStore.prototype.applyUpdate.call(store, id, { status: 'declined', score: 0.1, reason: null, providerUpdated: record.providerUpdated + 1 })
  t.equal(await profile(), 200, 'cached (TTL 60 s) until told')
  store.announce({ kind: 'user', userId: 'ann' })
  t.equal(await profile(), 403, 'user invalidation')
  await MemoryStore.prototype.applyUpdate.call(store, id, { status: 'approved', score: 0.9, reason: null, providerUpdated: record.providerUpdated + 2 })
  t.equal(await profile(), 403, 'cached again')
  store.announce({ kind: 'all' })
  t.equal(await profile(), 200, 'all invalidation')
  store.announce({ kind: 'revoked', jti: 'x' })
  await h.close()
  t.equal(store.subscribers, 0, 'unsubscribed on close')
})

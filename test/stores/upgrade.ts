import type { Test } from 'tap'
import type { CompleteStore } from '../../src/stores/types.js'

/**
 * What a store opened on v0.1 tables must show (both SQL stores' upgrade tests seed the
 * same rows: identity i1 of u1 approved at 100, event 'ev', challenges c-old and c-new of u1).
 */
export async function checkUpgraded (t: Test, store: CompleteStore): Promise<void> {
  t.same(await store.getByUser('u1', 3000), {
    userId: 'u1', identityId: 'i1', status: 'approved', score: 0.9, reason: null, providerUpdated: 100, linkedAt: 1000, expiresAt: null
  }, 'links are kept (expiresAt: null)')
  t.equal(await store.markEvent('ev', 5_000_000_000_000, 3000), false, 'de-duplication entries are kept')
  t.equal(await store.getChallenge('c-old'), null, 'of several pending challenges of a user, the older ones are ended')
  t.same(await store.getChallenge('c-new'), {
    id: 'c-new', userId: 'u1', identityId: 'i1', createdAt: 2000, expiresAt: 5_000_000_000_000, action: null, authenticatedAt: null, conflicted: false, closedAt: null
  })
  await store.createChallenge({ id: 'c-3', userId: 'u1', identityId: 'i1', createdAt: 3000, expiresAt: 5_000_000_000_000, action: 'act' })
  t.equal((await store.getChallenge('c-new'))?.conflicted, true, 'and the current rules apply (a start while another is open conflicts both)')
  t.equal((await store.getChallenge('c-3'))?.action, 'act', 'with the columns added since v0.1')
  t.equal((await store.applyUpdate('i1', { status: 'declined', score: 0.1, reason: null, providerUpdated: 101, expiresAt: 9000 }, 3000)).applied, true)
  t.equal((await store.readChanges(0, 10)).length, 1, 'changes are logged from the upgrade on')
}

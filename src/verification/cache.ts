import type { PassbaseStore, VerificationRecord } from '../stores/types.js'
import { TtlCache } from '../ttl-cache.js'

/**
 * The guards' cache of users' verification records (null: no verification): bounded,
 * short-lived (`cacheTtlMs`), invalidated at once by this process's own writes (the
 * verification service) and by the store's cross-process notifications.
 */
export class RecordCache extends TtlCache<VerificationRecord | null> {
  constructor (store: Pick<PassbaseStore, 'getByUser'>, ttlMs: number, max = 10_000) {
    super(async (userId, now) => await store.getByUser(userId, now), ttlMs, max)
  }
}

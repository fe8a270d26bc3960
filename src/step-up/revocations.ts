import type { StepUpStore } from '../stores/types.js'
import { TtlCache } from '../ttl-cache.js'

/**
 * The users' step-up revocations (`DELETE /reauth` ends every window of the user: tokens
 * issued at or before `notBefore` no longer count; null: none), cached for the guard so
 * that a request costs no store round trip: an answer is trusted for `cacheTtlMs` at
 * most, dropped at once by the store's cross-process notifications, and a revocation
 * made here is known at once.
 */
export class RevocationCache extends TtlCache<number | null> {
  constructor (store: Pick<StepUpStore, 'revokedBefore'>, ttlMs: number, max = 10_000) {
    super(async (userId, now) => await store.revokedBefore(userId, now), ttlMs, max)
  }

  /** A revocation made here: known at once, until the store can be asked again. */
  revoke (userId: string, notBefore: number, now: number): void {
    this.remember(userId, notBefore, now + Math.max(this.ttlMs, 1))
  }
}

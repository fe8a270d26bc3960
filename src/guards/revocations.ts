import type { PassbaseStore } from '../stores/types.js'

/**
 * Revocation checks for the step-up guard without a store round trip per request:
 * revocations made here or announced by the store are remembered until the token
 * would have expired; a "not revoked" answer is trusted for `ttlMs` at most.
 */
export class RevocationCache {
  private readonly revoked = new Map<string, number>()
  private readonly clear = new Map<string, number>()

  constructor (private readonly store: PassbaseStore, private readonly ttlMs: number, private readonly maxAgeMs: number, private readonly max = 10_000) {}

  /** What this process already knows about `jti` (true / false), or undefined when the store must be asked. */
  peek (jti: string, now: number): boolean | undefined {
    const until = this.revoked.get(jti)
    if (until !== undefined) {
      if (until > now) return true
      this.revoked.delete(jti)
    }
    const clearUntil = this.clear.get(jti)
    if (clearUntil !== undefined && clearUntil > now) return false
    return undefined
  }

  /** Whether `jti` is revoked; rejects when the store cannot tell. */
  async isRevoked (jti: string, now: number): Promise<boolean> {
    const known = this.peek(jti, now)
    if (known !== undefined) return known
    const revoked = await this.store.isRevoked(jti, now)
    if (revoked) this.remember(jti, now + this.maxAgeMs)
    else if (this.ttlMs > 0) {
      if (this.clear.size >= this.max) this.prune(this.clear, now)
      this.clear.set(jti, now + this.ttlMs)
    }
    return revoked
  }

  /** Remember a revocation (made here, or announced by another process). */
  remember (jti: string, until: number): void {
    this.clear.delete(jti)
    if (this.revoked.size >= this.max) this.prune(this.revoked, Date.now())
    this.revoked.set(jti, until)
  }

  /** Forget every "not revoked" answer (notifications may have been lost). */
  clearNegative (): void {
    this.clear.clear()
  }

  private prune (map: Map<string, number>, now: number): void {
    for (const [key, until] of map) if (until <= now) map.delete(key)
    for (const key of map.keys()) {
      if (map.size < this.max) break
      map.delete(key)
    }
  }
}

import type { StepUpStore } from '../stores/types.js'

interface Entry { notBefore: number | null, until: number }

/**
 * The users' step-up revocations (`DELETE /reauth` ends every window of the user: tokens
 * issued at or before `notBefore` no longer count), cached for the guard so that a
 * request costs no store round trip: an answer is trusted for `ttlMs` at most, dropped at
 * once by this process's revocations and by the store's cross-process notifications.
 */
export class RevocationCache {
  private readonly entries = new Map<string, Entry>()
  private epoch = 0

  constructor (private readonly store: Pick<StepUpStore, 'revokedBefore'>, private readonly ttlMs: number, private readonly max = 10_000) {}

  /** The cached not-before (null: none), or undefined when the store must be asked. */
  peek (userId: string, now: number): number | null | undefined {
    const entry = this.entries.get(userId)
    if (entry === undefined) return undefined
    if (entry.until <= now) {
      this.entries.delete(userId)
      return undefined
    }
    return entry.notBefore
  }

  /** Ask the store (rejects when it does). */
  async load (userId: string, now: number): Promise<number | null> {
    const epoch = this.epoch
    const notBefore = await this.store.revokedBefore(userId, now)
    if (epoch === this.epoch && this.ttlMs > 0) this.set(userId, notBefore, now + this.ttlMs)
    return notBefore
  }

  /** A revocation made here: known at once, until the store can be asked again. */
  remember (userId: string, notBefore: number, now: number): void {
    this.epoch++
    this.set(userId, notBefore, now + Math.max(this.ttlMs, 1))
  }

  invalidate (userId: string): void {
    this.epoch++
    this.entries.delete(userId)
  }

  clear (): void {
    this.epoch++
    this.entries.clear()
  }

  private set (userId: string, notBefore: number | null, until: number): void {
    this.entries.delete(userId)
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string)
    this.entries.set(userId, { notBefore, until })
  }
}

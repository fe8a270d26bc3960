import type { PassbaseStore, VerificationRecord } from '../stores/types.js'

interface Entry { record: VerificationRecord | null, until: number }

/**
 * In-process cache of users' verification records for the guards: a hit costs one Map
 * lookup. Bounded (oldest entries evicted first) and short-lived (`ttlMs`), invalidated
 * at once by this process's own writes (the verification service) and by the store's
 * cross-process notifications. A read that raced an invalidation is not cached.
 */
export class RecordCache {
  private readonly entries = new Map<string, Entry>()
  private epoch = 0

  constructor (private readonly store: Pick<PassbaseStore, 'getByUser'>, private readonly ttlMs: number, private readonly max = 10_000) {}

  /** The cached record (null = no verification), or undefined on a miss. */
  peek (userId: string, now: number): VerificationRecord | null | undefined {
    const entry = this.entries.get(userId)
    if (entry === undefined) return undefined
    if (entry.until <= now) {
      this.entries.delete(userId)
      return undefined
    }
    return entry.record
  }

  /** Read through to the store (rejects when the store does). */
  async load (userId: string, now: number): Promise<VerificationRecord | null> {
    const epoch = this.epoch
    const record = await this.store.getByUser(userId, now)
    if (epoch === this.epoch && this.ttlMs > 0) {
      if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string)
      this.entries.set(userId, { record, until: now + this.ttlMs })
    }
    return record
  }

  async get (userId: string, now: number): Promise<VerificationRecord | null> {
    const hit = this.peek(userId, now)
    return hit === undefined ? await this.load(userId, now) : hit
  }

  invalidate (userId: string): void {
    this.epoch++
    this.entries.delete(userId)
  }

  clear (): void {
    this.epoch++
    this.entries.clear()
  }

  get size (): number {
    return this.entries.size
  }
}

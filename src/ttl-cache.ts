interface Entry<V> { value: V, until: number }

/**
 * A small in-process cache for the guards: a hit costs one Map lookup; entries live
 * `ttlMs` at most, the oldest is dropped beyond `max`, and a read that raced an
 * invalidation is not cached (an epoch counter). `ttlMs` 0 caches nothing.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>()
  private epoch = 0

  constructor (private readonly read: (key: string, now: number) => Promise<V>, protected readonly ttlMs: number, private readonly max = 10_000) {}

  /** The cached value, or undefined on a miss. */
  peek (key: string, now: number): V | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (entry.until <= now) {
      this.entries.delete(key)
      return undefined
    }
    return entry.value
  }

  /** Read through (rejects when the read does). */
  async load (key: string, now: number): Promise<V> {
    const epoch = this.epoch
    const value = await this.read(key, now)
    if (epoch === this.epoch && this.ttlMs > 0) this.put(key, value, now + this.ttlMs)
    return value
  }

  async get (key: string, now: number): Promise<V> {
    const hit = this.peek(key, now)
    return hit === undefined ? await this.load(key, now) : hit
  }

  /** A value known here (a write of this process): cached until `until`; reads in flight are not. */
  remember (key: string, value: V, until: number): void {
    this.epoch++
    this.put(key, value, until)
  }

  invalidate (key: string): void {
    this.epoch++
    this.entries.delete(key)
  }

  clear (): void {
    this.epoch++
    this.entries.clear()
  }

  get size (): number {
    return this.entries.size
  }

  private put (key: string, value: V, until: number): void {
    this.entries.delete(key)
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string)
    this.entries.set(key, { value, until })
  }
}

/**
 * Per instance: a user whose link attempts ended 404 (unknown identity) `max` times
 * within `windowMs` is refused (429) without a provider call until the oldest of those
 * attempts leaves the window. Bounded: at most `maxUsers` users are tracked (the oldest
 * tracked first dropped).
 */
export class LinkAttempts {
  private readonly failures = new Map<string, number[]>()

  constructor (private readonly max: number, private readonly windowMs: number, private readonly maxUsers = 10_000) {}

  /** ms until the user may try again (0: now). */
  blockedFor (userId: string, now: number): number {
    const times = this.recent(userId, now)
    if (times === undefined || times.length < this.max) return 0
    return times[0]! + this.windowMs - now
  }

  recordFailure (userId: string, now: number): void {
    const times = this.recent(userId, now) ?? []
    times.push(now)
    if (times.length > this.max) times.shift()
    this.failures.delete(userId)
    if (this.failures.size >= this.maxUsers) this.failures.delete(this.failures.keys().next().value as string)
    this.failures.set(userId, times)
  }

  forget (userId: string): void {
    this.failures.delete(userId)
  }

  private recent (userId: string, now: number): number[] | undefined {
    const times = this.failures.get(userId)
    if (times === undefined) return undefined
    while (times.length > 0 && times[0]! <= now - this.windowMs) times.shift()
    if (times.length === 0) {
      this.failures.delete(userId)
      return undefined
    }
    return times
  }
}

import { refusalOf } from '../consume.js'
import type { Challenge, ConsumeResult, NewChallenge } from '../types.js'

interface StoredChallenge extends Challenge {
  used: boolean
}

/**
 * MemoryStore's step-up challenges: one per user (a new one replaces the user's earlier),
 * indexed by id, by user and by identity. Synchronous: each call is atomic within a tick.
 */
export class MemoryChallenges {
  private readonly byId = new Map<string, StoredChallenge>()
  private readonly byUser = new Map<string, string>()
  private readonly byIdentity = new Map<string, Set<string>>()

  get size (): number {
    return this.byId.size
  }

  create (challenge: NewChallenge): void {
    const earlier = this.byUser.get(challenge.userId)
    if (earlier !== undefined) this.drop(earlier)
    this.byId.set(challenge.id, { ...challenge, authenticatedAt: null, used: false })
    this.byUser.set(challenge.userId, challenge.id)
    let ids = this.byIdentity.get(challenge.identityId)
    if (ids === undefined) this.byIdentity.set(challenge.identityId, ids = new Set())
    ids.add(challenge.id)
  }

  get (id: string): Challenge | null {
    const c = this.byId.get(id)
    return c === undefined || c.used ? null : copy(c)
  }

  /** The identity's challenge pending at `at` (the latest created) gets `authenticatedAt`; false when there is none. */
  satisfy (identityId: string, at: number): boolean {
    let pending: StoredChallenge | undefined
    for (const id of this.byIdentity.get(identityId) ?? []) {
      const c = this.byId.get(id)
      if (c === undefined || c.used || c.authenticatedAt !== null || !(c.createdAt < at && at < c.expiresAt)) continue
      if (pending === undefined || c.createdAt > pending.createdAt) pending = c
    }
    if (pending === undefined) return false
    pending.authenticatedAt = at
    return true
  }

  consume (id: string, userId: string, now: number): ConsumeResult {
    const c = this.byId.get(id)
    const refusal = refusalOf(c, userId, now)
    if (refusal !== null) return { ok: false, reason: refusal }
    // refusalOf found it: c is defined
    c!.used = true
    return { ok: true, challenge: copy(c!) }
  }

  forgetUser (userId: string): void {
    const id = this.byUser.get(userId)
    if (id !== undefined) this.drop(id)
  }

  purge (now: number): void {
    for (const [id, c] of this.byId) if (c.expiresAt <= now) this.drop(id)
  }

  private drop (id: string): void {
    const c = this.byId.get(id)
    if (c === undefined) return
    this.byId.delete(id)
    if (this.byUser.get(c.userId) === id) this.byUser.delete(c.userId)
    const ids = this.byIdentity.get(c.identityId)
    ids?.delete(id)
    if (ids?.size === 0) this.byIdentity.delete(c.identityId)
  }
}

function copy (c: StoredChallenge): Challenge {
  return {
    id: c.id,
    userId: c.userId,
    identityId: c.identityId,
    createdAt: c.createdAt,
    expiresAt: c.expiresAt,
    action: c.action,
    authenticatedAt: c.authenticatedAt
  }
}

import { refusalOf } from '../consume.js'
import type { Challenge, ConsumeResult, NewChallenge } from '../types.js'

interface StoredChallenge extends Challenge {
  used: boolean
}

/** Open at `now`: not consumed, not closed by an authentication, not expired (cancelled ones are deleted). */
function isOpen (c: StoredChallenge, now: number): boolean {
  return !c.used && c.authenticatedAt === null && c.closedAt === null && c.expiresAt > now
}

/**
 * MemoryStore's step-up challenges, indexed by id, by user and by identity, with the
 * conflict rule: a challenge created while another of the user's is open makes all of
 * them conflicted; an authentication closes every open challenge of the user created
 * before it and satisfies one only when it was the only one and not conflicted.
 * Synchronous: each call is atomic within a tick.
 */
export class MemoryChallenges {
  private readonly byId = new Map<string, StoredChallenge>()
  private readonly byUser = new Map<string, Set<string>>()
  private readonly byIdentity = new Map<string, Set<string>>()

  get size (): number {
    return this.byId.size
  }

  create (challenge: NewChallenge): void {
    const open = this.openOf([challenge.userId], challenge.createdAt)
    for (const c of open) c.conflicted = true
    this.drop(challenge.id)
    this.byId.set(challenge.id, { ...challenge, authenticatedAt: null, conflicted: open.length > 0, closedAt: null, used: false })
    index(this.byUser, challenge.userId, challenge.id)
    index(this.byIdentity, challenge.identityId, challenge.id)
  }

  get (id: string): Challenge | null {
    const c = this.byId.get(id)
    return c === undefined || c.used ? null : copy(c)
  }

  /** The user's own open challenge, if it is not conflicted, is deleted; true when it was. */
  cancel (id: string, userId: string, now: number): boolean {
    const c = this.byId.get(id)
    if (c === undefined || c.userId !== userId || c.conflicted || !isOpen(c, now)) return false
    this.drop(id)
    return true
  }

  /**
   * An authentication of the identity received at `at`: closes every open challenge of
   * its user created before `at`; satisfies it (true) only when it was the only one and
   * not conflicted, else marks each closed (false).
   */
  satisfy (identityId: string, at: number): boolean {
    const users = new Set<string>()
    for (const id of this.byIdentity.get(identityId) ?? []) {
      const c = this.byId.get(id)
      if (c !== undefined) users.add(c.userId)
    }
    const open = this.openOf(users, at).filter((c) => c.createdAt < at)
    const only = open.length === 1 ? open[0] : undefined
    if (only !== undefined && !only.conflicted) {
      only.authenticatedAt = at
      return true
    }
    for (const c of open) c.closedAt = at
    return false
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
    for (const id of [...this.byUser.get(userId) ?? []]) this.drop(id)
  }

  purge (now: number): void {
    for (const [id, c] of this.byId) if (c.expiresAt <= now) this.drop(id)
  }

  private openOf (users: Iterable<string>, now: number): StoredChallenge[] {
    const out: StoredChallenge[] = []
    for (const user of users) {
      for (const id of this.byUser.get(user) ?? []) {
        const c = this.byId.get(id)
        if (c !== undefined && isOpen(c, now)) out.push(c)
      }
    }
    return out
  }

  private drop (id: string): void {
    const c = this.byId.get(id)
    if (c === undefined) return
    this.byId.delete(id)
    unindex(this.byUser, c.userId, id)
    unindex(this.byIdentity, c.identityId, id)
  }
}

function index (map: Map<string, Set<string>>, key: string, id: string): void {
  let ids = map.get(key)
  if (ids === undefined) map.set(key, ids = new Set())
  ids.add(id)
}

function unindex (map: Map<string, Set<string>>, key: string, id: string): void {
  const ids = map.get(key)
  ids?.delete(id)
  if (ids?.size === 0) map.delete(key)
}

function copy (c: StoredChallenge): Challenge {
  return {
    id: c.id,
    userId: c.userId,
    identityId: c.identityId,
    createdAt: c.createdAt,
    expiresAt: c.expiresAt,
    action: c.action,
    authenticatedAt: c.authenticatedAt,
    conflicted: c.conflicted,
    closedAt: c.closedAt
  }
}

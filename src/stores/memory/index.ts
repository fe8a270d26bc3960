import { supersedes } from '../rank.js'
import type {
  AuthenticationResult,
  Challenge,
  ChangeEntry,
  CompleteStore,
  ConsumeResult,
  LinkResult,
  NewChallenge,
  PendingChange,
  StatusUpdate,
  UpdateResult,
  VerificationRecord
} from '../types.js'
import { MemoryChallenges } from './challenges.js'
import { MemoryChangeLog } from './changes.js'

export interface MemoryStoreOptions {
  /** Most de-duplication entries kept; the oldest are dropped first (default 100,000). */
  maxEvents?: number
}

/**
 * In-process store: for tests, development and single-instance apps. Every method runs
 * synchronously inside one tick, so each is atomic. Tables are bounded: events,
 * challenges, revocations and used tokens expire and are purged.
 */
export class MemoryStore implements CompleteStore {
  private readonly byIdentity = new Map<string, VerificationRecord & { order: number }>()
  private readonly byUser = new Map<string, Set<string>>()
  private readonly events = new Map<string, number>()
  private readonly challenges = new MemoryChallenges()
  private readonly revocations = new Map<string, { notBefore: number, expiresAt: number }>()
  private readonly usedTokens = new Map<string, number>()
  private readonly log = new MemoryChangeLog()
  private readonly maxEvents: number
  private order = 0

  constructor (options: MemoryStoreOptions = {}) {
    this.maxEvents = options.maxEvents ?? 100_000
  }

  // ---- identities ----

  async link (userId: string, identityId: string, now: number): Promise<LinkResult> {
    const existing = this.byIdentity.get(identityId)
    if (existing !== undefined) {
      if (existing.userId !== userId) return { ok: false, reason: 'identity_taken' }
      return { ok: true, created: false, record: copy(existing) }
    }
    if (this.approvedOf(userId, now) !== null) return { ok: false, reason: 'already_verified' }
    const record: VerificationRecord = {
      userId, identityId, status: 'created', score: null, reason: null, providerUpdated: 0, linkedAt: now, expiresAt: null
    }
    this.byIdentity.set(identityId, { ...record, order: ++this.order })
    let ids = this.byUser.get(userId)
    if (ids === undefined) this.byUser.set(userId, ids = new Set())
    ids.add(identityId)
    this.log.append(userId, { at: now, type: 'linked', identityId, to: 'created' })
    return { ok: true, created: true, record }
  }

  async getByIdentity (identityId: string): Promise<VerificationRecord | null> {
    const record = this.byIdentity.get(identityId)
    return record === undefined ? null : copy(record)
  }

  async getByUser (userId: string, now: number): Promise<VerificationRecord | null> {
    const approved = this.approvedOf(userId, now)
    if (approved !== null) return copy(approved)
    let latest: (VerificationRecord & { order: number }) | null = null
    for (const record of this.recordsOf(userId)) {
      if (latest === null || record.linkedAt > latest.linkedAt || (record.linkedAt === latest.linkedAt && record.order > latest.order)) latest = record
    }
    return latest === null ? null : copy(latest)
  }

  async applyUpdate (identityId: string, update: StatusUpdate, now: number): Promise<UpdateResult> {
    const record = this.byIdentity.get(identityId)
    if (record === undefined) return { applied: false, previous: null, record: null }
    const previous = copy(record)
    if (!supersedes(update, record)) return { applied: false, previous, record: previous }
    record.status = update.status
    record.score = update.score
    record.reason = update.reason
    record.providerUpdated = update.providerUpdated
    record.expiresAt = update.expiresAt
    if (previous.status !== record.status) {
      this.log.transition('status', previous.status, record, now)
    }
    return { applied: true, previous, record: copy(record) }
  }

  async releaseLink (identityId: string, userId: string, now: number): Promise<boolean> {
    const record = this.byIdentity.get(identityId)
    if (record === undefined || record.userId !== userId || record.providerUpdated !== 0) return false
    this.byIdentity.delete(identityId)
    this.byUser.get(userId)?.delete(identityId)
    this.log.append(userId, { at: now, type: 'released', identityId, from: record.status })
    return true
  }

  async unsettledLinks (linkedBefore: number, limit: number): Promise<VerificationRecord[]> {
    return [...this.byIdentity.values()]
      .filter((r) => r.providerUpdated === 0 && r.linkedAt < linkedBefore)
      .sort((a, b) => a.linkedAt - b.linkedAt || a.order - b.order)
      .slice(0, Math.max(0, Math.floor(limit)))
      .map(copy)
  }

  async expireDue (now: number, limit: number): Promise<VerificationRecord[]> {
    const out: VerificationRecord[] = []
    for (const record of this.byIdentity.values()) {
      if (out.length >= limit) break
      if (record.status !== 'approved' || record.expiresAt === null || record.expiresAt > now) continue
      record.status = 'expired'
      record.reason = 'expired'
      this.log.transition('expired', 'approved', record, now)
      out.push(copy(record))
    }
    return out
  }

  // ---- webhook de-duplication ----

  async hasEvent (key: string, now: number): Promise<boolean> {
    return live(this.events, key, now)
  }

  async markEvent (key: string, expiresAt: number, now: number): Promise<boolean> {
    return this.mark(key, expiresAt, now)
  }

  private mark (key: string, expiresAt: number, now: number): boolean {
    if (live(this.events, key, now)) return false
    this.events.delete(key)
    this.events.set(key, expiresAt)
    if (this.events.size > this.maxEvents) {
      purgeMap(this.events, now)
      // still full of live entries: drop the oldest inserted (a Map keeps insertion order)
      for (const oldest of this.events.keys()) {
        if (this.events.size <= this.maxEvents) break
        this.events.delete(oldest)
      }
    }
    return true
  }

  // ---- step-up ----

  async createChallenge (challenge: NewChallenge): Promise<void> {
    this.challenges.create(challenge)
  }

  async getChallenge (id: string): Promise<Challenge | null> {
    return this.challenges.get(id)
  }

  async cancelChallenge (id: string, userId: string, now: number): Promise<boolean> {
    return this.challenges.cancel(id, userId, now)
  }

  async recordAuthentication (identityId: string, at: number, eventKey: string, eventExpiresAt: number): Promise<AuthenticationResult> {
    if (!this.mark(eventKey, eventExpiresAt, at)) return 'duplicate'
    return this.challenges.satisfy(identityId, at) ? 'satisfied' : 'unmatched'
  }

  async consumeChallenge (id: string, userId: string, now: number): Promise<ConsumeResult> {
    const result = this.challenges.consume(id, userId, now)
    if (result.ok) this.log.append(userId, { at: now, type: 'step_up', identityId: result.challenge.identityId })
    return result
  }

  async revokeUser (userId: string, notBefore: number, expiresAt: number, now: number): Promise<void> {
    const previous = this.revocations.get(userId)
    this.revocations.set(userId, {
      notBefore: Math.max(notBefore, previous?.notBefore ?? notBefore),
      expiresAt: Math.max(expiresAt, previous?.expiresAt ?? expiresAt)
    })
    this.log.append(userId, { at: now, type: 'revoked' })
  }

  async revokedBefore (userId: string, now: number): Promise<number | null> {
    const row = this.revocations.get(userId)
    return row === undefined || row.expiresAt <= now ? null : row.notBefore
  }

  async useToken (jti: string, expiresAt: number, now: number): Promise<boolean> {
    if (live(this.usedTokens, jti, now)) return false
    this.usedTokens.set(jti, expiresAt)
    return true
  }

  // ---- change log, outbox, erasure ----

  async readChanges (afterSeq: number, limit: number): Promise<ChangeEntry[]> {
    return this.log.read(afterSeq, limit)
  }

  async subjectOf (userId: string): Promise<string | null> {
    return this.log.existingSubject(userId)
  }

  async claimChanges (owner: string, now: number, leaseMs: number, limit: number): Promise<PendingChange[]> {
    return this.log.claim(owner, now, leaseMs, limit)
  }

  async ackChange (id: string): Promise<void> {
    this.log.ack(id)
  }

  async retryChange (id: string, nextAt: number): Promise<void> {
    this.log.retry(id, nextAt)
  }

  async pendingChanges (): Promise<number> {
    return this.log.pending
  }

  async forget (userId: string, now: number): Promise<{ links: number }> {
    let links = 0
    for (const identityId of this.byUser.get(userId) ?? []) {
      this.byIdentity.delete(identityId)
      links++
    }
    this.byUser.delete(userId)
    this.challenges.forgetUser(userId)
    this.revocations.delete(userId)
    this.log.erase(userId, now)
    return { links }
  }

  // ---- housekeeping ----

  async purgeExpired (now: number): Promise<void> {
    purgeMap(this.events, now)
    purgeMap(this.usedTokens, now)
    for (const [userId, row] of this.revocations) if (row.expiresAt <= now) this.revocations.delete(userId)
    this.challenges.purge(now)
  }

  /** Sizes of the internal tables (for soak tests and diagnostics). */
  sizes (): { identities: number, events: number, challenges: number, revocations: number, usedTokens: number, changes: number, pendingChanges: number } {
    return {
      identities: this.byIdentity.size,
      events: this.events.size,
      challenges: this.challenges.size,
      revocations: this.revocations.size,
      usedTokens: this.usedTokens.size,
      changes: this.log.entries.length,
      pendingChanges: this.log.pending
    }
  }

  private * recordsOf (userId: string): Iterable<VerificationRecord & { order: number }> {
    for (const id of this.byUser.get(userId) ?? []) {
      const record = this.byIdentity.get(id)
      if (record !== undefined) yield record
    }
  }

  private approvedOf (userId: string, now: number): (VerificationRecord & { order: number }) | null {
    for (const record of this.recordsOf(userId)) {
      if (record.status === 'approved' && (record.expiresAt === null || record.expiresAt > now)) return record
    }
    return null
  }
}

/** Whether `key` has an entry that has not expired at `now` (the map holds expiry times). */
function live (entries: ReadonlyMap<string, number>, key: string, now: number): boolean {
  const until = entries.get(key)
  return until !== undefined && until > now
}

function copy (record: VerificationRecord): VerificationRecord {
  return {
    userId: record.userId,
    identityId: record.identityId,
    status: record.status,
    score: record.score,
    reason: record.reason,
    providerUpdated: record.providerUpdated,
    linkedAt: record.linkedAt,
    expiresAt: record.expiresAt
  }
}

function purgeMap (map: Map<string, number>, now: number): void {
  for (const [key, until] of map) if (until <= now) map.delete(key)
}

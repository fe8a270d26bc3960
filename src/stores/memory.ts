import { DEFAULT_CACHE_TTL_MS } from './defaults.js'
import type {
  Challenge,
  ConsumeResult,
  LinkResult,
  PassbaseStore,
  StatusUpdate,
  UpdateResult,
  VerificationRecord
} from './types.js'

export interface MemoryStoreOptions {
  /** Most de-duplication entries kept; the oldest are dropped first (default 100,000). */
  maxEvents?: number
  /** How long the guards may trust a cached read of this store, in ms (default 1000; 0: no cache). */
  cacheTtlMs?: number
}

/**
 * In-process store: for tests, development and single-instance apps. Every method
 * runs synchronously inside one tick, so each is atomic. Tables are bounded: events,
 * challenges and revocations expire and are purged.
 */
export class MemoryStore implements PassbaseStore {
  readonly shared: boolean = false
  readonly cacheTtlMs: number
  private readonly byIdentity = new Map<string, VerificationRecord>()
  private readonly byUser = new Map<string, Set<string>>()
  private readonly events = new Map<string, number>()
  private readonly challenges = new Map<string, Challenge & { used: boolean }>()
  private readonly authentications = new Map<string, number>()
  private readonly revoked = new Map<string, number>()
  private readonly maxEvents: number

  constructor (options: MemoryStoreOptions = {}) {
    this.maxEvents = options.maxEvents ?? 100_000
    this.cacheTtlMs = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS
  }

  async link (userId: string, identityId: string, now: number): Promise<LinkResult> {
    const existing = this.byIdentity.get(identityId)
    if (existing !== undefined) {
      if (existing.userId !== userId) return { ok: false, reason: 'identity_taken' }
      return { ok: true, created: false, record: { ...existing } }
    }
    const current = this.currentOf(userId)
    if (current !== null && current.status === 'approved') return { ok: false, reason: 'already_verified' }
    const record: VerificationRecord = {
      userId, identityId, status: 'created', score: null, reason: null, providerUpdated: 0, linkedAt: now
    }
    this.byIdentity.set(identityId, record)
    let ids = this.byUser.get(userId)
    if (ids === undefined) this.byUser.set(userId, ids = new Set())
    ids.add(identityId)
    return { ok: true, created: true, record: { ...record } }
  }

  async getByIdentity (identityId: string): Promise<VerificationRecord | null> {
    const record = this.byIdentity.get(identityId)
    return record === undefined ? null : { ...record }
  }

  async getByUser (userId: string): Promise<VerificationRecord | null> {
    const record = this.currentOf(userId)
    return record === null ? null : { ...record }
  }

  private currentOf (userId: string): VerificationRecord | null {
    const ids = this.byUser.get(userId)
    if (ids === undefined) return null
    let best: VerificationRecord | null = null
    for (const id of ids) {
      const record = this.byIdentity.get(id) as VerificationRecord
      if (record.status === 'approved') return record
      if (best === null || record.linkedAt >= best.linkedAt) best = record
    }
    return best
  }

  async applyUpdate (identityId: string, update: StatusUpdate): Promise<UpdateResult> {
    const record = this.byIdentity.get(identityId)
    if (record === undefined) return { applied: false, previous: null, record: null }
    const previous = { ...record }
    if (!(update.providerUpdated > record.providerUpdated)) return { applied: false, previous, record: previous }
    record.status = update.status
    record.score = update.score
    record.reason = update.reason
    record.providerUpdated = update.providerUpdated
    return { applied: true, previous, record: { ...record } }
  }

  async markEvent (key: string, expiresAt: number, now: number): Promise<boolean> {
    const until = this.events.get(key)
    if (until !== undefined && until > now) return false
    if (until !== undefined) this.events.delete(key)
    this.events.set(key, expiresAt)
    if (this.events.size > this.maxEvents) {
      this.purgeMap(this.events, now)
      // still full of live entries: drop the oldest inserted (Map keeps insertion order)
      for (const oldest of this.events.keys()) {
        if (this.events.size <= this.maxEvents) break
        this.events.delete(oldest)
      }
    }
    return true
  }

  async unmarkEvent (key: string): Promise<void> {
    this.events.delete(key)
  }

  async createChallenge (challenge: Challenge): Promise<void> {
    this.challenges.set(challenge.id, { ...challenge, used: false })
  }

  async getChallenge (id: string): Promise<Challenge | null> {
    const c = this.challenges.get(id)
    if (c === undefined || c.used) return null
    const { used, ...challenge } = c
    return challenge
  }

  async consumeChallenge (id: string, userId: string, now: number): Promise<ConsumeResult> {
    const c = this.challenges.get(id)
    if (c === undefined) return { ok: false, reason: 'missing' }
    if (c.userId !== userId) return { ok: false, reason: 'forbidden' }
    if (c.used) return { ok: false, reason: 'used' }
    if (c.expiresAt <= now) return { ok: false, reason: 'expired' }
    c.used = true
    const { used, ...challenge } = c
    return { ok: true, challenge }
  }

  async recordAuthentication (identityId: string, at: number): Promise<void> {
    const previous = this.authentications.get(identityId)
    if (previous === undefined || at > previous) this.authentications.set(identityId, at)
  }

  async lastAuthentication (identityId: string): Promise<number | null> {
    return this.authentications.get(identityId) ?? null
  }

  async revokeToken (jti: string, expiresAt: number): Promise<void> {
    this.revoked.set(jti, Math.max(expiresAt, this.revoked.get(jti) ?? 0))
  }

  async isRevoked (jti: string, now: number): Promise<boolean> {
    const until = this.revoked.get(jti)
    return until !== undefined && until > now
  }

  async purgeExpired (now: number): Promise<void> {
    this.purgeMap(this.events, now)
    this.purgeMap(this.revoked, now)
    for (const [id, c] of this.challenges) if (c.expiresAt <= now) this.challenges.delete(id)
  }

  private purgeMap (map: Map<string, number>, now: number): void {
    for (const [key, until] of map) if (until <= now) map.delete(key)
  }

  /** Sizes of the internal tables (for soak tests and diagnostics). */
  sizes (): { identities: number, events: number, challenges: number, revocations: number } {
    return { identities: this.byIdentity.size, events: this.events.size, challenges: this.challenges.size, revocations: this.revoked.size }
  }
}

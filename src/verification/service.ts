import type { FastifyBaseLogger } from 'fastify'
import type { Clock } from '../clock.js'
import { ApiNotFoundError, ApiResponseError, ProviderError, ProviderUnavailableError } from '../errors.js'
import type { Identity } from '../protocol/identity.js'
import { isBoundTo } from '../protocol/metadata.js'
import type { PassbaseStore, VerificationRecord } from '../stores/types.js'
import { recordTransition } from '../telemetry/index.js'
import type { LinkAttempts } from './link-attempts.js'
import { decide, type PolicyOptions } from './policy.js'

export interface VerificationDeps {
  getIdentity: (id: string) => Promise<Identity>
  store: PassbaseStore
  policy: PolicyOptions
  clock: Clock
  log: FastifyBaseLogger
  attempts: LinkAttempts
  /** drop a user's cached guard state (records and step-up revocations) */
  invalidateUser: (userId: string) => void
  /** a status transition was stored: hand it to onStatusChange soon */
  changed: () => void
}

export type LinkOutcome =
  | { kind: 'linked', created: boolean, record: VerificationRecord }
  | { kind: 'unknown_identity' }
  | { kind: 'too_many_attempts', retryAfterMs: number }
  | { kind: 'metadata_mismatch' }
  | { kind: 'identity_taken' }
  | { kind: 'already_verified' }

export type SyncResult =
  | { outcome: 'unlinked' }
  | { outcome: 'released' }
  | { outcome: 'stale', record: VerificationRecord }
  | { outcome: 'applied', record: VerificationRecord, changed: boolean }

/**
 * The verification use cases: link an identity to a user, and bring a linked identity
 * up to date from the provider (the identity fetched from the API is the truth; the
 * policy decides the local status; the store applies it monotonically). The only place
 * that invalidates the guards' caches.
 */
export function createVerificationService (deps: VerificationDeps) {
  const { store, policy, clock, log, attempts } = deps

  /** The identity from the API, which must carry the id that was asked for (ids are case-insensitive). */
  async function fetchIdentity (identityId: string): Promise<Identity> {
    const identity = await deps.getIdentity(identityId)
    if (identity.id.toLowerCase() !== identityId) {
      throw new ApiResponseError('GET /identities/{id}: the provider answered with another identity')
    }
    return identity
  }

  async function release (linked: VerificationRecord, why: string): Promise<SyncResult> {
    const released = await store.releaseLink(linked.identityId, linked.userId, clock.now())
    deps.invalidateUser(linked.userId)
    if (released) log.warn({ identityId: linked.identityId, why }, 'passbase: a link kept while the provider was unreachable was not confirmed; released')
    return released ? { outcome: 'released' } : await settled(linked.identityId)
  }

  /** After a lost race (someone else settled or released the link first): what is stored now. */
  async function settled (identityId: string): Promise<SyncResult> {
    const record = await store.getByIdentity(identityId)
    return record === null ? { outcome: 'unlinked' } : { outcome: 'stale', record }
  }

  /** Apply an identity fetched from the provider to its linked record. */
  async function applyIdentity (identity: Identity, linked: VerificationRecord): Promise<SyncResult> {
    if (linked.providerUpdated === 0 && policy.bindMetadata && !isBoundTo(identity.metadata, linked.userId)) {
      return await release(linked, 'metadata_mismatch')
    }
    const now = clock.now()
    const { update, mismatch } = decide(identity, linked.userId, policy, now)
    if (mismatch) log.warn({ identityId: linked.identityId }, 'passbase: identity metadata is not bound to the linked user; declined')
    const unknownStatus = unknownStatusOf(identity)
    if (unknownStatus !== null) {
      log.warn({ identityId: linked.identityId, providerStatus: unknownStatus }, 'passbase: unknown identity status from the provider; kept as processing')
    }
    const result = await store.applyUpdate(linked.identityId, update, now)
    if (result.record === null) return { outcome: 'unlinked' }
    if (!result.applied) return { outcome: 'stale', record: result.record }
    const record = result.record
    const from = result.previous?.status ?? 'created'
    const changed = from !== record.status
    deps.invalidateUser(record.userId)
    if (changed) {
      log.info({ identityId: record.identityId, from, to: record.status }, 'passbase: status changed')
      recordTransition(from, record.status)
      deps.changed()
    }
    return { outcome: 'applied', record, changed }
  }

  /** Fetch the identity (authoritative) and apply it, when somebody linked it. */
  async function sync (rawIdentityId: string): Promise<SyncResult> {
    const identityId = rawIdentityId.toLowerCase()
    const linked = await store.getByIdentity(identityId)
    if (linked === null) return { outcome: 'unlinked' }
    let identity: Identity
    try {
      identity = await fetchIdentity(identityId)
    } catch (err) {
      if (err instanceof ApiNotFoundError && linked.providerUpdated === 0) return await release(linked, 'unknown_identity')
      throw err
    }
    return await applyIdentity(identity, linked)
  }

  /**
   * Maintenance of a link never settled (kept while the provider could not be asked): ask
   * the provider again and apply the answer (404, or a failed binding: released). When the
   * provider still cannot confirm it and it was linked `releaseAfterMs` or longer ago, it
   * is released. Whether this call released it; store failures propagate.
   */
  async function recheck (linked: VerificationRecord, releaseAfterMs: number): Promise<boolean> {
    let result: SyncResult
    try {
      result = await sync(linked.identityId)
    } catch (err) {
      if (!(err instanceof ProviderUnavailableError || err instanceof ProviderError)) throw err
      if (clock.now() - linked.linkedAt < releaseAfterMs) return false
      result = await release(linked, 'unconfirmed')
    }
    return result.outcome === 'released'
  }

  /**
   * `POST /verifications`: the provider is asked first (404 → nothing linked, counted
   * against the user's attempts); an identity bound to someone else is never linked. When
   * the provider cannot be asked (unreachable, 5xx, 429, timeout, a full queue): with a
   * binding (`metadataPrivateKey`) the link is refused (the error propagates: 503) and
   * nothing is kept; without one it is kept as `created`, checked at its first
   * authoritative fetch and by maintenance (released when still unconfirmed a day later).
   */
  async function link (userId: string, rawKey: string): Promise<LinkOutcome> {
    const identityId = rawKey.toLowerCase()
    const startedAt = clock.now()
    const wait = attempts.blockedFor(userId, startedAt)
    if (wait > 0) return { kind: 'too_many_attempts', retryAfterMs: wait }
    let identity: Identity | null = null
    try {
      identity = await fetchIdentity(identityId)
    } catch (err) {
      if (err instanceof ApiNotFoundError) {
        attempts.recordFailure(userId, clock.now())
        return { kind: 'unknown_identity' }
      }
      // with a binding, an identity that was not checked could be someone else's: never kept
      if (!(err instanceof ProviderUnavailableError) || policy.bindMetadata) throw err
      log.warn({ err, identityId }, 'passbase: provider unavailable while linking; kept as created')
    }
    if (identity !== null && policy.bindMetadata && !isBoundTo(identity.metadata, userId)) {
      log.warn({ identityId }, 'passbase: refused to link an identity whose metadata names another user')
      return { kind: 'metadata_mismatch' }
    }
    const linked = await store.link(userId, identityId, clock.now())
    if (!linked.ok) return { kind: linked.reason }
    deps.invalidateUser(userId)
    let record = linked.record
    if (identity !== null) {
      const result = await applyIdentity(identity, record)
      if (result.outcome === 'applied' || result.outcome === 'stale') record = result.record
    }
    log.info({ identityId, created: linked.created }, 'passbase: identity linked')
    return { kind: 'linked', created: linked.created, record }
  }

  /** Expire approvals that are due (the periodic sweep; guards already refuse them per request). */
  async function expireDue (limit = 500): Promise<number> {
    const expired = await store.expireDue(clock.now(), limit)
    for (const record of expired) deps.invalidateUser(record.userId)
    if (expired.length > 0) {
      recordTransition('approved', 'expired', expired.length)
      deps.changed()
    }
    return expired.length
  }

  /** Erase the user from the store (and from this process's caches). */
  async function forget (userId: string): Promise<{ links: number }> {
    const result = await store.forget(userId, clock.now())
    attempts.forget(userId)
    deps.invalidateUser(userId)
    log.info('passbase: a user was erased')
    return result
  }

  return { link, sync, recheck, applyIdentity, expireDue, forget }
}

export type VerificationService = ReturnType<typeof createVerificationService>

/** A status outside the provider's documented five, which the client reads as processing. */
function unknownStatusOf (identity: Identity): string | null {
  const value = (identity as { unknownStatus?: unknown }).unknownStatus
  return typeof value === 'string' ? value : null
}

/**
 * The storage adapter contract. Nothing in this folder knows about HTTP or about the
 * provider's wire format.
 *
 * Every method is async and may reject: the plugin treats a rejection as "cannot
 * decide" and fails closed (503 on guarded routes, 5xx on webhooks so that the provider
 * retries). Times are Unix epoch milliseconds (`number`, from the plugin's clock) unless
 * the name says otherwise; `providerUpdated` is the provider's `updated` in Unix seconds.
 *
 * The interface is split by concern; `PassbaseStore` is all of them. Which methods a
 * feature needs is listed in `STORE_METHODS` (stores/methods.ts) and checked at register.
 */

import type { ChangeEntry, PendingChange } from './change-types.js'

export type { ChangeEntry, ChangeType, PendingChange } from './change-types.js'

/** A local verification status (after policy). `expired`: an approval whose validity ended. */
export type IdentityStatus = 'created' | 'processing' | 'pending' | 'approved' | 'declined' | 'expired'

/** The only data the plugin stores about a verification: ids, status, score, reason, times. */
export interface VerificationRecord {
  /** the host's user id */
  userId: string
  /** the provider's identity id (= identityAccessKey), lower-case */
  identityId: string
  /** local status, after policy (thresholds, metadata binding, watchlist, expiry) */
  status: IdentityStatus
  /** provider score 0..1, null until known */
  score: number | null
  /** why the local status differs from the provider's, e.g. 'metadata_mismatch', 'score_below_threshold', 'watchlist', 'expired' */
  reason: string | null
  /** the provider's `updated` (Unix seconds) of the state stored; 0 before the first authoritative fetch */
  providerUpdated: number
  /** when this server linked the identity (epoch ms) */
  linkedAt: number
  /** when an approval stops counting (epoch ms); null when it does not expire or the record is not approved */
  expiresAt: number | null
}

export interface StatusUpdate {
  status: IdentityStatus
  score: number | null
  reason: string | null
  /** the provider's `updated` (Unix seconds) this update reflects */
  providerUpdated: number
  expiresAt: number | null
}

export type LinkResult =
  | { ok: true, created: boolean, record: VerificationRecord }
  | { ok: false, reason: 'identity_taken' | 'already_verified' }

export interface UpdateResult {
  /** true when the update was written (see `applyUpdate` for when) */
  applied: boolean
  /** the record before the update (null when the identity is not linked) */
  previous: VerificationRecord | null
  /** the record after the call (unchanged when not applied; null when not linked) */
  record: VerificationRecord | null
}

/**
 * A step-up challenge. `action`: the action id a bound challenge is for (null: unbound).
 * It is *open* from its creation until it expires, is consumed, is cancelled (deleted) or
 * an authentication closes it: at `now`, not consumed, `authenticatedAt` and `closedAt`
 * null, `expiresAt` > now.
 */
export interface Challenge {
  id: string
  userId: string
  identityId: string
  createdAt: number
  expiresAt: number
  action: string | null
  /** when the authentication that satisfied it was received (null: not yet) */
  authenticatedAt: number | null
  /**
   * another challenge of the same user was open at the same time: it can never be
   * consumed, but stays open (so it absorbs the next authentication) and cannot be cancelled
   */
  conflicted: boolean
  /** when an authentication closed it without satisfying it (null: it did not) */
  closedAt: number | null
}

export type NewChallenge = Omit<Challenge, 'authenticatedAt' | 'conflicted' | 'closedAt'>

export type ConsumeResult =
  | { ok: true, challenge: Challenge }
  | { ok: false, reason: 'missing' | 'forbidden' | 'conflicted' | 'used' | 'expired' | 'pending' }

/**
 * What a recorded authentication did: satisfied a challenge; satisfied none (no open
 * challenge, or it closed conflicted or several open ones); or was a duplicate delivery.
 */
export type AuthenticationResult = 'satisfied' | 'unmatched' | 'duplicate'

/** Something another process changed, so in-process caches must drop it. */
export type Invalidation =
  | { kind: 'user', userId: string }
  /** notifications may have been lost (e.g. a reconnect): drop everything cached */
  | { kind: 'all' }

/** Links and statuses. */
export interface IdentityStore {
  /**
   * Link `identityId` to `userId`, atomically:
   * - identity linked to another user → `{ ok: false, reason: 'identity_taken' }` (nothing written);
   * - same user, same identity → `{ ok: true, created: false, record }` (the stored record, unchanged);
   * - the user has another identity that is approved and not expired at `now`
   *   (`expiresAt` null or > now) → `{ ok: false, reason: 'already_verified' }`;
   * - otherwise inserts `{ status: 'created', score: null, reason: null, providerUpdated: 0,
   *   linkedAt: now, expiresAt: null }`, appends a `linked` change (to: 'created') and returns
   *   `{ ok: true, created: true, record }`.
   * Two concurrent links of one identity by two users: exactly one succeeds.
   */
  link(userId: string, identityId: string, now: number): Promise<LinkResult>

  /** The record of the identity, or null when nobody linked it. */
  getByIdentity(identityId: string): Promise<VerificationRecord | null>

  /**
   * The user's current record: their identity that is approved and not expired at `now`
   * if any, otherwise the most recently linked one (latest `linkedAt`, then the latest
   * inserted); null when the user linked none.
   */
  getByUser(userId: string, now: number): Promise<VerificationRecord | null>

  /**
   * Conditional, monotonic update of a linked identity, in one atomic step (never a read
   * in JS followed by a write across awaits). Written only when
   * - `update.providerUpdated` > the stored `providerUpdated`, or
   * - they are equal and the update is less permissive (`statusRank`: declined <
   *   created, processing, pending, expired < approved).
   * Of N concurrent identical updates exactly one reports `applied: true`. When an
   * applied update changes the status, the same atomic write appends a `status`
   * change (from, to, score, reason) and a `PendingChange` for `onStatusChange`.
   * Unlinked identity → `{ applied: false, previous: null, record: null }`.
   */
  applyUpdate(identityId: string, update: StatusUpdate, now: number): Promise<UpdateResult>

  /**
   * Release a link that was never settled: deletes the record when it is linked to
   * `userId` and its `providerUpdated` is still 0, appending a `released` change (from:
   * its status). Returns whether it was deleted.
   */
  releaseLink(identityId: string, userId: string, now: number): Promise<boolean>

  /**
   * Links never settled (`providerUpdated` still 0) whose `linkedAt` < `linkedBefore`,
   * oldest `linkedAt` first, at most `limit`. Read only: the plugin re-checks them with
   * the provider and releases the ones it cannot confirm.
   */
  unsettledLinks(linkedBefore: number, limit: number): Promise<VerificationRecord[]>

  /**
   * Expire approvals whose `expiresAt` ≤ `now`: status → 'expired', reason → 'expired',
   * each with an `expired` change (from 'approved', to 'expired') and a `PendingChange`.
   * At most `limit` records per call; each record is expired by exactly one call, whatever
   * the number of processes. Returns the records as they are after the call.
   */
  expireDue(now: number, limit: number): Promise<VerificationRecord[]>
}

/** Webhook de-duplication. */
export interface DeliveryStore {
  /** Whether `key` is recorded and its entry has not expired at `now`. */
  hasEvent(key: string, now: number): Promise<boolean>

  /**
   * Record `key` until `expiresAt`, once the delivery's effect is stored. Returns true
   * when it was not recorded (or its entry had expired at `now`), false otherwise.
   * Atomic: of N concurrent calls with one key exactly one returns true.
   */
  markEvent(key: string, expiresAt: number, now: number): Promise<boolean>
}

/** Step-up: challenges, authentications, revocations, single-use bound tokens. */
export interface StepUpStore {
  /**
   * Store a new challenge (`authenticatedAt` and `closedAt` null), atomically with the
   * conflict rule: when the user has another challenge open at `challenge.createdAt`,
   * every open challenge of the user AND the new one are stored `conflicted: true`;
   * otherwise the new one is `conflicted: false`. Nothing is removed. Concurrent calls for
   * one user behave as if run one after the other (of two, the second conflicts both).
   * Ids are unique random strings.
   */
  createChallenge(challenge: NewChallenge): Promise<void>

  /** Read a challenge without consuming it; null when unknown, consumed, cancelled or purged. */
  getChallenge(id: string): Promise<Challenge | null>

  /**
   * Cancel the user's own open challenge: deletes it when it belongs to `userId`, is not
   * consumed, `authenticatedAt` and `closedAt` are null and it is NOT conflicted (a
   * conflicted challenge stays open until an authentication closes it or it expires).
   * Returns whether it was deleted.
   */
  cancelChallenge(id: string, userId: string, now: number): Promise<boolean>

  /**
   * A successful biometric authentication of the identity, received at `at`. Atomically:
   * - `eventKey` recorded and not expired at `at` → 'duplicate' (nothing else written);
   * - otherwise records `eventKey` until `eventExpiresAt` and closes every challenge that
   *   is open at `at` and was created before it (`createdAt` < at < `expiresAt`) of the
   *   identity's user (every user that has a challenge naming `identityId`). When exactly
   *   one was open and it is not conflicted, it is satisfied (`authenticatedAt = at`):
   *   'satisfied'. Otherwise each of them gets `closedAt = at` (none satisfied), and the
   *   result is 'unmatched' (also when none was open).
   * One authentication satisfies at most one challenge; a challenge created at or after
   * `at` is left open.
   */
  recordAuthentication(identityId: string, at: number, eventKey: string, eventExpiresAt: number): Promise<AuthenticationResult>

  /**
   * Single use, atomically: the first call by the challenge's user, before `expiresAt`,
   * once it is satisfied and not conflicted, gets `{ ok: true, challenge }` and appends a
   * `step_up` change. Otherwise, checked in this order: unknown, cancelled or purged id
   * 'missing'; another user 'forbidden' (the challenge stays usable by its owner);
   * conflicted 'conflicted'; consumed, or closed without being satisfied, 'used'; past
   * `expiresAt` 'expired'; not yet satisfied 'pending'.
   */
  consumeChallenge(id: string, userId: string, now: number): Promise<ConsumeResult>

  /**
   * End every step-up window of the user: tokens issued at or before `notBefore` are
   * revoked. Keeps the latest `notBefore` (and the later `expiresAt`, after which the row
   * may be purged: every such token has expired). Appends a `revoked` change and tells
   * other processes (`{ kind: 'user' }`).
   */
  revokeUser(userId: string, notBefore: number, expiresAt: number, now: number): Promise<void>

  /** The user's latest `notBefore` whose row has not expired at `now`, or null. */
  revokedBefore(userId: string, now: number): Promise<number | null>

  /** Use a single-use token: true the first time for `jti` (kept until `expiresAt`), false afterwards. Atomic. */
  useToken(jti: string, expiresAt: number, now: number): Promise<boolean>
}

/** The change log (audit trail), the outbox of `onStatusChange`, and erasure. */
export interface ChangeStore {
  /** Entries with `seq` > `afterSeq`, in `seq` order, at most `limit`. */
  readChanges(afterSeq: number, limit: number): Promise<ChangeEntry[]>

  /** The user's pseudonym (`subject`), or null when the store holds no salt for the user. Never creates one. */
  subjectOf(userId: string): Promise<string | null>

  /**
   * Lease due pending changes to `owner` until `now + leaseMs`: rows whose `nextAt` ≤ now
   * and whose lease is free or expired, only each user's oldest pending change (per-user
   * order), in `seq` order, at most `limit`. A row is leased to one owner at a time.
   */
  claimChanges(owner: string, now: number, leaseMs: number, limit: number): Promise<PendingChange[]>

  /** The change was handed over: remove it from the outbox. */
  ackChange(id: string): Promise<void>

  /** Hand-over failed: free the lease, count the attempt, try again at `nextAt`. */
  retryChange(id: string, nextAt: number): Promise<void>

  /** Number of pending changes (a gauge). */
  pendingChanges(): Promise<number>

  /**
   * Erase the user: every record that names them (links, challenges, revocations,
   * pending changes) and their salt, in one atomic step that also appends an `erased`
   * change (its `subject` computed before the salt is removed). Afterwards no table of
   * the store contains the user id, the chain still verifies, and the user's entries
   * can no longer be tied to them. Returns how many links were removed.
   */
  forget(userId: string, now: number): Promise<{ links: number }>
}

/** Start, stop, housekeeping and cross-process notifications. */
export interface StoreLifecycle {
  /** Prepare tables etc. Idempotent, safe when several processes start at once. Called at plugin start. */
  init?(): Promise<void>
  /** Release what the store opened itself (never a pool or database the host passed in). */
  close?(): Promise<void>
  /** Remove expired de-duplication entries, challenges, revocations and used tokens. Called periodically. */
  purgeExpired(now: number): Promise<void>
  /**
   * Optional: tell this process about changes other processes made (e.g. PostgreSQL
   * LISTEN/NOTIFY) so the guard caches drop them. Returns an unsubscribe function.
   */
  subscribe?(listener: (event: Invalidation) => void): () => void
}

/**
 * A storage adapter. Shipped: `MemoryStore`, `SqliteStore`, `PostgresStore`.
 * The step-up methods are needed only with the `reauth` option (checked at register,
 * naming what is missing). Run `fastify-passbase/testing`'s conformance suite on your
 * own adapter.
 */
export interface PassbaseStore extends IdentityStore, DeliveryStore, ChangeStore, StoreLifecycle, Partial<StepUpStore> {}

/** A store with every method, the step-up ones included (what the shipped stores are). */
export interface CompleteStore extends IdentityStore, DeliveryStore, ChangeStore, StoreLifecycle, StepUpStore {}

/**
 * The storage adapter contract. Nothing in this folder knows about HTTP.
 *
 * Every method is async and may reject: the plugin treats a rejection as "cannot
 * decide" and fails closed (503 on guarded routes, 5xx on webhooks so the provider
 * retries). Times are Unix epoch milliseconds (`number`) unless the name says
 * otherwise; `providerUpdated` is the provider's `updated` in Unix seconds.
 */

export type IdentityStatus = 'created' | 'processing' | 'pending' | 'approved' | 'declined'

/** The only data the plugin stores about a verification: ids, status, score, reason, times. */
export interface VerificationRecord {
  /** the host's user id */
  userId: string
  /** the provider's identity id (= identityAccessKey) */
  identityId: string
  /** local status, after policy (thresholds, metadata binding) */
  status: IdentityStatus
  /** provider score 0..1, null until known */
  score: number | null
  /** why the local status differs from the provider's, e.g. 'metadata_mismatch', 'score_below_threshold' */
  reason: string | null
  /** the provider's `updated` (Unix seconds) of the state stored; 0 before the first fetch */
  providerUpdated: number
  /** when this server linked the identity (epoch ms) */
  linkedAt: number
}

export interface StatusUpdate {
  status: IdentityStatus
  score: number | null
  reason: string | null
  /** the provider's `updated` (Unix seconds) this update reflects */
  providerUpdated: number
}

export type LinkResult =
  | { ok: true, created: boolean, record: VerificationRecord }
  | { ok: false, reason: 'identity_taken' | 'already_verified' }

export interface UpdateResult {
  /** true when the update was written (it was newer than what was stored) */
  applied: boolean
  /** the record before the update (null when the identity is not linked) */
  previous: VerificationRecord | null
  /** the record after the call (unchanged when not applied; null when not linked) */
  record: VerificationRecord | null
}

export interface Challenge {
  id: string
  userId: string
  identityId: string
  createdAt: number
  expiresAt: number
}

export type ConsumeResult =
  | { ok: true, challenge: Challenge }
  | { ok: false, reason: 'missing' | 'expired' | 'used' | 'forbidden' }

/** Something another process changed, so in-process caches must drop it. */
export type Invalidation =
  | { kind: 'user', userId: string }
  | { kind: 'revoked', jti: string }
  /** notifications may have been lost (e.g. a reconnect): drop everything cached */
  | { kind: 'all' }

/**
 * A storage adapter. Shipped: `MemoryStore`, `SqliteStore`, `PostgresStore`.
 * Run `fastify-passbase/testing`'s conformance suite on your own adapter.
 */
export interface PassbaseStore {
  /**
   * True when reads cost I/O or may be changed by other processes (SQL stores).
   * The plugin then serves guard reads from a short-lived in-process cache,
   * invalidated through `subscribe` and bounded by `cacheTtlMs`.
   */
  readonly shared?: boolean
  /** Upper bound (ms) on how stale a cached guard read may be; default 1000. */
  readonly cacheTtlMs?: number

  /** Prepare tables etc. Idempotent, safe when several processes start at once. Called at plugin start. */
  init?(): Promise<void>
  /** Release what the store opened itself (never a pool the host passed in). */
  close?(): Promise<void>

  /**
   * Link `identityId` to `userId`, atomically:
   * - identity linked to another user → `{ ok: false, reason: 'identity_taken' }` (nothing written);
   * - the user already has an approved identity other than this one → `{ ok: false, reason: 'already_verified' }`;
   * - same user, same identity → `{ ok: true, created: false, record }` (the stored record, unchanged);
   * - otherwise inserts `{ status: 'created', score: null, reason: null, providerUpdated: 0, linkedAt: now }`
   *   and returns `{ ok: true, created: true, record }`.
   * Two concurrent links of one identity by two users: exactly one succeeds.
   */
  link(userId: string, identityId: string, now: number): Promise<LinkResult>

  /** The record of the identity, or null when nobody linked it. */
  getByIdentity(identityId: string): Promise<VerificationRecord | null>

  /**
   * The user's current record: their approved identity if any, otherwise the most
   * recently linked one; null when the user linked none.
   */
  getByUser(userId: string): Promise<VerificationRecord | null>

  /**
   * Conditional, monotonic update of a linked identity: written only when
   * `update.providerUpdated` is strictly greater than the stored `providerUpdated`
   * (compare-and-set in one atomic step; never read-then-write across awaits).
   * Of N concurrent identical updates exactly one reports `applied: true`.
   * Unlinked identity → `{ applied: false, previous: null, record: null }`.
   */
  applyUpdate(identityId: string, update: StatusUpdate): Promise<UpdateResult>

  /**
   * Event de-duplication. Records `key` until `expiresAt` and returns true when it was
   * not already recorded (or its entry had expired); false for a duplicate. Atomic:
   * of N concurrent calls with one key exactly one returns true. Expired entries are
   * removed (the table stays bounded).
   */
  markEvent(key: string, expiresAt: number, now: number): Promise<boolean>

  /** Forget `key` (processing failed: the provider's retry must be processed again). */
  unmarkEvent(key: string): Promise<void>

  /** Store a new step-up challenge (ids are unique random strings; a duplicate id may be rejected). */
  createChallenge(challenge: Challenge): Promise<void>

  /** Read a challenge without consuming it; null when unknown, used or expired-and-purged. */
  getChallenge(id: string): Promise<Challenge | null>

  /**
   * Single use, atomically: the first call by the challenge's user before `expiresAt`
   * gets `{ ok: true }`; later calls get `'used'`; after expiry `'expired'`; unknown
   * id `'missing'`; another user `'forbidden'` (and the challenge stays usable by its owner).
   * Reasons are checked in this order: missing, forbidden, used, expired.
   */
  consumeChallenge(id: string, userId: string, now: number): Promise<ConsumeResult>

  /** Record a successful biometric authentication of the identity at `at` (epoch ms, this server's clock); keeps the latest. */
  recordAuthentication(identityId: string, at: number): Promise<void>

  /** The latest recorded authentication time (epoch ms) of the identity, or null. */
  lastAuthentication(identityId: string): Promise<number | null>

  /** Revoke a step-up token id until `expiresAt` (when it would expire anyway; then it may be forgotten). Revoking twice keeps the later `expiresAt`. */
  revokeToken(jti: string, expiresAt: number): Promise<void>

  /** Whether the token id is revoked (and not past its `expiresAt`). */
  isRevoked(jti: string, now: number): Promise<boolean>

  /** Remove expired events, challenges and revocations. Called periodically by the plugin. */
  purgeExpired(now: number): Promise<void>

  /**
   * Optional: tell this process about changes other processes made (e.g. PostgreSQL
   * LISTEN/NOTIFY) so the guard cache drops them. Returns an unsubscribe function.
   */
  subscribe?(listener: (event: Invalidation) => void): () => void
}

import type Database from 'better-sqlite3'
import { tables, type Tables } from '../sql/names.js'
import { sharedQueries } from '../sql/queries.js'
import type {
  AuthenticationResult, Challenge, ChangeEntry, CompleteStore, ConsumeResult, LinkResult, NewChallenge, PendingChange,
  StatusUpdate, UpdateResult, VerificationRecord
} from '../types.js'
import { changeOperations, type SqliteChanges } from './changes.js'
import { identityOperations, type SqliteIdentities } from './identities.js'
import { changeLog } from './log.js'
import { openDatabase, prepareDatabase } from './open.js'
import { resolveSqliteOptions, type SqliteStoreOptions } from './options.js'
import { stepUpOperations, type SqliteStepUp } from './stepup.js'

export type { SqliteStoreOptions } from './options.js'

type Operations = SqliteIdentities & SqliteStepUp & SqliteChanges

/**
 * SQLite store (better-sqlite3, an optional peer dependency). Several processes may
 * share one database file: every guarantee is enforced by SQLite itself (an immediate
 * write transaction for each change and its change-log entries, conditional single
 * statements for the rest), never by a read in JS followed by a write.
 *
 * Tables (`<prefix>identities`, `events`, `challenges`, `user_revocations`,
 * `used_tokens`, `changes`, `change_head`, `outbox`, `salts`) are created on first use,
 * idempotently; tables of v0.1 are upgraded in place.
 */
export class SqliteStore implements CompleteStore {
  private readonly tables: Tables
  private readonly filename: string | undefined
  private readonly busyTimeoutMs: number
  private db: Database.Database | null
  private ops: Operations | null = null
  private closed = false

  constructor (options: SqliteStoreOptions) {
    const o = resolveSqliteOptions(options)
    this.tables = tables(o.tablePrefix)
    this.filename = o.filename
    this.busyTimeoutMs = o.busyTimeoutMs
    this.db = o.database ?? null
  }

  /** Open the file (when the store owns it) and create the tables. Idempotent. */
  async init (): Promise<void> {
    this.operations()
  }

  /** Closes the database when the store opened it; a database the host passed in stays open. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.ops = null
    if (this.filename !== undefined && this.db !== null) this.db.close()
    this.db = null
  }

  async link (userId: string, identityId: string, now: number): Promise<LinkResult> { return this.operations().link(userId, identityId, now) }
  async getByIdentity (identityId: string): Promise<VerificationRecord | null> { return this.operations().getByIdentity(identityId) }
  async getByUser (userId: string, now: number): Promise<VerificationRecord | null> { return this.operations().getByUser(userId, now) }
  async applyUpdate (identityId: string, update: StatusUpdate, now: number): Promise<UpdateResult> {
    return this.operations().applyUpdate(identityId, update, now)
  }

  async releaseLink (identityId: string, userId: string, now: number): Promise<boolean> { return this.operations().releaseLink(identityId, userId, now) }
  async unsettledLinks (linkedBefore: number, limit: number): Promise<VerificationRecord[]> { return this.operations().unsettledLinks(linkedBefore, limit) }
  async expireDue (now: number, limit: number): Promise<VerificationRecord[]> { return this.operations().expireDue(now, limit) }

  async hasEvent (key: string, now: number): Promise<boolean> { return this.operations().hasEvent(key, now) }
  async markEvent (key: string, expiresAt: number, now: number): Promise<boolean> { return this.operations().markEvent(key, expiresAt, now) }

  async createChallenge (challenge: NewChallenge): Promise<void> { this.operations().createChallenge(challenge) }
  async getChallenge (id: string): Promise<Challenge | null> { return this.operations().getChallenge(id) }
  async cancelChallenge (id: string, userId: string, now: number): Promise<boolean> { return this.operations().cancelChallenge(id, userId, now) }
  async recordAuthentication (identityId: string, at: number, eventKey: string, eventExpiresAt: number): Promise<AuthenticationResult> {
    return this.operations().recordAuthentication(identityId, at, eventKey, eventExpiresAt)
  }

  async consumeChallenge (id: string, userId: string, now: number): Promise<ConsumeResult> { return this.operations().consumeChallenge(id, userId, now) }
  async revokeUser (userId: string, notBefore: number, expiresAt: number, now: number): Promise<void> {
    this.operations().revokeUser(userId, notBefore, expiresAt, now)
  }

  async revokedBefore (userId: string, now: number): Promise<number | null> { return this.operations().revokedBefore(userId, now) }
  async useToken (jti: string, expiresAt: number, now: number): Promise<boolean> { return this.operations().useToken(jti, expiresAt, now) }

  async readChanges (afterSeq: number, limit: number): Promise<ChangeEntry[]> { return this.operations().readChanges(afterSeq, limit) }
  async subjectOf (userId: string): Promise<string | null> { return this.operations().subjectOf(userId) }
  async claimChanges (owner: string, now: number, leaseMs: number, limit: number): Promise<PendingChange[]> {
    return this.operations().claimChanges(owner, now, leaseMs, limit)
  }

  async ackChange (id: string): Promise<void> { this.operations().ackChange(id) }
  async retryChange (id: string, nextAt: number): Promise<void> { this.operations().retryChange(id, nextAt) }
  async pendingChanges (): Promise<number> { return this.operations().pendingChanges() }
  /** Also checkpoints and truncates the WAL afterwards, so that no copy of the user's rows stays in the -wal file. */
  async forget (userId: string, now: number): Promise<{ links: number }> { return this.operations().forget(userId, now) }
  async purgeExpired (now: number): Promise<void> { this.operations().purgeExpired(now) }

  /** Open the database (when needed), create the tables and prepare the statements, once. */
  private operations (): Operations {
    if (this.ops !== null) return this.ops
    if (this.closed) throw new Error('SqliteStore is closed')
    const db = this.db ?? openDatabase(this.filename as string, this.busyTimeoutMs)
    this.db = db
    const t = this.tables
    prepareDatabase(db, t)
    const q = sharedQueries(t, { greatest: 'max', order: 'rowid' })
    const append = changeLog(db, t, q)
    this.ops = { ...identityOperations(db, t, q, append), ...stepUpOperations(db, t, q, append), ...changeOperations(db, t, q, append) }
    return this.ops
  }
}

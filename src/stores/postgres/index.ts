import pg from 'pg'
import { tables, type Tables } from '../sql/names.js'
import type {
  AuthenticationResult, Challenge, ChangeEntry, ChangeStore, CompleteStore, ConsumeResult, DeliveryStore, IdentityStore, Invalidation,
  LinkResult, NewChallenge, PendingChange, StatusUpdate, StepUpStore, UpdateResult, VerificationRecord
} from '../types.js'
import { changeOperations } from './changes.js'
import { SqlClient } from './client.js'
import { identityOperations } from './identities.js'
import { InvalidationListener } from './listener.js'
import { resolvePostgresOptions, type PostgresStoreOptions } from './options.js'
import { createSchema } from './schema.js'
import { postgresStatements } from './sql.js'
import { stepUpOperations } from './stepup.js'

export type { PostgresStoreOptions } from './options.js'

type Operations = IdentityStore & DeliveryStore & StepUpStore & ChangeStore & Pick<CompleteStore, 'purgeExpired'>

/**
 * PostgreSQL store (`pg`, an optional peer dependency), for apps that run several
 * instances. Every guarantee is enforced in the database: a single conditional
 * statement where it can be, otherwise one transaction with row locks, always together
 * with the change's log entries. Changes of a user are announced with `pg_notify`
 * (sent on commit); `subscribe` LISTENs on a dedicated connection (reconnecting with
 * backoff) so other instances drop their guard caches.
 *
 * Tables are created by `init()` (or on first use) under a transaction-scoped advisory
 * lock, so several processes may start at once; tables of v0.1 are upgraded in place.
 */
export class PostgresStore implements CompleteStore {
  /** The NOTIFY channel. */
  readonly channel: string
  private readonly pool: pg.Pool
  private readonly ownsPool: boolean
  private readonly tables: Tables
  private readonly listener: InvalidationListener
  private readonly ops: Operations
  private initPromise: Promise<void> | null = null
  private closed = false

  constructor (options: PostgresStoreOptions) {
    const o = resolvePostgresOptions(options)
    this.channel = o.channel
    this.tables = tables(o.tablePrefix, o.schema)
    let clientConfig: pg.ClientConfig
    if (o.pool !== undefined) {
      this.pool = o.pool
      this.ownsPool = false
      clientConfig = { ...o.pool.options }
    } else {
      clientConfig = { ...o.poolConfig, connectionString: o.connectionString }
      this.pool = new pg.Pool(clientConfig)
      this.ownsPool = true
      this.pool.on('error', (err) => { o.onError(err) })
    }
    this.listener = new InvalidationListener(clientConfig, o.channel, o.onError)
    const db = new SqlClient(this.pool, o.preparedStatements, async () => { await this.ensureInit() })
    const s = postgresStatements(this.tables)
    this.ops = { ...identityOperations(db, s, o.channel), ...stepUpOperations(db, s, o.channel), ...changeOperations(db, s, o.channel) }
  }

  /** Create the schema and tables (idempotent; safe when several processes start at once). */
  async init (): Promise<void> {
    await this.ensureInit()
  }

  /** Stops the LISTEN connection, and ends the pool when the store created it (never the host's). */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.listener.close()
    if (this.initPromise !== null) await this.initPromise.catch(() => {})
    if (this.ownsPool) await this.pool.end()
  }

  /**
   * Invalidations announced by any store on this database and channel (including this
   * one): `{ kind: 'user' }` after every change of a user, `{ kind: 'all' }` after the
   * LISTEN connection reconnected (notifications may have been lost).
   */
  subscribe (listener: (event: Invalidation) => void): () => void {
    if (this.closed) return () => {}
    return this.listener.subscribe(listener)
  }

  /** Resolves once the LISTEN connection is established (starting it when needed). */
  async listening (): Promise<void> {
    if (this.closed) return
    await this.listener.listening()
  }

  async link (userId: string, identityId: string, now: number): Promise<LinkResult> { return await this.ops.link(userId, identityId, now) }
  async getByIdentity (identityId: string): Promise<VerificationRecord | null> { return await this.ops.getByIdentity(identityId) }
  async getByUser (userId: string, now: number): Promise<VerificationRecord | null> { return await this.ops.getByUser(userId, now) }
  async applyUpdate (identityId: string, update: StatusUpdate, now: number): Promise<UpdateResult> {
    return await this.ops.applyUpdate(identityId, update, now)
  }

  async releaseLink (identityId: string, userId: string, now: number): Promise<boolean> { return await this.ops.releaseLink(identityId, userId, now) }
  async unsettledLinks (linkedBefore: number, limit: number): Promise<VerificationRecord[]> { return await this.ops.unsettledLinks(linkedBefore, limit) }
  async expireDue (now: number, limit: number): Promise<VerificationRecord[]> { return await this.ops.expireDue(now, limit) }

  async hasEvent (key: string, now: number): Promise<boolean> { return await this.ops.hasEvent(key, now) }
  async markEvent (key: string, expiresAt: number, now: number): Promise<boolean> { return await this.ops.markEvent(key, expiresAt, now) }

  async createChallenge (challenge: NewChallenge): Promise<void> { await this.ops.createChallenge(challenge) }
  async getChallenge (id: string): Promise<Challenge | null> { return await this.ops.getChallenge(id) }
  async cancelChallenge (id: string, userId: string, now: number): Promise<boolean> { return await this.ops.cancelChallenge(id, userId, now) }
  async recordAuthentication (identityId: string, at: number, eventKey: string, eventExpiresAt: number): Promise<AuthenticationResult> {
    return await this.ops.recordAuthentication(identityId, at, eventKey, eventExpiresAt)
  }

  async consumeChallenge (id: string, userId: string, now: number): Promise<ConsumeResult> { return await this.ops.consumeChallenge(id, userId, now) }
  async revokeUser (userId: string, notBefore: number, expiresAt: number, now: number): Promise<void> {
    await this.ops.revokeUser(userId, notBefore, expiresAt, now)
  }

  async revokedBefore (userId: string, now: number): Promise<number | null> { return await this.ops.revokedBefore(userId, now) }
  async useToken (jti: string, expiresAt: number, now: number): Promise<boolean> { return await this.ops.useToken(jti, expiresAt, now) }

  async readChanges (afterSeq: number, limit: number): Promise<ChangeEntry[]> { return await this.ops.readChanges(afterSeq, limit) }
  async subjectOf (userId: string): Promise<string | null> { return await this.ops.subjectOf(userId) }
  async claimChanges (owner: string, now: number, leaseMs: number, limit: number): Promise<PendingChange[]> {
    return await this.ops.claimChanges(owner, now, leaseMs, limit)
  }

  async ackChange (id: string): Promise<void> { await this.ops.ackChange(id) }
  async retryChange (id: string, nextAt: number): Promise<void> { await this.ops.retryChange(id, nextAt) }
  async pendingChanges (): Promise<number> { return await this.ops.pendingChanges() }
  async forget (userId: string, now: number): Promise<{ links: number }> { return await this.ops.forget(userId, now) }
  async purgeExpired (now: number): Promise<void> { await this.ops.purgeExpired(now) }

  private async ensureInit (): Promise<void> {
    if (this.closed) throw new Error('PostgresStore is closed')
    if (this.initPromise === null) {
      const attempt = createSchema(this.pool, this.tables)
      this.initPromise = attempt
      attempt.catch(() => { if (this.initPromise === attempt) this.initPromise = null })
    }
    await this.initPromise
  }
}

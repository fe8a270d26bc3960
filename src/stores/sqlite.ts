import Database from 'better-sqlite3'
import { DEFAULT_CACHE_TTL_MS } from './defaults.js'
import type {
  Challenge,
  ConsumeResult,
  IdentityStatus,
  LinkResult,
  PassbaseStore,
  StatusUpdate,
  UpdateResult,
  VerificationRecord
} from './types.js'

interface SqliteStoreCommonOptions {
  /** Prefix of every table name (letters, digits, `_`); default `'passbase_'`. */
  tablePrefix?: string
  /** Upper bound (ms) on how stale a cached guard read may be; default 1000. */
  cacheTtlMs?: number
  /** How long (ms) a statement waits for another process's write lock; default 5000. Only applied to a database the store opens. */
  busyTimeoutMs?: number
}

/**
 * `{ filename }`: the store opens (and on `close()` closes) the file itself, in WAL mode.
 * `{ database }`: a better-sqlite3 connection the host opened; its pragmas are left as
 * they are (use WAL and a `busy_timeout` when several processes share the file) and
 * `close()` never closes it.
 */
export type SqliteStoreOptions = SqliteStoreCommonOptions & (
  | { filename: string, database?: undefined }
  | { database: Database.Database, filename?: undefined }
)

interface IdentityRow {
  identity_id: string
  user_id: string
  status: string
  score: number | null
  reason: string | null
  provider_updated: number
  linked_at: number
}

interface ChallengeRow {
  id: string
  user_id: string
  identity_id: string
  created_at: number
  expires_at: number
}

interface ChallengeStateRow {
  user_id: string
  used: number
  expires_at: number
}

type Stmt<P extends unknown[], R = unknown> = Database.Statement<P, R>

interface Statements {
  getByIdentity: Stmt<[string], IdentityRow>
  getByUser: Stmt<[string], IdentityRow>
  otherApproved: Stmt<[string, string], { one: number }>
  insertIdentity: Stmt<[string, string, number]>
  update: Stmt<[string, number | null, string | null, number, string, number], IdentityRow>
  markEvent: Stmt<[string, number, number]>
  unmarkEvent: Stmt<[string]>
  insertChallenge: Stmt<[string, string, string, number, number]>
  getChallenge: Stmt<[string], ChallengeRow>
  consumeChallenge: Stmt<[string, string, number], ChallengeRow>
  challengeState: Stmt<[string], ChallengeStateRow>
  recordAuthentication: Stmt<[string, number]>
  lastAuthentication: Stmt<[string], { at: number }>
  revoke: Stmt<[string, number]>
  isRevoked: Stmt<[string, number], { one: number }>
  purgeEvents: Stmt<[number]>
  purgeChallenges: Stmt<[number]>
  purgeRevocations: Stmt<[number]>
  link: (userId: string, identityId: string, now: number) => LinkResult
  applyUpdate: (identityId: string, update: StatusUpdate) => UpdateResult
  purge: (now: number) => void
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/
const COLUMNS = 'identity_id, user_id, status, score, reason, provider_updated, linked_at'
const CHALLENGE_COLUMNS = 'id, user_id, identity_id, created_at, expires_at'

function toRecord (row: IdentityRow): VerificationRecord {
  return {
    userId: row.user_id,
    identityId: row.identity_id,
    status: row.status as IdentityStatus,
    score: row.score,
    reason: row.reason,
    providerUpdated: row.provider_updated,
    linkedAt: row.linked_at
  }
}

function toChallenge (row: ChallengeRow): Challenge {
  return {
    id: row.id,
    userId: row.user_id,
    identityId: row.identity_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at
  }
}

/**
 * SQLite store (better-sqlite3, an optional peer dependency). Several processes may
 * share one database file: every guarantee is enforced by SQLite itself (a write
 * transaction taken up front for `link`/`applyUpdate`, conditional single statements
 * for the rest), never by a read in JS followed by a write.
 *
 * Tables (`<prefix>identities`, `events`, `challenges`, `authentications`,
 * `revocations`) are created on first use, idempotently.
 */
export class SqliteStore implements PassbaseStore {
  readonly shared = true
  readonly cacheTtlMs: number
  private readonly prefix: string
  private readonly filename: string | undefined
  private readonly busyTimeoutMs: number
  private readonly ownsDatabase: boolean
  private db: Database.Database | null
  private stmts: Statements | null = null
  private closed = false

  constructor (options: SqliteStoreOptions) {
    const prefix = options.tablePrefix ?? 'passbase_'
    if (!IDENT.test(prefix)) throw new TypeError(`SqliteStore: invalid tablePrefix ${JSON.stringify(prefix)} (letters, digits and _ only)`)
    this.prefix = prefix
    this.cacheTtlMs = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000
    if (options.database !== undefined) {
      this.db = options.database
      this.ownsDatabase = false
    } else if (typeof options.filename === 'string' && options.filename !== '') {
      this.db = null
      this.filename = options.filename
      this.ownsDatabase = true
    } else {
      throw new TypeError('SqliteStore: pass { filename } or { database }')
    }
  }

  async init (): Promise<void> {
    this.statements()
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.stmts = null
    if (this.ownsDatabase && this.db !== null) this.db.close()
    this.db = null
  }

  async link (userId: string, identityId: string, now: number): Promise<LinkResult> {
    return this.statements().link(userId, identityId, now)
  }

  async getByIdentity (identityId: string): Promise<VerificationRecord | null> {
    const row = this.statements().getByIdentity.get(identityId)
    return row === undefined ? null : toRecord(row)
  }

  async getByUser (userId: string): Promise<VerificationRecord | null> {
    const row = this.statements().getByUser.get(userId)
    return row === undefined ? null : toRecord(row)
  }

  async applyUpdate (identityId: string, update: StatusUpdate): Promise<UpdateResult> {
    return this.statements().applyUpdate(identityId, update)
  }

  async markEvent (key: string, expiresAt: number, now: number): Promise<boolean> {
    return this.statements().markEvent.run(key, expiresAt, now).changes === 1
  }

  async unmarkEvent (key: string): Promise<void> {
    this.statements().unmarkEvent.run(key)
  }

  async createChallenge (challenge: Challenge): Promise<void> {
    this.statements().insertChallenge.run(challenge.id, challenge.userId, challenge.identityId, challenge.createdAt, challenge.expiresAt)
  }

  async getChallenge (id: string): Promise<Challenge | null> {
    const row = this.statements().getChallenge.get(id)
    return row === undefined ? null : toChallenge(row)
  }

  async consumeChallenge (id: string, userId: string, now: number): Promise<ConsumeResult> {
    const s = this.statements()
    const row = s.consumeChallenge.get(id, userId, now)
    if (row !== undefined) return { ok: true, challenge: toChallenge(row) }
    // not consumed: classify why (the conditional UPDATE above is the decision)
    const state = s.challengeState.get(id)
    if (state === undefined) return { ok: false, reason: 'missing' }
    if (state.user_id !== userId) return { ok: false, reason: 'forbidden' }
    if (state.used !== 0) return { ok: false, reason: 'used' }
    return { ok: false, reason: 'expired' }
  }

  async recordAuthentication (identityId: string, at: number): Promise<void> {
    this.statements().recordAuthentication.run(identityId, at)
  }

  async lastAuthentication (identityId: string): Promise<number | null> {
    const row = this.statements().lastAuthentication.get(identityId)
    return row === undefined ? null : row.at
  }

  async revokeToken (jti: string, expiresAt: number): Promise<void> {
    this.statements().revoke.run(jti, expiresAt)
  }

  async isRevoked (jti: string, now: number): Promise<boolean> {
    return this.statements().isRevoked.get(jti, now) !== undefined
  }

  async purgeExpired (now: number): Promise<void> {
    this.statements().purge(now)
  }

  /** Open the database (when needed), create the tables and prepare the statements, once. */
  private statements (): Statements {
    if (this.stmts !== null) return this.stmts
    if (this.closed) throw new Error('SqliteStore is closed')
    let db = this.db
    if (db === null) {
      db = new Database(this.filename as string)
      try {
        db.pragma(`busy_timeout = ${Math.max(0, Math.floor(this.busyTimeoutMs))}`)
        db.pragma('journal_mode = WAL')
      } catch (err) {
        db.close()
        throw err
      }
      this.db = db
    }
    const stmts = this.prepare(db)
    this.stmts = stmts
    return stmts
  }

  private prepare (db: Database.Database): Statements {
    const p = this.prefix
    const identities = `"${p}identities"`
    const events = `"${p}events"`
    const challenges = `"${p}challenges"`
    const authentications = `"${p}authentications"`
    const revocations = `"${p}revocations"`

    // one write transaction: several processes may run this at once
    db.transaction(() => {
      db.exec(`
        CREATE TABLE IF NOT EXISTS ${identities} (
          identity_id TEXT PRIMARY KEY,
          user_id TEXT NOT NULL,
          status TEXT NOT NULL,
          score REAL,
          reason TEXT,
          provider_updated INTEGER NOT NULL DEFAULT 0,
          linked_at INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS "${p}identities_user" ON ${identities} (user_id);
        CREATE TABLE IF NOT EXISTS ${events} (
          "key" TEXT PRIMARY KEY,
          expires_at INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS "${p}events_expires" ON ${events} (expires_at);
        CREATE TABLE IF NOT EXISTS ${challenges} (
          id TEXT PRIMARY KEY,
          user_id TEXT NOT NULL,
          identity_id TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL,
          used INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS "${p}challenges_expires" ON ${challenges} (expires_at);
        CREATE TABLE IF NOT EXISTS ${authentications} (
          identity_id TEXT PRIMARY KEY,
          at INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS ${revocations} (
          jti TEXT PRIMARY KEY,
          expires_at INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS "${p}revocations_expires" ON ${revocations} (expires_at);
      `)
    }).immediate()

    const getByIdentity = db.prepare<[string], IdentityRow>(`SELECT ${COLUMNS} FROM ${identities} WHERE identity_id = ?`)
    const getByUser = db.prepare<[string], IdentityRow>(
      `SELECT ${COLUMNS} FROM ${identities} WHERE user_id = ?
       ORDER BY status = 'approved' DESC, linked_at DESC, rowid DESC LIMIT 1`)
    const otherApproved = db.prepare<[string, string], { one: number }>(
      `SELECT 1 AS one FROM ${identities} WHERE user_id = ? AND status = 'approved' AND identity_id <> ? LIMIT 1`)
    const insertIdentity = db.prepare<[string, string, number]>(
      `INSERT INTO ${identities} (identity_id, user_id, status, score, reason, provider_updated, linked_at)
       VALUES (?, ?, 'created', NULL, NULL, 0, ?)`)
    const update = db.prepare<[string, number | null, string | null, number, string, number], IdentityRow>(
      `UPDATE ${identities} SET status = ?, score = ?, reason = ?, provider_updated = ?
       WHERE identity_id = ? AND provider_updated < ? RETURNING ${COLUMNS}`)

    // BEGIN IMMEDIATE: the write lock is taken before the first read, so no other
    // process can change the rows between the checks and the write.
    const link = db.transaction((userId: string, identityId: string, now: number): LinkResult => {
      const existing = getByIdentity.get(identityId)
      if (existing !== undefined) {
        if (existing.user_id !== userId) return { ok: false, reason: 'identity_taken' }
        return { ok: true, created: false, record: toRecord(existing) }
      }
      if (otherApproved.get(userId, identityId) !== undefined) return { ok: false, reason: 'already_verified' }
      insertIdentity.run(identityId, userId, now)
      return {
        ok: true,
        created: true,
        record: { userId, identityId, status: 'created', score: null, reason: null, providerUpdated: 0, linkedAt: now }
      }
    })
    const applyUpdate = db.transaction((identityId: string, u: StatusUpdate): UpdateResult => {
      const before = getByIdentity.get(identityId)
      if (before === undefined) return { applied: false, previous: null, record: null }
      const previous = toRecord(before)
      const after = update.get(u.status, u.score, u.reason, u.providerUpdated, identityId, u.providerUpdated)
      if (after === undefined) return { applied: false, previous, record: toRecord(before) }
      return { applied: true, previous, record: toRecord(after) }
    })

    const purgeEvents = db.prepare<[number]>(`DELETE FROM ${events} WHERE expires_at <= ?`)
    const purgeChallenges = db.prepare<[number]>(`DELETE FROM ${challenges} WHERE expires_at <= ?`)
    const purgeRevocations = db.prepare<[number]>(`DELETE FROM ${revocations} WHERE expires_at <= ?`)
    const purge = db.transaction((now: number) => {
      purgeEvents.run(now)
      purgeChallenges.run(now)
      purgeRevocations.run(now)
    })

    return {
      getByIdentity,
      getByUser,
      otherApproved,
      insertIdentity,
      update,
      markEvent: db.prepare<[string, number, number]>(
        `INSERT INTO ${events} AS e ("key", expires_at) VALUES (?, ?)
         ON CONFLICT ("key") DO UPDATE SET expires_at = excluded.expires_at WHERE e.expires_at <= ?`),
      unmarkEvent: db.prepare<[string]>(`DELETE FROM ${events} WHERE "key" = ?`),
      insertChallenge: db.prepare<[string, string, string, number, number]>(
        `INSERT INTO ${challenges} (id, user_id, identity_id, created_at, expires_at, used) VALUES (?, ?, ?, ?, ?, 0)`),
      getChallenge: db.prepare<[string], ChallengeRow>(
        `SELECT ${CHALLENGE_COLUMNS} FROM ${challenges} WHERE id = ? AND used = 0`),
      consumeChallenge: db.prepare<[string, string, number], ChallengeRow>(
        `UPDATE ${challenges} SET used = 1 WHERE id = ? AND user_id = ? AND used = 0 AND expires_at > ?
         RETURNING ${CHALLENGE_COLUMNS}`),
      challengeState: db.prepare<[string], ChallengeStateRow>(
        `SELECT user_id, used, expires_at FROM ${challenges} WHERE id = ?`),
      recordAuthentication: db.prepare<[string, number]>(
        `INSERT INTO ${authentications} AS a (identity_id, at) VALUES (?, ?)
         ON CONFLICT (identity_id) DO UPDATE SET at = max(a.at, excluded.at)`),
      lastAuthentication: db.prepare<[string], { at: number }>(
        `SELECT at FROM ${authentications} WHERE identity_id = ?`),
      revoke: db.prepare<[string, number]>(
        `INSERT INTO ${revocations} AS r (jti, expires_at) VALUES (?, ?)
         ON CONFLICT (jti) DO UPDATE SET expires_at = max(r.expires_at, excluded.expires_at)`),
      isRevoked: db.prepare<[string, number], { one: number }>(
        `SELECT 1 AS one FROM ${revocations} WHERE jti = ? AND expires_at > ?`),
      purgeEvents,
      purgeChallenges,
      purgeRevocations,
      link: (userId, identityId, now) => link.immediate(userId, identityId, now),
      applyUpdate: (identityId, u) => applyUpdate.immediate(identityId, u),
      purge: (now) => { purge.immediate(now) }
    }
  }
}

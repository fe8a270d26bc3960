import { createHash } from 'node:crypto'
import pg from 'pg'
import { DEFAULT_CACHE_TTL_MS } from './defaults.js'
import type {
  Challenge,
  ConsumeResult,
  IdentityStatus,
  Invalidation,
  LinkResult,
  PassbaseStore,
  StatusUpdate,
  UpdateResult,
  VerificationRecord
} from './types.js'

interface PostgresStoreCommonOptions {
  /** Prefix of every table name (letters, digits, `_`); default `'passbase_'`. */
  tablePrefix?: string
  /** Schema of the tables (created when missing); default: the connection's `search_path`. */
  schema?: string
  /** Upper bound (ms) on how stale a cached guard read may be; default 1000. */
  cacheTtlMs?: number
  /** LISTEN/NOTIFY channel used for cache invalidations; default `'passbase_invalidate'`. */
  channel?: string
  /**
   * Use named (server-side prepared) statements; default true. Turn off behind a
   * transaction-pooling proxy (e.g. PgBouncer in transaction mode).
   */
  preparedStatements?: boolean
  /** Errors that have no caller to reject: idle pool connections, the LISTEN connection (it reconnects). Default: ignored. */
  onError?: (err: Error) => void
}

/**
 * `{ connectionString }`: the store creates its own `pg.Pool` (and ends it on `close()`).
 * `{ pool }`: the host's pool; the store never ends it.
 */
export type PostgresStoreOptions = PostgresStoreCommonOptions & (
  | { connectionString: string, poolConfig?: Omit<pg.PoolConfig, 'connectionString'>, pool?: undefined }
  | { pool: pg.Pool, connectionString?: undefined, poolConfig?: undefined }
)

interface IdentityRow {
  identity_id: string
  user_id: string
  status: string
  score: number | string | null
  reason: string | null
  provider_updated: number | string
  linked_at: number | string
}

interface UpdateRow extends IdentityRow {
  new_status: string | null
  new_score: number | string | null
  new_reason: string | null
  new_provider_updated: number | string | null
}

interface ChallengeRow {
  id: string
  user_id: string
  identity_id: string
  created_at: number | string
  expires_at: number | string
}

interface ChallengeStateRow {
  user_id: string
  used: boolean
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/
/** First key of the advisory lock that serialises table creation ('pass'). */
const INIT_LOCK = 0x70617373
const BACKOFF_MIN_MS = 100
const BACKOFF_MAX_MS = 10_000
/** How long the LISTEN connection may take to say goodbye before its socket is destroyed. */
const END_GRACE_MS = 1000

/**
 * Ends a client, politely first: a peer that never answers the goodbye (a server that
 * stopped responding, a SYN into the void) would keep `end()` waiting forever, so the
 * socket is destroyed after END_GRACE_MS.
 */
async function endClient (client: pg.Client): Promise<void> {
  const force = setTimeout(() => { client.connection.stream.destroy() }, END_GRACE_MS)
  try {
    await client.end()
  } catch {
  } finally {
    clearTimeout(force)
  }
}

function num (value: number | string): number {
  return typeof value === 'number' ? value : Number(value)
}

function toRecord (row: IdentityRow): VerificationRecord {
  return {
    userId: row.user_id,
    identityId: row.identity_id,
    status: row.status as IdentityStatus,
    score: row.score === null ? null : num(row.score),
    reason: row.reason,
    providerUpdated: num(row.provider_updated),
    linkedAt: num(row.linked_at)
  }
}

function toChallenge (row: ChallengeRow): Challenge {
  return {
    id: row.id,
    userId: row.user_id,
    identityId: row.identity_id,
    createdAt: num(row.created_at),
    expiresAt: num(row.expires_at)
  }
}

function parseInvalidation (payload: string | undefined): Invalidation | null {
  if (payload === undefined) return null
  let value: unknown
  try {
    value = JSON.parse(payload)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const v = value as Record<string, unknown>
  if (v.kind === 'user' && typeof v.userId === 'string') return { kind: 'user', userId: v.userId }
  if (v.kind === 'revoked' && typeof v.jti === 'string') return { kind: 'revoked', jti: v.jti }
  return null
}

function toError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

interface Sql {
  link: string
  linkExisting: string
  getByIdentity: string
  getByUser: string
  applyUpdate: string
  markEvent: string
  unmarkEvent: string
  insertChallenge: string
  getChallenge: string
  consumeChallenge: string
  challengeState: string
  recordAuthentication: string
  lastAuthentication: string
  revoke: string
  isRevoked: string
  purge: string
}

/**
 * PostgreSQL store (`pg`, an optional peer dependency), for apps that run several
 * instances. Every guarantee is one atomic statement in the database (no read in JS
 * followed by a write). Applied status updates and revocations are announced with
 * `pg_notify` in the same statement; `subscribe` LISTENs on a dedicated connection
 * (reconnecting with backoff) so other instances drop their guard caches.
 *
 * Tables are created by `init()` (or on first use) under a transaction-scoped advisory
 * lock, so several processes may start at once.
 */
export class PostgresStore implements PassbaseStore {
  readonly shared = true
  readonly cacheTtlMs: number
  /** The NOTIFY channel. */
  readonly channel: string
  private readonly pool: pg.Pool
  private readonly ownsPool: boolean
  private readonly clientConfig: pg.ClientConfig
  private readonly schema: string | undefined
  private readonly prefix: string
  private readonly sql: Sql
  private readonly ddl: string
  private readonly prepared: boolean
  private readonly onError: (err: Error) => void
  private readonly names = new Map<string, string>()
  private initPromise: Promise<void> | null = null
  private closed = false

  // LISTEN connection
  private readonly listeners = new Set<(event: Invalidation) => void>()
  private listenLoop: Promise<void> | null = null
  private listenClient: pg.Client | null = null
  private listenReady: { promise: Promise<void>, resolve: () => void }
  private wake: (() => void) | null = null

  constructor (options: PostgresStoreOptions) {
    const prefix = options.tablePrefix ?? 'passbase_'
    if (!IDENT.test(prefix)) throw new TypeError(`PostgresStore: invalid tablePrefix ${JSON.stringify(prefix)} (letters, digits and _ only)`)
    if (options.schema !== undefined && !IDENT.test(options.schema)) {
      throw new TypeError(`PostgresStore: invalid schema ${JSON.stringify(options.schema)} (letters, digits and _ only)`)
    }
    const channel = options.channel ?? 'passbase_invalidate'
    if (!IDENT.test(channel)) throw new TypeError(`PostgresStore: invalid channel ${JSON.stringify(channel)} (letters, digits and _ only)`)
    this.prefix = prefix
    this.schema = options.schema
    this.channel = channel
    this.cacheTtlMs = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS
    this.prepared = options.preparedStatements ?? true
    this.onError = options.onError ?? (() => {})
    if (options.pool !== undefined) {
      this.pool = options.pool
      this.ownsPool = false
      this.clientConfig = { ...options.pool.options }
    } else if (typeof options.connectionString === 'string' && options.connectionString !== '') {
      this.clientConfig = { ...options.poolConfig, connectionString: options.connectionString }
      this.pool = new pg.Pool(this.clientConfig)
      this.ownsPool = true
      this.pool.on('error', (err) => { this.onError(err) })
    } else {
      throw new TypeError('PostgresStore: pass { connectionString } or { pool }')
    }
    this.listenReady = PostgresStore.deferred()
    const { sql, ddl } = this.buildSql()
    this.sql = sql
    this.ddl = ddl
  }

  /** Create the schema and tables (idempotent; safe when several processes start at once). */
  async init (): Promise<void> {
    await this.ensureInit()
  }

  /** Stops the LISTEN connection, and ends the pool when the store created it. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.wake?.()
    const client = this.listenClient
    if (client !== null) await endClient(client)
    if (this.listenLoop !== null) await this.listenLoop
    this.listeners.clear()
    if (this.initPromise !== null) await this.initPromise.catch(() => {})
    if (this.ownsPool) await this.pool.end()
  }

  async link (userId: string, identityId: string, now: number): Promise<LinkResult> {
    const inserted = await this.query<IdentityRow>('link', [userId, identityId, now])
    if (inserted.length === 1) return { ok: true, created: true, record: toRecord(inserted[0]) }
    // Nothing inserted: the identity exists (ON CONFLICT DO NOTHING waited for a concurrent
    // insert to commit) or the user has another approved identity. The row, if any, is
    // committed and immutable in its owner, so this read classifies the outcome.
    const existing = await this.query<IdentityRow>('linkExisting', [identityId])
    if (existing.length === 0) return { ok: false, reason: 'already_verified' }
    if (existing[0].user_id !== userId) return { ok: false, reason: 'identity_taken' }
    return { ok: true, created: false, record: toRecord(existing[0]) }
  }

  async getByIdentity (identityId: string): Promise<VerificationRecord | null> {
    const rows = await this.query<IdentityRow>('getByIdentity', [identityId])
    return rows.length === 0 ? null : toRecord(rows[0])
  }

  async getByUser (userId: string): Promise<VerificationRecord | null> {
    const rows = await this.query<IdentityRow>('getByUser', [userId])
    return rows.length === 0 ? null : toRecord(rows[0])
  }

  async applyUpdate (identityId: string, update: StatusUpdate): Promise<UpdateResult> {
    const rows = await this.query<UpdateRow>('applyUpdate', [
      identityId, update.status, update.score, update.reason, update.providerUpdated, this.channel
    ])
    if (rows.length === 0) return { applied: false, previous: null, record: null }
    const row = rows[0]
    const previous = toRecord(row)
    if (row.new_status === null || row.new_provider_updated === null) {
      return { applied: false, previous, record: toRecord(row) }
    }
    return {
      applied: true,
      previous,
      record: {
        ...previous,
        status: row.new_status as IdentityStatus,
        score: row.new_score === null ? null : num(row.new_score),
        reason: row.new_reason,
        providerUpdated: num(row.new_provider_updated)
      }
    }
  }

  async markEvent (key: string, expiresAt: number, now: number): Promise<boolean> {
    const rows = await this.query('markEvent', [key, expiresAt, now])
    return rows.length === 1
  }

  async unmarkEvent (key: string): Promise<void> {
    await this.query('unmarkEvent', [key])
  }

  async createChallenge (challenge: Challenge): Promise<void> {
    await this.query('insertChallenge', [
      challenge.id, challenge.userId, challenge.identityId, challenge.createdAt, challenge.expiresAt
    ])
  }

  async getChallenge (id: string): Promise<Challenge | null> {
    const rows = await this.query<ChallengeRow>('getChallenge', [id])
    return rows.length === 0 ? null : toChallenge(rows[0])
  }

  async consumeChallenge (id: string, userId: string, now: number): Promise<ConsumeResult> {
    const rows = await this.query<ChallengeRow>('consumeChallenge', [id, userId, now])
    if (rows.length === 1) return { ok: true, challenge: toChallenge(rows[0]) }
    // the conditional UPDATE decided; this read only says why it refused
    const state = await this.query<ChallengeStateRow>('challengeState', [id])
    if (state.length === 0) return { ok: false, reason: 'missing' }
    if (state[0].user_id !== userId) return { ok: false, reason: 'forbidden' }
    if (state[0].used) return { ok: false, reason: 'used' }
    return { ok: false, reason: 'expired' }
  }

  async recordAuthentication (identityId: string, at: number): Promise<void> {
    await this.query('recordAuthentication', [identityId, at])
  }

  async lastAuthentication (identityId: string): Promise<number | null> {
    const rows = await this.query<{ at: number | string }>('lastAuthentication', [identityId])
    return rows.length === 0 ? null : num(rows[0].at)
  }

  async revokeToken (jti: string, expiresAt: number): Promise<void> {
    await this.query('revoke', [jti, expiresAt, this.channel])
  }

  async isRevoked (jti: string, now: number): Promise<boolean> {
    const rows = await this.query('isRevoked', [jti, now])
    return rows.length === 1
  }

  async purgeExpired (now: number): Promise<void> {
    await this.query('purge', [now])
  }

  /**
   * Invalidations announced by any store on this database and channel (including this
   * one). The LISTEN connection starts with the first subscriber; `listening()` tells
   * when it is up. Notifications sent while it reconnects are lost, so after a
   * reconnect listeners get `{ kind: 'all' }` (drop every cached entry).
   */
  subscribe (listener: (event: Invalidation) => void): () => void {
    if (this.closed) return () => {}
    this.listeners.add(listener)
    this.startListening()
    return () => { this.listeners.delete(listener) }
  }

  /** Resolves once the LISTEN connection is established (starting it when needed). */
  async listening (): Promise<void> {
    if (this.closed) return
    this.startListening()
    await this.listenReady.promise
  }

  private static deferred (): { promise: Promise<void>, resolve: () => void } {
    let resolve!: () => void
    const promise = new Promise<void>((res) => { resolve = res })
    return { promise, resolve }
  }

  private startListening (): void {
    if (this.listenLoop !== null || this.closed) return
    this.listenLoop = this.runListener().catch((err) => { this.onError(toError(err)) })
  }

  private async runListener (): Promise<void> {
    let backoff = BACKOFF_MIN_MS
    let listenedBefore = false
    while (!this.closed) {
      const client = new pg.Client({
        ...this.clientConfig,
        keepAlive: true,
        application_name: this.clientConfig.application_name ?? 'fastify-passbase-listen'
      })
      let dropped!: () => void
      const gone = new Promise<void>((resolve) => { dropped = resolve })
      client.on('error', (err) => { this.onError(err); dropped() })
      client.on('end', () => { dropped() })
      client.on('notification', (message) => {
        if (message.channel !== this.channel) return
        const event = parseInvalidation(message.payload)
        if (event !== null) this.dispatch(event)
      })
      this.listenClient = client // so that close() can end it while it connects
      try {
        // pg never settles connect() when end() is called while it connects and the
        // socket closes before the server answers: the connection's end settles it here
        const connecting = client.connect()
        connecting.catch(() => {})
        await Promise.race([connecting, gone.then(() => { throw new Error('the LISTEN connection closed while connecting') })])
        if (!this.closed) await client.query(`LISTEN "${this.channel}"`)
      } catch (err) {
        this.listenClient = null
        await endClient(client)
        if (this.closed) break
        this.onError(toError(err))
        await this.sleep(backoff)
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS)
        continue
      }
      if (this.closed) {
        this.listenClient = null
        await endClient(client)
        break
      }
      backoff = BACKOFF_MIN_MS
      // notifications sent while the connection was down are lost: caches drop everything
      if (listenedBefore) this.dispatch({ kind: 'all' })
      listenedBefore = true
      this.listenReady.resolve()
      await gone
      this.listenClient = null
      await endClient(client)
      if (this.closed) break
      this.listenReady = PostgresStore.deferred()
      await this.sleep(backoff)
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS)
    }
    this.listenReady.resolve()
  }

  private dispatch (event: Invalidation): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch (err) {
        this.onError(toError(err))
      }
    }
  }

  private async sleep (ms: number): Promise<void> {
    if (this.closed) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { this.wake = null; resolve() }, ms)
      this.wake = () => { clearTimeout(timer); this.wake = null; resolve() }
    })
  }

  private async ensureInit (): Promise<void> {
    if (this.closed) throw new Error('PostgresStore is closed')
    if (this.initPromise === null) {
      const attempt = this.createTables()
      this.initPromise = attempt
      attempt.catch(() => { if (this.initPromise === attempt) this.initPromise = null })
    }
    await this.initPromise
  }

  private async createTables (): Promise<void> {
    const client = await this.pool.connect()
    let broken: Error | undefined
    try {
      await client.query('BEGIN')
      // serialise CREATE ... IF NOT EXISTS across processes (it is not race-free on its own)
      await client.query('SELECT pg_advisory_xact_lock($1::int4, hashtext($2::text))', [INIT_LOCK, `${this.schema ?? ''}.${this.prefix}`])
      await client.query(this.ddl)
      await client.query('COMMIT')
    } catch (err) {
      broken = toError(err)
      await client.query('ROLLBACK').catch(() => {})
      throw err
    } finally {
      client.release(broken)
    }
  }

  private async query<R extends object = Record<string, unknown>> (op: keyof Sql, values: unknown[]): Promise<R[]> {
    await this.ensureInit()
    const text = this.sql[op]
    const config: pg.QueryConfig = { text, values }
    if (this.prepared) config.name = this.statementName(text)
    const result = await this.pool.query<R & pg.QueryResultRow>(config)
    return result.rows
  }

  private statementName (text: string): string {
    let name = this.names.get(text)
    if (name === undefined) {
      name = 'passbase_' + createHash('sha1').update(text).digest('hex').slice(0, 20)
      this.names.set(text, name)
    }
    return name
  }

  private table (name: string): string {
    const t = `"${this.prefix}${name}"`
    return this.schema === undefined ? t : `"${this.schema}".${t}`
  }

  private buildSql (): { sql: Sql, ddl: string } {
    const p = this.prefix
    const identities = this.table('identities')
    const events = this.table('events')
    const challenges = this.table('challenges')
    const authentications = this.table('authentications')
    const revocations = this.table('revocations')
    const cols = 'identity_id, user_id, status, score, reason, provider_updated, linked_at'
    const challengeCols = 'id, user_id, identity_id, created_at, expires_at'

    const ddl = `
      ${this.schema === undefined ? '' : `CREATE SCHEMA IF NOT EXISTS "${this.schema}";`}
      CREATE TABLE IF NOT EXISTS ${identities} (
        identity_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        status TEXT NOT NULL,
        score DOUBLE PRECISION,
        reason TEXT,
        provider_updated BIGINT NOT NULL DEFAULT 0,
        linked_at BIGINT NOT NULL,
        seq BIGSERIAL NOT NULL
      );
      CREATE INDEX IF NOT EXISTS "${p}identities_user" ON ${identities} (user_id);
      CREATE TABLE IF NOT EXISTS ${events} (
        "key" TEXT PRIMARY KEY,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS "${p}events_expires" ON ${events} (expires_at);
      CREATE TABLE IF NOT EXISTS ${challenges} (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        identity_id TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        used BOOLEAN NOT NULL DEFAULT false
      );
      CREATE INDEX IF NOT EXISTS "${p}challenges_expires" ON ${challenges} (expires_at);
      CREATE TABLE IF NOT EXISTS ${authentications} (
        identity_id TEXT PRIMARY KEY,
        at BIGINT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS ${revocations} (
        jti TEXT PRIMARY KEY,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS "${p}revocations_expires" ON ${revocations} (expires_at);
    `

    const sql: Sql = {
      // Insert unless the user has another approved identity; a concurrent insert of the
      // same identity makes ON CONFLICT wait for it and then do nothing.
      link: `
        WITH other_approved AS (
          SELECT 1 FROM ${identities}
          WHERE user_id = $1::text AND status = 'approved' AND identity_id <> $2::text
          LIMIT 1
        )
        INSERT INTO ${identities} (identity_id, user_id, status, score, reason, provider_updated, linked_at)
        SELECT $2::text, $1::text, 'created', NULL, NULL, 0, $3::bigint
        WHERE NOT EXISTS (SELECT 1 FROM other_approved)
        ON CONFLICT (identity_id) DO NOTHING
        RETURNING ${cols}`,
      linkExisting: `SELECT ${cols} FROM ${identities} WHERE identity_id = $1::text`,
      getByIdentity: `SELECT ${cols} FROM ${identities} WHERE identity_id = $1::text`,
      getByUser: `
        SELECT ${cols} FROM ${identities} WHERE user_id = $1::text
        ORDER BY (status = 'approved') DESC, linked_at DESC, seq DESC
        LIMIT 1`,
      // Compare-and-set in one statement. `old` locks the row (FOR UPDATE waits for a
      // concurrent writer and then sees its committed version), so `old` is exactly
      // the state this update is compared with; the UPDATE re-checks the condition on
      // the newest row version. The notification is sent on commit, only when applied.
      applyUpdate: `
        WITH old AS (
          SELECT ${cols} FROM ${identities} WHERE identity_id = $1::text FOR UPDATE
        ), upd AS (
          UPDATE ${identities} AS t
          SET status = $2::text, score = $3::float8, reason = $4::text, provider_updated = $5::bigint
          FROM old
          WHERE t.identity_id = old.identity_id AND t.provider_updated < $5::bigint
          RETURNING t.user_id, t.status, t.score, t.reason, t.provider_updated
        ), note AS (
          SELECT pg_notify($6::text, json_build_object('kind', 'user', 'userId', upd.user_id)::text) FROM upd
        )
        SELECT old.*, upd.status AS new_status, upd.score AS new_score, upd.reason AS new_reason,
          upd.provider_updated AS new_provider_updated, (SELECT count(*) FROM note) AS notified
        FROM old LEFT JOIN upd ON true`,
      markEvent: `
        INSERT INTO ${events} AS e ("key", expires_at) VALUES ($1::text, $2::bigint)
        ON CONFLICT ("key") DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE e.expires_at <= $3::bigint
        RETURNING e."key"`,
      unmarkEvent: `DELETE FROM ${events} WHERE "key" = $1::text`,
      insertChallenge: `
        INSERT INTO ${challenges} (id, user_id, identity_id, created_at, expires_at, used)
        VALUES ($1::text, $2::text, $3::text, $4::bigint, $5::bigint, false)`,
      getChallenge: `SELECT ${challengeCols} FROM ${challenges} WHERE id = $1::text AND NOT used`,
      consumeChallenge: `
        UPDATE ${challenges} SET used = true
        WHERE id = $1::text AND user_id = $2::text AND NOT used AND expires_at > $3::bigint
        RETURNING ${challengeCols}`,
      challengeState: `SELECT user_id, used FROM ${challenges} WHERE id = $1::text`,
      recordAuthentication: `
        INSERT INTO ${authentications} AS a (identity_id, at) VALUES ($1::text, $2::bigint)
        ON CONFLICT (identity_id) DO UPDATE SET at = GREATEST(a.at, EXCLUDED.at)`,
      lastAuthentication: `SELECT at FROM ${authentications} WHERE identity_id = $1::text`,
      revoke: `
        WITH ins AS (
          INSERT INTO ${revocations} AS r (jti, expires_at) VALUES ($1::text, $2::bigint)
          ON CONFLICT (jti) DO UPDATE SET expires_at = GREATEST(r.expires_at, EXCLUDED.expires_at)
          RETURNING r.jti
        )
        SELECT pg_notify($3::text, json_build_object('kind', 'revoked', 'jti', ins.jti)::text) FROM ins`,
      isRevoked: `SELECT 1 AS one FROM ${revocations} WHERE jti = $1::text AND expires_at > $2::bigint`,
      purge: `
        WITH e AS (DELETE FROM ${events} WHERE expires_at <= $1::bigint),
          c AS (DELETE FROM ${challenges} WHERE expires_at <= $1::bigint),
          r AS (DELETE FROM ${revocations} WHERE expires_at <= $1::bigint)
        SELECT 1`
    }
    return { sql, ddl }
  }
}

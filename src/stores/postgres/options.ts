import pg from 'pg'
import { z } from 'zod'
import { DEFAULT_TABLE_PREFIX } from '../sql/names.js'
import { identifier, parseStoreOptions } from '../sql/options.js'

interface PostgresStoreCommonOptions {
  /** Prefix of every table name (letters, digits, `_`); default `'passbase_'`. */
  tablePrefix?: string
  /** Schema of the tables (created when missing); default: the connection's `search_path`. */
  schema?: string
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

export interface ResolvedPostgresOptions {
  tablePrefix: string
  schema: string | undefined
  channel: string
  preparedStatements: boolean
  onError: (err: Error) => void
  pool: pg.Pool | undefined
  connectionString: string | undefined
  poolConfig: Omit<pg.PoolConfig, 'connectionString'>
}

const schema = z.object({
  tablePrefix: identifier.default(DEFAULT_TABLE_PREFIX),
  schema: identifier.optional(),
  channel: identifier.default('passbase_invalidate'),
  preparedStatements: z.boolean().default(true),
  onError: z.custom<(err: Error) => void>((v) => typeof v === 'function', 'a function').optional(),
  connectionString: z.string().min(1, 'a PostgreSQL connection string (or pass { pool })').optional(),
  poolConfig: z.custom<Omit<pg.PoolConfig, 'connectionString'>>((v) => typeof v === 'object' && v !== null, 'pg pool options').optional(),
  pool: z.custom<pg.Pool>((v) => v instanceof pg.Pool || (typeof v === 'object' && v !== null && typeof (v as pg.Pool).connect === 'function'), 'a pg.Pool').optional()
}).strict()
  .refine((o) => (o.connectionString === undefined) !== (o.pool === undefined), { message: 'pass { connectionString } or { pool }', path: ['connectionString'] })
  .refine((o) => o.pool === undefined || o.poolConfig === undefined, { message: 'only with { connectionString }', path: ['poolConfig'] })

export function resolvePostgresOptions (input: PostgresStoreOptions): ResolvedPostgresOptions {
  const o = parseStoreOptions('PostgresStore', schema, input)
  return {
    tablePrefix: o.tablePrefix,
    schema: o.schema,
    channel: o.channel,
    preparedStatements: o.preparedStatements,
    onError: o.onError ?? (() => {}),
    pool: o.pool,
    connectionString: o.connectionString,
    poolConfig: o.poolConfig ?? {}
  }
}

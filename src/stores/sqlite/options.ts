import type Database from 'better-sqlite3'
import { z } from 'zod'
import { DEFAULT_TABLE_PREFIX } from '../sql/names.js'
import { identifier, parseStoreOptions } from '../sql/options.js'

interface SqliteStoreCommonOptions {
  /** Prefix of every table name (letters, digits, `_`); default `'passbase_'`. */
  tablePrefix?: string
  /** How long (ms) a statement waits for another process's write lock; default 5000. Only applied to a database the store opens. */
  busyTimeoutMs?: number
}

/**
 * `{ filename }`: the store opens (and on `close()` closes) the file itself, in WAL mode.
 * `{ database }`: a better-sqlite3 connection the host opened; its journal mode and busy
 * timeout are left as they are (use WAL and a `busy_timeout` when several processes share
 * the file) and `close()` never closes it. Either way the store turns `secure_delete` on
 * for its connection (an erasure must not leave the user id in freed pages).
 */
export type SqliteStoreOptions = SqliteStoreCommonOptions & (
  | { filename: string, database?: undefined }
  | { database: Database.Database, filename?: undefined }
)

export interface ResolvedSqliteOptions {
  tablePrefix: string
  busyTimeoutMs: number
  filename: string | undefined
  database: Database.Database | undefined
}

const isDatabase = (value: unknown): value is Database.Database =>
  typeof value === 'object' && value !== null && typeof (value as { prepare?: unknown }).prepare === 'function' &&
  typeof (value as { pragma?: unknown }).pragma === 'function'

const schema = z.object({
  tablePrefix: identifier.default(DEFAULT_TABLE_PREFIX),
  busyTimeoutMs: z.number().int().nonnegative().default(5000),
  filename: z.string().min(1, 'a file name (use { database } for a connection you opened)').optional(),
  database: z.custom<Database.Database>(isDatabase, 'a better-sqlite3 Database').optional()
}).strict().refine((o) => (o.filename === undefined) !== (o.database === undefined), {
  message: 'pass { filename } or { database }', path: ['filename']
})

export function resolveSqliteOptions (input: SqliteStoreOptions): ResolvedSqliteOptions {
  const o = parseStoreOptions('SqliteStore', schema, input)
  return { tablePrefix: o.tablePrefix, busyTimeoutMs: o.busyTimeoutMs, filename: o.filename, database: o.database }
}

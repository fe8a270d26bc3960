import type pg from 'pg'
import { TABLE_NAMES } from '../../src/stores/sql/names.js'

/** Drops the tables a PostgresStore created with `prefix` (tests on a long-lived server leave nothing behind). */
export async function dropStoreTables (pool: pg.Pool, prefix: string, schema?: string): Promise<void> {
  const names = Object.values(TABLE_NAMES).map((name) => schema === undefined ? `"${prefix}${name}"` : `"${schema}"."${prefix}${name}"`)
  await pool.query(`DROP TABLE IF EXISTS ${names.join(', ')}`)
}

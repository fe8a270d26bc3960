import type pg from 'pg'
import { TABLE_NAMES, type TableRole, type Tables } from '../sql/names.js'
import { toError } from './listener.js'
import { createIndexes, createTables, upgradeTables, type DialectTypes } from '../sql/schema.js'

const POSTGRES_TYPES: DialectTypes = {
  types: { text: 'TEXT', int: 'BIGINT', real: 'DOUBLE PRECISION', bool: 'BOOLEAN', serial: 'BIGSERIAL' }
}

/** First key of the advisory lock that serialises table creation ('pass'). */
const INIT_LOCK = 0x70617373

/**
 * Creates the schema and tables, upgrades tables of v0.1, creates the indexes and the
 * chain's head row: in one transaction under a transaction-scoped advisory lock, since
 * CREATE … IF NOT EXISTS is not race-free when several processes start at once.
 */
export async function createSchema (pool: pg.Pool, t: Tables): Promise<void> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock($1::int4, hashtext($2::text))', [INIT_LOCK, `${t.schema ?? ''}.${t.prefix}`])
    if (t.schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS "${t.schema}"`)
    for (const sql of createTables(t, POSTGRES_TYPES)) await client.query(sql)
    const { rows } = await client.query<{ table_name: string, column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = COALESCE($1::text, current_schema()) AND table_name = ANY($2::text[])`,
      [t.schema ?? null, Object.values(TABLE_NAMES).map((name) => t.prefix + name)])
    const columns = (role: TableRole): Set<string> =>
      new Set(rows.filter((r) => r.table_name === t.prefix + TABLE_NAMES[role]).map((r) => r.column_name))
    for (const sql of upgradeTables(t, POSTGRES_TYPES, columns)) await client.query(sql)
    for (const sql of createIndexes(t)) await client.query(sql)
    await client.query('COMMIT')
  } catch (err) {
    broken = toError(err)
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    client.release(broken)
  }
}

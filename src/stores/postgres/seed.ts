import type pg from 'pg'
import { DEFAULT_TABLE_PREFIX, tables } from '../sql/names.js'
import { resolveSeed, type SeedOptions } from '../sql/seed.js'
import { PostgresStore } from './index.js'

export { seededUser, type SeedOptions } from '../sql/seed.js'

/**
 * For benchmarks: inserts `count` linked users into the store's tables through `pool`
 * (created when missing) in one `INSERT … SELECT FROM generate_series`, then ANALYZEs
 * the table. See sql/seed.ts for what is (and is not) written.
 */
export async function seedLinks (pool: pg.Pool, count: number, options: SeedOptions & { tablePrefix?: string, schema?: string } = {}): Promise<void> {
  const tablePrefix = options.tablePrefix ?? DEFAULT_TABLE_PREFIX
  const store = new PostgresStore({ pool, tablePrefix, ...(options.schema === undefined ? {} : { schema: options.schema }) })
  await store.init()
  await store.close()
  const s = resolveSeed(options)
  const table = tables(tablePrefix, options.schema).identities
  await pool.query(`INSERT INTO ${table} (identity_id, user_id, status, score, reason, provider_updated, linked_at, expires_at)
    SELECT $1::text || 'identity-' || n, $1::text || n,
      CASE WHEN n % 1000 < $2::int THEN 'approved' ELSE 'created' END,
      CASE WHEN n % 1000 < $2::int THEN 0.95 END, NULL,
      CASE WHEN n % 1000 < $2::int THEN 1 ELSE 0 END, $3::bigint, NULL
    FROM generate_series($4::bigint, $4::bigint + $5::bigint - 1) AS n`, [s.userPrefix, s.approvedPerMille, s.now, s.from, count])
  await pool.query(`ANALYZE ${table}`)
}

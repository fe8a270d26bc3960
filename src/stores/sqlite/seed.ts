import type Database from 'better-sqlite3'
import { DEFAULT_TABLE_PREFIX, tables } from '../sql/names.js'
import { resolveSeed, type SeedOptions } from '../sql/seed.js'
import { SqliteStore } from './index.js'

export { seededUser, type SeedOptions } from '../sql/seed.js'

/**
 * For benchmarks: inserts `count` linked users into the store's tables on `database`
 * (created when missing), with one prepared statement in transactions of 10,000 rows.
 * See sql/seed.ts for what is (and is not) written.
 */
export async function seedLinks (database: Database.Database, count: number, options: SeedOptions & { tablePrefix?: string } = {}): Promise<void> {
  const tablePrefix = options.tablePrefix ?? DEFAULT_TABLE_PREFIX
  await new SqliteStore({ database, tablePrefix }).init()
  const s = resolveSeed(options)
  const rows = database.prepare<[string, string, string, number | null, number, number]>(`INSERT INTO ${tables(tablePrefix).identities}
    (identity_id, user_id, status, score, reason, provider_updated, linked_at, expires_at) VALUES (?, ?, ?, ?, NULL, ?, ?, NULL)`)
  const batch = database.transaction((start: number, end: number) => {
    for (let n = start; n < end; n++) {
      const approved = n % 1000 < s.approvedPerMille
      rows.run(`${s.userPrefix}identity-${n}`, `${s.userPrefix}${n}`, approved ? 'approved' : 'created', approved ? 0.95 : null, approved ? 1 : 0, s.now)
    }
  })
  for (let start = s.from; start < s.from + count; start += 10_000) batch.immediate(start, Math.min(start + 10_000, s.from + count))
  database.exec(`ANALYZE ${tables(tablePrefix).identities}`)
}

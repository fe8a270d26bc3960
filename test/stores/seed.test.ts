/**
 * The benchmark seeders (src/stores/{sqlite,postgres}/seed.ts): they load linked users
 * that the store then reads like any other, and the guard's read of them is one indexed
 * query (checked with the query plans of the store's own statement).
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import t from 'tap'
import { PostgresStore } from '../../src/stores/postgres/index.js'
import { seedLinks as seedPostgres, seededUser } from '../../src/stores/postgres/seed.js'
import { postgresStatements } from '../../src/stores/postgres/sql.js'
import { tables } from '../../src/stores/sql/names.js'
import { valuesFor } from '../../src/stores/sql/template.js'
import { SqliteStore } from '../../src/stores/sqlite/index.js'
import { seedLinks as seedSqlite } from '../../src/stores/sqlite/seed.js'
import { postgresForTap } from '../helpers/postgres.js'
import { dropStoreTables } from './pg-cleanup.js'

t.test('SQLite: seeded users are read like linked ones', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'passbase-seed-'))
  const db = new Database(join(dir, 'seed.db'))
  db.pragma('journal_mode = WAL')
  t.teardown(() => { db.close(); rmSync(dir, { recursive: true, force: true }) })
  await seedSqlite(db, 25_000, { approvedShare: 0.25, now: 1000 })
  await seedSqlite(db, 5000, { from: 25_000 })
  const count = (where: string): number => (db.prepare(`SELECT count(*) AS n FROM "passbase_identities" ${where}`).get() as { n: number }).n
  t.equal(count(''), 30_000, 'every row')
  t.equal(count("WHERE status = 'approved' AND linked_at = 1000"), 6250, 'a quarter of the first seed approved')
  t.equal(count("WHERE status = 'approved' AND linked_at = 0"), 2500, 'half of the second (the default)')
  const store = new SqliteStore({ database: db })
  t.same(await store.getByUser(seededUser(7), 2000), {
    userId: 'seed-user-7', identityId: 'seed-user-identity-7', status: 'approved', score: 0.95, reason: null, providerUpdated: 1, linkedAt: 1000, expiresAt: null
  })
  t.equal((await store.getByUser(seededUser(900), 2000))?.status, 'created')
  t.equal(await store.getByUser(seededUser(30_000), 2000), null, 'no more than asked for')
  await t.rejects(seedSqlite(db, 10), 'seeding the same users twice is refused (the identity is taken)')
  await t.rejects(seedSqlite(db, 1, { approvedShare: 2, from: 40_000 }), /approvedShare/)
})

const server = await postgresForTap(t)
if (server !== null) {
  t.test('PostgreSQL: seeded users are read like linked ones, with an index scan', async (t) => {
    const pool = new pg.Pool({ connectionString: server.connectionString, max: 4 })
    const tablePrefix = `seed_${randomUUID().slice(0, 8)}_`
    t.teardown(async () => { await dropStoreTables(pool, tablePrefix); await pool.end(); await server.stop() })
    await seedPostgres(pool, 100_000, { tablePrefix, approvedShare: 0.5 })
    const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${tablePrefix}identities" WHERE status = 'approved'`)
    t.equal(Number(rows[0]?.n), 50_000, 'half approved')
    const store = new PostgresStore({ pool, tablePrefix })
    t.teardown(async () => { await store.close() })
    t.equal((await store.getByUser(seededUser(99_999), 1))?.status, 'created')
    t.equal((await store.getByUser(seededUser(12), 1))?.status, 'approved')
    const statement = postgresStatements(tables(tablePrefix)).getByUser
    const plan = (await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement.text}`, valuesFor(statement, { userId: seededUser(4242), now: 1 })))
      .rows.map((r) => r['QUERY PLAN']).join('\n')
    t.match(plan, new RegExp(`Index Scan using "?${tablePrefix}identities_user"?`), `getByUser:\n${plan}`)
    t.notMatch(plan, /Seq Scan/, 'no table scan')
  })
}

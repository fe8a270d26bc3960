/**
 * After forget(userId) no trace of the user id is left in the store: in SQLite's files
 * (the database, -wal and -shm, read as bytes: deleted content is zeroed by
 * secure_delete and the WAL is truncated), in every PostgreSQL table of the store (each
 * row cast to text), in MemoryStore's tables. The same data for another user stays.
 */
import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import Database from 'better-sqlite3'
import pg from 'pg'
import t from 'tap'
import { MemoryStore } from '../../src/stores/memory/index.js'
import { PostgresStore } from '../../src/stores/postgres/index.js'
import { SqliteStore } from '../../src/stores/sqlite/index.js'
import type { CompleteStore } from '../../src/stores/types.js'
import { postgresForTap } from '../helpers/postgres.js'
import { dropStoreTables } from './pg-cleanup.js'

const NOW = 4_200_000_000_000

/** Everything a user can leave in a store: links, transitions (pending and handed over), a released link, challenges, revocations. */
async function activity (store: CompleteStore, userId: string): Promise<void> {
  const id = (name: string): string => `${name}-${randomUUID()}`
  const [a, b, c] = [id('identity'), id('identity'), id('identity')]
  await store.link(userId, a, NOW)
  await store.link(userId, b, NOW + 1)
  await store.link(userId, c, NOW + 2)
  await store.releaseLink(c, userId, NOW + 3)
  await store.applyUpdate(a, { status: 'processing', score: null, reason: null, providerUpdated: 1, expiresAt: null }, NOW + 4)
  await store.applyUpdate(b, { status: 'pending', score: 0.8, reason: null, providerUpdated: 1, expiresAt: null }, NOW + 5)
  for (const change of await store.claimChanges('owner', NOW + 10, 60_000, 1000)) await store.ackChange(change.id)
  await store.applyUpdate(a, { status: 'approved', score: 0.9, reason: null, providerUpdated: 2, expiresAt: NOW + 20 }, NOW + 6)
  await store.applyUpdate(a, { status: 'approved', score: 0.95, reason: null, providerUpdated: 3, expiresAt: NOW + 30 }, NOW + 7)
  await store.expireDue(NOW + 30, 1000)
  for (let k = 0; k < 3; k++) await store.createChallenge({ id: id('challenge'), userId, identityId: a, createdAt: NOW + 10 + k, expiresAt: NOW + 600_000, action: k === 2 ? 'action' : null })
  await store.recordAuthentication(a, NOW + 20, id('event'), NOW + 600_000)
  await store.revokeUser(userId, NOW + 21, NOW + 600_000, NOW + 21)
  await store.revokeUser(userId, NOW + 22, NOW + 700_000, NOW + 22)
}

const victimAndBystander = (): [string, string] => [`victim-${randomUUID()}`, `bystander-${randomUUID()}`]

function filesOf (filename: string): Buffer {
  return Buffer.concat([filename, `${filename}-wal`, `${filename}-shm`].filter((f) => existsSync(f)).map((f) => readFileSync(f)))
}

t.test('SqliteStore: no byte of the user id is left in the database, WAL or shared-memory file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'passbase-erasure-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  for (const mode of ['{ filename }', '{ database } opened by the host without secure_delete'] as const) {
    const filename = join(dir, `${mode.startsWith('{ filename') ? 'own' : 'host'}.db`)
    let host: Database.Database | undefined
    if (mode.startsWith('{ database')) {
      host = new Database(filename)
      host.pragma('journal_mode = WAL')
      t.equal(host.pragma('secure_delete', { simple: true }), 0, 'the host connection starts without secure_delete')
    }
    const store = host === undefined ? new SqliteStore({ filename }) : new SqliteStore({ database: host })
    const reader = new SqliteStore({ filename }) // another connection on the file, as another process would have
    const [victim, bystander] = victimAndBystander()
    await activity(store, victim)
    await activity(reader, bystander)
    t.ok(filesOf(filename).includes(victim), `${mode}: the files hold the user id before (the scan can find it)`)
    await reader.getByUser(bystander, NOW)
    t.same(await store.forget(victim, NOW + 100), { links: 2 })
    const after = filesOf(filename)
    t.notOk(after.includes(victim), `${mode}: after forget no file holds the user id`)
    t.ok(after.includes(bystander), `${mode}: the other user's data is still there`)
    t.equal(statSync(`${filename}-wal`).size, 0, `${mode}: the WAL was truncated`)
    await reader.close()
    await store.close()
    host?.close()
    t.notOk(filesOf(filename).includes(victim), `${mode}: nor after closing`)
  }
})

const server = await postgresForTap(t)
if (server !== null) {
  t.test('PostgresStore: no table of the store holds the user id (every row cast to text)', async (t) => {
    const admin = new pg.Pool({ connectionString: server.connectionString, max: 2 })
    const prefix = `erasure_${randomUUID().slice(0, 8)}_`
    const store = new PostgresStore({ connectionString: server.connectionString, tablePrefix: prefix })
    t.teardown(async () => { await store.close(); await dropStoreTables(admin, prefix); await admin.end(); await server.stop() })
    const [victim, bystander] = victimAndBystander()
    await activity(store, victim)
    await activity(store, bystander)
    const { rows: tables } = await admin.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE $1', [`${prefix}%`])
    t.equal(tables.length, 9, 'all the tables of the store')
    const holding = async (needle: string): Promise<string[]> => {
      const out: string[] = []
      for (const { table_name: table } of tables) {
        const { rows } = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}" AS r WHERE r::text LIKE '%' || $1 || '%'`, [needle])
        if (Number(rows[0]?.n) > 0) out.push(table)
      }
      return out.sort()
    }
    t.same(await holding(victim), [`${prefix}challenges`, `${prefix}identities`, `${prefix}outbox`, `${prefix}salts`, `${prefix}user_revocations`],
      'before: the tables that name a user hold the id')
    t.same(await store.forget(victim, NOW + 100), { links: 2 })
    t.same(await holding(victim), [], 'after forget no table holds the user id')
    t.equal((await holding(bystander)).length, 5, "the other user's rows are still there")
  })
}

t.test('MemoryStore: nothing of the user id is left in its tables', async (t) => {
  const store = new MemoryStore()
  const [victim, bystander] = victimAndBystander()
  await activity(store, victim)
  await activity(store, bystander)
  const dump = (): string => inspect(store, { depth: 10, maxArrayLength: null, maxStringLength: null })
  t.ok(dump().includes(victim), 'before: the id is there')
  await store.forget(victim, NOW + 100)
  t.notOk(dump().includes(victim), 'after forget: nowhere in the store')
  t.ok(dump().includes(bystander))
})

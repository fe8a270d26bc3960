/**
 * The change log is tamper-evident in every shipped store: an entry edited, deleted,
 * inserted or moved behind the store's back (raw SQL on SQLite and PostgreSQL, the
 * internal array of MemoryStore) is found by verifyChain(readAllChanges(store)), at the
 * first position where the chain breaks.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import t, { type Test } from 'tap'
import { changeHash } from '../../src/changes/chain.js'
import { readAllChanges, verifyChain } from '../../src/changes/verify.js'
import { MemoryStore } from '../../src/stores/memory/index.js'
import { PostgresStore } from '../../src/stores/postgres/index.js'
import { SqliteStore } from '../../src/stores/sqlite/index.js'
import type { ChangeEntry, CompleteStore } from '../../src/stores/types.js'
import { postgresForTap } from '../helpers/postgres.js'
import { dropStoreTables } from './pg-cleanup.js'

/** What an attacker with write access to the log's storage can do. */
interface Tamper {
  /** overwrite fields of the entry at `seq` */
  edit: (seq: number, fields: Partial<Pick<ChangeEntry, 'reason' | 'hash'>>) => Promise<void>
  remove: (seq: number) => Promise<void>
  /** give the entry at `from` the position `to` (which must be free) */
  move: (from: number, to: number) => Promise<void>
  insert: (entry: ChangeEntry) => Promise<void>
}

interface Subject { store: CompleteStore, tamper: Tamper, close: () => Promise<void> }

const K = 4
const ENTRIES = 8

/** Renumbers the entries from `seq` on by `delta`, one at a time and in an order that never collides. */
async function shift (tamper: Tamper, from: number, last: number, delta: 1 | -1): Promise<void> {
  const seqs = Array.from({ length: last - from + 1 }, (_, k) => from + k)
  for (const seq of delta > 0 ? seqs.reverse() : seqs) await tamper.move(seq, seq + delta)
}

const scenarios: Array<{ name: string, firstBadSeq: number | null, apply: (tamper: Tamper, entries: ChangeEntry[]) => Promise<void> }> = [
  { name: 'untouched', firstBadSeq: null, apply: async () => {} },
  { name: 'an edited entry', firstBadSeq: K, apply: async (tamper) => { await tamper.edit(K, { reason: 'tampered' }) } },
  {
    name: 'an edited entry whose hash was recomputed',
    firstBadSeq: K + 1,
    apply: async (tamper, entries) => {
      const entry = { ...entries[K - 1]!, reason: 'tampered' }
      await tamper.edit(K, { reason: 'tampered', hash: changeHash(entry.prevHash, entry) })
    }
  },
  { name: 'a deleted entry (a gap)', firstBadSeq: K, apply: async (tamper) => { await tamper.remove(K) } },
  {
    name: 'a deleted entry, the later ones renumbered',
    firstBadSeq: K,
    apply: async (tamper) => { await tamper.remove(K); await shift(tamper, K + 1, ENTRIES, -1) }
  },
  {
    name: 'an inserted entry, chained to its predecessor, the later ones renumbered',
    firstBadSeq: K + 1,
    apply: async (tamper, entries) => {
      await shift(tamper, K, ENTRIES, 1)
      const prev = entries[K - 2]!
      const body = { ...entries[K - 1]!, seq: K, id: randomUUID(), reason: 'forged' }
      await tamper.insert({ ...body, prevHash: prev.hash, hash: changeHash(prev.hash, body) })
    }
  },
  {
    name: 'two entries swapped',
    firstBadSeq: K,
    apply: async (tamper) => { await tamper.move(K, 0); await tamper.move(K + 1, K); await tamper.move(0, K + 1) }
  }
]

function sqlTamper (run: (sql: string, params: unknown[]) => Promise<void>, table: string): Tamper {
  return {
    edit: async (seq, fields) => {
      for (const [column, value] of Object.entries(fields)) await run(`UPDATE ${table} SET ${column} = ? WHERE seq = ?`, [value, seq])
    },
    remove: async (seq) => { await run(`DELETE FROM ${table} WHERE seq = ?`, [seq]) },
    move: async (from, to) => { await run(`UPDATE ${table} SET seq = ? WHERE seq = ?`, [to, from]) },
    insert: async (e) => {
      await run(`INSERT INTO ${table} (seq, id, at, type, subject, identity_id, from_status, to_status, score, reason, prev_hash, hash)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [e.seq, e.id, e.at, e.type, e.subject, e.identityId, e.from, e.to, e.score, e.reason, e.prevHash, e.hash])
    }
  }
}

function memorySubject (): Subject {
  const store = new MemoryStore()
  const entries = (store as unknown as { log: { entries: ChangeEntry[] } }).log.entries
  const sort = (): void => { entries.sort((a, b) => a.seq - b.seq) }
  const at = (seq: number): ChangeEntry => entries.find((e) => e.seq === seq)!
  const tamper: Tamper = {
    edit: async (seq, fields) => { Object.assign(at(seq), fields) },
    remove: async (seq) => { entries.splice(entries.indexOf(at(seq)), 1) },
    move: async (from, to) => { at(from).seq = to; sort() },
    insert: async (entry) => { entries.push(entry); sort() }
  }
  return { store, tamper, close: async () => {} }
}

async function check (t: Test, label: string, open: () => Promise<Subject>): Promise<void> {
  for (const scenario of scenarios) {
    const { store, tamper, close } = await open()
    try {
      for (let k = 0; k < ENTRIES; k++) await store.link(`user-${k}`, `identity-${k}`, 1000 + k)
      const entries = await store.readChanges(0, 100)
      t.equal(entries.length, ENTRIES)
      await scenario.apply(tamper, entries)
      const verdict = await verifyChain(readAllChanges(store))
      if (scenario.firstBadSeq === null) t.ok(verdict.ok, `${label}: ${scenario.name} verifies`)
      else t.same(verdict, { ok: false, firstBadSeq: scenario.firstBadSeq, entries: scenario.firstBadSeq - 1 }, `${label}: ${scenario.name} is found at seq ${scenario.firstBadSeq}`)
    } finally {
      await close()
    }
  }
}

t.test('MemoryStore (its internal array)', async (t) => { await check(t, 'memory', async () => memorySubject()) })

t.test('SqliteStore (raw SQL on the file)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'passbase-tamper-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  let n = 0
  await check(t, 'sqlite', async () => {
    const filename = join(dir, `tamper-${++n}.db`)
    const store = new SqliteStore({ filename })
    await store.init()
    const db = new Database(filename)
    const tamper = sqlTamper(async (sql, params) => { db.prepare(sql).run(...params) }, '"passbase_changes"')
    return { store, tamper, close: async () => { db.close(); await store.close() } }
  })
})

const server = await postgresForTap(t)
if (server !== null) {
  t.test('PostgresStore (raw SQL on its tables)', async (t) => {
    const admin = new pg.Pool({ connectionString: server.connectionString, max: 2 })
    t.teardown(async () => { await admin.end(); await server.stop() })
    await check(t, 'postgres', async () => {
      const prefix = `tamper_${randomUUID().slice(0, 8)}_`
      const store = new PostgresStore({ connectionString: server.connectionString, tablePrefix: prefix })
      await store.init()
      const tamper = sqlTamper(async (sql, params) => {
        let k = 0
        await admin.query(sql.replace(/\?/g, () => `$${++k}`), params)
      }, `"${prefix}changes"`)
      return { store, tamper, close: async () => { await store.close(); await dropStoreTables(admin, prefix) } }
    })
  })
}

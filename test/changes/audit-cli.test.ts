import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import t from 'tap'
import { main } from '../../src/changes/cli.js'
import { PostgresStore } from '../../src/stores/postgres/index.js'
import { SqliteStore } from '../../src/stores/sqlite/index.js'
import type { PassbaseStore } from '../../src/stores/types.js'
import { postgresForTap } from '../helpers/postgres.js'

/** `fastify-passbase-audit verify|export` against a SQLite file and a PostgreSQL database. */

async function fill (store: PassbaseStore): Promise<void> {
  await store.init?.()
  for (const [user, identity] of [['ann', 'identity-1'], ['bob', 'identity-2']] as const) {
    await store.link(user, identity, 1000)
    await store.applyUpdate(identity, { status: 'approved', score: 0.9, reason: null, providerUpdated: 5, expiresAt: null }, 2000)
  }
  await store.close?.()
}

async function run (args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number, out: string[], err: string[] }> {
  const out: string[] = []
  const err: string[] = []
  const code = await main(args, { out: (l) => { out.push(l) }, err: (l) => { err.push(l) }, env })
  return { code, out, err }
}

t.test('SQLite: verify, export (all, one user, since, limit), and a tampered row', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'passbase-audit-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const file = join(dir, 'store.db')
  await fill(new SqliteStore({ filename: file }))
  const ok = await run(['verify', '--sqlite', file])
  t.equal(ok.code, 0)
  t.match(JSON.parse(ok.out[0]!), { ok: true, entries: 4 })
  const all = await run(['export', '--sqlite', file])
  t.same(all.out.map((l) => JSON.parse(l).seq), [1, 2, 3, 4], 'NDJSON, oldest first')
  t.notMatch(all.out.join('\n'), /ann|bob/, 'no user id in the export')
  t.same((await run(['export', '--sqlite', file, '--user', 'bob'])).out.map((l) => JSON.parse(l).seq), [3, 4])
  t.same((await run(['export', '--sqlite', file, '--since', new Date(2000).toISOString(), '--limit', '1'])).out.map((l) => JSON.parse(l).seq), [2])
  const db = new Database(file)
  db.prepare("UPDATE passbase_changes SET to_status = 'declined' WHERE seq = 2").run()
  db.close()
  const broken = await run(['verify', '--sqlite', file])
  t.equal(broken.code, 1, 'a broken chain exits 1')
  t.match(JSON.parse(broken.out[0]!), { ok: false, firstBadSeq: 2 })
})

t.test('bad arguments exit 2 with the usage', async (t) => {
  for (const args of [[], ['verify'], ['verify', '--sqlite', 'a', '--postgres', 'b'], ['frobnicate', '--sqlite', 'a'], ['export', '--sqlite', 'a', '--limit', 'x'], ['export', '--sqlite', 'a', '--since', 'yesterday'], ['verify', '--nope']]) {
    const res = await run(args)
    t.equal(res.code, 2, args.join(' '))
    t.match(res.err.join('\n'), /Usage: fastify-passbase-audit/)
  }
  t.equal((await run(['verify', '--postgres', '-'])).code, 2, 'DATABASE_URL unset')
  t.match((await run(['--help'])).out[0], /verify/)
})

const server = await postgresForTap(t)
if (server !== null) {
  t.test('PostgreSQL: verify and export through --postgres (or DATABASE_URL)', async (t) => {
    t.teardown(async () => { await server.stop() })
    const tablePrefix = `audit_${process.pid}_`
    await fill(new PostgresStore({ connectionString: server.connectionString, tablePrefix }))
    const ok = await run(['verify', '--postgres', '-', '--table-prefix', tablePrefix], { DATABASE_URL: server.connectionString })
    t.equal(ok.code, 0, ok.err.join('\n'))
    t.match(JSON.parse(ok.out[0]!), { ok: true, entries: 4 })
    const all = await run(['export', '--postgres', server.connectionString, '--table-prefix', tablePrefix])
    t.equal(all.out.length, 4)
  })
}

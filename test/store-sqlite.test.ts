import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import t from 'tap'
import { storeConformance } from '../src/testing/conformance.js'
import { SqliteStore } from '../src/stores/sqlite.js'
import { CHALLENGES, EVENTS, IDENTITIES, NOW, type WorkerReport } from './multiprocess-sqlite-worker.js'

const dir = mkdtempSync(join(tmpdir(), 'passbase-sqlite-'))
t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })

storeConformance('SqliteStore conformance ({ filename })', () => new SqliteStore({ filename: join(dir, 'conformance.db') }), { test: t.test.bind(t) })

t.test('SqliteStore conformance ({ database } shared by the host)', async (t) => {
  const db = new Database(join(dir, 'host.db'))
  db.pragma('journal_mode = WAL')
  db.pragma('busy_timeout = 5000')
  t.teardown(() => { db.close() })
  await storeConformance('host database', () => new SqliteStore({ database: db, tablePrefix: 'kyc_' }), { test: t.test.bind(t) })
  t.equal(db.open, true, 'close() never closes a database the host passed in')
  const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => r.name)
  t.same(tables, ['kyc_authentications', 'kyc_challenges', 'kyc_events', 'kyc_identities', 'kyc_revocations'])
})

t.test('opens the file in WAL mode with a busy timeout', async (t) => {
  const filename = join(dir, 'pragmas.db')
  const store = new SqliteStore({ filename, busyTimeoutMs: 1234 })
  await store.init()
  await store.close()
  const db = new Database(filename, { readonly: true })
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal')
  db.close()
})

t.test('state persists across close and reopen', async (t) => {
  const filename = join(dir, 'persist.db')
  const first = new SqliteStore({ filename })
  await first.init()
  await first.link('u1', 'i1', 1000)
  await first.applyUpdate('i1', { status: 'approved', score: 0.91, reason: null, providerUpdated: 1_700_000_000 })
  await first.markEvent('ev', 5_000_000_000_000, 1000)
  await first.createChallenge({ id: 'c1', userId: 'u1', identityId: 'i1', createdAt: 1000, expiresAt: 5_000_000_000_000 })
  await first.recordAuthentication('i1', 4_000_000_000_123)
  await first.revokeToken('j1', 5_000_000_000_000)
  await first.close()
  await first.close() // idempotent
  await t.rejects(first.getByUser('u1'), /closed/, 'a closed store rejects')

  const second = new SqliteStore({ filename })
  t.teardown(async () => { await second.close() })
  t.same(await second.getByUser('u1'), {
    userId: 'u1', identityId: 'i1', status: 'approved', score: 0.91, reason: null, providerUpdated: 1_700_000_000, linkedAt: 1000
  })
  t.equal(await second.markEvent('ev', 5_000_000_000_000, 2000), false, 'dedup entry survived')
  t.same(await second.getChallenge('c1'), { id: 'c1', userId: 'u1', identityId: 'i1', createdAt: 1000, expiresAt: 5_000_000_000_000 })
  t.equal(await second.lastAuthentication('i1'), 4_000_000_000_123)
  t.equal(await second.isRevoked('j1', 2000), true)
  t.same(await second.link('u2', 'i1', 3000), { ok: false, reason: 'identity_taken' })
})

t.test('tables are created on first use, without init()', async (t) => {
  const store = new SqliteStore({ filename: join(dir, 'lazy.db') })
  t.teardown(async () => { await store.close() })
  const result = await store.link('u', 'i', 1)
  t.equal(result.ok, true)
})

t.test('table prefixes keep stores apart in one file', async (t) => {
  const filename = join(dir, 'prefixes.db')
  const a = new SqliteStore({ filename, tablePrefix: 'a_' })
  const b = new SqliteStore({ filename, tablePrefix: 'b_' })
  t.teardown(async () => { await a.close(); await b.close() })
  await a.link('u', 'i', 1)
  t.equal(await b.getByIdentity('i'), null)
  t.equal((await b.link('other', 'i', 1)).ok, true)
})

t.test('options are validated', async (t) => {
  t.throws(() => new SqliteStore({ filename: join(dir, 'x.db'), tablePrefix: 'bad-prefix; DROP' }), /tablePrefix/)
  t.throws(() => new SqliteStore({ filename: '' }), /filename/)
  const store = new SqliteStore({ filename: join(dir, 'defaults.db') })
  t.equal(store.shared, true)
  t.equal(store.cacheTtlMs, 1000)
  t.equal(new SqliteStore({ filename: join(dir, 'ttl.db'), cacheTtlMs: 250 }).cacheTtlMs, 250)
  await t.rejects(new SqliteStore({ filename: join(dir, 'missing-dir', 'x.db') }).init(), 'an unusable path rejects (it does not throw synchronously)')
})

t.test('several processes race on one file', async (t) => {
  const filename = join(dir, 'multiprocess.db')
  const setup = new SqliteStore({ filename })
  await setup.init()
  await setup.link('mp-owner', 'mp-shared-identity', NOW)
  for (let k = 0; k < CHALLENGES; k++) {
    await setup.createChallenge({ id: `mp-challenge-${k}`, userId: 'mp-owner', identityId: 'mp-shared-identity', createdAt: NOW, expiresAt: NOW + 60_000 })
  }
  await setup.close()

  const workers = 4
  const script = fileURLToPath(new URL('./multiprocess-sqlite-worker.ts', import.meta.url))
  const loader = process.execArgv.filter((arg) => arg.includes('@tapjs/typescript'))
  const children = Array.from({ length: workers }, (_, w) => spawn(process.execPath, [...loader, script, filename, String(w), String(workers)], {
    stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '', TS_NODE_TRANSPILE_ONLY: '1' }
  }))
  const outputs = children.map((child) => {
    let out = ''
    child.stdout.setEncoding('utf8')
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        out += chunk
        if (out.includes('ready\n')) resolve()
      })
      child.once('exit', (code) => { reject(new Error(`worker exited early (${String(code)})`)) })
    })
    const done = new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => { code === 0 ? resolve(out) : reject(new Error(`worker failed (${String(code)}): ${out}`)) })
    })
    return { ready, done }
  })
  await Promise.all(outputs.map(async (o) => { await o.ready }))
  const startAt = Date.now() + 300
  for (const child of children) child.stdin.end(`go ${startAt}\n`)
  const reports = (await Promise.all(outputs.map(async (o) => await o.done)))
    .map((out) => JSON.parse(out.slice(out.indexOf('ready\n') + 6).trim()) as WorkerReport)

  const check = new SqliteStore({ filename })
  t.teardown(async () => { await check.close() })

  // one identity, one user
  for (let k = 0; k < IDENTITIES; k++) {
    const identity = `mp-identity-${k}`
    const attempts = reports.flatMap((r) => r.links.filter((l) => l.identity === identity).map((l) => ({ ...l, worker: r.worker })))
    const winners = attempts.filter((a) => a.ok)
    if (winners.length !== 1) t.fail(`${identity}: ${winners.length} winners`)
    const stored = await check.getByIdentity(identity)
    if (stored?.userId !== `mp-user-${winners[0]?.worker ?? -1}`) t.fail(`${identity} stored for ${String(stored?.userId)}`)
    if (!attempts.every((a) => a.ok || a.reason === 'identity_taken')) t.fail(`${identity}: unexpected refusal`)
  }
  t.pass(`each of ${IDENTITIES} identities linked exactly once across ${workers} processes`)

  // one new delivery per key
  for (let k = 0; k < EVENTS; k++) {
    const key = `mp-event-${k}`
    const news = reports.flatMap((r) => r.marks.filter((m) => m.key === key && m.isNew))
    if (news.length !== 1) t.fail(`${key}: ${news.length} processes saw it as new`)
  }
  t.pass(`each of ${EVENTS} events de-duplicated across processes`)

  // one use per challenge
  for (let k = 0; k < CHALLENGES; k++) {
    const id = `mp-challenge-${k}`
    const attempts = reports.flatMap((r) => r.consumes.filter((c) => c.id === id))
    if (attempts.filter((c) => c.ok).length !== 1) t.fail(`${id}: not consumed exactly once`)
    if (!attempts.every((c) => c.ok || c.reason === 'used')) t.fail(`${id}: unexpected refusal`)
  }
  t.pass(`each of ${CHALLENGES} challenges consumed exactly once`)

  // monotonic updates: the applied writes form one chain, as if run one after the other
  const updates = reports.flatMap((r) => r.updates)
  const applied = updates.filter((u) => u.applied).sort((a, b) => a.providerUpdated - b.providerUpdated)
  let last = 0
  let chain = true
  for (const u of applied) {
    if (u.previous !== last || u.record !== u.providerUpdated) chain = false
    last = u.providerUpdated
  }
  t.ok(chain, `${applied.length} applied updates form one chain (each saw the previous write)`)
  t.equal(applied.filter((u) => u.providerUpdated === 1_000_000).length, 1, 'the value every process sent applied once')
  const appliedBy = reports.map((r) => r.updates.filter((u) => u.applied).length)
  const linkedBy = reports.map((r) => r.links.filter((l) => l.ok).length)
  t.comment(`interleaving: applied updates per process ${appliedBy.join('/')}, links won per process ${linkedBy.join('/')}`)
  t.ok(updates.filter((u) => !u.applied).every((u) => (u.record ?? 0) >= u.providerUpdated), 'every refused update met a newer state')
  t.equal((await check.getByIdentity('mp-shared-identity'))?.providerUpdated, 1_000_000, 'the newest state is stored')
})

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import t from 'tap'
import { readAllChanges, verifyChain } from '../../src/changes/verify.js'
import { tables } from '../../src/stores/sql/names.js'
import { sharedQueries } from '../../src/stores/sql/queries.js'
import { SqliteStore } from '../../src/stores/sqlite/index.js'
import { storeConformance } from '../../src/testing/index.js'
import { checkUpgraded } from './upgrade.js'

const dir = mkdtempSync(join(tmpdir(), 'passbase-sqlite-'))
t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })

storeConformance('SqliteStore conformance ({ filename })', () => new SqliteStore({ filename: join(dir, 'conformance.db') }), {
  test: t.test.bind(t), shared: true
})

t.test('SqliteStore conformance ({ database } shared by the host)', async (t) => {
  const db = new Database(join(dir, 'host.db'))
  db.pragma('journal_mode = WAL')
  db.pragma('busy_timeout = 5000')
  t.teardown(() => { db.close() })
  await storeConformance('host database', () => new SqliteStore({ database: db, tablePrefix: 'kyc_' }), { test: t.test.bind(t), shared: true })
  t.equal(db.open, true, 'close() never closes a database the host passed in')
  const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => r.name)
  t.same(tables, ['kyc_challenges', 'kyc_change_head', 'kyc_changes', 'kyc_events', 'kyc_identities', 'kyc_outbox', 'kyc_salts', 'kyc_used_tokens', 'kyc_user_revocations'])
  t.equal(db.pragma('secure_delete', { simple: true }), 1, 'secure_delete is on for the connection (erasures zero what they delete)')
})

t.test('opens the file in WAL mode with a busy timeout and secure_delete', async (t) => {
  const filename = join(dir, 'pragmas.db')
  const store = new SqliteStore({ filename, busyTimeoutMs: 1234 })
  await store.init()
  const db = (store as unknown as { db: Database.Database }).db
  t.equal(db.pragma('busy_timeout', { simple: true }), 1234)
  t.equal(db.pragma('secure_delete', { simple: true }), 1)
  await store.close()
  const check = new Database(filename, { readonly: true })
  t.equal(check.pragma('journal_mode', { simple: true }), 'wal')
  check.close()
})

t.test('state persists across close and reopen', async (t) => {
  const filename = join(dir, 'persist.db')
  const first = new SqliteStore({ filename })
  await first.init()
  await first.link('u1', 'i1', 1000)
  await first.applyUpdate('i1', { status: 'approved', score: 0.91, reason: null, providerUpdated: 1_700_000_000, expiresAt: 5_000_000_000_000 }, 1000)
  await first.markEvent('ev', 5_000_000_000_000, 1000)
  await first.createChallenge({ id: 'c1', userId: 'u1', identityId: 'i1', createdAt: 1000, expiresAt: 5_000_000_000_000, action: 'pay' })
  await first.recordAuthentication('i1', 4_000_000_000_123, 'auth-1', 5_000_000_000_000)
  await first.revokeUser('u1', 3000, 5_000_000_000_000, 3000)
  await first.useToken('j1', 5_000_000_000_000, 1000)
  await first.close()
  await first.close() // idempotent
  await t.rejects(first.getByUser('u1', 1000), /closed/, 'a closed store rejects')

  const second = new SqliteStore({ filename })
  t.teardown(async () => { await second.close() })
  t.same(await second.getByUser('u1', 2000), {
    userId: 'u1', identityId: 'i1', status: 'approved', score: 0.91, reason: null, providerUpdated: 1_700_000_000, linkedAt: 1000, expiresAt: 5_000_000_000_000
  })
  t.equal(await second.markEvent('ev', 5_000_000_000_000, 2000), false, 'dedup entry survived')
  t.same(await second.getChallenge('c1'), {
    id: 'c1', userId: 'u1', identityId: 'i1', createdAt: 1000, expiresAt: 5_000_000_000_000, action: 'pay', authenticatedAt: 4_000_000_000_123, conflicted: false, closedAt: null
  })
  t.equal(await second.revokedBefore('u1', 2000), 3000)
  t.equal(await second.useToken('j1', 5_000_000_000_000, 2000), false, 'a used token stays used')
  t.same(await second.link('u2', 'i1', 3000), { ok: false, reason: 'identity_taken' })
  const verdict = await verifyChain(readAllChanges(second))
  t.same(verdict.ok && verdict.entries, 3, 'the change log survived (linked, status, revoked) and verifies')
  t.equal(await second.pendingChanges(), 1, 'and the outbox')
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
  t.equal((await a.readChanges(0, 10)).length, 1, 'each has its own change log')
})

t.test('options are validated', async (t) => {
  t.throws(() => new SqliteStore({ filename: join(dir, 'x.db'), tablePrefix: 'bad-prefix; DROP' }), /FST_PASSBASE_OPTIONS|tablePrefix/)
  t.throws(() => new SqliteStore({ filename: join(dir, 'x.db'), tablePrefix: 'bad-prefix; DROP' }), /tablePrefix/)
  t.throws(() => new SqliteStore({ filename: '' }), /filename/)
  t.throws(() => new SqliteStore({ filename: join(dir, 'x.db'), busyTimeoutMs: -1 }), /busyTimeoutMs/)
  t.throws(() => new SqliteStore({ filename: join(dir, 'x.db'), cacheTtlMs: 250 } as never), /cacheTtlMs.*plugin/, 'a removed v0.1 option says where it went')
  t.throws(() => new SqliteStore({ filename: join(dir, 'x.db'), colour: 'blue' } as never), /colour/, 'unknown options are named')
  t.throws(() => new SqliteStore({} as never), /filename/)
  await t.rejects(new SqliteStore({ filename: join(dir, 'missing-dir', 'x.db') }).init(), 'an unusable path rejects (it does not throw synchronously)')
})

t.test('tables of v0.1 are upgraded in place', async (t) => {
  const filename = join(dir, 'v01.db')
  const old = new Database(filename)
  old.exec(`
    CREATE TABLE "passbase_identities" (identity_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, status TEXT NOT NULL, score REAL,
      reason TEXT, provider_updated INTEGER NOT NULL DEFAULT 0, linked_at INTEGER NOT NULL);
    CREATE INDEX "passbase_identities_user" ON "passbase_identities" (user_id);
    CREATE TABLE "passbase_events" ("key" TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
    CREATE TABLE "passbase_challenges" (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, identity_id TEXT NOT NULL,
      created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);
    INSERT INTO "passbase_identities" VALUES ('i1', 'u1', 'approved', 0.9, NULL, 100, 1000);
    INSERT INTO "passbase_events" VALUES ('ev', 5000000000000);
    INSERT INTO "passbase_challenges" VALUES ('c-old', 'u1', 'i1', 1000, 5000000000000, 0), ('c-new', 'u1', 'i1', 2000, 5000000000000, 0);
  `)
  old.close()
  const store = new SqliteStore({ filename })
  t.teardown(async () => { await store.close() })
  await checkUpgraded(t, store)
})

t.test("the guard's cache-miss read and the expiry sweep use indexes", async (t) => {
  const store = new SqliteStore({ filename: join(dir, 'plans.db') })
  await store.init()
  t.teardown(async () => { await store.close() })
  const db = (store as unknown as { db: Database.Database }).db
  const q = sharedQueries(tables('passbase_'), { greatest: 'max', order: 'rowid' })
  const plan = (sql: string, params: object): string =>
    db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params).map((r) => (r as { detail: string }).detail).join('; ')
  const getByUser = plan(q.getByUser, { userId: 'u', now: 1 })
  t.match(getByUser, /SEARCH passbase_identities USING INDEX passbase_identities_user \(user_id=\?\)/, `getByUser: ${getByUser}`)
  t.notMatch(getByUser, /SCAN passbase_identities/, 'no table scan')
  const due = plan(q.due, { now: 5, limit: 10 })
  t.match(due, /passbase_identities USING INDEX passbase_identities_expiring/, `expireDue: ${due}`)
  const claim = plan(q.claimable, { now: 5, limit: 10 })
  t.notMatch(claim, /SCAN p\b/, `claimChanges finds a user's older changes by index: ${claim}`)
  const conflicts = plan(q.conflictOpen, { userId: 'u', now: 1 })
  t.match(conflicts, /passbase_challenges USING INDEX passbase_challenges_user/, `a start finds the user's challenges by index: ${conflicts}`)
  const closes = plan(`SELECT id FROM passbase_challenges WHERE ${q.closedBy}`, { identityId: 'i', at: 1 })
  t.notMatch(closes, /SCAN passbase_challenges/, `an authentication finds the user's challenges by index: ${closes}`)
  const unsettled = plan(q.unsettled, { linkedBefore: 5, limit: 10 })
  t.match(unsettled, /passbase_identities USING INDEX passbase_identities_unsettled/, `unsettledLinks: ${unsettled}`)
})

t.test("a user's challenges are kept until they expire, then purged: storage follows the starts within challengeTtl", async (t) => {
  const db = new Database(join(dir, 'challenges.db'))
  t.teardown(() => { db.close() })
  const store = new SqliteStore({ database: db })
  await store.init()
  for (let i = 0; i < 200; i++) await store.createChallenge({ id: `c${i}`, userId: 'u', identityId: 'i', createdAt: i, expiresAt: 10_000_000, action: null })
  await store.createChallenge({ id: 'other', userId: 'v', identityId: 'j', createdAt: 1, expiresAt: 10_000_000, action: null })
  t.same(db.prepare<[], { n: number }>('SELECT count(*) AS n FROM passbase_challenges').get(), { n: 201 })
  t.same(db.prepare<[], { n: number }>("SELECT count(*) AS n FROM passbase_challenges WHERE user_id = 'u' AND conflicted").get(), { n: 200 }, 'all conflicted')
  t.same(await store.getChallenge('c199'), { id: 'c199', userId: 'u', identityId: 'i', createdAt: 199, expiresAt: 10_000_000, action: null, authenticatedAt: null, conflicted: true, closedAt: null })
  await store.purgeExpired(10_000_000)
  t.same(db.prepare<[], { n: number }>('SELECT count(*) AS n FROM passbase_challenges').get(), { n: 0 }, 'purged once expired')
})

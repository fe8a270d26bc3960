import { randomUUID } from 'node:crypto'
import pg from 'pg'
import t from 'tap'
import { PostgresStore } from '../../src/stores/postgres/index.js'
import type { Invalidation } from '../../src/stores/types.js'
import { storeConformance } from '../../src/testing/index.js'
import { postgresForTap } from '../helpers/postgres.js'
import { until } from '../helpers/wait.js'
import { dropStoreTables } from './pg-cleanup.js'

const server = await postgresForTap(t)
if (server !== null) {
  const connectionString = server.connectionString
  const admin = new pg.Pool({ connectionString, max: 3 })
  const approved = (providerUpdated: number, expiresAt: number | null = null): Parameters<PostgresStore['applyUpdate']>[1] =>
    ({ status: 'approved', score: 0.9, reason: null, providerUpdated, expiresAt })

  // a prefix of its own: the cases count pending changes, which nothing else may add meanwhile
  const conformancePrefix = `conf_${randomUUID().slice(0, 8)}_`
  t.teardown(async () => {
    await dropStoreTables(admin, conformancePrefix)
    await admin.end()
    await server.stop()
  })
  storeConformance('PostgresStore conformance ({ connectionString })', () => new PostgresStore({ connectionString, tablePrefix: conformancePrefix }), { test: t.test.bind(t), shared: true })

  t.test('PostgresStore conformance ({ pool } of the host, schema, prefix)', async (t) => {
    const pool = new pg.Pool({ connectionString, max: 20 })
    t.teardown(async () => { await pool.end() })
    await storeConformance('host pool', () => new PostgresStore({ pool, schema: 'kyc', tablePrefix: 'pb_' }), { test: t.test.bind(t), shared: true })
    t.equal(pool.ended, false, 'the host pool is never ended by the store')
    const { rows } = await pool.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'kyc' ORDER BY table_name")
    t.same(rows.map((r) => r.table_name), ['pb_challenges', 'pb_change_head', 'pb_changes', 'pb_events', 'pb_identities', 'pb_outbox', 'pb_salts', 'pb_used_tokens', 'pb_user_revocations'])
  })

  t.test('stress: races across three pools, 30 rounds', async (t) => {
    const stores = Array.from({ length: 3 }, () => new PostgresStore({ connectionString, poolConfig: { max: 12 } }))
    t.teardown(async () => { await Promise.all(stores.map(async (s) => { await s.close() })) })
    await Promise.all(stores.map(async (s) => { await s.init() }))
    const pick = (k: number): PostgresStore => stores[k % stores.length] as PostgresStore
    let problems = 0
    let appliedTotal = 0
    for (let round = 0; round < 30; round++) {
      const identity = `stress-${randomUUID()}`
      const users = Array.from({ length: 6 }, () => `user-${randomUUID()}`)
      const links = await Promise.all(users.map(async (u, k) => await pick(k).link(u, identity, round)))
      if (links.filter((l) => l.ok).length !== 1) problems++
      const values = Array.from({ length: 30 }, () => 1 + Math.floor(Math.random() * 20))
      const results = await Promise.all(values.map(async (v, k) => await pick(k).applyUpdate(identity, { status: 'pending', score: v / 100, reason: null, providerUpdated: v, expiresAt: null }, round)))
      const applied = values.map((v, k) => ({ v, r: results[k] })).filter((x) => x.r?.applied === true).sort((a, b) => a.v - b.v)
      appliedTotal += applied.length
      let last = 0
      for (const { v, r } of applied) {
        if (r?.previous?.providerUpdated !== last || r.record?.providerUpdated !== v) problems++
        last = v
      }
      if (last !== Math.max(...values)) problems++
      if ((await pick(round).getByIdentity(identity))?.providerUpdated !== Math.max(...values)) problems++
      const key = `stress-event-${randomUUID()}`
      const marks = await Promise.all(Array.from({ length: 15 }, async (_, k) => await pick(k).markEvent(key, 5_000_000_000_000, 4_000_000_000_000)))
      if (marks.filter(Boolean).length !== 1) problems++
    }
    t.equal(problems, 0, `no anomaly in 30 rounds (${appliedTotal} applied updates checked)`)
  })

  t.test('five processes starting at once create the tables once', async (t) => {
    const prefix = `race_${randomUUID().slice(0, 8)}_`
    const stores = Array.from({ length: 5 }, () => new PostgresStore({ connectionString, tablePrefix: prefix }))
    t.teardown(async () => { await Promise.all(stores.map(async (s) => { await s.close() })); await dropStoreTables(admin, prefix) })
    await Promise.all(stores.map(async (s) => { await s.init() }))
    await Promise.all(stores.map(async (s) => { await s.init() }))
    const { rows } = await admin.query<{ n: string }>(
      'SELECT count(*) AS n FROM information_schema.tables WHERE table_name LIKE $1', [`${prefix}%`])
    t.equal(Number(rows[0]?.n), 9, 'nine tables')
    const [a, b] = stores as [PostgresStore, PostgresStore]
    t.equal((await a.link('u', 'i', 1)).ok, true)
    t.equal((await b.getByIdentity('i'))?.userId, 'u', 'all instances use the same tables')
  })

  t.test('tables are created on first use, without init()', async (t) => {
    const prefix = `lazy_${randomUUID().slice(0, 8)}_`
    const stores = Array.from({ length: 3 }, () => new PostgresStore({ connectionString, tablePrefix: prefix }))
    t.teardown(async () => { await Promise.all(stores.map(async (s) => { await s.close() })); await dropStoreTables(admin, prefix) })
    const results = await Promise.all(stores.map(async (s, k) => await s.link(`u${k}`, 'one-identity', k)))
    t.equal(results.filter((r) => r.ok).length, 1, 'the racing first calls create the tables and link once')
  })

  t.test('subscribe receives invalidations from another instance', async (t) => {
    const channel = `inv_${randomUUID().slice(0, 8)}`
    const listener = new PostgresStore({ connectionString, channel })
    const writer = new PostgresStore({ connectionString, channel })
    t.teardown(async () => { await listener.close(); await writer.close() })
    await writer.init()
    const events: Invalidation[] = []
    const unsubscribe = listener.subscribe((e) => { events.push(e) })
    await listener.listening()

    const user = `user-${randomUUID()}`; const identity = `identity-${randomUUID()}`
    await writer.link(user, identity, 1)
    await until(() => events.length >= 1, 'the link invalidation', 5000)
    const applied = await writer.applyUpdate(identity, approved(10), 2)
    t.equal(applied.applied, true)
    await until(() => events.length >= 2, 'the update invalidation', 5000)
    t.same(events, [{ kind: 'user', userId: user }, { kind: 'user', userId: user }], 'a link and an applied update are announced')

    // refused updates announce nothing
    await writer.applyUpdate(identity, { status: 'declined', score: 0.1, reason: null, providerUpdated: 5, expiresAt: null }, 3)
    const revoked = `user-${randomUUID()}`
    await writer.revokeUser(revoked, 4, Date.now() + 60_000, 4)
    await until(() => events.length >= 3, 'the revocation', 5000)
    t.same(events[2], { kind: 'user', userId: revoked }, 'revocations are announced; the refused update was not')

    // other channels and bad payloads are ignored
    await admin.query('SELECT pg_notify($1, $2)', [channel, 'not json'])
    await admin.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify({ kind: 'user' })])
    await admin.query('SELECT pg_notify($1, $2)', [`${channel}_other`, JSON.stringify({ kind: 'user', userId: 'x' })])
    await admin.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify({ kind: 'user', userId: 'marker' })])
    await until(() => events.length >= 4, 'the marker', 5000)
    t.same(events[3], { kind: 'user', userId: 'marker' }, 'malformed payloads are dropped')

    unsubscribe()
    await writer.revokeUser(`user-${randomUUID()}`, 5, Date.now() + 60_000, 5)
    await writer.link(`user-${randomUUID()}`, `identity-${randomUUID()}`, 6)
    const probe = new PostgresStore({ connectionString, channel })
    t.teardown(async () => { await probe.close() })
    const seen: Invalidation[] = []
    probe.subscribe((e) => { seen.push(e) })
    await probe.listening()
    await admin.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify({ kind: 'user', userId: 'after' })])
    await until(() => seen.length >= 1, 'the probe', 5000)
    t.equal(events.length, 4, 'nothing after unsubscribe (a later notification reached another listener)')
  })

  t.test('releases, expiries and erasures are announced too', async (t) => {
    const channel = `more_${randomUUID().slice(0, 8)}`
    const store = new PostgresStore({ connectionString, channel })
    t.teardown(async () => { await store.close() })
    const events: Invalidation[] = []
    store.subscribe((e) => { events.push(e) })
    await store.listening()
    const [a, b, c] = [`a-${randomUUID()}`, `b-${randomUUID()}`, `c-${randomUUID()}`]
    await store.link(a, `ia-${randomUUID()}`, 1)
    const ib = `ib-${randomUUID()}`
    await store.link(b, ib, 1)
    await store.applyUpdate(ib, approved(10, 50), 1)
    await store.link(c, `ic-${randomUUID()}`, 1)
    await until(() => events.length >= 4, 'the setup', 5000)
    events.length = 0
    await store.releaseLink((await store.getByUser(a, 2))!.identityId, a, 2)
    await store.expireDue(60, 1000)
    await store.forget(c, 3)
    await until(() => events.length >= 3, 'three invalidations', 5000)
    t.same(new Set(events.map((e) => e.kind === 'user' ? e.userId : '*')), new Set([a, b, c]))
  })

  t.test('the LISTEN connection reconnects after it drops', async (t) => {
    const channel = `rec_${randomUUID().slice(0, 8)}`
    const appName = `passbase-test-${randomUUID().slice(0, 8)}`
    const errors: Error[] = []
    const listener = new PostgresStore({ connectionString, channel, poolConfig: { application_name: appName }, onError: (err) => { errors.push(err) } })
    const writer = new PostgresStore({ connectionString, channel })
    t.teardown(async () => { await listener.close(); await writer.close() })
    const events: Invalidation[] = []
    listener.subscribe((e) => { events.push(e) })
    await listener.listening()
    const backends = async (): Promise<number[]> => (await admin.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN%'", [appName])).rows.map((r) => r.pid)
    const [before] = await backends()
    t.ok(before !== undefined, 'a LISTEN connection is open')
    await admin.query('SELECT pg_terminate_backend($1)', [before])
    await until(async () => { const now = await backends(); return now.length === 1 && now[0] !== before }, 'the new LISTEN connection', 5000)
    t.pass('reconnected')
    await until(() => events.some((e) => e.kind === 'all'), "a { kind: 'all' } after the reconnect", 2000)
    t.pass('listeners are told to drop everything after a reconnect')
    const user = `user-${randomUUID()}`
    await writer.revokeUser(user, 1, Date.now() + 60_000, 1)
    await until(() => events.some((e) => e.kind === 'user' && e.userId === user), 'an invalidation after the reconnect', 2000)
    t.pass('invalidations flow again')
    t.ok(errors.length >= 1, `the drop was reported through onError (${errors.map((e) => e.message).join('; ')})`)

    await listener.close()
    await until(async () => (await backends()).length === 0, 'the LISTEN connection to close', 2000)
    t.pass('close() ends the LISTEN connection')
  })

  t.test('{ pool } mode never ends the host pool and listens on its own connection', async (t) => {
    const pool = new pg.Pool({ connectionString, max: 4 })
    t.teardown(async () => { if (!pool.ended) await pool.end() })
    const channel = `pool_${randomUUID().slice(0, 8)}`
    const store = new PostgresStore({ pool, channel })
    const events: Invalidation[] = []
    store.subscribe((e) => { events.push(e) })
    await store.listening()
    t.equal(pool.totalCount <= 1, true, 'the LISTEN connection is not taken from the host pool')
    await store.revokeUser('pool-user', 1, Date.now() + 1000, 1)
    await until(() => events.length === 1, 'the invalidation', 5000)
    await store.close()
    await store.close()
    t.equal(pool.ended, false, 'the host pool is still open')
    const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one')
    t.equal(rows[0]?.one, 1, 'and usable')
    await t.rejects(store.getByUser('x', 1), /closed/, 'a closed store rejects')
  })

  t.test('{ connectionString } mode ends its own pool on close', async (t) => {
    const store = new PostgresStore({ connectionString })
    await store.init()
    await store.close()
    const internal = (store as unknown as { pool: pg.Pool }).pool
    t.equal(internal.ended, true)
  })

  t.test('options are validated', async (t) => {
    t.throws(() => new PostgresStore({ connectionString, tablePrefix: 'x"; DROP TABLE y; --' }), /tablePrefix/)
    t.throws(() => new PostgresStore({ connectionString, schema: 'a.b' }), /schema/)
    t.throws(() => new PostgresStore({ connectionString, channel: 'bad channel' }), /channel/)
    t.throws(() => new PostgresStore({ connectionString: '' }), /connectionString/)
    t.throws(() => new PostgresStore({ connectionString, cacheTtlMs: 300 } as never), /cacheTtlMs.*plugin/, 'a removed v0.1 option says where it went')
    t.throws(() => new PostgresStore({ connectionString, shared: true } as never), /shared/)
    t.throws(() => new PostgresStore({ pool: new pg.Pool(), poolConfig: {} } as never), /poolConfig/)
    const store = new PostgresStore({ connectionString })
    t.equal(store.channel, 'passbase_invalidate')
    await store.close()
  })

  t.test('an unreachable database rejects (the plugin fails closed) and init can be retried', async (t) => {
    const store = new PostgresStore({ connectionString: 'postgresql://postgres@/nope?host=/nonexistent-socket-dir', poolConfig: { connectionTimeoutMillis: 500 } })
    t.teardown(async () => { await store.close() })
    await t.rejects(store.init())
    await t.rejects(store.getByUser('u', 1))
  })

  t.test('without prepared statements (transaction-pooling proxies)', async (t) => {
    await storeConformance('preparedStatements: false', () => new PostgresStore({ connectionString, preparedStatements: false, tablePrefix: 'np_' }), {
      test: t.test.bind(t), only: ['concurrent: 20 identical', 'link creates', 'every change of a link is logged']
    })
  })

  t.test("a user's challenges are kept until they expire, then purged; concurrent starts conflict each other", async (t) => {
    const prefix = `ch_${randomUUID().slice(0, 8)}_`
    const store = new PostgresStore({ connectionString, tablePrefix: prefix })
    t.teardown(async () => {
      await store.close()
      await dropStoreTables(admin, prefix)
    })
    await Promise.all(Array.from({ length: 20 }, async (_, i) =>
      await store.createChallenge({ id: `c${i}`, userId: 'u', identityId: 'i', createdAt: i, expiresAt: 10_000_000, action: null })))
    for (let i = 20; i < 100; i++) await store.createChallenge({ id: `c${i}`, userId: 'u', identityId: 'i', createdAt: i, expiresAt: 10_000_000, action: null })
    const { rows } = await admin.query<{ n: string, conflicted: string }>(`SELECT count(*) AS n, count(*) FILTER (WHERE conflicted) AS conflicted FROM "${prefix}challenges"`)
    t.same(rows[0], { n: '100', conflicted: '100' }, 'every one kept, and conflicted (the concurrent ones too: one start at a time per user)')
    t.match(await store.getChallenge('c99'), { id: 'c99', userId: 'u', conflicted: true })
    await store.purgeExpired(10_000_000)
    const after = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM "${prefix}challenges"`)
    t.equal(Number(after.rows[0]!.n), 0, 'purged once expired')
  })
}

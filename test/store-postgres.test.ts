import { randomUUID } from 'node:crypto'
import pg from 'pg'
import t from 'tap'
import { storeConformance } from '../src/testing/conformance.js'
import { PostgresStore } from '../src/stores/postgres.js'
import type { Invalidation } from '../src/stores/types.js'
import { postgresForTap } from './helpers/postgres.js'

const server = await postgresForTap(t)
if (server !== null) {
  const connectionString = server.connectionString
  t.teardown(async () => { await server.stop() })

  const admin = new pg.Pool({ connectionString, max: 3 })
  t.teardown(async () => { await admin.end() })

  const waitFor = async (check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> => {
    const deadline = Date.now() + ms
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  storeConformance('PostgresStore conformance ({ connectionString })', () => new PostgresStore({ connectionString }), { test: t.test.bind(t) })

  t.test('PostgresStore conformance ({ pool } of the host, schema, prefix)', async (t) => {
    const pool = new pg.Pool({ connectionString, max: 20 })
    t.teardown(async () => { await pool.end() })
    await storeConformance('host pool', () => new PostgresStore({ pool, schema: 'kyc', tablePrefix: 'pb_' }), { test: t.test.bind(t) })
    t.equal(pool.ended, false, 'the host pool is never ended by the store')
    const { rows } = await pool.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'kyc' ORDER BY table_name")
    t.same(rows.map((r) => r.table_name), ['pb_authentications', 'pb_challenges', 'pb_events', 'pb_identities', 'pb_revocations'])
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
      const results = await Promise.all(values.map(async (v, k) => await pick(k).applyUpdate(identity, { status: 'pending', score: v / 100, reason: null, providerUpdated: v })))
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
    t.teardown(async () => { await Promise.all(stores.map(async (s) => { await s.close() })) })
    await Promise.all(stores.map(async (s) => { await s.init() }))
    await Promise.all(stores.map(async (s) => { await s.init() }))
    const { rows } = await admin.query<{ n: string }>(
      "SELECT count(*) AS n FROM information_schema.tables WHERE table_name LIKE $1", [`${prefix}%`])
    t.equal(Number(rows[0]?.n), 5, 'five tables')
    const [a, b] = stores as [PostgresStore, PostgresStore]
    t.equal((await a.link('u', 'i', 1)).ok, true)
    t.equal((await b.getByIdentity('i'))?.userId, 'u', 'all instances use the same tables')
  })

  t.test('tables are created on first use, without init()', async (t) => {
    const prefix = `lazy_${randomUUID().slice(0, 8)}_`
    const stores = Array.from({ length: 3 }, () => new PostgresStore({ connectionString, tablePrefix: prefix }))
    t.teardown(async () => { await Promise.all(stores.map(async (s) => { await s.close() })) })
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

    const user = `user-${randomUUID()}`, identity = `identity-${randomUUID()}`
    await writer.link(user, identity, 1)
    const started = Date.now()
    const applied = await writer.applyUpdate(identity, { status: 'approved', score: 0.9, reason: null, providerUpdated: 10 })
    t.equal(applied.applied, true)
    await waitFor(() => events.length >= 1, 1000, 'the user invalidation')
    t.same(events, [{ kind: 'user', userId: user }], `received within ${Date.now() - started} ms`)

    // refused updates announce nothing
    await writer.applyUpdate(identity, { status: 'declined', score: 0.1, reason: null, providerUpdated: 5 })
    const jti = `jti-${randomUUID()}`
    await writer.revokeToken(jti, Date.now() + 60_000)
    await waitFor(() => events.length >= 2, 1000, 'the revocation')
    t.same(events[1], { kind: 'revoked', jti }, 'revocations are announced; the refused update was not')

    // other channels and bad payloads are ignored
    await admin.query('SELECT pg_notify($1, $2)', [channel, 'not json'])
    await admin.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify({ kind: 'user' })])
    await admin.query('SELECT pg_notify($1, $2)', [`${channel}_other`, JSON.stringify({ kind: 'user', userId: 'x' })])
    await admin.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify({ kind: 'user', userId: 'marker' })])
    await waitFor(() => events.length >= 3, 1000, 'the marker')
    t.same(events[2], { kind: 'user', userId: 'marker' }, 'malformed payloads are dropped')

    unsubscribe()
    await writer.revokeToken(`jti-${randomUUID()}`, Date.now() + 60_000)
    await new Promise((resolve) => setTimeout(resolve, 200))
    t.equal(events.length, 3, 'nothing after unsubscribe')
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
    await waitFor(async () => { const now = await backends(); return now.length === 1 && now[0] !== before }, 5000, 'the new LISTEN connection')
    t.pass('reconnected')
    await waitFor(() => events.some((e) => e.kind === 'all'), 2000, "a { kind: 'all' } after the reconnect")
    t.pass('listeners are told to drop everything after a reconnect')
    const jti = `jti-${randomUUID()}`
    await writer.revokeToken(jti, Date.now() + 60_000)
    await waitFor(() => events.some((e) => e.kind === 'revoked' && e.jti === jti), 1000, 'an invalidation after the reconnect')
    t.pass('invalidations flow again')
    t.ok(errors.length >= 1, `the drop was reported through onError (${errors.map((e) => e.message).join('; ')})`)

    await listener.close()
    await waitFor(async () => (await backends()).length === 0, 2000, 'the LISTEN connection to close')
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
    await store.revokeToken('pool-jti', Date.now() + 1000)
    await waitFor(() => events.length === 1, 1000, 'the invalidation')
    await store.close()
    await store.close()
    t.equal(pool.ended, false, 'the host pool is still open')
    const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one')
    t.equal(rows[0]?.one, 1, 'and usable')
    await t.rejects(store.getByUser('x'), /closed/, 'a closed store rejects')
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
    const store = new PostgresStore({ connectionString, cacheTtlMs: 300 })
    t.equal(store.shared, true)
    t.equal(store.cacheTtlMs, 300)
    t.equal(store.channel, 'passbase_invalidate')
    await store.close()
  })

  t.test('an unreachable database rejects (the plugin fails closed) and init can be retried', async (t) => {
    const store = new PostgresStore({ connectionString: 'postgresql://postgres@/nope?host=/nonexistent-socket-dir', poolConfig: { connectionTimeoutMillis: 500 } })
    t.teardown(async () => { await store.close() })
    await t.rejects(store.init())
    await t.rejects(store.getByUser('u'))
  })

  t.test('without prepared statements (transaction-pooling proxies)', async (t) => {
    await storeConformance('preparedStatements: false', () => new PostgresStore({ connectionString, preparedStatements: false, tablePrefix: 'np_' }), {
      test: t.test.bind(t), only: ['concurrent: 20 identical', 'link creates']
    })
  })
}

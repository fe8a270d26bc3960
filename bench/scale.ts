// Scale (part of `npm run bench`; runs from the TypeScript sources, with tap's loader):
// 1,000,000 linked users bulk-loaded into a SqliteStore and a PostgresStore (not through
// HTTP), then
// - the guard's cache-miss latency: requireVerified with the guard cache off, for random
//   users, p50/p99 (targets: p99 ≤ 1 ms SQLite, ≤ 2 ms PostgreSQL on loopback);
// - webhook-to-applied throughput with the change log on: encrypted deliveries for 2,000 of
//   the seeded users over HTTP (16 at once), each one a real transition (created → approved,
//   its log entry and pending callback written in the same transaction);
// - reconcile() memory over 10,000 and 100,000 provider identities (it streams pages).
// Prints one JSON line.
import { mkdirSync, rmSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import Fastify, { type FastifyInstance } from 'fastify'
import pg from 'pg'
import { Pool } from 'undici'
import fastifyPassbase, { encryptWebhook, webhookKey, type PassbaseStore } from '../src/index.js'
import { PostgresStore } from '../src/stores/postgres/index.js'
import { seedLinks as seedPostgres } from '../src/stores/postgres/seed.js'
import { SqliteStore } from '../src/stores/sqlite/index.js'
import { seedLinks as seedSqlite, seededUser } from '../src/stores/sqlite/seed.js'
import { dropStoreTables } from '../test/stores/pg-cleanup.js'
// @ts-expect-error plain JS helpers of the benchmark
import { here, SECRET_API_KEY, startChild, WEBHOOK_SECRET } from './lib.js'
// @ts-expect-error plain JS helpers of the benchmark
import { startPostgres } from './pg.js'

const USERS = Number(process.env.BENCH_SCALE_USERS ?? 1_000_000)
const MISSES = Number(process.env.BENCH_SCALE_MISSES ?? 20_000)
const DELIVERIES = Number(process.env.BENCH_SCALE_DELIVERIES ?? 2_000)
const TMP: string = here('./.tmp')
const log = (line: string): void => { process.stderr.write(`[scale] ${line}\n`) }

interface Child { info: Record<string, string>, call: (cmd: string, payload?: Record<string, unknown>) => Promise<unknown>, stop: () => Promise<void> }

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!

async function app (store: PassbaseStore, apiBaseUrl: string): Promise<FastifyInstance> {
  const a = Fastify({ logger: false })
  await a.register(fastifyPassbase, {
    secretApiKey: SECRET_API_KEY,
    webhookSecret: WEBHOOK_SECRET,
    apiBaseUrl,
    store,
    cacheTtlMs: 0,
    getUserId: (request) => request.headers['x-user'] as string,
    api: { concurrency: 32 }
  })
  await a.listen({ port: 0, host: '127.0.0.1' })
  return a
}

/** requireVerified with no guard cache: every call reads the store. Latencies in ms. */
async function misses (a: FastifyInstance): Promise<{ p50: number, p99: number, p999: number, direct: { p50: number, p99: number } }> {
  const reply = { sent: false, code () { return this }, header () { return this }, type () { return this }, send () { this.sent = true; return this } }
  const times: number[] = []
  const direct: number[] = []
  for (let i = 0; i < MISSES + 1000; i++) {
    // an approved seeded user (the seed approves n % 1000 < 500)
    const n = Math.floor(Math.random() * (USERS / 1000)) * 1000 + Math.floor(Math.random() * 500)
    const request = { headers: { 'x-user': seededUser(n) }, log: a.log, verification: null }
    const t0 = process.hrtime.bigint()
    await a.requireVerified(request as never, reply as never)
    const t1 = process.hrtime.bigint()
    await a.passbase.store.getByUser(seededUser(n), Date.now())
    const t2 = process.hrtime.bigint()
    if (reply.sent) throw new Error('a seeded approved user was refused')
    if (i >= 1000) { // warm-up excluded
      times.push(Number(t1 - t0) / 1e6)
      direct.push(Number(t2 - t1) / 1e6)
    }
  }
  times.sort((x, y) => x - y)
  direct.sort((x, y) => x - y)
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), p999: quantile(times, 0.999), direct: { p50: quantile(direct, 0.5), p99: quantile(direct, 0.99) } }
}

/** DELIVERIES webhooks for seeded `created` users, 16 in flight; deliveries per second until every one is applied. */
async function throughput (a: FastifyInstance, sandbox: Child): Promise<{ perSecond: number, applied: number, elapsedMs: number }> {
  // seeded users n with n % 1000 >= 500 are `created`: their approval is a transition
  const ns = Array.from({ length: DELIVERIES }, (_, k) => (k * 1000) % USERS + 500 + Math.floor(k / (USERS / 1000)))
  const ids = ns.map((n) => `seed-user-identity-${n}`)
  await sandbox.call('adopt', { ids, status: 'approved', score: 0.95 })
  const key = webhookKey(WEBHOOK_SECRET)
  const address = a.server.address()
  const pool = new Pool(`http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`, { connections: 16 })
  const now = Math.floor(Date.now() / 1000)
  let next = 0
  const t0 = Date.now()
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < ids.length) {
      const id = ids[next++]!
      const res = await pool.request({ method: 'POST', path: '/passbase/webhooks', headers: { 'content-type': 'text/plain' }, body: encryptWebhook(key, JSON.stringify({ event: 'VERIFICATION_REVIEWED', key: id, status: 'approved', updated: now })) })
      await res.body.dump()
      if (res.statusCode !== 200) throw new Error(`webhook ${res.statusCode}`)
    }
  }))
  const elapsedMs = Date.now() - t0
  await pool.close()
  let applied = 0
  for (const n of ns) if ((await a.passbase.statusOf(seededUser(n))) === 'approved') applied++
  return { perSecond: Math.round(ids.length / (elapsedMs / 1000)), applied, elapsedMs }
}

async function scaleOf (kind: 'sqlite' | 'postgres', sandbox: Child): Promise<Record<string, unknown>> {
  let store: PassbaseStore
  let cleanup: () => Promise<void>
  const t0 = Date.now()
  if (kind === 'sqlite') {
    mkdirSync(TMP, { recursive: true })
    const file = `${TMP}/scale-${process.pid}.sqlite`
    const db = new Database(file)
    db.pragma('journal_mode = WAL')
    await seedSqlite(db, USERS)
    db.close()
    store = new SqliteStore({ filename: file })
    cleanup = async () => { for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true }) }
  } else {
    const server = startPostgres() as { connectionString?: string, skipped?: string, stop?: () => void }
    if (server.connectionString === undefined) return { skipped: server.skipped }
    const tablePrefix = `scale_${process.pid}_`
    const pool = new pg.Pool({ connectionString: server.connectionString, max: 4 })
    await seedPostgres(pool, USERS, { tablePrefix })
    store = new PostgresStore({ connectionString: server.connectionString, tablePrefix, poolConfig: { max: Number(process.env.BENCH_SCALE_PG_POOL ?? 16) } })
    cleanup = async () => {
      await dropStoreTables(pool, tablePrefix)
      await pool.end()
      server.stop?.()
    }
  }
  const seededMs = Date.now() - t0
  log(`${kind}: ${USERS.toLocaleString('en')} users seeded in ${seededMs} ms`)
  const a = await app(store, String(sandbox.info.apiBaseUrl))
  try {
    const miss = await misses(a)
    log(`${kind}: cache miss p50 ${miss.p50.toFixed(3)} ms, p99 ${miss.p99.toFixed(3)} ms`)
    const wh = await throughput(a, sandbox)
    log(`${kind}: ${wh.perSecond} deliveries/s applied (${wh.applied}/${DELIVERIES})`)
    return { users: USERS, seededMs, cacheMissMs: miss, webhooks: { ...wh, deliveries: DELIVERIES } }
  } finally {
    await a.close()
    await cleanup()
  }
}

/** reconcile() over `count` provider identities (a few linked): the peak heap above the start, sampled every 50 ms. */
async function reconcileMemory (count: number): Promise<{ identities: number, peakHeapGrowthMB: number, scanned: number, elapsedMs: number }> {
  const sandbox = await startChild('./sandbox.js') as Child
  try {
    await sandbox.call('bulk', { n: count })
    const a = await app(new (await import('../src/stores/memory/index.js')).MemoryStore(), String(sandbox.info.apiBaseUrl))
    try {
      global.gc?.()
      const start = process.memoryUsage().heapUsed
      let peak = start
      const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().heapUsed) }, 50)
      const t0 = Date.now()
      const result = await a.passbase.reconcile()
      const elapsedMs = Date.now() - t0
      clearInterval(sampler)
      return { identities: count, peakHeapGrowthMB: Math.round((peak - start) / 2 ** 20 * 10) / 10, scanned: result.scanned, elapsedMs }
    } finally {
      await a.close()
    }
  } finally {
    await sandbox.stop()
  }
}

const sandbox = await startChild('./sandbox.js') as Child
const out: Record<string, unknown> = {}
try {
  out.sqlite = await scaleOf('sqlite', sandbox)
  out.postgres = await scaleOf('postgres', sandbox)
} finally {
  await sandbox.stop()
}
const small = await reconcileMemory(10_000)
await sleep(100)
const large = await reconcileMemory(Number(process.env.BENCH_SCALE_RECONCILE ?? 100_000))
out.reconcile = { small, large, growthRatio: Math.round((large.peakHeapGrowthMB / Math.max(0.1, small.peakHeapGrowthMB)) * 100) / 100 }
process.stdout.write(JSON.stringify(out) + '\n')

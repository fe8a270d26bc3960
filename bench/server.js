// The host app under test, in its own process. Config (JSON) in BENCH_CONFIG:
// { store: 'memory'|'sqlite'|'postgres', filename?, connectionString?, tablePrefix?, cacheTtlMs?, apiBaseUrl,
//   identityId, webhookIdentities: string[] }
// Routes: GET /unguarded, GET /noop (an empty preHandler), GET /verified (requireVerified), GET /reauth (requireReauth),
// GET /bare/:id (one API fetch, nothing else), and the plugin's POST /passbase/webhooks.
import Fastify from 'fastify'
import { Pool } from 'undici'
import fastifyPassbase, { MemoryStore } from '../dist/index.js'
import { BENCH_USER, getUserId, heapAfterGc, REAUTH_SECRET, SECRET_API_KEY, serveParent, stepUpThroughRoutes, usage, WEBHOOK_SECRET } from './lib.js'

const config = JSON.parse(process.env.BENCH_CONFIG)

async function createStore () {
  if (config.store === 'sqlite') {
    const { SqliteStore } = await import('../dist/stores/sqlite.js')
    return new SqliteStore({ filename: config.filename })
  }
  if (config.store === 'postgres') {
    const { PostgresStore } = await import('../dist/stores/postgres.js')
    return new PostgresStore({ connectionString: config.connectionString, tablePrefix: config.tablePrefix })
  }
  return new MemoryStore()
}

const store = await createStore()
// 'expire' (IPC) empties the guard caches as their TTL does every second at full speed:
// bench/instructions.js stretches the TTL, so it does this during its warm-up for the
// cache-miss paths to be part of the code V8 optimises, as in a long-running server
const cacheListeners = new Set()
const subscribe = store.subscribe?.bind(store)
store.subscribe = (listener) => {
  cacheListeners.add(listener)
  const off = subscribe?.(listener)
  return () => { cacheListeners.delete(listener); off?.() }
}
// keep-alive connections stay open however long a client idles (bench/instructions.js
// comes back to a host after the other hosts' runs: a new connection per run would count
// its set-up and tear-down in that run)
const app = Fastify({ logger: false, keepAliveTimeout: 30 * 60_000 })
const transitions = new Map() // identity id → statuses it changed to (onStatusChange)
await app.register(fastifyPassbase, {
  secretApiKey: SECRET_API_KEY,
  webhookSecret: WEBHOOK_SECRET,
  apiBaseUrl: config.apiBaseUrl,
  getUserId,
  store,
  // the guard caches' TTL (default 1 s): bench/instructions.js makes it outlast its measurement
  ...(config.cacheTtlMs === undefined ? {} : { cacheTtlMs: config.cacheTtlMs }),
  reauth: { secret: REAUTH_SECRET, maxAge: 3600, cookie: { secure: false } },
  ...(config.countTransitions === true
    ? { onStatusChange: (c) => { transitions.set(c.identityId, [...(transitions.get(c.identityId) ?? []), c.to]) } }
    : {})
})

const ok = { ok: true }
app.get('/unguarded', async () => ok)
// the cost of having any preHandler at all (Fastify's hook runner), guard or not
app.get('/noop', { preHandler: (request, reply, done) => { done() } }, async () => ok)
app.get('/verified', { preHandler: app.requireVerified }, async () => ok)
app.get('/reauth', { preHandler: app.requireReauth }, async () => ok)

// the ceiling of the webhook route: the same single API fetch, and nothing else
const api = new URL(config.apiBaseUrl)
const pool = new Pool(api.origin, { connections: 16 })
const apiHeaders = { 'x-api-key': SECRET_API_KEY, accept: 'application/json' }
app.get('/bare/:id', async (request) => {
  const res = await pool.request({ method: 'GET', path: `${api.pathname}/identities/${encodeURIComponent(request.params.id)}`, headers: apiHeaders })
  const body = JSON.parse(await res.body.text())
  if (res.statusCode !== 200 || body.id !== request.params.id) throw new Error(`bare fetch: ${res.statusCode}`)
  return { received: true }
})
app.addHook('onClose', async () => { await pool.close() })

await app.listen({ host: '127.0.0.1', port: 0 })

async function inject (method, url, user, payload) {
  const res = await app.inject({ method, url, headers: { 'x-user': user }, payload })
  return res
}

// bench-user: linked to an approved identity, with a step-up cookie (the real routes)
const linked = await inject('POST', '/passbase/verifications', BENCH_USER, { identityAccessKey: config.identityId })
if (linked.statusCode !== 201 || linked.json().status !== 'approved') throw new Error(`link: ${linked.statusCode} ${linked.body}`)
const cookie = await stepUpThroughRoutes(app, BENCH_USER, config.identityId)

// the identities the webhook benchmark delivers for, each linked to its own user
const ids = config.webhookIdentities ?? []
for (let i = 0; i < ids.length; i += 50) {
  await Promise.all(ids.slice(i, i + 50).map(async (id, k) => {
    const res = await inject('POST', '/passbase/verifications', `wh-${i + k}`, { identityAccessKey: id })
    if (res.statusCode !== 201) throw new Error(`link ${id}: ${res.statusCode} ${res.body}`)
  }))
}

const address = app.server.address()
serveParent({ url: `http://127.0.0.1:${address.port}`, cookie }, {
  async usage () {
    return usage()
  },
  async heap () {
    return heapAfterGc()
  },
  async expire () {
    for (const listener of cacheListeners) listener({ kind: 'all' })
  },
  // an empty young generation (a scavenge; needs --expose-gc): bench/instructions.js before each run
  async scavenge () {
    global.gc?.({ type: 'minor' })
    return global.gc !== undefined
  },
  async sizes () {
    return { store: app.passbase.store.sizes?.() ?? null, client: app.passbase.client.stats() }
  },
  async statuses ({ users }) {
    return await Promise.all(users.map(async (u) => await app.passbase.statusOf(u)))
  },
  async transitions ({ ids }) {
    let approved = 0
    let duplicates = 0
    for (const id of ids) {
      const to = (transitions.get(id) ?? []).filter((s) => s === 'approved').length
      approved += to
      if (to > 1) duplicates++
    }
    return { approved, duplicates }
  }
}, async () => { await app.close() })

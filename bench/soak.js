// Soak: 1,000,000 guarded requests and 100,000 webhooks through one plugin instance,
// in ten equal slices, reporting the heap (after GC) before, at half-time and after,
// and the sizes of the tables. The second half repeats the first: a leak shows as
// growth between half-time and the end. Run with --expose-gc. Prints one JSON line.
//
// Guarded requests call the preHandlers directly (app.inject would take an hour);
// webhooks go through app.inject (routing, body parsing, decryption, the whole path):
// 10 % for linked identities (an API fetch each, to the in-process sandbox), 90 % for
// identities nobody linked (each still leaves a de-duplication entry). Users churn
// through the guard cache; 1,000 step-ups churn challenges, tokens and revocations.
import { encryptWebhook, MemoryStore, webhookKey } from '../dist/index.js'
import { fakeReply, fakeRequest, setupApp } from './guards.js'
import { BENCH_USER, round, stepUpThroughRoutes, WEBHOOK_SECRET } from './lib.js'

if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc')

const GUARDED = Number(process.env.SOAK_GUARDED ?? 1_000_000)
const WEBHOOKS = Number(process.env.SOAK_WEBHOOKS ?? 100_000)
const SLICES = 10
const LINKED = 1000
const MAX_EVENTS = 20_000
const key = webhookKey(WEBHOOK_SECRET)

const store = new MemoryStore({ maxEvents: MAX_EVENTS })
const { app, sandbox, cookie } = await setupApp({ store })
const linkedIds = []
for (let i = 0; i < LINKED; i++) {
  const identity = await sandbox.createIdentity({ status: 'approved' })
  const res = await app.inject({ method: 'POST', url: '/passbase/verifications', headers: { 'x-user': `soak-${i}` }, payload: { identityAccessKey: identity.id } })
  if (res.statusCode !== 201) throw new Error(`link: ${res.body}`)
  linkedIds.push(identity.id)
}

const heapMB = () => {
  global.gc()
  global.gc()
  return round(process.memoryUsage().heapUsed / 2 ** 20, 1)
}
const tables = () => ({ ...store.sizes(), providerClient: app.passbase.client.stats() })

const reply = fakeReply()
const hot = fakeRequest(app, BENCH_USER, `theme=dark; ${cookie}`)
let refusedExpected = 0
let webhookSeq = 0
let non200 = 0
let stepUps = 0
const created = Math.floor(Date.now() / 1000)

async function guardedSlice (n) {
  for (let i = 0; i < n; i++) {
    const k = i % 10
    if (k < 5) await app.requireVerified(hot, reply)
    else if (k < 9) await app.requireReauth(hot, reply)
    else {
      // a user the cache has not seen (no verification): a store read, then a 403
      const cold = fakeRequest(app, `cold-${Math.floor(Math.random() * 1e9)}`, undefined)
      await app.requireVerified(cold, reply)
      refusedExpected++
    }
  }
}

async function webhookSlice (n) {
  const batch = 50
  for (let i = 0; i < n; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, n - i) }, async () => {
      const seq = webhookSeq++
      const linked = seq % 10 === 0
      const id = linked ? linkedIds[(seq / 10) % LINKED] : `unlinked-${seq}`
      const body = encryptWebhook(key, JSON.stringify({ event: 'VERIFICATION_REVIEWED', key: id, status: 'approved', created, updated: created + 1 + seq }))
      const res = await app.inject({ method: 'POST', url: '/passbase/webhooks', headers: { 'content-type': 'text/plain' }, payload: body })
      if (res.statusCode !== 200) non200++
    }))
  }
}

// Step-ups churn on a user of their own: ending a step-up window (DELETE /reauth) ends
// every window of that user, the hot request's cookie included.
const STEP_UP_USER = 'soak-0'

async function stepUpSlice (n) {
  for (let i = 0; i < n; i++) {
    const headers = { 'x-user': STEP_UP_USER }
    const fresh = await stepUpThroughRoutes(app, STEP_UP_USER, linkedIds[0], 2)
    const req = fakeRequest(app, STEP_UP_USER, fresh)
    for (let k = 0; k < 5; k++) await app.requireReauth(req, reply)
    const del = await app.inject({ method: 'DELETE', url: '/passbase/reauth', headers: { ...headers, cookie: fresh } })
    if (del.statusCode !== 204) throw new Error(`revoke: ${del.statusCode}`)
    stepUps++
  }
}

// warm-up, then the baseline
await guardedSlice(50_000)
await webhookSlice(1000)
const before = { heapMB: heapMB(), tables: tables() }
reply.refused = 0
refusedExpected = 0
const t0 = Date.now()
let middle
const phaseMs = { guarded: 0, webhooks: 0, stepUps: 0 }
const timed = async (phase, fn) => { const t = Date.now(); await fn(); phaseMs[phase] += Date.now() - t }
for (let s = 0; s < SLICES; s++) {
  await timed('guarded', () => guardedSlice(GUARDED / SLICES))
  await timed('webhooks', () => webhookSlice(WEBHOOKS / SLICES))
  await timed('stepUps', () => stepUpSlice(100))
  if (s === SLICES / 2 - 1) middle = { heapMB: heapMB(), tables: tables() }
}
const elapsedMs = Date.now() - t0
const after = { heapMB: heapMB(), tables: tables() }
const sandboxStats = sandbox.stats()
await app.close()
await sandbox.close()

const growthSecondHalfMB = round(after.heapMB - middle.heapMB, 1)
process.stdout.write(JSON.stringify({
  guardedRequests: GUARDED,
  webhooks: WEBHOOKS,
  stepUps,
  elapsedMs,
  phaseMs,
  webhookNon200: non200,
  unexpectedRefusals: reply.refused - refusedExpected,
  providerFetches: sandboxStats.api.byKind.getIdentity,
  heapMB: { before: before.heapMB, middle: middle.heapMB, after: after.heapMB },
  growthSecondHalfMB,
  tables: { before: before.tables, middle: middle.tables, after: after.tables },
  memoryStoreMaxEvents: MAX_EVENTS,
  flat: growthSecondHalfMB < 5 && after.tables.events <= MAX_EVENTS && non200 === 0 && reply.refused === refusedExpected
}) + '\n')

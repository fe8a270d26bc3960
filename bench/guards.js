// In-process cost per call of the guards (a cache hit), over millions of calls: the
// preHandler functions called directly with a request/reply pair shaped like Fastify's.
// Prints one JSON line: { requireVerified, requireReauth, baseline } in ns per call.
import Fastify from 'fastify'
import { performance } from 'node:perf_hooks'
import fastifyPassbase from '../dist/index.js'
import { createSandbox } from '../dist/sandbox/index.js'
import { BENCH_USER, getUserId, median, REAUTH_SECRET, SECRET_API_KEY, stepUpThroughRoutes, WEBHOOK_SECRET } from './lib.js'

const CALLS = Number(process.env.BENCH_GUARD_CALLS ?? 1_000_000)
const REPEATS = Number(process.env.BENCH_GUARD_REPEATS ?? 5)

export async function setupApp (extra = {}) {
  const sandbox = await createSandbox({ secretApiKey: SECRET_API_KEY, webhookSecret: WEBHOOK_SECRET, processingDelayMs: 0 })
  const app = Fastify({ logger: false })
  await app.register(fastifyPassbase, {
    secretApiKey: SECRET_API_KEY,
    webhookSecret: WEBHOOK_SECRET,
    apiBaseUrl: sandbox.apiBaseUrl,
    getUserId,
    reauth: { secret: REAUTH_SECRET, maxAge: 3600, cookie: { secure: false } },
    ...extra
  })
  await app.ready()
  const identity = await sandbox.createIdentity({ status: 'approved' })
  const linked = await app.inject({ method: 'POST', url: '/passbase/verifications', headers: { 'x-user': BENCH_USER }, payload: { identityAccessKey: identity.id } })
  if (linked.statusCode !== 201) throw new Error(`link: ${linked.body}`)
  const cookie = await stepUpThroughRoutes(app, BENCH_USER, identity.id)
  return { app, sandbox, cookie, identityId: identity.id }
}

/** A reply that records a refusal (a guard that passes never touches it). */
export function fakeReply () {
  const reply = {
    refused: 0,
    statusCode: 200,
    code (status) { this.statusCode = status; return this },
    header () { return this },
    type () { return this },
    send () { this.refused++; return this }
  }
  return reply
}

export function fakeRequest (app, user, cookie) {
  return { headers: { 'x-user': user, cookie, 'user-agent': 'bench', host: 'localhost' }, log: app.log, verification: null }
}

/**
 * ns per call of `fn(request, reply)`. With `freshCookie` (a Buffer), every call first gets
 * a new Cookie header string decoded from it, as every HTTP request brings one (a string
 * V8 has never seen: the guard's slices of it and comparisons take their first-time paths).
 */
async function perCall (fn, request, reply, freshCookie = null) {
  const loop = async (n) => {
    for (let i = 0; i < n; i++) {
      if (freshCookie !== null) request.headers.cookie = freshCookie.latin1Slice(0, freshCookie.length)
      await fn(request, reply)
    }
  }
  await loop(200_000) // warm-up
  const results = []
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now()
    await loop(CALLS)
    results.push(((performance.now() - t0) * 1e6) / CALLS)
  }
  return { nsPerCall: median(results), runs: results.map((v) => Math.round(v)), calls: CALLS * REPEATS }
}

async function empty (req, rep) {}

/**
 * The bound guard's pass path per call: `action()` of a small object, its validation and
 * digest, the cookie scan, the token (memoised after the first call) and the revocation
 * check. A bound proof is single-use, so the store's use record is replaced by one that
 * always says "first use" here (its cost, a Map insert in MemoryStore, is in the HTTP figures).
 */
async function boundPerCall () {
  const details = { type: 'payout', amount: '50.00 EUR', payee: 'DE89 3704 0044 0532 0130 00' }
  const { app, sandbox } = await setupApp()
  const { stepUpCookie } = await import('../dist/testing.js')
  const cookie = await stepUpCookie(app, BENCH_USER, { action: { details, route: 'POST /payout' } })
  app.passbase.store.useToken = async () => true
  const bound = app.passbase.requireReauth({ action: () => ({ ...details }) })
  const request = { ...fakeRequest(app, BENCH_USER, `theme=dark; ${cookie}; lang=en`), method: 'POST', routeOptions: { url: '/payout' }, url: '/payout' }
  const reply = fakeReply()
  const result = await perCall(bound, request, reply)
  if (reply.refused !== 0) throw new Error(`the bound guard refused ${reply.refused} calls`)
  await app.close()
  await sandbox.close()
  return result
}

/** requireVerified for a user whose approval expires (one more comparison) beside one whose does not. */
async function expiryPerCall () {
  const { app, sandbox } = await setupApp({ expiry: { maxAge: 10 * 365 * 86_400 } })
  const { setStatus } = await import('../dist/testing.js')
  await setStatus(app, 'never', 'approved', { expiresAt: null })
  await setStatus(app, 'expires', 'approved', { expiresAt: Date.now() + 3600_000 })
  const reply = fakeReply()
  const never = await perCall(app.requireVerified, fakeRequest(app, 'never'), reply)
  const expires = await perCall(app.requireVerified, fakeRequest(app, 'expires'), reply)
  if (reply.refused !== 0) throw new Error('a refusal in the expiry measurement')
  await app.close()
  await sandbox.close()
  return { never, expires, addedNs: expires.nsPerCall - never.nsPerCall }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { app, sandbox, cookie } = await setupApp()
  const reply = fakeReply()
  const header = `theme=dark; ${cookie}; lang=en`
  const request = fakeRequest(app, BENCH_USER, header)
  const baseline = await perCall(empty, request, reply)
  const requireVerified = await perCall(app.requireVerified, request, reply)
  const requireReauth = await perCall(app.requireReauth, request, reply)
  // the same with a new header string per call; the loop (and the decoding) measured alone beside it
  const fresh = Buffer.from(header, 'latin1')
  const freshBaseline = await perCall(empty, request, reply, fresh)
  const freshReauth = await perCall(app.requireReauth, request, reply, fresh)
  const freshCookie = { baseline: freshBaseline, requireReauth: freshReauth, guardNs: Math.max(0, freshReauth.nsPerCall - freshBaseline.nsPerCall) }
  if (reply.refused !== 0) throw new Error(`a guard refused ${reply.refused} calls: the measurement is not a cache hit`)
  await app.close()
  await sandbox.close()
  const boundReauth = await boundPerCall()
  const expiry = await expiryPerCall()
  process.stdout.write(JSON.stringify({ baseline, requireVerified, requireReauth, freshCookie, boundReauth, expiry }) + '\n')
}

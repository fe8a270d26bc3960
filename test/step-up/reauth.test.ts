import fastifyCookie from '@fastify/cookie'
import fastifyJwt from '@fastify/jwt'
import Fastify, { type FastifyInstance } from 'fastify'
import { createHmac } from 'node:crypto'
import t from 'tap'
import fastifyPassbase, { type MemoryStore } from '../../src/index.js'
import { getUserId, harness, linkNew, REAUTH_SECRET, WEBHOOK_SECRET, type Harness } from '../helpers/app.js'
import { createTestClock } from '../../src/testing/host.js'
import { kidOf } from '../../src/step-up/tokens.js'

const reauthRoutes = (app: FastifyInstance): void => {
  app.post('/withdraw', { preHandler: app.requireReauth }, async () => ({ withdrawn: true }))
  app.post('/quick', { preHandler: app.passbase.requireReauth({ maxAge: 60 }) }, async () => ({ quick: true }))
}

/** one clock for every app and sandbox of this file: the tests move it */
const clock = createTestClock()

async function verified (opts: Parameters<typeof harness>[0] = {}): Promise<Harness & { id: string }> {
  const h = await harness({ clock, plugin: { reauth: { secret: REAUTH_SECRET, maxAge: 300, cookie: { secure: true } } }, routes: reauthRoutes, ...opts })
  const id = await linkNew(h, 'alice')
  await h.sandbox.review(id, { status: 'approved', score: 0.95 })
  return Object.assign(h, { id })
}

const as = (user: string, cookie?: string): Record<string, string> => cookie === undefined ? { 'x-user': user } : { 'x-user': user, cookie }

async function stepUp (h: Harness & { id: string }, user = 'alice'): Promise<string> {
  const start = await h.app.inject({ method: 'POST', url: '/passbase/reauth/start', payload: {}, headers: as(user) })
  const { challengeId } = start.json()
  clock.advance(1) // an authentication counts only when received after the challenge
  await h.sandbox.authenticate(h.id)
  const done = await h.app.inject({ method: 'POST', url: '/passbase/reauth/complete', headers: as(user), payload: { challengeId } })
  if (done.statusCode !== 200) throw new Error(`complete: ${done.statusCode} ${done.body}`)
  lastSetCookie = String(done.headers['set-cookie'])
  return lastSetCookie.split(';')[0]!
}
let lastSetCookie = ''

function forge (header: object, payload: object, secret = REAUTH_SECRET): string {
  // step-up tokens name their key (kid): a forgery names the configured key's
  header = { kid: kidOf(REAUTH_SECRET), ...header }
  const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url')
  const input = `${b64(header)}.${b64(payload)}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}

t.test('refusals: anonymous 401, unverified 403, missing cookie 401 with RFC 9470 header', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  t.equal((await h.app.inject({ method: 'POST', url: '/withdraw' })).statusCode, 401)
  t.equal((await h.app.inject({ method: 'POST', url: '/withdraw' })).json().code, 'FST_PASSBASE_UNAUTHENTICATED')
  const unverified = await h.app.inject({ method: 'POST', url: '/withdraw', headers: as('nobody') })
  t.equal(unverified.statusCode, 403)
  t.equal(unverified.json().status, 'none')
  const res = await h.app.inject({ method: 'POST', url: '/withdraw', headers: as('alice') })
  t.equal(res.statusCode, 401)
  t.equal(res.headers['www-authenticate'], 'PassbaseReauth error="insufficient_user_authentication", max_age=300')
  t.match(res.json(), { code: 'FST_PASSBASE_REAUTH_REQUIRED', maxAge: 300, start: '/passbase/reauth/start' })
  const quick = await h.app.inject({ method: 'POST', url: '/quick', headers: as('alice') })
  t.equal(quick.headers['www-authenticate'], 'PassbaseReauth error="insufficient_user_authentication", max_age=60')
  t.equal((await h.app.inject({ method: 'POST', url: '/passbase/reauth/start', payload: {}, headers: as('nobody') })).statusCode, 403, 'start: verified users only')
  t.equal((await h.app.inject({ method: 'POST', url: '/passbase/reauth/start', payload: {} })).statusCode, 401)
})

t.test('full flow: 202 before the authentication, then 200 + hardened cookie, route opens', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  const start = await h.app.inject({ method: 'POST', url: '/passbase/reauth/start', payload: {}, headers: as('alice') })
  t.equal(start.statusCode, 200)
  const { challengeId, expiresAt } = start.json()
  t.ok(Buffer.from(challengeId, 'base64url').length >= 16, '≥ 128 bits')
  t.equal(Date.parse(expiresAt), clock.now() + 600_000, 'challengeTtl: 600 s')
  const early = await h.app.inject({ method: 'POST', url: '/passbase/reauth/complete', headers: as('alice'), payload: { challengeId } })
  t.equal(early.statusCode, 202)
  t.same(early.json(), { pending: true })
  t.notOk(early.headers['set-cookie'], 'no cookie before the authentication')
  clock.advance(1) // an authentication counts only when received after the challenge
  const failed = await h.sandbox.authenticate(h.id, { success: false })
  t.equal(failed.status, 200)
  t.equal((await h.app.inject({ method: 'POST', url: '/passbase/reauth/complete', headers: as('alice'), payload: { challengeId } })).statusCode, 202, 'a failed login does not count')
  await h.sandbox.authenticate(h.id)
  const done = await h.app.inject({ method: 'POST', url: '/passbase/reauth/complete', headers: as('alice'), payload: { challengeId } })
  t.equal(done.statusCode, 200)
  const setCookie = String(done.headers['set-cookie'])
  t.match(setCookie, /^__Host-passbase_reauth=[\w-]+\.[\w-]+\.[\w-]+;/, 'the __Host- prefix by default (secure, path /, no domain)')
  t.match(setCookie, /HttpOnly/)
  t.match(setCookie, /SameSite=Strict/)
  t.match(setCookie, /Secure/)
  t.match(setCookie, /Path=\//)
  t.match(setCookie, /Max-Age=(2\d\d|300)/)
  const cookie = setCookie.split(';')[0]!
  const ok = await h.app.inject({ method: 'POST', url: '/withdraw', headers: as('alice', cookie) })
  t.equal(ok.statusCode, 200)
  t.same(ok.json(), { withdrawn: true })
  t.equal((await h.app.inject({ method: 'POST', url: '/quick', headers: as('alice', `other=1; ${cookie}; x=2`) })).statusCode, 200)
  const reused = await h.app.inject({ method: 'POST', url: '/passbase/reauth/complete', headers: as('alice'), payload: { challengeId } })
  t.equal(reused.statusCode, 410, 'challenge reuse')
  t.equal(reused.json().code, 'FST_PASSBASE_CHALLENGE_GONE')
  t.equal((await h.app.inject({ method: 'POST', url: '/passbase/reauth/complete', headers: as('alice'), payload: { challengeId: 'nope' } })).statusCode, 410)
  t.equal((await h.app.inject({ method: 'POST', url: '/passbase/reauth/complete', headers: as('alice'), payload: {} })).statusCode, 400)
  t.equal((await h.app.inject({ method: 'POST', url: '/passbase/reauth/complete', payload: { challengeId } })).statusCode, 401)
})

t.test("another user's challenge (403) and another user's cookie (401)", async (t) => {
  const h = await verified()
  t.teardown(h.close)
  const bobId = await linkNew(h, 'bob')
  await h.sandbox.review(bobId, { status: 'approved', score: 0.95 })
  const start = await h.app.inject({ method: 'POST', url: '/passbase/reauth/start', payload: {}, headers: as('alice') })
  const { challengeId } = start.json()
  clock.advance(1) // an authentication counts only when received after the challenge
  await h.sandbox.authenticate(h.id)
  const stolen = await h.app.inject({ method: 'POST', url: '/passbase/reauth/complete', headers: as('bob'), payload: { challengeId } })
  t.equal(stolen.statusCode, 403)
  t.equal(stolen.json().code, 'FST_PASSBASE_CHALLENGE_FORBIDDEN')
  const done = await h.app.inject({ method: 'POST', url: '/passbase/reauth/complete', headers: as('alice'), payload: { challengeId } })
  t.equal(done.statusCode, 200, 'still usable by its owner')
  const cookie = String(done.headers['set-cookie']).split(';')[0]!
  t.equal((await h.app.inject({ method: 'POST', url: '/withdraw', headers: as('bob', cookie) })).statusCode, 401)
})

t.test('tampered signature, alg=none, other algorithm, wrong secret, expired window', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  const cookie = await stepUp(h)
  const token = cookie.slice(cookie.indexOf('=') + 1)
  const [header, payload, signature] = token.split('.') as [string, string, string]
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
  const tampered = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`
  const now = Math.floor(clock.now() / 1000)
  const variants: Record<string, string> = {
    tampered,
    'payload swapped': `${header}.${Buffer.from(JSON.stringify({ ...claims, auth_time: now + 1000 })).toString('base64url')}.${signature}`,
    'alg none': `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`,
    'alg HS512': forge({ alg: 'HS512', typ: 'JWT' }, claims),
    'wrong secret': forge({ alg: 'HS256', typ: 'JWT' }, claims, 'x'.repeat(40)),
    'expired window': forge({ alg: 'HS256', typ: 'JWT' }, { ...claims, auth_time: now - 301, exp: now + 100 }),
    'expired token': forge({ alg: 'HS256', typ: 'JWT' }, { ...claims, exp: now - 1 }),
    'other identity': forge({ alg: 'HS256', typ: 'JWT' }, { ...claims, identity_id: 'someone-else' }),
    'missing claims': forge({ alg: 'HS256', typ: 'JWT' }, { sub: 'alice', exp: now + 100 }),
    garbage: 'abc'
  }
  for (const [name, value] of Object.entries(variants)) {
    const res = await h.app.inject({ method: 'POST', url: '/withdraw', headers: as('alice', `__Host-passbase_reauth=${value}`) })
    t.equal(res.statusCode, 401, name)
  }
  const valid = forge({ alg: 'HS256', typ: 'JWT' }, { ...claims, auth_time: now - 120, exp: now + 100 })
  t.equal((await h.app.inject({ method: 'POST', url: '/withdraw', headers: as('alice', `__Host-passbase_reauth=${valid}`) })).statusCode, 200, 'a genuine token within the window passes')
  t.equal((await h.app.inject({ method: 'POST', url: '/quick', headers: as('alice', `__Host-passbase_reauth=${valid}`) })).statusCode, 401, 'but not a 60 s route')
})

t.test('guards call done() synchronously on a cache hit, return a promise when they must wait', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  const cookie = await stepUp(h)
  const call = (guard: typeof h.app.requireVerified, user: string, withCookie = true) => {
    const request = { headers: withCookie ? as(user, cookie) : as(user), log: h.app.log, verification: null }
    const sent: number[] = []
    const reply = {
      sent: false,
      statusCode: 200,
      code (status: number) { this.statusCode = status; return this },
      header () { return this },
      type () { return this },
      send () { sent.push(this.statusCode); this.sent = true; return this }
    }
    let done = 0
    const result = Reflect.apply(guard, h.app, [request, reply, () => { done++ }]) as Promise<void> | undefined
    return { result, sent, done: () => done }
  }
  for (const [name, guard] of [['requireVerified', h.app.requireVerified], ['requireReauth', h.app.requireReauth]] as const) {
    // a user nobody has asked about yet: a cache miss, answered through a promise
    const miss = call(guard, `stranger-${name}`)
    t.ok(miss.result instanceof Promise, `${name}: a miss returns a promise`)
    await miss.result
    t.same(miss.sent, [403])
    t.equal(miss.done(), 0, 'a refusal never calls done')
    const refusedHit = call(guard, `stranger-${name}`)
    t.equal(refusedHit.result, undefined, `${name}: a cached refusal is synchronous`)
    t.same(refusedHit.sent, [403])
    t.equal(refusedHit.done(), 0)
    // alice (cached by the step-up): passes synchronously, done() called once, nothing sent
    await call(guard, 'alice').result
    const pass = call(guard, 'alice')
    t.equal(pass.result, undefined, `${name}: a pass on a cache hit is synchronous`)
    t.equal(pass.done(), 1)
    t.same(pass.sent, [])
  }
  // requireReauth without its cookie: refused synchronously (401)
  const noCookie = call(h.app.requireReauth, 'alice', false)
  t.equal(noCookie.result, undefined)
  t.same(noCookie.sent, [401])
  t.equal(noCookie.done(), 0)
  // called directly without done (await guard(request, reply)), a pass sends nothing
  const direct = call(h.app.requireVerified, 'alice')
  t.same(direct.sent, [])
})

t.test('an authentication older than the challenge does not satisfy it', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  await h.sandbox.authenticate(h.id)
  clock.advance(5) // the file's clock: the challenge starts 5 ms after the authentication arrived
  const start = await h.app.inject({ method: 'POST', url: '/passbase/reauth/start', payload: {}, headers: as('alice') })
  const done = await h.app.inject({ method: 'POST', url: '/passbase/reauth/complete', headers: as('alice'), payload: { challengeId: start.json().challengeId } })
  t.equal(done.statusCode, 202)
})

t.test('the boundary: an authentication received in the challenge\'s own millisecond is not after it', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  const start = await h.app.inject({ method: 'POST', url: '/passbase/reauth/start', payload: {}, headers: as('alice') })
  const { challengeId, expiresAt } = start.json()
  const createdAt = Date.parse(expiresAt) - 600_000 // challengeTtl defaults to 600 s
  const complete = async (): Promise<number> =>
    (await h.app.inject({ method: 'POST', url: '/passbase/reauth/complete', headers: as('alice'), payload: { challengeId } })).statusCode
  // what an approved IDENTITY_AUTHENTICATED delivery records (its time of arrival)
  const store = h.app.passbase.store as MemoryStore
  t.equal(await store.recordAuthentication(h.id, createdAt, 'delivery-1', createdAt + 60_000), 'unmatched')
  t.equal(await complete(), 202, 'same millisecond: not known to be later')
  t.equal(await store.recordAuthentication(h.id, createdAt + 1, 'delivery-2', createdAt + 60_000), 'satisfied')
  t.equal(await complete(), 200, 'one millisecond later: counts')
})

t.test('an expired challenge is 410', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  const start = await h.app.inject({ method: 'POST', url: '/passbase/reauth/start', payload: {}, headers: as('alice') })
  const { challengeId } = start.json()
  const store = h.app.passbase.store as MemoryStore
  const challenge = await store.getChallenge(challengeId)
  await store.createChallenge({ ...challenge!, expiresAt: clock.now() - 1 })
  t.equal((await h.app.inject({ method: 'POST', url: '/passbase/reauth/complete', headers: as('alice'), payload: { challengeId } })).statusCode, 410)
})

t.test('DELETE /reauth revokes a copied cookie and clears it', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  const cookie = await stepUp(h)
  t.equal((await h.app.inject({ method: 'POST', url: '/withdraw', headers: as('alice', cookie) })).statusCode, 200)
  const copy = cookie
  const del = await h.app.inject({ method: 'DELETE', url: '/passbase/reauth', headers: as('alice', cookie) })
  t.equal(del.statusCode, 204)
  t.match(String(del.headers['set-cookie']), /passbase_reauth=;.*Expires=Thu, 01 Jan 1970/)
  t.equal((await h.app.inject({ method: 'POST', url: '/withdraw', headers: as('alice', copy) })).statusCode, 401, 'copied cookie no longer works')
  t.equal((await h.app.inject({ method: 'DELETE', url: '/passbase/reauth' })).statusCode, 204, 'idempotent, anonymous ok')
})

t.test('decline after step-up: 403 at once', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  const cookie = await stepUp(h)
  await h.sandbox.review(h.id, { status: 'declined', score: 0.1 })
  const res = await h.app.inject({ method: 'POST', url: '/withdraw', headers: as('alice', cookie) })
  t.equal(res.statusCode, 403)
  t.equal(res.json().status, 'declined')
})

t.test('revocation store outage fails closed', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  const cookie = await stepUp(h)
  h.app.passbase.store.revokedBefore = async () => { throw new Error('db down') }
  const res = await h.app.inject({ method: 'POST', url: '/withdraw', headers: as('alice', cookie) })
  t.equal(res.statusCode, 503)
})

t.test('without reauth options a route using requireReauth fails at startup naming reauth.secret', async (t) => {
  const app = Fastify()
  await app.register(fastifyPassbase, { secretApiKey: 'sk', webhookSecret: WEBHOOK_SECRET, apiBaseUrl: 'http://127.0.0.1:9/v2', getUserId })
  t.throws(() => app.post('/x', { preHandler: app.requireReauth }, async () => 'x'), /reauth\.secret/)
  t.throws(() => app.passbase.requireReauth({ maxAge: 10 }), /reauth\.secret/)
  t.throws(() => app.post('/y', { preHandler: [app.requireVerified, app.requireReauth] }, async () => 'y'), /reauth\.secret/)
  await app.close()
})

t.test('maxAge above reauth.maxAge is a startup error', async (t) => {
  const app = Fastify()
  await app.register(fastifyPassbase, { secretApiKey: 'sk', webhookSecret: WEBHOOK_SECRET, apiBaseUrl: 'http://127.0.0.1:9/v2', getUserId, reauth: { secret: REAUTH_SECRET, maxAge: 120 } })
  t.throws(() => app.passbase.requireReauth({ maxAge: 121 }), /maxAge/)
  t.throws(() => app.passbase.requireReauth({ maxAge: 0 }), /maxAge/)
  t.type(app.passbase.requireReauth(), 'function')
  await app.close()
})

t.test("coexists with the host's own @fastify/jwt and @fastify/cookie, registered before or after", async (t) => {
  for (const order of ['before', 'after'] as const) {
    const hostPlugins = async (app: FastifyInstance): Promise<void> => {
      await app.register(fastifyJwt, { secret: 'host-secret-host-secret-host-secret' })
      await app.register(fastifyCookie)
    }
    const h = await verified({
      plugin: { reauth: { secret: REAUTH_SECRET, cookie: { secure: false } } },
      before: order === 'before' ? hostPlugins : undefined,
      routes: (app) => {
        reauthRoutes(app)
        if (order === 'after') void hostPlugins(app)
        app.after(() => {
          app.get('/host-token', async () => ({ token: app.jwt.sign({ sub: 'host' }) }))
          app.get('/host-me', { onRequest: async (request) => { await request.jwtVerify() } }, async (request) => ({ user: request.user, cookies: request.cookies }))
        })
      }
    })
    t.teardown(h.close)
    const token = (await h.app.inject({ url: '/host-token' })).json().token
    const me = await h.app.inject({ url: '/host-me', headers: { authorization: `Bearer ${token}`, cookie: 'a=b' } })
    t.equal(me.statusCode, 200, `host jwt works (${order})`)
    t.same(me.json(), { user: { sub: 'host', iat: me.json().user.iat }, cookies: { a: 'b' } })
    const cookie = await stepUp(h)
    t.match(lastSetCookie, /HttpOnly/)
    t.notMatch(lastSetCookie, /Secure/, 'cookie.secure: false for local http')
    t.equal((await h.app.inject({ method: 'POST', url: '/withdraw', headers: as('alice', cookie) })).statusCode, 200, `step-up works beside the host jwt (${order})`)
    const hostToken = await h.app.inject({ method: 'POST', url: '/withdraw', headers: as('alice', `passbase_reauth=${token}`) })
    t.equal(hostToken.statusCode, 401, "the host's tokens are not step-up tokens")
  }
})

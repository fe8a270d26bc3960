import type { FastifyInstance, FastifyRequest } from 'fastify'
import t from 'tap'
import { actionIdOf } from '../../src/step-up/action.js'
import { harness, linkNew, REAUTH_SECRET, type Harness } from '../helpers/app.js'
import { createTestClock } from '../../src/testing/host.js'
import { MemoryStore } from '../../src/index.js'

/** Transaction-bound step-up (PSD2's dynamic linking): a proof that opens one request with the details the user confirmed. */

interface PayoutBody { amount: string, payee: string }

const routes = (app: FastifyInstance): void => {
  const payout = (request: FastifyRequest) => {
    const body = request.body as PayoutBody
    return { type: 'payout', amount: body.amount, payee: body.payee }
  }
  app.post('/payout', { preHandler: app.passbase.requireReauth({ action: payout }) }, async () => ({ paid: true }))
  app.post('/payout-async', { preHandler: app.passbase.requireReauth({ maxAge: 60, action: async (r) => payout(r) }) }, async () => ({ paid: true }))
  app.post('/withdraw', { preHandler: app.requireReauth }, async () => ({ withdrawn: true }))
  app.post('/broken', { preHandler: app.passbase.requireReauth({ action: () => { throw new Error('host bug') } }) }, async () => 'never')
  app.post('/nested', { preHandler: app.passbase.requireReauth({ action: () => ({ a: { b: 1 } }) }) }, async () => 'never')
  app.post('/huge', { preHandler: app.passbase.requireReauth({ action: () => ({ memo: 'x'.repeat(1100) }) }) }, async () => 'never')
}

type Verified = Harness & { id: string }

/** one clock for every app and sandbox of this file: the tests move it */
const clock = createTestClock()

async function verified (store?: MemoryStore): Promise<Verified> {
  const h = await harness({ clock, plugin: { reauth: { secret: REAUTH_SECRET, maxAge: 300 }, ...(store === undefined ? {} : { store }) }, routes })
  const id = await linkNew(h, 'alice')
  await h.sandbox.review(id, { status: 'approved', score: 0.95 })
  return Object.assign(h, { id })
}

const headers = (cookie?: string): Record<string, string> => cookie === undefined ? { 'x-user': 'alice' } : { 'x-user': 'alice', cookie }
const payout = async (h: Harness, body: PayoutBody, cookie?: string, url = '/payout') =>
  await h.app.inject({ method: 'POST', url, headers: headers(cookie), payload: body })

/** The full bound flow for `body`: refusal → start { action } → authentication → complete; returns the bound cookie. */
async function confirm (h: Verified, body: PayoutBody, url = '/payout'): Promise<{ cookie: string, setCookie: string[], actionId: string }> {
  const refused = await payout(h, body, undefined, url)
  const { actionId } = refused.json()
  const start = await h.app.inject({ method: 'POST', url: '/passbase/reauth/start', headers: headers(), payload: { action: actionId } })
  if (start.statusCode !== 200) throw new Error(`start ${start.statusCode} ${start.body}`)
  clock.advance(1) // an authentication counts only when received after the challenge
  await h.sandbox.authenticate(h.id)
  const done = await h.app.inject({ method: 'POST', url: '/passbase/reauth/complete', headers: headers(), payload: { challengeId: start.json().challengeId } })
  if (done.statusCode !== 200) throw new Error(`complete ${done.statusCode} ${done.body}`)
  const setCookie = ([] as string[]).concat(done.headers['set-cookie'] ?? [])
  return { cookie: setCookie[0]!.split(';')[0]!, setCookie, actionId }
}

const BODY = { amount: '50.00 EUR', payee: 'DE89 3704 0044 0532 0130 00' }

t.test('the refusal says what to confirm: the details, their actionId, and action_id in WWW-Authenticate', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  const res = await payout(h, BODY)
  t.equal(res.statusCode, 401)
  const body = res.json()
  t.match(body, { code: 'FST_PASSBASE_REAUTH_REQUIRED', maxAge: 300, start: '/passbase/reauth/start', action: { type: 'payout', ...BODY } })
  t.equal(body.actionId, actionIdOf({ type: 'payout', ...BODY }, 'alice', 'POST /payout'), 'base64url SHA-256 of the details, the user and the route')
  t.match(body.actionId, /^[A-Za-z0-9_-]{43}$/)
  t.equal(res.headers['www-authenticate'], `PassbaseReauth error="insufficient_user_authentication", max_age=300, action_id="${body.actionId}"`)
  t.equal(res.headers['cache-control'], 'no-store')
  t.not((await payout(h, { ...BODY, amount: '51.00 EUR' })).json().actionId, body.actionId, 'other details, another id')
  t.not((await payout(h, BODY, undefined, '/payout-async')).json().actionId, body.actionId, 'another route, another id')
})

t.test('a bound proof opens exactly one request with the same details, once; other details ask again', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  const { cookie, setCookie, actionId } = await confirm(h, BODY)
  t.match(cookie, /^__Host-passbase_reauth_action=/, 'in its own cookie')
  t.equal(setCookie.length, 1, 'the unbound cookie is not touched')
  t.match(setCookie[0], /HttpOnly; Secure; SameSite=Strict/)
  const other = await payout(h, { ...BODY, amount: '5000.00 EUR' }, cookie)
  t.equal(other.statusCode, 401, 'other details: refused…')
  t.not(other.json().actionId, actionId, '…with the new details to confirm')
  const paid = await payout(h, BODY, cookie)
  t.equal(paid.statusCode, 200, 'the confirmed request passes')
  t.match(String(paid.headers['set-cookie']), /^__Host-passbase_reauth_action=; Max-Age=0/, 'and the spent proof is cleared')
  const again = await payout(h, BODY, cookie)
  t.equal(again.statusCode, 401, 'the same request again: refused')
  t.equal(again.json().actionId, actionId)
})

t.test('bound and unbound proofs never stand in for each other; a bound step-up leaves the unbound window as it was', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  // an unbound window first
  const start = await h.app.inject({ method: 'POST', url: '/passbase/reauth/start', headers: headers(), payload: {} })
  clock.advance(1) // an authentication counts only when received after the challenge
  await h.sandbox.authenticate(h.id)
  const done = await h.app.inject({ method: 'POST', url: '/passbase/reauth/complete', headers: headers(), payload: { challengeId: start.json().challengeId } })
  const unbound = String(done.headers['set-cookie']).split(';')[0]!
  t.equal((await h.app.inject({ method: 'POST', url: '/withdraw', headers: headers(unbound) })).statusCode, 200)
  t.equal((await payout(h, BODY, unbound)).statusCode, 401, 'an unbound window never opens a bound route')
  const bound = await confirm(h, BODY)
  const both = `${unbound}; ${bound.cookie}`
  t.equal((await h.app.inject({ method: 'POST', url: '/withdraw', headers: headers(both) })).statusCode, 200, 'the unbound window is as it was')
  const token = bound.cookie.slice(bound.cookie.indexOf('=') + 1)
  t.equal((await h.app.inject({ method: 'POST', url: '/withdraw', headers: headers(`__Host-passbase_reauth=${token}`) })).statusCode, 401, 'a bound token never opens an unbound route')
  t.equal((await payout(h, BODY, both)).statusCode, 200)
})

t.test('async action(), a shorter window, and DELETE /reauth ends bound proofs too', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  const first = await confirm(h, BODY, '/payout-async')
  t.equal((await payout(h, BODY, first.cookie, '/payout-async')).statusCode, 200)
  const second = await confirm(h, BODY, '/payout-async')
  t.equal((await h.app.inject({ method: 'DELETE', url: '/passbase/reauth', headers: headers() })).statusCode, 204)
  t.equal((await payout(h, BODY, second.cookie, '/payout-async')).statusCode, 401, 'revoked with every other window')
})

t.test('an action() that throws or returns something else than a flat object of strings and numbers (≤ 1 KiB) fails closed: 500', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  for (const url of ['/broken', '/nested', '/huge']) {
    const res = await h.app.inject({ method: 'POST', url, headers: headers(), payload: {} })
    t.equal(res.statusCode, 500, url)
    t.equal(res.json().code, 'FST_PASSBASE_ACTION_INVALID')
  }
  t.throws(() => h.app.passbase.requireReauth({ action: 'payout' as never }), /action/)
})

t.test('a cached "no revocation" serves bound requests too: one store read per cache window, not one per request', async (t) => {
  const store = new MemoryStore()
  const revokedBefore = store.revokedBefore.bind(store)
  let reads = 0
  store.revokedBefore = async (userId, now) => { reads++; return await revokedBefore(userId, now) }
  const h = await verified(store)
  t.teardown(h.close)
  const a = await confirm(h, BODY)
  const b = await confirm(h, { ...BODY, amount: '60.00 EUR' })
  reads = 0
  t.equal((await payout(h, BODY, a.cookie)).statusCode, 200)
  t.equal((await payout(h, { ...BODY, amount: '60.00 EUR' }, b.cookie)).statusCode, 200)
  t.equal(reads, 1, 'the second bound request trusts the cached answer (null: never revoked)')
})

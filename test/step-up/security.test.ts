import fastifyCookie from '@fastify/cookie'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { MemoryStore } from '../../src/index.js'
import { kidOf } from '../../src/step-up/tokens.js'
import { harness, linkNew, REAUTH_SECRET, type Harness } from '../helpers/app.js'
import { createTestClock, stepUpWithSandbox } from '../../src/testing/host.js'

/** Attacks on the step-up (named after what the adversarial review tried). */

const withdraw = (app: FastifyInstance): void => {
  app.post('/withdraw', { preHandler: app.requireReauth }, async () => ({ withdrawn: true }))
}

type Verified = Harness & { id: string }

/** one clock for every app and sandbox of this file: the tests move it */
const clock = createTestClock()

async function verified (plugin: Record<string, unknown> = {}, opts: Parameters<typeof harness>[0] = {}): Promise<Verified> {
  const h = await harness({ clock, plugin: { reauth: { secret: REAUTH_SECRET, maxAge: 300 }, ...plugin }, routes: withdraw, ...opts })
  const id = await linkNew(h, 'alice')
  await h.sandbox.review(id, { status: 'approved', score: 0.95 })
  return Object.assign(h, { id })
}

const as = (cookie?: string): Record<string, string> => cookie === undefined ? { 'x-user': 'alice' } : { 'x-user': 'alice', cookie }

async function start (h: Harness): Promise<string> {
  const res = await h.app.inject({ method: 'POST', url: '/passbase/reauth/start', headers: as(), payload: {} })
  if (res.statusCode !== 200) throw new Error(`start: ${res.statusCode} ${res.body}`)
  return res.json().challengeId
}

async function complete (h: Harness, challengeId: string): Promise<{ status: number, cookie: string }> {
  const res = await h.app.inject({ method: 'POST', url: '/passbase/reauth/complete', headers: as(), payload: { challengeId } })
  return { status: res.statusCode, cookie: String(res.headers['set-cookie'] ?? '').split(';')[0]! }
}

/** the whole step-up of alice (start, biometric login, complete): her proof cookie */
async function stepUp (h: Verified): Promise<string> {
  return await stepUpWithSandbox(h.app, h.sandbox, { headers: as() }, h.id)
}

const withdrawWith = async (h: Harness, cookie: string): Promise<number> =>
  (await h.app.inject({ method: 'POST', url: '/withdraw', headers: as(cookie) })).statusCode

t.test('replayed authentication: an IDENTITY_AUTHENTICATED older than reauth.maxAge at receipt opens nothing', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  const challengeId = await start(h)
  clock.advance(1) // an authentication counts only when received after the challenge
  const now = Math.floor(clock.now() / 1000)
  const captured = { event: 'IDENTITY_AUTHENTICATED', key: h.id, status: 'approved', created: now - 1000, processed: now - 301 }
  t.equal((await h.sandbox.deliver({ ...captured, updated: now - 301 })).status, 200, 'answered 200 (nothing to retry)')
  t.equal((await complete(h, challengeId)).status, 202, 'a capture older than maxAge: no effect')
  t.equal((await h.sandbox.deliver({ ...captured, updated: undefined })).status, 200)
  t.equal((await complete(h, challengeId)).status, 202, 'no `updated` at all: no effect')
  t.equal((await h.sandbox.deliver({ ...captured, updated: now - 290 })).status, 200)
  t.equal((await complete(h, challengeId)).status, 200, 'a recent one counts')
})

t.test('piggyback: a challenge a thief started and left waiting conflicts with the user\'s own; the authentication opens neither', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  const thief = await start(h) // a thief holding the session starts a challenge and waits
  const user = await start(h) // the user starts their own: both are conflicted
  clock.advance(1) // an authentication counts only when received after the challenge
  await h.sandbox.authenticate(h.id)
  const thiefs = await h.app.inject({ method: 'POST', url: '/passbase/reauth/complete', headers: as(), payload: { challengeId: thief } })
  t.equal(thiefs.statusCode, 410, "the thief's waiting challenge never completes")
  t.equal(thiefs.json().code, 'FST_PASSBASE_STEP_UP_CONFLICT')
  const mine = await h.app.inject({ method: 'POST', url: '/passbase/reauth/complete', headers: as(), payload: { challengeId: user } })
  t.equal(mine.statusCode, 410, 'the user learns that another step-up was started for the account')
  t.match(mine.json(), { code: 'FST_PASSBASE_STEP_UP_CONFLICT', message: /another step-up was started for this account/i })
  t.equal((await h.app.inject({ method: 'DELETE', url: '/passbase/reauth', headers: as() })).statusCode, 204, '…and can end every window')
  // the authentication closed both: the user's next step-up works
  const cookie = await stepUp(h)
  t.equal(await withdrawWith(h, cookie), 200)
  // that authentication is spent: a challenge started after it waits for a new one
  const next = await start(h)
  t.equal((await complete(h, next)).status, 202, 'one authentication satisfies at most one challenge')
})

t.test('challenge storage follows the starts within challengeTtl: expired challenges are purged', async (t) => {
  const store = new MemoryStore()
  const h = await verified({ store })
  t.teardown(h.close)
  for (let i = 0; i < 200; i++) await start(h)
  t.equal(store.sizes().challenges, 200, 'each start is kept while it is open (a conflicted one absorbs the next authentication)')
  clock.advance(600_000)
  await h.app.passbase.runMaintenance()
  t.equal(store.sizes().challenges, 0, 'and purged once expired')
})

t.test('DELETE /reauth ends every step-up window of the user, not only the cookie it was sent with', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  const phone = await stepUp(h)
  const laptop = await stepUp(h)
  t.equal(await withdrawWith(h, phone), 200)
  t.equal(await withdrawWith(h, laptop), 200)
  // "lock payouts" from a third device that holds no step-up cookie at all
  t.equal((await h.app.inject({ method: 'DELETE', url: '/passbase/reauth', headers: as() })).statusCode, 204)
  t.equal(await withdrawWith(h, phone), 401, 'the phone window ended')
  t.equal(await withdrawWith(h, laptop), 401, 'the laptop window ended')
  clock.advance(1) // an authentication counts only when received after the challenge
  const again = await stepUp(h)
  t.equal(await withdrawWith(h, again), 200, 'a step-up after the revocation opens a new window')
})

t.test('cookie: the __Host- name by default; a tossed duplicate does not block; the host\'s @fastify/cookie settings do not matter', async (t) => {
  for (const cookieOptions of [{ hook: false as const }, { secret: 'host-cookie-secret-host-cookie-secret', parseOptions: { signed: true } }]) {
    const h = await verified({}, { before: async (app) => { await app.register(fastifyCookie, cookieOptions) } })
    t.teardown(h.close)
    const cookie = await stepUp(h)
    t.match(cookie, /^__Host-passbase_reauth=[\w-]+\.[\w-]+\.[\w-]+$/, `${JSON.stringify(cookieOptions)}: the plugin's cookie, never signed`)
    t.equal(await withdrawWith(h, cookie), 200, `${JSON.stringify(cookieOptions)}: the guard reads it (no 500)`)
  }
  // without the prefix (local http), a sibling can toss a cookie of the same name that is sent first
  const h = await verified({ reauth: { secret: REAUTH_SECRET, cookie: { secure: false } } })
  t.teardown(h.close)
  const cookie = await stepUp(h)
  t.match(cookie, /^passbase_reauth=/)
  t.equal(await withdrawWith(h, `passbase_reauth=tossed.by.attacker; ${cookie}`), 200, 'the genuine value is found behind a tossed one')
})

t.test('secret rotation: the first reauth secret signs (its kid in the header), every one verifies', async (t) => {
  const store = new MemoryStore()
  const OLD = REAUTH_SECRET
  const NEW = 'new-reauth-secret-new-reauth-secret-0123'
  const header = (cookie: string): { kid?: string } => JSON.parse(Buffer.from(cookie.split('=')[1]!.split('.')[0]!, 'base64url').toString())
  const before = await verified({ store, reauth: { secret: OLD } })
  t.teardown(before.close)
  const oldCookie = await stepUp(before)
  t.equal(header(oldCookie).kid, kidOf(OLD))

  // the same users and store, the secrets rotated: [NEW, OLD]
  const rotatedStore = new MemoryStore()
  const rotated = await verified({ store: rotatedStore, reauth: { secret: [NEW, OLD] } })
  t.teardown(rotated.close)
  const newCookie = await stepUp(rotated)
  t.equal(header(newCookie).kid, kidOf(NEW), 'new tokens are signed with the first secret')
  const oldUnderRotation = await harness({ clock, plugin: { store, reauth: { secret: [NEW, OLD] } }, routes: withdraw })
  t.teardown(oldUnderRotation.close)
  t.equal(await withdrawWith(oldUnderRotation, oldCookie), 200, 'a token signed before the rotation still opens')
  const oldOnly = await harness({ clock, plugin: { store: rotatedStore, reauth: { secret: [OLD] } }, routes: withdraw })
  t.teardown(oldOnly.close)
  t.equal(await withdrawWith(oldOnly, newCookie), 401, 'an app that does not know the new secret refuses its tokens (same user, same identity)')
  t.equal(await withdrawWith(rotated, newCookie), 200, '(and the app that does, opens)')

  const retired = await harness({ clock, plugin: { store, reauth: { secret: [NEW] } }, routes: withdraw })
  t.teardown(retired.close)
  t.equal(await withdrawWith(retired, oldCookie), 401, 'once the old secret is dropped, its tokens stop')
})

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { normalizeIban, payoutAction, start } from '../../example/server.js'
import { createTestClock, setStatus, stepUpCookie } from '../../src/testing/index.js'

/**
 * The wallet example's own guarded routes, tested the way a host app tests its routes:
 * with fastify-passbase/testing's helpers (a status in one line, a step-up proof in one
 * line, time travel), no browser, no waiting for webhooks.
 */

const dir = mkdtempSync(join(tmpdir(), 'passbase-wallet-'))
const clock = createTestClock(Date.UTC(2027, 0, 1))
const wallet = await start({ port: 0, dataDir: dir, processingDelayMs: 0, expiryMaxAge: 3600, clock, logger: false })
t.teardown(async () => {
  await wallet.close()
  rmSync(dir, { recursive: true, force: true })
})
const { app } = wallet

async function signIn (name: string): Promise<{ user: string, session: string }> {
  const res = await app.inject({ method: 'POST', url: '/session', payload: { name } })
  return { user: `user:${name}`, session: String(res.headers['set-cookie']).split(';')[0]! }
}

t.test('the profile needs an approved identity, and says so when it expired', async (t) => {
  const { user, session } = await signIn('ada')
  const profile = async () => await app.inject({ url: '/profile', headers: { cookie: session } })
  t.equal((await profile()).statusCode, 403)
  // an identity the in-process provider knows, so that the profile can fetch the name from it
  const identity = await wallet.sandbox!.createIdentity({ status: 'approved', owner: { firstName: 'Ada', lastName: 'Lovelace' } })
  await setStatus(app, user, 'approved', { identityId: identity.id, expiresAt: clock.now() + 3600_000 })
  const ok = await profile()
  t.equal(ok.statusCode, 200, 'the guard sees it at once')
  t.match(ok.json(), { firstName: 'Ada', lastName: 'Lovelace' }, 'personal data on demand from the provider')
  clock.advance(3600_000)
  t.match((await profile()).json(), { statusCode: 403, status: 'expired' }, 'after the approval expired')
})

t.test('a payout opens with a proof bound to its amount and payee, once', async (t) => {
  const { user, session } = await signIn('bob')
  await setStatus(app, user, 'approved')
  const body = { amount: 12.5, payee: 'DE89 3704 0044 0532 0130 00' }
  const pay = async (cookie: string) => await app.inject({ method: 'POST', url: '/payout', headers: { cookie }, payload: body })
  const refused = await pay(session)
  t.equal(refused.statusCode, 401)
  t.same(refused.json().action, payoutAction(body))
  const proof = await stepUpCookie(app, user, { action: { details: payoutAction(body), route: 'POST /payout' } })
  const paid = await pay(`${session}; ${proof}`)
  t.equal(paid.statusCode, 200)
  t.match(paid.json(), { amount: 12.5, payee: normalizeIban(body.payee) })
  t.equal((await pay(`${session}; ${proof}`)).statusCode, 401, 'the same proof never pays twice')
  const other = await stepUpCookie(app, user, { action: { details: payoutAction({ ...body, amount: 99 }), route: 'POST /payout' } })
  t.equal((await pay(`${session}; ${other}`)).statusCode, 401, 'a proof for another amount does not open this one')
})

t.test('the statement opens with a plain step-up window', async (t) => {
  const { user, session } = await signIn('cid')
  await setStatus(app, user, 'approved')
  t.equal((await app.inject({ url: '/statement', headers: { cookie: session } })).statusCode, 401)
  const proof = await stepUpCookie(app, user)
  t.equal((await app.inject({ url: '/statement', headers: { cookie: `${session}; ${proof}` } })).statusCode, 200)
})

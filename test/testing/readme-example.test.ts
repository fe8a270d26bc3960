// test/payouts.test.ts — the host app's own test (tap; node:test works the same way)
import Fastify from 'fastify'
import t from 'tap'
import fastifyPassbase from 'fastify-passbase'
import { createTestClock, setStatus, stepUpCookie } from 'fastify-passbase/testing'

async function buildApp () {
  const app = Fastify()
  await app.register(fastifyPassbase, {
    secretApiKey: 'sk_test',
    webhookSecret: '0123456789abcdef0123456789abcdef',
    apiBaseUrl: 'http://127.0.0.1:9/v2',              // no provider needed for these tests
    getUserId: (request) => (request.headers['x-session'] as string | undefined) ?? null,
    reauth: { secret: 'test-reauth-secret-test-reauth-secret' },
    expiry: { maxAge: 365 * 24 * 3600 },
    clock: createTestClock(Date.UTC(2027, 0, 1))
  })
  app.get('/profile', { preHandler: app.requireVerified }, async () => ({ ok: true }))
  app.post<{ Body: { amount: string } }>('/payout', {
    preHandler: app.passbase.requireReauth({ action: (request) => ({ amount: request.body.amount }) })
  }, async () => ({ paid: true }))
  await app.ready()
  return app
}

t.test('only verified users see their profile', async (t) => {
  const app = await buildApp()
  t.teardown(() => app.close())
  t.equal((await app.inject({ url: '/profile', headers: { 'x-session': 'ada' } })).statusCode, 403)
  await setStatus(app, 'ada', 'approved')
  t.equal((await app.inject({ url: '/profile', headers: { 'x-session': 'ada' } })).statusCode, 200)
  await setStatus(app, 'ada', 'declined')
  t.equal((await app.inject({ url: '/profile', headers: { 'x-session': 'ada' } })).json().status, 'declined')
})

t.test('a payout needs a step-up bound to its amount', async (t) => {
  const app = await buildApp()
  t.teardown(() => app.close())
  await setStatus(app, 'ada', 'approved')
  const refused = await app.inject({ method: 'POST', url: '/payout', headers: { 'x-session': 'ada' }, payload: { amount: '50.00 EUR' } })
  t.equal(refused.statusCode, 401)
  t.same(refused.json().action, { amount: '50.00 EUR' })
  const cookie = await stepUpCookie(app, 'ada', { action: { details: { amount: '50.00 EUR' }, route: 'POST /payout' } })
  const paid = await app.inject({ method: 'POST', url: '/payout', headers: { 'x-session': 'ada', cookie }, payload: { amount: '50.00 EUR' } })
  t.equal(paid.statusCode, 200)
})

t.test('approvals expire after a year', async (t) => {
  const app = await buildApp()
  t.teardown(() => app.close())
  await setStatus(app, 'ada', 'approved', { expiresAt: Date.UTC(2028, 0, 1) })
  ;(app.passbase.clock as ReturnType<typeof createTestClock>).set(Date.UTC(2028, 0, 1))
  t.equal((await app.inject({ url: '/profile', headers: { 'x-session': 'ada' } })).json().status, 'expired')
})

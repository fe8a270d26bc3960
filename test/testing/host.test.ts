import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import fastifyPassbase from '../../src/index.js'
import { createTestClock, setStatus, stepUpCookie, stepUpWithSandbox, verifyWithSandbox } from '../../src/testing/host.js'
import { harness, REAUTH_SECRET, WEBHOOK_SECRET } from '../helpers/app.js'

/** The host-test helpers of `fastify-passbase/testing`, used as a host app's own tests would. */

/** A host app: its own session header, a profile behind requireVerified, payouts behind step-up. */
async function hostApp (): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(fastifyPassbase, {
    secretApiKey: 'sk_test',
    webhookSecret: WEBHOOK_SECRET,
    apiBaseUrl: 'http://127.0.0.1:9/v2', // no provider at all
    getUserId: (request) => (request.headers['x-session'] as string | undefined) ?? null,
    reauth: { secret: REAUTH_SECRET },
    clock: createTestClock(Date.UTC(2027, 0, 1)),
    expiry: { maxAge: 3600 }
  })
  app.get('/profile', { preHandler: app.requireVerified }, async () => ({ ok: true }))
  app.post('/withdraw', { preHandler: app.requireReauth }, async () => ({ ok: true }))
  app.post('/payout', {
    preHandler: app.passbase.requireReauth({ action: (request) => ({ amount: (request.body as { amount: string }).amount }) })
  }, async () => ({ paid: true }))
  await app.ready()
  return app
}

t.test('without a provider: any status at once, a step-up cookie, a bound proof, time travel', async (t) => {
  const app = await hostApp()
  t.teardown(() => app.close())
  const as = (cookie?: string) => ({ 'x-session': 'u1', ...(cookie === undefined ? {} : { cookie }) })
  t.equal((await app.inject({ url: '/profile', headers: as() })).statusCode, 403)
  await setStatus(app, 'u1', 'approved', { expiresAt: Date.UTC(2027, 0, 2) })
  t.equal((await app.inject({ url: '/profile', headers: as() })).statusCode, 200, 'the guard sees it at once')
  const cookie = await stepUpCookie(app, 'u1')
  t.equal((await app.inject({ method: 'POST', url: '/withdraw', headers: as(cookie) })).statusCode, 200)
  const bound = await stepUpCookie(app, 'u1', { action: { details: { amount: '10.00 EUR' }, route: 'POST /payout' } })
  t.equal((await app.inject({ method: 'POST', url: '/payout', headers: as(bound), payload: { amount: '10.00 EUR' } })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: '/payout', headers: as(bound), payload: { amount: '10.00 EUR' } })).statusCode, 401, 'bound proofs are single use')
  for (const status of ['declined', 'pending', 'processing', 'approved', 'expired'] as const) {
    await setStatus(app, 'u1', status)
    const res = await app.inject({ url: '/profile', headers: as() })
    t.equal(res.statusCode, status === 'approved' ? 200 : 403, status)
  }
  await setStatus(app, 'u1', 'approved', { expiresAt: Date.UTC(2027, 0, 1, 1) })
  ;(app.passbase.clock as ReturnType<typeof createTestClock>).advance(3600_000)
  t.equal((await app.inject({ url: '/profile', headers: as() })).json().status, 'expired', 'time travel: the approval expired')
  await setStatus(app, 'u1', 'none')
  t.equal((await app.inject({ url: '/profile', headers: as() })).json().status, 'none')
  await t.rejects(stepUpCookie(app, 'u1'), /not approved/)
})

t.test('through the sandbox: the real pipeline, in two lines', async (t) => {
  const h = await harness({ plugin: { reauth: { secret: REAUTH_SECRET } }, routes: (app) => { app.post('/withdraw', { preHandler: app.requireReauth }, async () => ({ ok: true })) } })
  t.teardown(h.close)
  const as = { headers: { 'x-user': 'sam' } }
  const identityId = await verifyWithSandbox(h.app, h.sandbox, as)
  t.equal((await h.app.inject({ url: '/profile', headers: as.headers })).statusCode, 200)
  const cookie = await stepUpWithSandbox(h.app, h.sandbox, as, identityId)
  t.equal((await h.app.inject({ method: 'POST', url: '/withdraw', headers: { ...as.headers, cookie } })).statusCode, 200)
  const declined = await verifyWithSandbox(h.app, h.sandbox, { headers: { 'x-user': 'dee' } }, { status: 'declined' })
  t.equal((await h.sandbox.getIdentity(declined))?.status, 'declined', 'the id of the new identity, declined at the provider')
  t.equal((await h.app.inject({ url: '/profile', headers: { 'x-user': 'dee' } })).json().status, 'declined')
})

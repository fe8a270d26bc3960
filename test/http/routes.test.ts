import Fastify from 'fastify'
import { constants, generateKeyPairSync, publicDecrypt, randomUUID } from 'node:crypto'
import t from 'tap'
import fastifyPassbase, { MemoryStore } from '../../src/index.js'
import { createTestClock } from '../../src/testing/host.js'
import { getUserId, harness, linkNew, statusOf, WEBHOOK_SECRET } from '../helpers/app.js'

t.test('POST /verifications', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const identity = await h.sandbox.createIdentity({ status: 'processing' })
  const post = async (user: string | null, payload: unknown) => await h.app.inject({
    method: 'POST', url: '/passbase/verifications', headers: user === null ? {} : { 'x-user': user }, payload: payload as object
  })
  t.equal((await post(null, { identityAccessKey: identity.id })).statusCode, 401)
  const malformed = await post('alice', { identityAccessKey: 'not-a-uuid' })
  t.equal(malformed.statusCode, 400)
  t.equal(malformed.json().code, 'FST_PASSBASE_BAD_REQUEST')
  t.equal((await post('alice', {})).statusCode, 400)
  const notJson = await h.app.inject({ method: 'POST', url: '/passbase/verifications', headers: { 'x-user': 'alice', 'content-type': 'application/json' }, payload: '{bad' })
  t.equal(notJson.statusCode, 400)
  t.equal(notJson.json().code, 'FST_PASSBASE_BAD_REQUEST')
  const unknown = await post('alice', { identityAccessKey: randomUUID() })
  t.equal(unknown.statusCode, 404)
  t.equal(unknown.json().code, 'FST_PASSBASE_UNKNOWN_IDENTITY')
  t.equal((await statusOf(h, 'alice')).status, 'none', 'nothing linked')
  const created = await post('alice', { identityAccessKey: identity.id })
  t.equal(created.statusCode, 201)
  t.match(created.json(), { status: 'processing', identityId: identity.id })
  const again = await post('alice', { identityAccessKey: identity.id })
  t.equal(again.statusCode, 200)
  t.same(again.json(), created.json(), 'same record')
  const taken = await post('bob', { identityAccessKey: identity.id })
  t.equal(taken.statusCode, 409)
  t.equal(taken.json().code, 'FST_PASSBASE_IDENTITY_TAKEN')
  t.equal((await statusOf(h, 'bob')).status, 'none')
  await h.sandbox.review(identity.id, { status: 'approved', score: 0.9 })
  const second = await h.sandbox.createIdentity({ status: 'processing' })
  const already = await post('alice', { identityAccessKey: second.id })
  t.equal(already.statusCode, 409)
  t.equal(already.json().code, 'FST_PASSBASE_ALREADY_VERIFIED')
  t.equal((await post('alice', { identityAccessKey: identity.id })).statusCode, 200, 're-posting the approved key is fine')
})

t.test('one identity claimed by two users at once: exactly one wins', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const identity = await h.sandbox.createIdentity({ status: 'processing' })
  const results = await Promise.all(['u1', 'u2', 'u3', 'u4'].map(async (user) => (await h.app.inject({
    method: 'POST', url: '/passbase/verifications', headers: { 'x-user': user }, payload: { identityAccessKey: identity.id }
  })).statusCode))
  t.same(results.filter((s) => s === 201).length, 1)
  t.same(results.filter((s) => s === 409).length, 3)
})

t.test('a declined user may link a new identity', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const first = await linkNew(h, 'carl')
  await h.sandbox.review(first, { status: 'declined', score: 0.1 })
  const second = await linkNew(h, 'carl')
  t.match(await statusOf(h, 'carl'), { status: 'processing', identityId: second })
  await h.sandbox.review(second, { status: 'approved', score: 0.9 })
  t.match(await statusOf(h, 'carl'), { status: 'approved', identityId: second })
})

t.test('API unreachable while linking: kept as created, settled by the webhook', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const identity = await h.sandbox.createIdentity({ status: 'processing' })
  h.sandbox.faults.api.status = 503
  const res = await h.app.inject({ method: 'POST', url: '/passbase/verifications', headers: { 'x-user': 'dora' }, payload: { identityAccessKey: identity.id } })
  t.equal(res.statusCode, 201)
  t.equal(res.json().status, 'created')
  t.notOk(res.json().updatedAt)
  h.sandbox.faults.api.status = undefined
  await h.sandbox.review(identity.id, { status: 'approved', score: 0.9 })
  t.equal((await statusOf(h, 'dora')).status, 'approved')
})

t.test('GET /status and GET /config', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const h = await harness({ plugin: { publishableApiKey: 'pk_test_1', metadataPrivateKey: privateKey } })
  t.teardown(h.close)
  t.equal((await h.app.inject({ url: '/passbase/status' })).statusCode, 401)
  t.same(await statusOf(h, 'erin'), { status: 'none' })
  t.equal((await h.app.inject({ url: '/passbase/config' })).statusCode, 401)
  const res = await h.app.inject({ url: '/passbase/config', headers: { 'x-user': 'erin' } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['cache-control'], 'no-store')
  const body = res.json()
  t.equal(body.publishableApiKey, 'pk_test_1')
  const plain = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(body.metaData, 'base64'))
  t.same(JSON.parse(plain.toString()), { user_id: 'erin' })
})

t.test('GET /config without keys', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  t.same((await h.app.inject({ url: '/passbase/config', headers: { 'x-user': 'x' } })).json(), { publishableApiKey: null })
})

t.test('requireVerified: 401, 403 with status, 200, request.verification', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const anon = await h.app.inject({ url: '/profile' })
  t.equal(anon.statusCode, 401)
  t.same(anon.json(), { statusCode: 401, code: 'FST_PASSBASE_UNAUTHENTICATED', error: 'Unauthorized', message: 'Sign in first' })
  const none = await h.app.inject({ url: '/profile', headers: { 'x-user': 'fay' } })
  t.equal(none.statusCode, 403)
  t.match(none.json(), { code: 'FST_PASSBASE_VERIFICATION_REQUIRED', status: 'none' })
  const id = await linkNew(h, 'fay')
  t.equal((await h.app.inject({ url: '/profile', headers: { 'x-user': 'fay' } })).json().status, 'processing', 'link invalidates the cache')
  await h.sandbox.review(id, { status: 'approved', score: 0.9 })
  const ok = await h.app.inject({ url: '/profile', headers: { 'x-user': 'fay' } })
  t.equal(ok.statusCode, 200)
  // decline takes effect at once (cache invalidated by the update)
  await h.sandbox.review(id, { status: 'declined', score: 0.1 })
  t.equal((await h.app.inject({ url: '/profile', headers: { 'x-user': 'fay' } })).json().status, 'declined')
})

t.test('store outage: guarded routes fail closed with 503', async (t) => {
  const store = new MemoryStore()
  const clock = createTestClock()
  const h = await harness({ clock, plugin: { store } })
  t.teardown(h.close)
  const id = await linkNew(h, 'gus')
  await h.sandbox.review(id, { status: 'approved', score: 0.9 })
  t.equal((await h.app.inject({ url: '/profile', headers: { 'x-user': 'gus' } })).statusCode, 200, 'gus is approved (and now cached)')
  h.app.passbase.store.getByUser = async () => { throw new Error('connection refused') }
  // a cached answer may be served for at most the cache TTL; a fresh user is never let through
  t.equal((await h.app.inject({ url: '/profile', headers: { 'x-user': 'gus' } })).statusCode, 200, 'within the TTL: the cached answer')
  const fresh = await h.app.inject({ url: '/profile', headers: { 'x-user': 'someone-else' } })
  t.equal(fresh.statusCode, 503)
  t.equal(fresh.json().code, 'FST_PASSBASE_STORE_UNAVAILABLE')
  clock.advance(1100) // past the guard cache's 1 s
  const res = await h.app.inject({ url: '/profile', headers: { 'x-user': 'gus' } })
  t.equal(res.statusCode, 503, 'after the cache TTL the outage is seen')
  const status = await h.app.inject({ url: '/passbase/status', headers: { 'x-user': 'gus' } })
  t.equal(status.statusCode, 503)
  t.equal(status.json().code, 'FST_PASSBASE_STORE_UNAVAILABLE')
  await t.rejects(h.app.passbase.statusOf('gus'))
})

t.test('getUserId that throws fails closed; async getUserId works', async (t) => {
  const app = Fastify()
  await app.register(fastifyPassbase, {
    secretApiKey: 'sk',
    webhookSecret: WEBHOOK_SECRET,
    apiBaseUrl: 'http://127.0.0.1:9/v2',
    getUserId: async (request) => { if (request.headers['x-boom'] !== undefined) throw new Error('auth backend down'); return getUserId(request) }
  })
  app.get('/p', { preHandler: app.requireVerified }, async () => 'ok')
  t.teardown(() => app.close())
  // A host bug is not a store outage: 500 FST_PASSBASE_INTERNAL (still a refusal)
  const boom = await app.inject({ url: '/p', headers: { 'x-boom': '1' } })
  t.equal(boom.statusCode, 500)
  t.equal(boom.json().code, 'FST_PASSBASE_INTERNAL')
  t.equal((await app.inject({ url: '/p', headers: { 'x-user': 'u' } })).statusCode, 403)
})

t.test('prefix option and a host error handler do not change the contract', async (t) => {
  const app = Fastify()
  app.setErrorHandler((_err, _req, reply) => { void reply.code(418).send('teapot') })
  await app.register(fastifyPassbase, { secretApiKey: 'sk', webhookSecret: WEBHOOK_SECRET, apiBaseUrl: 'http://127.0.0.1:9/v2', getUserId, prefix: '/kyc' })
  t.teardown(() => app.close())
  t.equal((await app.inject({ url: '/kyc/status' })).statusCode, 401)
  t.equal((await app.inject({ method: 'POST', url: '/kyc/webhooks', payload: 'x', headers: { 'content-type': 'text/plain' } })).statusCode, 400)
  t.equal((await app.inject({ url: '/passbase/status' })).statusCode, 404)
  t.notOk(app.hasDecorator('jwt'), 'no jwt decorator leaks to the host')
})

import { generateKeyPairSync } from 'node:crypto'
import Fastify from 'fastify'
import t, { type Test } from 'tap'
import fastifyPassbase, { MemoryStore } from '../../src/index.js'
import { getUserId, harness, linkNew, SECRET_API_KEY, statusOf, WEBHOOK_SECRET } from '../helpers/app.js'

/**
 * Errors say what failed (classified where they arise): store failures 503
 * STORE_UNAVAILABLE; provider unreachable/5xx/429/timeouts 503 PROVIDER_UNAVAILABLE;
 * provider answers that cannot be used (a refused key, a body that fails validation, an
 * identity with another id) 502 PROVIDER_ERROR; anything else 500 INTERNAL. Before, all of
 * these were "503 store unavailable".
 */

const link = async (app: ReturnType<typeof Fastify>, user: string, identityAccessKey: string) =>
  await app.inject({ method: 'POST', url: '/passbase/verifications', headers: { 'x-user': user }, payload: { identityAccessKey } })

/** A provider API that answers every identity with `body` (to play a provider gone wrong). */
async function fakeProvider (t: Test, body: (id: string) => unknown): Promise<string> {
  const api = Fastify()
  api.get('/v2/identities/:id', async (request) => body((request.params as { id: string }).id))
  await api.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => api.close())
  const address = api.server.address()
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/v2`
}

async function app (t: Test, apiBaseUrl: string, extra: Record<string, unknown> = {}): Promise<ReturnType<typeof Fastify>> {
  const a = Fastify()
  await a.register(fastifyPassbase, { secretApiKey: SECRET_API_KEY, webhookSecret: WEBHOOK_SECRET, getUserId, apiBaseUrl, api: { retries: 0, timeoutMs: 2000 }, ...extra })
  t.teardown(() => a.close())
  return a
}

const ID = 'c0ffee00-1111-4222-8333-944445555666'

t.test('a wrong API key is a provider error (502), not a store outage; nothing is linked', async (t) => {
  const h = await harness({ sandbox: { secretApiKey: 'sk_someone_else' } })
  t.teardown(h.close)
  const identity = await h.sandbox.createIdentity({ status: 'processing' })
  const res = await link(h.app, 'amy', identity.id)
  t.equal(res.statusCode, 502)
  t.match(res.json(), { code: 'FST_PASSBASE_PROVIDER_ERROR', message: 'The verification provider gave an answer that cannot be used' })
  t.notMatch(res.body, /sk_/, 'no key in the answer')
  t.equal((await statusOf(h, 'amy')).status, 'none')
})

t.test('a provider answer that fails validation is 502', async (t) => {
  const a = await app(t, await fakeProvider(t, (id) => ({ id, status: 'approved', score: 7 })))
  const res = await link(a, 'ben', ID)
  t.match(res.json(), { statusCode: 502, code: 'FST_PASSBASE_PROVIDER_ERROR' })
})

t.test('an identity with another id than the one asked for is 502, and nothing is linked (the key is case-insensitive)', async (t) => {
  const other = await app(t, await fakeProvider(t, () => ({ id: 'd0d0d0d0-1111-4222-8333-944445555666', status: 'approved', score: 0.9, created: 1, updated: 2 })))
  t.match((await link(other, 'cat', ID)).json(), { statusCode: 502, code: 'FST_PASSBASE_PROVIDER_ERROR' })
  t.equal(await other.passbase.statusOf('cat'), 'none')
  const upper = await app(t, await fakeProvider(t, (id) => ({ id: id.toUpperCase(), status: 'approved', score: 0.9, created: 1, updated: 2 })))
  const res = await link(upper, 'dan', ID.toUpperCase())
  t.equal(res.statusCode, 201, 'the same id in another case is the same identity')
  t.equal(res.json().identityId, ID, 'stored lower-case')
})

t.test('the provider down: 503 PROVIDER_UNAVAILABLE on webhooks (the provider retries); a link is kept as created', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const id = await linkNew(h, 'eva')
  h.sandbox.faults.api.status = 503
  const identity = h.sandbox.setIdentity(id, { status: 'approved', score: 0.9 })
  h.sandbox.faults.api.status = 503
  const res = await h.app.inject({ method: 'POST', url: '/passbase/webhooks', headers: { 'content-type': 'application/json' }, payload: '{}' })
  t.equal(res.statusCode, 400, '(a bad body is still a 400)')
  const d = await h.sandbox.deliver({ event: 'VERIFICATION_REVIEWED', key: id, status: 'approved', updated: identity.updated })
  t.equal(d.status, 503)
  const other = await h.sandbox.createIdentity({ status: 'processing' })
  const kept = await link(h.app, 'fay', other.id)
  t.equal(kept.statusCode, 201)
  t.equal(kept.json().status, 'created')
})

t.test('store failures are 503 STORE_UNAVAILABLE; anything unexpected is 500 INTERNAL', async (t) => {
  const store = new MemoryStore()
  const a = await app(t, 'http://127.0.0.1:9/v2', { store })
  store.getByUser = async () => { throw new Error('db down') }
  const down = await a.inject({ url: '/passbase/status', headers: { 'x-user': 'gus' } })
  t.match(down.json(), { statusCode: 503, code: 'FST_PASSBASE_STORE_UNAVAILABLE', message: 'Verification state is unavailable; try again later' })
  // a store that answers nonsense (an expiry that is not a time) is a bug somewhere: 500
  store.getByUser = async () => ({ userId: 'gus', identityId: 'x', status: 'approved', score: null, reason: null, providerUpdated: 5, linkedAt: 1, expiresAt: Number.NaN })
  const odd = await a.inject({ url: '/passbase/status', headers: { 'x-user': 'gus' } })
  t.match(odd.json(), { statusCode: 500, code: 'FST_PASSBASE_INTERNAL', message: 'Internal error' })
})

t.test('a user id too long to sign into metaData gets its own 500 code at GET /config', async (t) => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
  const a = await app(t, 'http://127.0.0.1:9/v2', { metadataPrivateKey: privateKey })
  t.equal((await a.inject({ url: '/passbase/config', headers: { 'x-user': 'u'.repeat(100) } })).statusCode, 200, '100 characters fit a 1024-bit key')
  const res = await a.inject({ url: '/passbase/config', headers: { 'x-user': 'u'.repeat(104) } })
  t.match(res.json(), { statusCode: 500, code: 'FST_PASSBASE_USER_ID_TOO_LONG' })
})

t.test('errorResponse shapes refusal and error bodies (status kept), never the webhook answer; a throwing builder falls back', async (t) => {
  let broken = false
  const h = await harness({
    plugin: {
      errorResponse: (request, body) => {
        if (broken) throw new Error('builder bug')
        return { error: { code: body.code, status: body.statusCode, path: request.url, ...(body.status === undefined ? {} : { status: body.status }) } }
      }
    }
  })
  t.teardown(h.close)
  const anonymous = await h.app.inject({ url: '/profile' })
  t.equal(anonymous.statusCode, 401)
  t.same(anonymous.json(), { error: { code: 'FST_PASSBASE_UNAUTHENTICATED', status: 401, path: '/profile' } })
  const none = await h.app.inject({ url: '/profile', headers: { 'x-user': 'hal' } })
  t.same(none.json(), { error: { code: 'FST_PASSBASE_VERIFICATION_REQUIRED', status: 'none', path: '/profile' } })
  const route = await h.app.inject({ method: 'POST', url: '/passbase/verifications', headers: { 'x-user': 'hal' }, payload: { identityAccessKey: 'nope' } })
  t.equal(route.statusCode, 400)
  t.match(route.json(), { error: { code: 'FST_PASSBASE_BAD_REQUEST', status: 400 } })
  const webhook = await h.app.inject({ method: 'POST', url: '/passbase/webhooks', headers: { 'content-type': 'text/plain' }, payload: 'x' })
  t.match(webhook.json(), { statusCode: 400, code: 'FST_PASSBASE_BAD_WEBHOOK' }, 'the webhook answer never varies')
  broken = true
  const fallback = await h.app.inject({ url: '/profile' })
  t.match(fallback.json(), { statusCode: 401, code: 'FST_PASSBASE_UNAUTHENTICATED' }, "a throwing builder: the plugin's body")
})

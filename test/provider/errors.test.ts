import t from 'tap'
import {
  ApiNotFoundError,
  ApiResponseError,
  ApiUnauthorizedError,
  ProviderError
} from '../../src/errors.js'
import { client, identity, json, noKey, provider, rejection } from './helpers.js'

t.test('401 and 403 → ApiUnauthorizedError without retry', async (t) => {
  for (const status of [401, 403]) {
    const p = await provider(t, (req, res) => { json(res, status, { message: 'bad key' }) })
    const c = client(t, p)
    const err = await c.getSettings().catch((e: unknown) => e)
    t.ok(err instanceof ApiUnauthorizedError, `${status}`)
    t.equal((err as { providerStatus?: number }).providerStatus, status)
    t.equal(p.requests.length, 1, 'not retried')
    t.equal(c.stats().requests, 1)
    noKey(t, err)
  }
})

t.test('404 → ApiNotFoundError without retry', async (t) => {
  const p = await provider(t, (req, res) => { json(res, 404, { message: 'not found' }) })
  const c = client(t, p)
  const err = await c.getIdentity('missing').catch((e: unknown) => e)
  t.ok(err instanceof ApiNotFoundError)
  t.equal((err as ApiNotFoundErrorInstance).statusCode, 404)
  t.equal((err as { providerStatus?: number }).providerStatus, 404)
  t.equal(p.requests.length, 1)
})
type ApiNotFoundErrorInstance = InstanceType<typeof ApiNotFoundError>

t.test('other 4xx → ApiResponseError without retry', async (t) => {
  const p = await provider(t, (req, res) => { json(res, 400, { message: 'bad' }) })
  const c = client(t, p)
  const err = await c.getSettings().catch((e: unknown) => e)
  t.ok(err instanceof ApiResponseError)
  t.equal((err as { providerStatus?: number }).providerStatus, 400)
  t.equal(p.requests.length, 1)
})

t.test('codes and statuses: unusable answers are 502 FST_PASSBASE_PROVIDER_ERROR, a ProviderError', async (t) => {
  const p = await provider(t, (req, res) => {
    if (req.url?.endsWith('/settings')) json(res, 401, {})
    else if (req.url?.endsWith('/resources')) json(res, 409, {})
    else json(res, 404, {})
  })
  const c = client(t, p)
  const unauthorized = await rejection(c.getSettings())
  t.match(unauthorized, { code: 'FST_PASSBASE_PROVIDER_ERROR', statusCode: 502, providerStatus: 401 })
  t.ok(unauthorized instanceof ProviderError)
  t.match(unauthorized.message, /refused the secret API key \(HTTP 401 on getSettings\)/)
  const other = await rejection(c.listResources('i'))
  t.match(other, { code: 'FST_PASSBASE_PROVIDER_ERROR', statusCode: 502, providerStatus: 409 })
  t.ok(other instanceof ProviderError)
  const missing = await rejection(c.getResource('i', 'r'))
  t.match(missing, { code: 'FST_PASSBASE_API_NOT_FOUND', statusCode: 404, providerStatus: 404 })
  t.match(missing.message, /not found \(getResource\)/)
})

t.test('invalid bodies → ApiResponseError, not retried', async (t) => {
  const p = await provider(t, (req, res) => {
    if (req.url?.endsWith('/settings')) {
      json(res, 200, ['not', 'a', 'record'])
    } else if (req.url?.endsWith('/not-json')) {
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end('<html>hello</html>')
    } else {
      // a status of the wrong type (an unknown *string* status is tolerated: see schemas.test.ts)
      json(res, 200, { id: 'x', status: 5, created: 'yesterday' })
    }
  })
  const c = client(t, p)
  const err = await c.getIdentity('bad-shape').catch((e: unknown) => e)
  t.ok(err instanceof ApiResponseError)
  t.match((err as Error).message, /does not match the schema \(status: .*created: /)
  t.equal((err as { providerStatus?: number }).providerStatus, 200)
  await t.rejects(c.getIdentity('not-json'), ApiResponseError)
  await t.rejects(c.listIdentities(), ApiResponseError)
  await t.rejects(c.getSettings(), { message: /\(\(root\): / })
  t.equal(p.requests.length, 4)
})

t.test('an identity without a string id, or with another id, is an ApiResponseError', async (t) => {
  const p = await provider(t, (req, res) => {
    if (req.url?.endsWith('/no-id')) json(res, 200, { status: 'approved' })
    else if (req.url?.endsWith('/empty-id')) json(res, 200, { id: '', status: 'approved' })
    else if (req.url?.endsWith('/number-id')) json(res, 200, { id: 7, status: 'approved' })
    else if (req.url?.endsWith('/ABC-upper')) json(res, 200, identity('abc-upper'))
    else json(res, 200, identity('someone-else'))
  })
  const c = client(t, p)
  for (const id of ['no-id', 'empty-id', 'number-id']) {
    const err = await rejection(c.getIdentity(id))
    t.ok(err instanceof ApiResponseError, id)
    t.match(err.message, /does not match the schema \(id: /)
  }
  const other = await rejection(c.getIdentity('mine'))
  t.ok(other instanceof ApiResponseError)
  t.match(other, { code: 'FST_PASSBASE_PROVIDER_ERROR', statusCode: 502, providerStatus: 200 })
  t.match(other.message, /another identity/)
  t.notOk(other.message.includes('someone-else'), 'the other id is not in the message')
  t.equal((await c.getIdentity('ABC-upper')).id, 'abc-upper', 'ids compare case-insensitively')
  // a list page with one identity without id is unusable as a whole
  const p2 = await provider(t, (req, res) => { json(res, 200, { data: [identity('a'), { status: 'approved' }] }) })
  const err = await rejection(client(t, p2).listIdentities())
  t.match(err.message, /data\.1\.id: /)
})

t.test('messages never contain ids, personal data or the key', async (t) => {
  const secretish = {
    id: 'id-private-1',
    status: 'approved',
    owner: { email: 'grace@example.com', first_name: 'Grace', last_name: ['not', 'a', 'string'] },
    score: 7,
    metadata: { user_id: 'user-private-1' },
    resources: [{ type: 'PASSPORT', datapoints: { document_number: 'P-SECRET' } }]
  }
  const p = await provider(t, (req, res, n) => {
    if (n === 1) json(res, 200, secretish)
    else if (n === 2) json(res, 500, {})
    else json(res, 404, {})
  })
  const c = client(t, p, { retries: 0 })
  const errors = [
    await rejection(c.getIdentity('id-private-1')),
    await rejection(c.getIdentity('id-private-1')),
    await rejection(c.getResource('id-private-1', 'res-private-1'))
  ]
  t.match(errors[0].message, /owner\.last_name: .*score: /)
  for (const err of errors) {
    for (const value of ['id-private-1', 'res-private-1', 'grace@example.com', 'Grace', 'user-private-1', 'P-SECRET', '/identit']) {
      t.notOk(err.message.includes(value), `"${err.message}" has no ${value}`)
    }
    noKey(t, err)
  }
})

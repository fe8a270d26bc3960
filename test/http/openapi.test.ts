import swagger from '@fastify/swagger'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import fastifyPassbase, { guardResponses, refusalResponse, refusalSchema, type FastifyPassbaseOptions } from '../../src/index.js'
import { getUserId, REAUTH_SECRET, WEBHOOK_SECRET } from '../helpers/app.js'

/**
 * The OpenAPI document @fastify/swagger generates for a host app: the plugin's routes are
 * tagged, every answer each route gives is described (the refusals with their schema and
 * the codes they carry), the webhook's request body is documented, and a host documents
 * its guarded routes with the exported helpers.
 */

interface Operation {
  tags?: string[]
  summary?: string
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }
  responses: Record<string, { description: string, headers?: Record<string, unknown>, content?: Record<string, { schema: Record<string, unknown> }> }>
}
type Document = { paths: Record<string, Record<string, Operation>> }

async function hostApp (plugin: Partial<FastifyPassbaseOptions> = {}): Promise<{ app: FastifyInstance, doc: Document, routes: string[] }> {
  const app = Fastify()
  await app.register(swagger, { openapi: { info: { title: 'host', version: '1.0.0' } } })
  const routes: string[] = []
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD' && route.url.startsWith('/passbase')) routes.push(`${method} ${route.url}`)
  })
  await app.register(fastifyPassbase, {
    secretApiKey: 'sk_test',
    webhookSecret: WEBHOOK_SECRET,
    apiBaseUrl: 'http://127.0.0.1:9/v2',
    getUserId,
    reauth: { secret: REAUTH_SECRET },
    ...plugin
  })
  app.get('/profile', {
    preHandler: app.requireVerified,
    schema: { response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } }, ...guardResponses('verified') } }
  }, async () => ({ ok: true }))
  app.post('/withdraw', { preHandler: app.requireReauth, schema: { response: guardResponses('reauth') } }, async () => ({ ok: true }))
  app.post<{ Body: { amount: string } }>('/payout', {
    preHandler: app.passbase.requireReauth({ action: (request) => ({ amount: request.body.amount }) }),
    schema: { response: { ...guardResponses('bound'), 409: refusalResponse('the payout was already made') } }
  }, async () => ({ ok: true }))
  await app.ready()
  return { app, doc: app.swagger() as unknown as Document, routes }
}

/** Every answer of every route of the plugin, as the README's Routes table gives them. */
const EXPECTED: Record<string, string[]> = {
  'POST /passbase/webhooks': ['200', '400', '413', '500', '502', '503'],
  'POST /passbase/verifications': ['200', '201', '400', '401', '403', '404', '409', '413', '415', '429', '500', '502', '503'],
  'GET /passbase/status': ['200', '401', '500', '503'],
  'GET /passbase/config': ['200', '401', '500'],
  'GET /passbase/client.js': ['200', '304'],
  'POST /passbase/reauth/start': ['200', '400', '401', '403', '413', '415', '500', '503'],
  'POST /passbase/reauth/complete': ['200', '202', '400', '401', '403', '410', '413', '415', '500', '503'],
  'POST /passbase/reauth/cancel': ['204', '400', '401', '413', '415', '500', '503'],
  'DELETE /passbase/reauth': ['204', '500', '503']
}

function operations (doc: Document): Map<string, Operation> {
  const out = new Map<string, Operation>()
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) out.set(`${method.toUpperCase()} ${path}`, op)
  }
  return out
}

function isRefusal (response: Operation['responses'][string]): boolean {
  const schema = response.content?.['application/json']?.schema
  const properties = schema?.properties as Record<string, unknown> | undefined
  return schema?.type === 'object' && properties !== undefined && ['statusCode', 'code', 'error', 'message'].every((k) => k in properties) &&
    JSON.stringify(schema.required) === JSON.stringify(['statusCode', 'code', 'error', 'message'])
}

t.test('the plugin\'s routes: tagged, every answer described', async (t) => {
  const { app, doc, routes } = await hostApp()
  t.teardown(() => app.close())
  const ops = operations(doc)
  t.same(routes.slice().sort(), Object.keys(EXPECTED).sort(), 'the table names every route the plugin registers')
  for (const [route, statuses] of Object.entries(EXPECTED)) {
    const op = ops.get(route)
    if (op === undefined) { t.fail(`${route} is in the document`); continue }
    t.same(op.tags, ['passbase'], `${route}: tagged passbase`)
    t.ok(typeof op.summary === 'string' && op.summary !== '', `${route}: a summary`)
    t.same(Object.keys(op.responses).sort(), statuses, `${route}: answers ${statuses.join(', ')}`)
    for (const [status, response] of Object.entries(op.responses)) {
      t.not(response.description, 'Default Response', `${route} ${status}: described`)
      if (Number(status) >= 400) {
        t.ok(isRefusal(response), `${route} ${status}: the refusal schema`)
        t.match(response.description, /`FST_PASSBASE_[A-Z_]+`: /, `${route} ${status}: names its codes`)
      }
    }
  }
  t.match(ops.get('POST /passbase/verifications')?.responses['429']?.headers, { 'retry-after': { schema: { type: 'integer' } } }, '429: Retry-After')
  t.match(ops.get('POST /passbase/reauth/complete')?.responses['200']?.headers, { 'set-cookie': {} }, 'complete: Set-Cookie')
  t.match(ops.get('POST /passbase/reauth/complete')?.responses['410']?.description, /FST_PASSBASE_CHALLENGE_GONE/)
  t.match(ops.get('POST /passbase/reauth/complete')?.responses['410']?.description, /FST_PASSBASE_STEP_UP_CONFLICT/)
  t.match(ops.get('POST /passbase/reauth/complete')?.responses['403']?.description, /FST_PASSBASE_VERIFICATION_REQUIRED/)
  t.match(ops.get('POST /passbase/reauth/complete')?.responses['403']?.description, /FST_PASSBASE_CHALLENGE_FORBIDDEN/)
  t.ok(ops.get('GET /passbase/client.js')?.responses['200']?.content?.['application/javascript'], 'client.js: JavaScript')
})

t.test('the webhook route documents its raw body and still reads it unvalidated', async (t) => {
  const { app, doc } = await hostApp()
  t.teardown(() => app.close())
  const op = operations(doc).get('POST /passbase/webhooks')!
  t.same(Object.keys(op.requestBody?.content ?? {}).sort(), ['application/json', 'text/plain'])
  t.equal(op.requestBody?.content['text/plain']?.schema.type, 'string')
  t.equal(op.requestBody?.content['application/json']?.schema.type, 'object')
  t.match(op.responses['400']?.description, /FST_PASSBASE_BAD_WEBHOOK/)
  t.match(op.responses['413']?.description, /FST_PASSBASE_WEBHOOK_TOO_LARGE/)
  // the schema documents; it does not refuse: every bad body still gets the one answer
  for (const [type, payload] of [['text/plain', 'not base64'], ['application/json', '"a string"'], ['application/json', '{}'], ['application/octet-stream', 'x']]) {
    const res = await app.inject({ method: 'POST', url: '/passbase/webhooks', headers: { 'content-type': type! }, payload })
    t.equal(res.statusCode, 400, `${type} ${payload}: 400`)
    t.equal(res.json().code, 'FST_PASSBASE_BAD_WEBHOOK')
  }
})

t.test('no ±2^53 bounds, no OpenAPI 3.1 keyword in the document', async (t) => {
  const { app, doc } = await hostApp()
  t.teardown(() => app.close())
  const text = JSON.stringify(doc)
  t.notMatch(text, /9007199254740991/, 'no safe-integer bound')
  t.notMatch(text, /"exclusive(Minimum|Maximum)":\d/, 'no numeric exclusiveMinimum (OpenAPI 3.0 wants a boolean)')
  t.notMatch(JSON.stringify(refusalSchema), /9007199254740991/, 'the exported refusal schema neither')
  t.match(refusalSchema, { type: 'object', properties: { statusCode: { type: 'integer', minimum: 400, maximum: 599 } } })
})

t.test('a host documents its guarded routes with guardResponses', async (t) => {
  const { app, doc } = await hostApp()
  t.teardown(() => app.close())
  const ops = operations(doc)
  t.same(Object.keys(ops.get('GET /profile')!.responses).sort(), ['200', '401', '403', '500', '503'])
  t.same(Object.keys(ops.get('POST /withdraw')!.responses).sort(), ['401', '403', '500', '503'])
  t.same(Object.keys(ops.get('POST /payout')!.responses).sort(), ['401', '403', '409', '500', '503'])
  t.equal(ops.get('GET /profile')!.tags, undefined, 'the host\'s routes keep their own tags')
  for (const route of ['GET /profile', 'POST /withdraw', 'POST /payout']) {
    for (const status of ['401', '403', '500', '503']) t.ok(isRefusal(ops.get(route)!.responses[status]!), `${route} ${status}: the refusal schema`)
  }
  t.match(ops.get('GET /profile')!.responses['401']!.description, /FST_PASSBASE_UNAUTHENTICATED/)
  t.notMatch(ops.get('GET /profile')!.responses['401']!.description, /REAUTH/)
  t.match(ops.get('POST /withdraw')!.responses['401'], { description: /FST_PASSBASE_REAUTH_REQUIRED/, headers: { 'www-authenticate': {} } })
  t.match(ops.get('POST /payout')!.responses['500']!.description, /FST_PASSBASE_ACTION_INVALID/)
  t.equal(ops.get('POST /payout')!.responses['409']!.description, 'the payout was already made')
  // the response schemas document: refusals go out whole (the 403's `status`, the 401's `start`)
  const forbidden = await app.inject({ url: '/profile', headers: { 'x-user': 'ada' } })
  t.equal(forbidden.statusCode, 403)
  t.same(forbidden.json(), { statusCode: 403, code: 'FST_PASSBASE_VERIFICATION_REQUIRED', error: 'Forbidden', message: 'An approved identity verification is required', status: 'none' })
  t.equal((await app.inject({ url: '/profile' })).json().code, 'FST_PASSBASE_UNAUTHENTICATED')
})

t.test('openapi: { tag } renames the tag, { hide: true } leaves the routes out (they still answer)', async (t) => {
  const renamed = await hostApp({ openapi: { tag: 'kyc' } })
  t.teardown(() => renamed.app.close())
  const tags = [...operations(renamed.doc)].filter(([k]) => k.includes('/passbase/')).map(([, op]) => op.tags)
  t.equal(tags.length, Object.keys(EXPECTED).length)
  t.ok(tags.every((tag) => JSON.stringify(tag) === '["kyc"]'), 'every route tagged kyc')

  const hidden = await hostApp({ openapi: { hide: true } })
  t.teardown(() => hidden.app.close())
  t.same(Object.keys(hidden.doc.paths).filter((p) => p.startsWith('/passbase')), [], 'no route of the plugin in the document')
  t.ok(hidden.doc.paths['/profile'], 'the host\'s routes stay')
  t.equal((await hidden.app.inject({ url: '/passbase/status' })).statusCode, 401, 'the hidden routes answer')
})

t.test('openapi is parsed with the other options', async (t) => {
  const register = async (openapi: unknown): Promise<unknown> => {
    const app = Fastify()
    t.teardown(() => app.close())
    return await app.register(fastifyPassbase, { secretApiKey: 'k', webhookSecret: WEBHOOK_SECRET, getUserId, openapi } as FastifyPassbaseOptions)
      .ready().then(() => null, (err: unknown) => err)
  }
  t.equal(await register({}), null, 'empty: the defaults')
  t.match(await register({ tag: '' }), { code: 'FST_PASSBASE_OPTIONS', message: /openapi\.tag/ })
  t.match(await register({ hide: 'yes' }), { code: 'FST_PASSBASE_OPTIONS', message: /openapi\.hide/ })
  t.match(await register({ hidden: true }), { code: 'FST_PASSBASE_OPTIONS', message: /openapi.*hidden/ })
  t.match(await register('passbase'), { code: 'FST_PASSBASE_OPTIONS', message: /openapi/ })
})

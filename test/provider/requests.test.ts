import t from 'tap'
import { PassbaseClient } from '../../src/provider/client.js'
import { client, identity, json, KEY, provider, requestedId } from './helpers.js'

t.test('sends X-API-KEY and Accept, keeps the base path, maps snake_case to camelCase', async (t) => {
  const p = await provider(t, (req, res) => { json(res, 200, identity('id-1')) })
  // a trailing slash on the base URL is harmless
  const c = new PassbaseClient({ secretApiKey: KEY, baseUrl: `${p.url}/` })
  t.teardown(() => c.close())
  const i = await c.getIdentity('id-1')
  t.equal(p.requests[0].url, '/verification/v2/identities/id-1')
  t.equal(p.requests[0].headers['x-api-key'], KEY)
  t.equal(p.requests[0].headers.accept, 'application/json')
  t.same(i, {
    id: 'id-1',
    status: 'approved',
    unknownStatus: null,
    owner: { email: 'a@example.com', firstName: 'Ada', lastName: 'Lovelace' },
    score: 0.93,
    created: 1582628711,
    updated: 1582628999,
    resources: [{ type: 'PASSPORT', datapoints: { document_number: 'X1' } }],
    metadata: { user_id: 'u1' },
    watchlist: null
  })
  t.notOk('an_unknown_top_level_field' in i, 'unknown fields are tolerated and dropped')
  t.notOk('unknown_field' in i.resources[0], 'also inside resources')
})

t.test('ids are encoded as one path segment, empty ids refused', async (t) => {
  const p = await provider(t, (req, res) => { json(res, 200, identity(requestedId(req))) })
  const c = client(t, p)
  await c.getIdentity('a/b c?d')
  await c.getIdentity('..')
  t.equal(p.requests[0].url, '/verification/v2/identities/a%2Fb%20c%3Fd')
  t.equal(p.requests[1].url, '/verification/v2/identities/%2E%2E')
  await t.rejects(c.getIdentity(''), TypeError)
  await t.rejects(c.listResources(''), TypeError)
  await t.rejects(c.listResourcesPage(''), TypeError)
  await t.rejects(c.resources('').next(), TypeError)
  await t.rejects(c.getResource('i', ''), TypeError)
  await t.rejects(c.getResourceFile('i', 'r', ''), TypeError)
  await t.rejects(c.getIdentity(42 as unknown as string), TypeError)
  t.equal(p.requests.length, 2, 'nothing sent for invalid ids')
})

t.test('paging parameters are checked before anything is sent', async (t) => {
  const p = await provider(t, (req, res) => { json(res, 200, { data: [] }) })
  const c = client(t, p)
  for (const limit of [0, -1, 1.5, Number.NaN]) {
    await t.rejects(c.listIdentities({ limit }), { name: 'TypeError', message: /limit/ })
    await t.rejects(c.listResourcesPage('i', { limit }), { name: 'TypeError', message: /limit/ })
  }
  await t.rejects(c.listIdentities({ cursor: 5 as unknown as string }), { name: 'TypeError', message: /cursor/ })
  t.equal(p.requests.length, 0)
  await c.listIdentities({ limit: 3, cursor: 'a b&c' })
  t.equal(p.requests[0].url, '/verification/v2/identities?limit=3&cursor=a+b%26c', 'the cursor is an opaque, encoded token')
})

t.test('resources use the singular /identity/ path', async (t) => {
  const resource = { id: 'r1', type: 'PASSPORT', datapoints: { a: 1 }, resource_files: [{ id: 'f1', kind: 'front' }], more: 1 }
  const p = await provider(t, (req, res) => {
    if (req.url?.endsWith('/resources')) {
      json(res, 200, req.url.includes('wrapped') ? { data: [resource] } : [resource])
    } else {
      json(res, 200, resource)
    }
  })
  const c = client(t, p)
  const list = await c.listResources('id 1')
  const wrapped = await c.listResources('wrapped')
  const one = await c.getResource('id 1', 'r1')
  t.same(p.requests.map((r) => r.url), [
    '/verification/v2/identity/id%201/resources',
    '/verification/v2/identity/wrapped/resources',
    '/verification/v2/identity/id%201/resources/r1'
  ])
  t.equal(list.length, 1)
  t.same(wrapped, list, 'array and { data } forms both accepted')
  t.equal(one.id, 'r1')
  // typed file entries: unknown fields (`kind`) are dropped, absent ones are null
  t.same(one.resourceFiles, [{ id: 'f1', type: null, page: null, created: null, updated: null }])
  t.same(one.datapoints, { a: 1 })
})

t.test('settings', async (t) => {
  const body = {
    id: 'p1',
    slug: 'acme',
    environment: 'production',
    organization: 'Acme Inc.',
    customizations: { button_color: '#1E1E1E', accent_color: '#FAFAFA', font_family: 'Arial' },
    verification_steps: [{ step: 'identity_document_check', resource_types: ['PASSPORT', 'DRIVERS_LICENSE'] }],
    name: 'an unknown field'
  }
  const p = await provider(t, (req, res) => { json(res, 200, body) })
  const c = client(t, p)
  t.same(await c.getSettings(), {
    id: 'p1',
    slug: 'acme',
    environment: 'production',
    organization: 'Acme Inc.',
    customizations: { buttonColor: '#1E1E1E', accentColor: '#FAFAFA', fontFamily: 'Arial', mainColor: null },
    verificationSteps: [{ step: 'identity_document_check', resourceTypes: ['PASSPORT', 'DRIVERS_LICENSE'] }]
  })
  t.equal(p.requests[0].url, '/verification/v2/settings')
})

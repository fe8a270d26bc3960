import t from 'tap'
import { ApiResponseError } from '../../src/errors.js'
import { client, identity, json, provider } from './helpers.js'

t.test('listIdentities and the identities() generator follow the cursor', async (t) => {
  const pages: Record<string, unknown> = {
    '': { cursor: { next: 'c2' }, data: [identity('a'), identity('b')] },
    c2: { cursor: { next: 'c3' }, data: [identity('c')], extra: true },
    c3: { cursor: { next: null }, data: [identity('d')] }
  }
  const p = await provider(t, (req, res) => {
    const u = new URL(req.url ?? '', 'http://x')
    json(res, 200, pages[u.searchParams.get('cursor') ?? ''])
  })
  const c = client(t, p)
  const ids: string[] = []
  for await (const i of c.identities({ limit: 2 })) ids.push(i.id)
  t.same(ids, ['a', 'b', 'c', 'd'])
  t.same(p.requests.map((r) => r.url), [
    '/verification/v2/identities?limit=2',
    '/verification/v2/identities?limit=2&cursor=c2',
    '/verification/v2/identities?limit=2&cursor=c3'
  ])
  const first = await c.listIdentities()
  t.equal(p.requests[3].url, '/verification/v2/identities', 'no query string without options')
  t.equal(first.next, 'c2')
  t.equal(first.data.length, 2)
  const last = await c.listIdentities({ cursor: 'c3' })
  t.equal(last.next, null)
})

t.test('identities() stops on a missing cursor and refuses a cursor that does not advance', async (t) => {
  const p = await provider(t, (req, res) => {
    const u = new URL(req.url ?? '', 'http://x')
    if (u.searchParams.get('limit') === '1') json(res, 200, { data: [identity('only')] })
    else json(res, 200, { cursor: { next: 'same' }, data: [identity('x')] })
  })
  const c = client(t, p)
  const ids: string[] = []
  for await (const i of c.identities({ limit: 1 })) ids.push(i.id)
  t.same(ids, ['only'])
  await t.rejects((async () => {
    for await (const i of c.identities()) ids.push(i.id)
  })(), ApiResponseError)
  t.equal(p.requests.length, 3, 'stopped after the cursor repeated once')
})

t.test('identities() also ends on an empty cursor, and reads one page at a time', async (t) => {
  const p = await provider(t, (req, res) => {
    const u = new URL(req.url ?? '', 'http://x')
    if (u.searchParams.get('cursor') === null) json(res, 200, { cursor: { next: 'p2' }, data: [identity('a')] })
    else json(res, 200, { cursor: { next: '' }, data: [identity('b')] })
  })
  const c = client(t, p)
  const it = c.identities()
  t.equal((await it.next()).value?.id, 'a')
  t.equal(p.requests.length, 1, 'the second page is fetched only when needed')
  t.equal((await it.next()).value?.id, 'b')
  t.same(await it.next(), { done: true, value: undefined })
  t.equal(p.requests.length, 2)
})

function resource (id: string): Record<string, unknown> {
  return { id, type: 'PASSPORT', status: 'processed', created: 1600250430, updated: 1600250431, resource_files: [] }
}

t.test('resources: three pages followed by listResources and resources(), one page by listResourcesPage', async (t) => {
  const pages: Record<string, unknown> = {
    '': { cursor: { next: 'aWQ6MQ==' }, data: [resource('r1'), resource('r2')] },
    'aWQ6MQ==': { cursor: { next: 'aWQ6Mg==' }, data: [resource('r3')] },
    'aWQ6Mg==': { cursor: { next: null }, data: [resource('r4')] }
  }
  const p = await provider(t, (req, res) => {
    const u = new URL(req.url ?? '', 'http://x')
    json(res, 200, pages[u.searchParams.get('cursor') ?? ''])
  })
  const c = client(t, p)
  const all = await c.listResources('id-1', { limit: 2 })
  t.same(all.map((r) => r.id), ['r1', 'r2', 'r3', 'r4'])
  t.same(p.requests.map((r) => r.url), [
    '/verification/v2/identity/id-1/resources?limit=2',
    '/verification/v2/identity/id-1/resources?limit=2&cursor=aWQ6MQ%3D%3D',
    '/verification/v2/identity/id-1/resources?limit=2&cursor=aWQ6Mg%3D%3D'
  ])

  const ids: string[] = []
  for await (const r of c.resources('id-1')) ids.push(r.id ?? '')
  t.same(ids, ['r1', 'r2', 'r3', 'r4'])
  t.equal(p.requests[3].url, '/verification/v2/identity/id-1/resources', 'no query string without options')

  const page = await c.listResourcesPage('id-1', { limit: 2, cursor: 'aWQ6MQ==' })
  t.equal(page.next, 'aWQ6Mg==')
  t.same(page.data.map((r) => r.id), ['r3'])
  t.equal(p.requests.length, 7)
  const bare = await c.listResourcesPage('id-1', { cursor: 'aWQ6Mg==' })
  t.equal(bare.next, null, 'null on the last page')
})

t.test('resources: a bare array or { data } is one, last, page; a cursor that does not advance is refused', async (t) => {
  const p = await provider(t, (req, res) => {
    if (req.url?.includes('/bare/')) json(res, 200, [resource('a')])
    else if (req.url?.includes('/data/')) json(res, 200, { data: [resource('b')], cursor: null })
    else json(res, 200, { cursor: { next: 'same' }, data: [resource('x')] })
  })
  const c = client(t, p)
  t.same(await c.listResourcesPage('bare'), { next: null, data: (await c.listResources('bare')) })
  t.same((await c.listResources('data')).map((r) => r.id), ['b'])
  const n = p.requests.length
  const err = await c.listResources('loop').catch((e: unknown) => e)
  t.ok(err instanceof ApiResponseError)
  t.match((err as Error).message, /listResources: the cursor did not advance/)
  t.equal(p.requests.length - n, 2, 'stopped after the cursor repeated once')
  const seen: string[] = []
  await t.rejects((async () => {
    for await (const r of c.resources('loop')) seen.push(r.id ?? '')
  })(), ApiResponseError)
  t.same(seen, ['x', 'x'], 'the iterator yields the pages it got, then fails')
})

t.test('a page without data is not a page', async (t) => {
  const p = await provider(t, (req, res) => { json(res, 200, { cursor: { next: null } }) })
  const c = client(t, p)
  await t.rejects(c.listIdentities(), { message: /data: / })
  await t.rejects(c.listResourcesPage('i'), { message: /data: / })
})

import t from 'tap'
import { api, receiver, sandboxFor } from './helpers.js'

/** Identities: the wire format, createIdentity / setIdentity input, the paginated list. */

t.test('identities have the wire format', async (t) => {
  const sandbox = await sandboxFor(t)
  const before = Math.floor(Date.now() / 1000)
  const identity = await sandbox.createIdentity()
  t.match(identity.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  t.equal(identity.status, 'created')
  t.equal(identity.score, 0)
  t.equal(identity.metadata, null)
  t.ok(identity.created >= before && identity.updated === identity.created)
  t.match(identity.owner, { email: /@example\.com$/, first_name: String, last_name: String })
  t.match(identity.resources, [{ type: 'PASSPORT', datapoints: { document_number: /^P\d{8}$/, date_of_birth: /^\d{4}-\d{2}-\d{2}$/ } }])
  t.equal(identity.extra_field, 'clients must tolerate unknown fields')
  // v0.2: a face video next to the document, and a clean watchlist by default
  t.same(identity.resources.map((r) => r.type), ['PASSPORT', 'FACE_VIDEO'])
  t.same(identity.resources[1].datapoints, {})
  t.same(identity.watchlist, { clean: true, listings: {}, media: [], sources: [], types: [] })

  const res = await api(sandbox, `/identities/${identity.id}`)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /application\/json/)
  t.same(await res.json(), identity)
  t.same(sandbox.getIdentity(identity.id), identity)
  t.equal(sandbox.getIdentity('nope'), undefined)

  const missing = await api(sandbox, '/identities/00000000-0000-4000-8000-000000000000')
  t.equal(missing.status, 404)
  t.match(await missing.json(), { message: 'Identity not found' })

  const custom = await sandbox.createIdentity({
    id: 'custom-id',
    status: 'approved',
    owner: { email: 'ada@example.org', first_name: 'Ada' },
    metadata: { user_id: 'u1' },
    watchlist: { clean: false, types: ['pep'] }
  })
  t.match(custom, { id: 'custom-id', status: 'approved', score: 0.95, metadata: { user_id: 'u1' }, watchlist: { clean: false, types: ['pep'], sources: [] } })
  t.match(custom.owner, { email: 'ada@example.org', first_name: 'Ada', last_name: String })
  t.equal(custom.resources[0].datapoints.first_name, 'Ada')
  t.equal((await sandbox.createIdentity({ status: 'declined' })).score, 0.3)
  t.equal((await sandbox.createIdentity({ status: 'pending', score: 0.5 })).score, 0.5)
  await t.rejects(sandbox.createIdentity({ id: 'custom-id' }), /already exists/)
  await t.rejects(sandbox.createIdentity({ id: '' }), /non-empty/)
  await t.rejects(sandbox.createIdentity({ score: 2 }), /score/)
  // @ts-expect-error an invalid status
  await t.rejects(sandbox.createIdentity({ status: 'weird' }), /unknown identity status/)

  // the returned objects are copies
  custom.metadata!.user_id = 'changed'
  t.same(sandbox.getIdentity('custom-id')?.metadata, { user_id: 'u1' })
  t.equal(sandbox.listIdentities().length, 4)
})

t.test('setIdentity changes without delivering and bumps updated', async (t) => {
  const rx = await receiver()
  t.teardown(rx.close)
  const sandbox = await sandboxFor(t, { webhookUrl: rx.url })
  const identity = await sandbox.createIdentity()
  const a = sandbox.setIdentity(identity.id, { status: 'processing', owner: { email: 'x@example.com' } })
  t.equal(a.status, 'processing')
  t.equal(a.owner.email, 'x@example.com')
  t.equal(a.owner.first_name, identity.owner.first_name)
  t.ok(a.updated > identity.updated)
  const b = sandbox.setIdentity(identity.id, { score: 0.4, metadata: null, watchlist: { sources: ['x'] } })
  t.ok(b.updated > a.updated)
  t.match(b, { score: 0.4, metadata: null, watchlist: { sources: ['x'], clean: true } })
  const c = sandbox.setIdentity(identity.id, { created: 100, updated: 200 })
  t.match(c, { created: 100, updated: 200 })
  t.throws(() => sandbox.setIdentity('nope', { status: 'approved' }), /unknown identity/)
  t.throws(() => sandbox.setIdentity(identity.id, { score: -1 }), /score/)
  t.equal(sandbox.deliveries.length, 0)
  t.equal(rx.received.length, 0)
})

t.test('GET /identities pages in a stable order with an opaque cursor', async (t) => {
  const sandbox = await sandboxFor(t)
  const ids: string[] = []
  for (let i = 0; i < 7; i++) ids.push((await sandbox.createIdentity()).id)
  sandbox.setIdentity(ids[6], { created: 1 }) // oldest by created
  const expected = sandbox.listIdentities().map((i) => i.id)
  t.equal(expected[0], ids[6])
  t.same([...expected.slice(1)].sort(), expected.slice(1), 'same created: ordered by id')

  const seen: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const query: string = `?limit=3${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`
    const res = await api(sandbox, `/identities${query}`)
    t.equal(res.status, 200)
    const page = await res.json() as { cursor: { next: string | null }, data: Array<{ id: string }> }
    seen.push(...page.data.map((i) => i.id))
    cursor = page.cursor.next
    pages++
  } while (cursor !== null)
  t.equal(pages, 3)
  t.same(seen, expected)

  const all = await (await api(sandbox, '/identities')).json() as { cursor: { next: null }, data: unknown[] }
  t.equal(all.data.length, 7)
  t.equal(all.cursor.next, null)

  const exact = await (await api(sandbox, '/identities?limit=7')).json() as { cursor: { next: null } }
  t.equal(exact.cursor.next, null, 'no next cursor when the page ends the list')

  for (const bad of ['0', '101', 'x', '-1']) {
    t.equal((await api(sandbox, `/identities?limit=${bad}`)).status, 400, `limit ${bad}`)
  }
  const badCursor = await api(sandbox, '/identities?cursor=not-a-cursor')
  t.equal(badCursor.status, 400)
  t.match(await badCursor.json(), { message: 'invalid cursor' })
  const past = Buffer.from(JSON.stringify([9999999999, 'z'])).toString('base64url')
  t.same((await (await api(sandbox, `/identities?cursor=${past}`)).json()), { cursor: { next: null }, data: [] })
})

t.test('createIdentity takes the owner in snake_case or in the plugin client\'s camelCase', async (t) => {
  const sandbox = await sandboxFor(t)
  const camel = await sandbox.createIdentity({ owner: { email: 'grace@example.org', firstName: 'Grace', lastName: 'Hopper' } })
  t.same(camel.owner, { email: 'grace@example.org', first_name: 'Grace', last_name: 'Hopper' })
  t.match(camel.resources[0].datapoints, { first_name: 'Grace', last_name: 'Hopper' })
  const snake = await sandbox.createIdentity({ owner: { email: 'alan@example.org', first_name: 'Alan', last_name: 'Turing' } })
  t.same(snake.owner, { email: 'alan@example.org', first_name: 'Alan', last_name: 'Turing' })

  // what PassbaseClient returns for an identity without an owner: nulls mean "generate one"
  const nulls = await sandbox.createIdentity({ owner: { email: null, firstName: null, lastName: null } })
  t.match(nulls.owner, { email: /@example\.com$/, first_name: /^[A-Z][a-z]+$/, last_name: /^[A-Z][a-z]+$/ })

  await t.rejects(sandbox.createIdentity({ owner: { first_name: 'A', firstName: 'B' } }), /owner\.firstName: give first_name or firstName, not both/)
  const patched = sandbox.setIdentity(camel.id, { owner: { lastName: 'Murray Hopper' } })
  t.same(patched.owner, { email: 'grace@example.org', first_name: 'Grace', last_name: 'Murray Hopper' })
})

t.test('unknown keys in createIdentity / setIdentity input are errors, not ignored', async (t) => {
  const sandbox = await sandboxFor(t)
  const identity = await sandbox.createIdentity()
  const loose = (value: Record<string, unknown>): never => value as never
  await t.rejects(sandbox.createIdentity(loose({ statsu: 'approved' })), /^sandbox: createIdentity: unknown key\(s\) statsu$/)
  await t.rejects(sandbox.createIdentity(loose({ owner: { mail: 'x@example.com' } })), /createIdentity: owner: unknown key\(s\) mail/)
  await t.rejects(sandbox.createIdentity(loose({ watchlist: { hits: 1 } })), /createIdentity: watchlist: unknown key\(s\) hits/)
  t.throws(() => sandbox.setIdentity(identity.id, loose({ scroe: 0.5 })), /setIdentity: unknown key\(s\) scroe/)
  t.throws(() => sandbox.setIdentity(identity.id, loose({ id: 'other' })), /setIdentity: unknown key\(s\) id/)
  t.throws(() => sandbox.setIdentity(identity.id, loose({ updated: -1 })), /setIdentity: updated/)
  t.same(sandbox.getIdentity(identity.id), identity, 'a refused patch changes nothing')
  t.equal(sandbox.listIdentities().length, 1, 'a refused createIdentity creates nothing')
})

t.test('identities can take the statuses the official SDK knows beyond the five', async (t) => {
  const sandbox = await sandboxFor(t)
  const identity = await sandbox.createIdentity({ status: 'processing' })
  for (const status of ['processed', 'verified', 'unverified'] as const) {
    const patched = sandbox.setIdentity(identity.id, { status })
    t.equal(patched.status, status)
    const res = await api(sandbox, `/identities/${identity.id}`)
    t.match(await res.json(), { id: identity.id, status })
  }
  t.match(await sandbox.createIdentity({ status: 'verified' }), { status: 'verified', score: 0.95 })
  t.match(await sandbox.createIdentity({ status: 'unverified' }), { status: 'unverified', score: 0.3 })
  t.match(await sandbox.createIdentity({ status: 'processed' }), { status: 'processed', score: 0 })
  // reviewing one puts it back on the spec's statuses
  await sandbox.review(identity.id, { status: 'approved', score: 0.9 })
  t.match(sandbox.getIdentity(identity.id), { status: 'approved', score: 0.9 })
})

t.test('documents carry date_of_expiry: given, defaulted, patched; and a type and country', async (t) => {
  const sandbox = await sandboxFor(t)
  const given = await sandbox.createIdentity({ documentExpiry: '2031-06-30', documentType: 'NATIONAL_ID_CARD', documentCountry: 'fr' })
  t.match(given.resources[0], { type: 'NATIONAL_ID_CARD', datapoints: { date_of_expiry: '2031-06-30', document_origin_country: 'FR', document_number: /^L\d{8}$/ } })
  const list = await (await api(sandbox, `/identity/${given.id}/resources`)).json() as { data: Array<Record<string, any>> }
  t.match(list.data[0], { type: 'NATIONAL_ID_CARD', datapoints: { date_of_expiry: '2031-06-30' } })
  t.same(list.data[0].resource_files.map((f: { type: string, page: number }) => [f.type, f.page]), [['document_image', 1], ['document_image', 2]],
    'an ID card has a front and a back')

  const defaulted = await sandbox.createIdentity()
  const expiry = String(defaulted.resources[0].datapoints.date_of_expiry)
  t.match(expiry, /^\d{4}-\d{2}-\d{2}$/)
  const year = Number(expiry.slice(0, 4))
  const created = new Date(defaulted.created * 1000).getUTCFullYear()
  t.ok(year > created && year <= created + 9, `a default expiry 1–9 years after creation (${expiry})`)
  t.equal(defaulted.resources[0].datapoints.document_origin_country, 'DE')

  const before = list.data[0].updated as number
  const patched = sandbox.setIdentity(given.id, { documentExpiry: '2024-01-31' })
  t.equal(patched.resources[0].datapoints.date_of_expiry, '2024-01-31')
  t.notOk('date_of_expiry' in patched.resources[1].datapoints, 'the face video has no expiry')
  const detail = await (await api(sandbox, `/identity/${given.id}/resources/${String(list.data[0].id)}`)).json() as { updated: number }
  t.ok(detail.updated > before, 'the document\'s updated moves')

  for (const bad of ['2031-02-30', '31-06-2031', '2031-6-1', '']) {
    await t.rejects(sandbox.createIdentity({ documentExpiry: bad }), /documentExpiry: must be a calendar date written YYYY-MM-DD/, bad)
  }
  await t.rejects(sandbox.createIdentity({ documentCountry: 'FRA' }), /documentCountry/)
  // @ts-expect-error an unknown document type
  await t.rejects(sandbox.createIdentity({ documentType: 'LIBRARY_CARD' }), /documentType/)
})

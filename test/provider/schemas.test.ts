import t from 'tap'
import { expectTypeOf } from 'expect-type'
import type { z } from 'zod'
import {
  identityPageSchema,
  identitySchema,
  resourcePageSchema,
  resourceSchema,
  settingsSchema,
  watchlistSchema
} from '../../src/protocol/identity.js'
import type { Identity, IdentityPage, Resource, ResourcePage, Settings, Watchlist } from '../../src/protocol/identity.js'
import { ApiResponseError } from '../../src/errors.js'
import { client, json, provider, rejection } from './helpers.js'

/** What the client reads, field by field, from what the published API may send. */

t.test('identity: an unknown status never fails the fetch and never reads as approved', async (t) => {
  for (const status of ['processed', 'verified', 'unverified', 'APPROVED', 'approved ', 'something_new']) {
    const i = identitySchema.parse({ id: 'i', status })
    t.equal(i.status, 'processing', status)
    t.equal(i.unknownStatus, status)
  }
  for (const status of ['created', 'processing', 'pending', 'approved', 'declined']) {
    t.match(identitySchema.parse({ id: 'i', status }), { status, unknownStatus: null })
  }
  t.match(identitySchema.parse({ id: 'i' }), { status: 'processing', unknownStatus: null }, 'absent')
  t.match(identitySchema.parse({ id: 'i', status: null }), { status: 'processing', unknownStatus: null }, 'null')
  t.notOk(identitySchema.safeParse({ id: 'i', status: 1 }).success, 'a status that is not a string is unusable')

  // through the client too
  const p = await provider(t, (req, res) => { json(res, 200, { id: 'i-1', status: 'verified', score: 0.99, updated: 5 }) })
  const c = client(t, p)
  t.match(await c.getIdentity('i-1'), { id: 'i-1', status: 'processing', unknownStatus: 'verified', score: 0.99, updated: 5 })
})

t.test('identity: only the id is insisted on; missing fields have defaults', async (t) => {
  t.same(identitySchema.parse({ id: 'only-an-id' }), {
    id: 'only-an-id',
    status: 'processing',
    unknownStatus: null,
    owner: null,
    score: null,
    created: 0,
    updated: 0,
    resources: [],
    metadata: null,
    watchlist: null
  })
  t.same(identitySchema.parse({ id: 'i', owner: null, score: null, created: null, updated: null, resources: null, metadata: null, watchlist: null }),
    identitySchema.parse({ id: 'i' }), 'null reads as absent')
  t.same(identitySchema.parse({ id: 'i', owner: {} }).owner, { email: null, firstName: null, lastName: null })
  t.same(identitySchema.parse({ id: 'i', resources: [{}] }).resources, [{ type: null, datapoints: {} }])
  for (const id of [undefined, '', 5, null]) t.notOk(identitySchema.safeParse({ id }).success, `id ${String(id)}`)
  for (const score of [-0.01, 1.01]) {
    const err = identitySchema.safeParse({ id: 'i', score })
    t.notOk(err.success, `score ${score} is out of 0..1`)
  }
  t.equal(identitySchema.parse({ id: 'i', score: 0 }).score, 0)
  t.equal(identitySchema.parse({ id: 'i', score: 1 }).score, 1)

  const p = await provider(t, (req, res) => { json(res, 200, { id: 'i', score: 2 }) })
  const err = await rejection(client(t, p).getIdentity('i'))
  t.ok(err instanceof ApiResponseError, 'a score out of range is an unusable answer')
  t.match(err.message, /score: /)
})

t.test('identity: watchlist typed (clean), the rest loose', async (t) => {
  const full = {
    clean: false,
    listings: { finanstilsynet: { name: 'Denmark Finanstilsynet Foreign Regulators Warnings', aml_types: ['warning'] } },
    media: [{ url: 'http://example.com', title: '(no title)' }],
    sources: ['african-development-bank', 7],
    types: ['adverse-media'],
    extra: true
  }
  t.same(identitySchema.parse({ id: 'i', watchlist: full }).watchlist, {
    clean: false,
    listings: full.listings,
    media: full.media,
    sources: ['african-development-bank'],
    types: ['adverse-media']
  })
  t.same(watchlistSchema.parse({}), { clean: null, listings: {}, media: [], sources: [], types: [] })
  t.same(watchlistSchema.parse({ clean: true, listings: [], media: {}, sources: 'x' }), { clean: true, listings: {}, media: [], sources: [], types: [] })
  t.notOk(watchlistSchema.safeParse({ clean: 'false' }).success, 'clean must be a boolean: the plugin decides on it')
  t.notOk(identitySchema.safeParse({ id: 'i', watchlist: [] }).success)
})

t.test('resource: every documented field is read (status, created, updated, files with type/page/created/updated)', async (t) => {
  const wire = {
    id: '046b6c7f-0b8a-43b9-b35d-6489e6daee91',
    status: 'processed',
    created: 1600250430,
    updated: 1600250431,
    type: 'NATIONAL_ID_CARD',
    datapoints: { document_number: '010101010101' },
    resource_files: [
      { id: 'f-1', type: 'document_image', page: 1, created: 1600250432, updated: 1600250433, extra: 1 },
      { id: 'f-2', type: 'face_video', page: 0, created: 1600250434, updated: 1600250435 },
      { id: 'f-3', type: 'hologram_video' },
      {}
    ],
    unknown: { nested: true }
  }
  const r = resourceSchema.parse(wire)
  t.same(r, {
    id: '046b6c7f-0b8a-43b9-b35d-6489e6daee91',
    type: 'NATIONAL_ID_CARD',
    status: 'processed',
    created: 1600250430,
    updated: 1600250431,
    datapoints: { document_number: '010101010101' },
    resourceFiles: [
      { id: 'f-1', type: 'document_image', page: 1, created: 1600250432, updated: 1600250433 },
      { id: 'f-2', type: 'face_video', page: 0, created: 1600250434, updated: 1600250435 },
      { id: 'f-3', type: 'hologram_video', page: null, created: null, updated: null },
      { id: null, type: null, page: null, created: null, updated: null }
    ]
  })
  t.equal(resourceSchema.parse({ status: 'verified' }).status, 'verified', 'an undocumented resource status is kept as sent')
  t.equal(resourceSchema.parse({ step: 'PASSPORT' }).type, 'PASSPORT', 'the older name `step` is read, as the official SDK does')
  t.equal(resourceSchema.parse({ type: 'EMAIL', step: 'PASSPORT' }).type, 'EMAIL')
  t.same(resourceSchema.parse({}), { id: null, type: null, status: null, created: null, updated: null, datapoints: {}, resourceFiles: [] })
  t.notOk(resourceSchema.safeParse({ resource_files: [{ page: '1' }] }).success, 'a page that is not a number is unusable')

  // through the client: the list page and one resource
  const p = await provider(t, (req, res) => {
    if (req.url?.includes('/resources/')) json(res, 200, wire)
    else json(res, 200, { cursor: { next: null }, data: [wire] })
  })
  const c = client(t, p)
  t.same(await c.listResources('i'), [r])
  t.same(await c.getResource('i', 'r'), r)
})

t.test('resource pages', async (t) => {
  t.same(resourcePageSchema.parse({ cursor: { next: 'n' }, data: [] }), { next: 'n', data: [] })
  t.same(resourcePageSchema.parse({ data: [] }), { next: null, data: [] })
  t.same(resourcePageSchema.parse([{}]).data.length, 1)
  t.same(identityPageSchema.parse({ cursor: null, data: [] }), { next: null, data: [] })
  const err = resourcePageSchema.safeParse({ data: [{ created: 'x' }] })
  t.same(err.error?.issues.map((i) => i.path.join('.')), ['data.0.created'], 'issues point into the page')
})

t.test('settings: the project-settings shape, every field optional, unknown ones dropped', async (t) => {
  const s = settingsSchema.parse({
    id: '00000000-0000-0000-0000-000000000000',
    slug: 'passbase-demo',
    environment: 'sandbox',
    organization: 'Passbase Inc.',
    customizations: { accent_color: '#FAFAFA', button_color: '#1E1E1E', font_family: 'Arial', main_color: '#000000', logo: 'x' },
    verification_steps: [
      { step: 'email', resource_types: ['EMAIL'] },
      { step: 'liveness_check', resource_types: ['FACE_VIDEO'] },
      { step: 'country' },
      {}
    ],
    something: 'new'
  })
  t.same(s, {
    id: '00000000-0000-0000-0000-000000000000',
    slug: 'passbase-demo',
    environment: 'sandbox',
    organization: 'Passbase Inc.',
    customizations: { buttonColor: '#1E1E1E', accentColor: '#FAFAFA', fontFamily: 'Arial', mainColor: '#000000' },
    verificationSteps: [
      { step: 'email', resourceTypes: ['EMAIL'] },
      { step: 'liveness_check', resourceTypes: ['FACE_VIDEO'] },
      { step: 'country', resourceTypes: [] },
      { step: null, resourceTypes: [] }
    ]
  })
  t.same(settingsSchema.parse({}), { id: null, slug: null, environment: null, organization: null, customizations: null, verificationSteps: [] })
  t.equal(settingsSchema.parse({ environment: 'staging' }).environment, 'staging', 'an undocumented environment is kept as sent')
  t.same(settingsSchema.parse({ customizations: {} }).customizations, { buttonColor: null, accentColor: null, fontFamily: null, mainColor: null })
  t.notOk(settingsSchema.safeParse({ verification_steps: ['document'] }).success, 'steps are objects')
})

t.test('types: every schema is tied to its plain interface', async () => {
  expectTypeOf<z.output<typeof identitySchema>>().toEqualTypeOf<Identity>()
  expectTypeOf<z.output<typeof identityPageSchema>>().toEqualTypeOf<IdentityPage>()
  expectTypeOf<z.output<typeof resourceSchema>>().toEqualTypeOf<Resource>()
  expectTypeOf<z.output<typeof resourcePageSchema>>().toEqualTypeOf<ResourcePage>()
  expectTypeOf<z.output<typeof settingsSchema>>().toEqualTypeOf<Settings>()
  expectTypeOf<z.output<typeof watchlistSchema>>().toEqualTypeOf<Watchlist>()
  expectTypeOf<Identity['status']>().toEqualTypeOf<'created' | 'processing' | 'pending' | 'approved' | 'declined'>()
  expectTypeOf<Identity['created']>().toEqualTypeOf<number>()
  expectTypeOf<Resource['resourceFiles'][number]['page']>().toEqualTypeOf<number | null>()
})

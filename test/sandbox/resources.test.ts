import t from 'tap'
import type { WirePage, WireResource, WireSettings } from '../../src/sandbox/index.js'
import { api, sandboxFor } from './helpers.js'

/** Resources, their files and the project settings. */

t.test('resources, resource files and settings', async (t) => {
  const sandbox = await sandboxFor(t)
  const identity = await sandbox.createIdentity({ owner: { first_name: 'Grace', last_name: 'Hopper' } })
  const list = await api(sandbox, `/identity/${identity.id}/resources`)
  t.equal(list.status, 200)
  const { cursor, data } = await list.json() as WirePage<WireResource>
  t.same(cursor, { next: null }, 'v0.2: a paginated answer, one page')
  t.equal(data.length, 2, 'v0.2: the document and the face video')
  const [resource, video] = data
  t.match(resource, { id: String, type: 'PASSPORT', datapoints: { first_name: 'Grace', last_name: 'Hopper', nationality: 'DEU' } })
  t.equal(resource.resource_files.length, 1)

  const one = await api(sandbox, `/identity/${identity.id}/resources/${resource.id}`)
  t.same(await one.json(), resource)

  const file = await api(sandbox, `/identity/${identity.id}/resources/${resource.id}/resource_files/${resource.resource_files[0].id}`)
  t.equal(file.status, 200)
  t.equal(file.headers.get('content-type'), 'image/png')
  const bytes = Buffer.from(await file.arrayBuffer())
  t.same([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

  const clip = await api(sandbox, `/identity/${identity.id}/resources/${video.id}/resource_files/${video.resource_files[0].id}`)
  t.equal(clip.status, 200)
  t.equal(clip.headers.get('content-type'), 'video/mp4')
  t.equal(Buffer.from(await clip.arrayBuffer()).subarray(4, 8).toString('latin1'), 'ftyp', 'an MP4 signature')

  t.equal((await api(sandbox, '/identity/nope/resources')).status, 404)
  t.equal((await api(sandbox, `/identity/${identity.id}/resources/nope`)).status, 404)
  const noFile = await api(sandbox, `/identity/${identity.id}/resources/${resource.id}/resource_files/nope`)
  t.equal(noFile.status, 404)
  t.match(await noFile.json(), { message: 'Resource file not found' })
  const otherResource = await api(sandbox, `/identity/${identity.id}/resources/${video.id}/resource_files/${resource.resource_files[0].id}`)
  t.equal(otherResource.status, 404, 'a file is found only under its own resource')

  const settings = await (await api(sandbox, '/settings')).json()
  t.match(settings, { environment: 'sandbox', webhooks: { url: null, encrypted: true } })
})

t.test('resources have the spec\'s fields; their status follows the identity', async (t) => {
  const sandbox = await sandboxFor(t)
  const identity = await sandbox.createIdentity({ status: 'created' })
  const read = async (): Promise<WireResource[]> => (await (await api(sandbox, `/identity/${identity.id}/resources`)).json() as WirePage<WireResource>).data
  const [doc, video] = await read()
  t.same(Object.keys(doc).sort(), ['created', 'datapoints', 'id', 'resource_files', 'status', 'type', 'updated'])
  t.match(doc, { id: /^[0-9a-f-]{36}$/, type: 'PASSPORT', status: 'created', created: identity.created, updated: identity.created })
  t.same(doc.resource_files.map((f) => Object.keys(f).sort()), [['created', 'id', 'page', 'type', 'updated']])
  t.match(doc.resource_files[0], { id: /^[0-9a-f-]{36}$/, type: 'document_image', page: 1, created: identity.created, updated: identity.created })
  t.match(video, { type: 'FACE_VIDEO', status: 'created', datapoints: {}, resource_files: [{ type: 'face_video', page: 1 }] })

  const processing = sandbox.setIdentity(identity.id, { status: 'processing' })
  t.same((await read()).map((r) => [r.status, r.updated]), [['processing', processing.updated], ['processing', processing.updated]])
  await sandbox.review(identity.id, { status: 'pending' })
  const reviewed = sandbox.getIdentity(identity.id)!
  t.same((await read()).map((r) => [r.status, r.updated]), [['processed', reviewed.updated], ['processed', reviewed.updated]])
  sandbox.setIdentity(identity.id, { score: 0.5 })
  t.same((await read()).map((r) => r.updated), [reviewed.updated, reviewed.updated], 'unchanged while the status is')
})

t.test('GET /identity/:id/resources honours limit and an opaque cursor', async (t) => {
  const sandbox = await sandboxFor(t)
  const identity = await sandbox.createIdentity()
  const first = await (await api(sandbox, `/identity/${identity.id}/resources?limit=1`)).json() as WirePage<WireResource>
  t.equal(first.data.length, 1)
  t.equal(first.data[0].type, 'PASSPORT')
  t.type(first.cursor.next, 'string')
  const second = await (await api(sandbox, `/identity/${identity.id}/resources?limit=1&cursor=${encodeURIComponent(String(first.cursor.next))}`)).json() as WirePage<WireResource>
  t.same(second.data.map((r) => r.type), ['FACE_VIDEO'])
  t.equal(second.cursor.next, null, 'no next cursor on the last page')
  const all = await (await api(sandbox, `/identity/${identity.id}/resources?limit=100&cursor=`)).json() as WirePage<WireResource>
  t.equal(all.data.length, 2, 'an empty cursor is the first page (the official SDK sends cursor=)')

  for (const bad of ['0', '101', 'x', '-1', '1.5']) {
    const res = await api(sandbox, `/identity/${identity.id}/resources?limit=${bad}`)
    t.equal(res.status, 400, `limit ${bad}`)
  }
  const other = await sandbox.createIdentity()
  const foreign = (await (await api(sandbox, `/identity/${other.id}/resources?limit=1`)).json() as WirePage<WireResource>).cursor.next
  for (const bad of ['not-a-cursor', '!!', Buffer.from('[1,2]').toString('base64url'), String(foreign)]) {
    const res = await api(sandbox, `/identity/${identity.id}/resources?cursor=${encodeURIComponent(bad)}`)
    t.equal(res.status, 400, `cursor ${bad}`)
    t.match(await res.json(), { message: 'invalid cursor' })
  }
  t.equal((await api(sandbox, '/identity/nope/resources?limit=1')).status, 404)
})

t.test('GET /settings answers the spec\'s ProjectSettings', async (t) => {
  const sandbox = await sandboxFor(t)
  const settings = await (await api(sandbox, '/settings')).json() as WireSettings
  t.same(Object.keys(settings).sort(), ['customizations', 'environment', 'id', 'organization', 'slug', 'verification_steps', 'webhooks'])
  t.match(settings, {
    id: /^[0-9a-f-]{36}$/,
    slug: 'passbase-sandbox',
    environment: 'sandbox',
    organization: String,
    customizations: { button_color: /^#[0-9a-f]{6}$/, accent_color: /^#[0-9a-f]{6}$/, font_family: String }
  })
  t.same(settings.verification_steps, [
    { step: 'DOCUMENT', resource_types: ['PASSPORT', 'NATIONAL_ID_CARD', 'DRIVERS_LICENSE'] },
    { step: 'LIVENESS', resource_types: ['FACE_VIDEO'] }
  ])
  t.same(settings.webhooks, { url: null, encrypted: true }, 'the one field outside the spec')
  t.equal((await (await api(sandbox, '/settings')).json() as WireSettings).id, settings.id, 'a stable project id')
})

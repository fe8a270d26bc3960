import t from 'tap'
import { createRequire } from 'node:module'
import { client, json, KEY, provider } from './helpers.js'

/**
 * The official Node SDK (@passbase/node 1.3.1) and PassbaseClient read the same
 * answers of the published API (its own examples): they must agree field by field.
 */

interface SdkClient {
  getIdentityById: (id: string) => Promise<Record<string, unknown> & { created: Date, updated: Date }>
  listIdentityResources: (id: string) => Promise<Array<Record<string, unknown> & { created: Date, updated: Date, resourceFiles: Array<Record<string, unknown> & { created: Date, updated: Date }> }>>
  getSettings: () => Promise<Record<string, unknown>>
}
interface Sdk {
  PassbaseClient: new (config: unknown) => SdkClient
  PassbaseConfiguration: new (param: { apiKey: string, basePath?: string }) => unknown
}
const sdk = createRequire(import.meta.url)('@passbase/node') as Sdk

const ID = '00000000-0000-0000-0000-000000000000'
const WIRE_IDENTITY = {
  id: ID,
  status: 'approved',
  owner: { email: 'john.doe@example.com', first_name: 'John', last_name: 'Doe' },
  score: 0.96,
  created: 1600250430,
  updated: 1600250440,
  resources: [{ type: 'NATIONAL_ID_CARD', datapoints: { date_of_birth: '1970-01-01', document_number: '010101010101' } }],
  metadata: { user_id: 'u1' },
  watchlist: { clean: false, listings: { finanstilsynet: { name: 'Warnings' } }, media: [{ title: '(no title)' }], sources: ['african-development-bank'], types: ['adverse-media'] }
}
const WIRE_RESOURCE = {
  id: '046b6c7f-0b8a-43b9-b35d-6489e6daee91',
  status: 'created',
  created: 1600250430,
  updated: 1600250431,
  type: 'NATIONAL_ID_CARD',
  resource_files: [{ id: '146b6c7f-0b8a-43b9-b35d-6489e6daee91', type: 'face_video', page: 0, created: 1600250432, updated: 1600250433 }]
}
const WIRE_SETTINGS = {
  id: ID,
  slug: 'passbase-demo',
  environment: 'sandbox',
  organization: 'Passbase Inc.',
  customizations: { accent_color: '#FAFAFA', button_color: '#1E1E1E', font_family: 'Arial' },
  verification_steps: [{ step: 'email', resource_types: ['EMAIL'] }, { step: 'liveness_check', resource_types: ['FACE_VIDEO'] }]
}

t.test('the official SDK and PassbaseClient agree on identities, resources and settings', async (t) => {
  const p = await provider(t, (req, res) => {
    const path = (req.url ?? '').split('?')[0]
    if (path.endsWith(`/identities/${ID}`)) json(res, 200, WIRE_IDENTITY)
    else if (path.endsWith(`/identity/${ID}/resources`)) {
      // two pages; the SDK requests again until `cursor.next` is null
      const second = (req.url ?? '').includes('cursor=p2')
      json(res, 200, second ? { cursor: { next: null }, data: [WIRE_RESOURCE] } : { cursor: { next: 'p2' }, data: [WIRE_RESOURCE] })
    } else if (path.endsWith('/settings')) json(res, 200, WIRE_SETTINGS)
    else json(res, 404, {})
  })
  const official = new sdk.PassbaseClient(new sdk.PassbaseConfiguration({ apiKey: KEY, basePath: p.url }))
  const ours = client(t, p)

  const [a, b] = [await official.getIdentityById(ID), await ours.getIdentity(ID)]
  t.equal(b.id, a.id)
  t.equal(b.status, a.status)
  t.equal(b.score, a.score)
  t.equal(b.created * 1000, a.created.getTime())
  t.equal(b.updated * 1000, a.updated.getTime())
  t.same(b.owner, a.owner)
  t.same(b.resources, a.resources)
  t.same(b.metadata, a.metadata)
  const w = a.watchlist as { isClean: boolean, listings: unknown, media: unknown, sources: unknown, types: unknown }
  t.same(b.watchlist, { clean: w.isClean, listings: w.listings, media: w.media, sources: w.sources, types: w.types })

  const [ra, rb] = [await official.listIdentityResources(ID), await ours.listResources(ID)]
  t.equal(rb.length, 2)
  t.equal(ra.length, rb.length, 'both followed the cursor')
  for (let i = 0; i < ra.length; i++) {
    t.equal(rb[i].id, ra[i].id)
    t.equal(rb[i].status, ra[i].status)
    t.equal(rb[i].type, ra[i].type)
    t.equal((rb[i].created ?? 0) * 1000, ra[i].created.getTime())
    t.equal((rb[i].updated ?? 0) * 1000, ra[i].updated.getTime())
    t.same(rb[i].resourceFiles.map((f) => ({ ...f, created: (f.created ?? 0) * 1000, updated: (f.updated ?? 0) * 1000 })),
      ra[i].resourceFiles.map((f) => ({ ...f, created: f.created.getTime(), updated: f.updated.getTime() })))
  }

  const [sa, sb] = [await official.getSettings(), await ours.getSettings()]
  t.equal(sb.id, sa.id)
  t.equal(sb.slug, sa.slug)
  t.equal(sb.environment, sa.environment)
  t.equal(sb.organization, sa.organization)
  const custom = sa.customizations as { buttonColor: string, fontFamily: string }
  t.equal(sb.customizations?.buttonColor, custom.buttonColor)
  t.equal(sb.customizations?.fontFamily, custom.fontFamily)
  t.same(sb.verificationSteps, sa.verificationSteps)
  t.equal(sb.customizations?.accentColor, '#FAFAFA', 'the published field, which the SDK does not read')
})

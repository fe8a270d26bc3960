import { PassbaseClient, PassbaseConfiguration } from '@passbase/node'
import t from 'tap'
import type { ApiKind, Sandbox } from '../../src/sandbox/index.js'
import { createTestClock } from '../../src/testing/host.js'
import { SECRET_API_KEY, sandboxFor } from './helpers.js'
import { scaled } from '../helpers/time.js'

/**
 * Passbase's official Node SDK (@passbase/node 1.3.1) against the sandbox: every method,
 * with assertions on what it returns. Its list calls loop while an answer has a next
 * cursor (or no cursor at all), so each call runs under a guard that fails it instead of
 * letting a regression request forever.
 */

const START = Date.UTC(2030, 5, 1, 8, 0, 0)
const S = START / 1000
const date = (seconds: number): Date => new Date(seconds * 1000)

function sdk (sandbox: Sandbox, apiKey = SECRET_API_KEY): PassbaseClient {
  return new PassbaseClient(new PassbaseConfiguration({ apiKey, basePath: sandbox.apiBaseUrl }))
}

/** runs `call`; past `maxRequests` requests of `kind` the sandbox answers 500 (the SDK then throws), and it times out */
async function guarded<T> (sandbox: Sandbox, kind: ApiKind, maxRequests: number, call: () => Promise<T>): Promise<T> {
  const start = sandbox.stats().api.byKind[kind]
  const watch = setInterval(() => {
    if (sandbox.stats().api.byKind[kind] - start > maxRequests) sandbox.faults.api.status = 500
  }, 2)
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`no answer from the SDK's ${kind} within ${scaled(10_000) / 1000} s`)) }, scaled(10_000))
  })
  try {
    return await Promise.race([call(), timeout])
  } finally {
    clearInterval(watch)
    clearTimeout(timer)
    delete sandbox.faults.api.status
  }
}

t.test('listIdentities follows the cursor over every page', async (t) => {
  const clock = createTestClock(START)
  const sandbox = await sandboxFor(t, { clock })
  for (let i = 0; i < 45; i++) {
    await sandbox.createIdentity({ status: i % 2 === 0 ? 'approved' : 'pending', metadata: { user_id: `u${i}` } })
    clock.advance(1000)
  }
  const identities = await guarded(sandbox, 'listIdentities', 3, async () => await sdk(sandbox).listIdentities())
  t.equal(sandbox.stats().api.byKind.listIdentities, 3, 'three pages of 20, 20 and 5: three requests')
  t.same(identities.map((i) => i.id), sandbox.listIdentities().map((i) => i.id), 'every identity, in order')
  const [first] = identities
  const wire = sandbox.listIdentities()[0]
  t.equal(first.status, 'approved')
  t.equal(first.score, 0.95)
  t.same(first.created, date(S))
  t.same(first.updated, date(S))
  t.same(first.metadata, { user_id: 'u0' })
  t.match(first.owner, { email: wire.owner.email, firstName: wire.owner.first_name, lastName: wire.owner.last_name })
  t.same(first.resources.map((r) => r.type), ['PASSPORT', 'FACE_VIDEO'])
  t.equal(first.resources[0].datapoints.date_of_expiry, wire.resources[0].datapoints.date_of_expiry)
  t.match(first.watchlist, { isClean: true, listings: {}, media: [], sources: [], types: [] })
  t.same(identities[44].created, date(S + 44))
})

t.test('getIdentityById (and its deprecated alias getIdentity)', async (t) => {
  const clock = createTestClock(START)
  const sandbox = await sandboxFor(t, { clock })
  const identity = await sandbox.createIdentity({ status: 'processing', owner: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' } })
  clock.advance(90_000)
  await sandbox.review(identity.id, { status: 'approved', score: 0.91 })
  await sandbox.flagWatchlist(identity.id, { types: ['pep'] })
  const client = sdk(sandbox)
  for (const got of [await client.getIdentityById(identity.id), await client.getIdentity(identity.id)]) {
    t.equal(got.id, identity.id)
    t.equal(got.status, 'approved')
    t.equal(got.score, 0.91)
    t.same(got.created, date(S))
    t.same(got.updated, date(S + 91), 'the review at +90 s, then the watchlist hit one second later')
    t.match(got.owner, { email: 'ada@example.org', firstName: 'Ada', lastName: 'Lovelace' })
    t.match(got.watchlist, { isClean: false, types: ['pep'], sources: ['pep-class-1'], listings: { 'pep-class-1': { name: 'Ada Lovelace' } } })
    t.equal(got.network, null)
  }
  sandbox.setIdentity(identity.id, { status: 'verified' })
  t.equal((await client.getIdentityById(identity.id)).status, 'verified', 'a status the SDK knows beyond the five')

  await t.rejects(client.getIdentityById('00000000-0000-4000-8000-000000000000'), /Request failed with status=404/)
  await t.rejects(sdk(sandbox, 'wrong').getIdentityById(identity.id), /Request failed with status=401/)
})

t.test('listIdentityResources, getIdentityResourceById, getIdentityResourceFileById', async (t) => {
  const sandbox = await sandboxFor(t, { clock: createTestClock(START) })
  const identity = await sandbox.createIdentity({ status: 'approved', documentType: 'DRIVERS_LICENSE' })
  const client = sdk(sandbox)
  const resources = await guarded(sandbox, 'listResources', 1, async () => await client.listIdentityResources(identity.id))
  t.equal(sandbox.stats().api.byKind.listResources, 1, 'one page: one request')
  t.same(resources.map((r) => [r.type, r.step, r.status]), [['DRIVERS_LICENSE', 'DRIVERS_LICENSE', 'processed'], ['FACE_VIDEO', 'FACE_VIDEO', 'processed']])
  const [doc, video] = resources
  t.match(doc.id, /^[0-9a-f-]{36}$/)
  t.same([doc.created, doc.updated], [date(S), date(S)])
  t.same(doc.resourceFiles.map((f) => [f.type, f.page, f.created.getTime(), f.updated.getTime()]),
    [['document_image', 1, START, START], ['document_image', 2, START, START]])
  t.same(video.resourceFiles.map((f) => [f.type, f.page]), [['face_video', 1]])

  const one = await client.getIdentityResourceById(identity.id, doc.id)
  t.same(one, doc, 'the same resource as in the list')

  const image = await client.getIdentityResourceFileById(identity.id, doc.id, doc.resourceFiles[1].id)
  t.equal(image.type, 'image/png')
  t.same([...Buffer.from(await image.arrayBuffer()).subarray(1, 4)], [...Buffer.from('PNG')])
  const clip = await client.getIdentityResourceFileById(identity.id, video.id, video.resourceFiles[0].id)
  t.equal(clip.type, 'video/mp4')
  t.equal(Buffer.from(await clip.arrayBuffer()).subarray(4, 8).toString('latin1'), 'ftyp')

  await t.rejects(client.listIdentityResources('nope'), /status=404/)
  await t.rejects(client.getIdentityResourceById(identity.id, 'nope'), /status=404/)
  await t.rejects(client.getIdentityResourceFileById(identity.id, doc.id, 'nope'), /status=404/)
})

t.test('getSettings (and its deprecated alias getProjectSettings)', async (t) => {
  const sandbox = await sandboxFor(t)
  const client = sdk(sandbox)
  for (const settings of [await client.getSettings(), await client.getProjectSettings()]) {
    t.match(settings.id, /^[0-9a-f-]{36}$/)
    t.equal(settings.slug, 'passbase-sandbox')
    t.equal(settings.environment, 'sandbox')
    t.equal(settings.organization, 'Passbase Sandbox')
    t.equal(settings.customizations.buttonColor, '#2f5bea')
    t.equal(settings.customizations.fontFamily, 'system-ui')
    // the SDK reads `main_color`, which Passbase's API document does not define (it has accent_color)
    t.equal(settings.customizations.mainColor, undefined)
    t.same(settings.verificationSteps.map((s) => [s.step, s.resourceTypes]), [
      ['DOCUMENT', ['PASSPORT', 'NATIONAL_ID_CARD', 'DRIVERS_LICENSE']],
      ['LIVENESS', ['FACE_VIDEO']]
    ])
  }
  t.equal(sandbox.stats().api.byKind.settings, 2)
})

t.test('the guard turns an endless paging loop into a failure', async (t) => {
  // a cursor that never ends: what the SDK does when an answer lacks `cursor`
  const sandbox = await sandboxFor(t)
  const endless = async (): Promise<number> => {
    let cursor: string | undefined
    for (;;) {
      const res = await fetch(`${sandbox.apiBaseUrl}/identities?cursor=${cursor ?? ''}`, { headers: { 'x-api-key': SECRET_API_KEY } })
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`)
      cursor = undefined
    }
  }
  await t.rejects(guarded(sandbox, 'listIdentities', 5, endless), /HTTP 500/)
  t.equal(sandbox.faults.api.status, undefined, 'the guard leaves no fault behind')
})

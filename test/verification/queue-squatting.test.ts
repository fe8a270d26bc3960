import { generateKeyPairSync, randomUUID } from 'node:crypto'
import t from 'tap'
import { harness, statusOf, type Harness } from '../helpers/app.js'
import { until } from '../helpers/wait.js'

/**
 * Regression, "squatting a metadata-bound identity by filling the provider queue": with
 * `api.maxQueue` full (one account can fill it with its own link attempts), a link fails
 * the provider check at once, and v0.2 kept it without the metadata check: the squatter
 * held the victim's identity (the victim got 409) until a reconcile. Now, with a binding
 * (`metadataPrivateKey`), a link whose provider check cannot be made is refused with 503
 * and nothing is kept.
 */

const link = async (h: Harness, user: string, identityAccessKey: string) =>
  await h.app.inject({ method: 'POST', url: '/passbase/verifications', headers: { 'x-user': user }, payload: { identityAccessKey } })

t.test('a full provider queue: the squatter gets 503, nothing is kept, the victim links 201', async (t) => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  // one request at a time, one waiting: two link attempts of the squatter's own fill the queue
  const h = await harness({ plugin: { metadataPrivateKey: privateKey, api: { timeoutMs: 300, retries: 0, concurrency: 1, maxQueue: 1 } } })
  t.teardown(h.close)
  const victims = await h.sandbox.createIdentity({ status: 'processing', metadata: { user_id: 'victim' } })

  h.sandbox.faults.api.hang = true
  const fillers = [link(h, 'squatter', randomUUID()), link(h, 'squatter', randomUUID())]
  await until(() => { const s = h.app.passbase.client.stats(); return s.inFlight === 1 && s.queued === 1 }, 'the queue is full')
  const squat = await link(h, 'squatter', victims.id)
  t.match(squat.json(), { statusCode: 503, code: 'FST_PASSBASE_PROVIDER_UNAVAILABLE' }, 'refused: the binding could not be checked')
  t.equal(await h.app.passbase.store.getByIdentity(victims.id), null, 'nothing kept')
  t.same(await statusOf(h, 'squatter'), { status: 'none' })

  h.sandbox.faults.api.hang = false
  // each filler timed out (503) or, once the provider answered again, was unknown to it (404)
  for (const filler of await Promise.all(fillers)) t.ok([503, 404].includes(filler.statusCode), `a filler was not kept either (${filler.statusCode})`)
  await until(() => { const s = h.app.passbase.client.stats(); return s.inFlight === 0 && s.queued === 0 }, 'the queue drained')
  t.same(await statusOf(h, 'squatter'), { status: 'none' }, 'the squatter holds nothing')

  const owner = await link(h, 'victim', victims.id)
  t.equal(owner.statusCode, 201, 'the victim links their identity')
  t.match(owner.json(), { identityId: victims.id, status: 'processing' })
})

t.test('with a binding, every provider failure refuses the link (5xx, 429, unreachable): 503 and nothing kept', async (t) => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const h = await harness({ plugin: { metadataPrivateKey: privateKey, api: { timeoutMs: 300, retries: 0 } } })
  t.teardown(h.close)
  const victims = await h.sandbox.createIdentity({ status: 'processing', metadata: { user_id: 'victim' } })
  for (const status of [500, 503, 429]) {
    h.sandbox.faults.api.status = status
    t.match((await link(h, 'squatter', victims.id)).json(), { statusCode: 503, code: 'FST_PASSBASE_PROVIDER_UNAVAILABLE' }, `provider ${status}`)
  }
  h.sandbox.faults.api.status = undefined
  h.sandbox.faults.api.hang = true
  t.match((await link(h, 'squatter', victims.id)).json(), { statusCode: 503 }, 'a timeout')
  h.sandbox.faults.api.hang = false
  t.equal(await h.app.passbase.store.getByIdentity(victims.id), null, 'nothing kept')
  t.equal((await link(h, 'victim', victims.id)).statusCode, 201)
})

import { generateKeyPairSync, randomUUID } from 'node:crypto'
import t from 'tap'
import { createTestClock } from '../../src/testing/host.js'
import { harness, statusOf, type Harness } from '../helpers/app.js'

/** Attacks on linking (§ "Linking" of the security model). */

const link = async (h: Harness, user: string, identityAccessKey: string) =>
  await h.app.inject({ method: 'POST', url: '/passbase/verifications', headers: { 'x-user': user }, payload: { identityAccessKey } })

t.test('case games: an upper-case key is the same identity (stored lower-case), so nobody links it twice', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const identity = await h.sandbox.createIdentity({ status: 'processing' })
  const first = await link(h, 'ann', identity.id.toUpperCase())
  t.equal(first.statusCode, 201)
  t.equal(first.json().identityId, identity.id)
  const second = await link(h, 'bob', identity.id)
  t.match(second.json(), { statusCode: 409, code: 'FST_PASSBASE_IDENTITY_TAKEN' })
  // a webhook naming it in upper case updates ann's record, nobody else's
  const updated = h.sandbox.setIdentity(identity.id, { status: 'approved', score: 0.9 })
  t.equal((await h.sandbox.deliver({ event: 'VERIFICATION_REVIEWED', key: identity.id.toUpperCase(), status: 'approved', updated: updated.updated })).status, 200)
  t.equal((await statusOf(h, 'ann')).status, 'approved')
  t.equal((await statusOf(h, 'bob')).status, 'none')
})

t.test('squatting: an identity whose metadata names someone else is never linked (403), so its owner still can', async (t) => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const h = await harness({ plugin: { metadataPrivateKey: privateKey } })
  t.teardown(h.close)
  const victims = await h.sandbox.createIdentity({ status: 'processing', metadata: { user_id: 'victim' } })
  const squat = await link(h, 'squatter', victims.id)
  t.match(squat.json(), { statusCode: 403, code: 'FST_PASSBASE_METADATA_MISMATCH' })
  t.equal((await statusOf(h, 'squatter')).status, 'none', 'nothing stored for the squatter')
  t.equal((await link(h, 'victim', victims.id)).statusCode, 201, 'the owner links it')
})

t.test('squatting during an outage: with a binding, a link the provider cannot check is refused (503) and nothing is kept', async (t) => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const h = await harness({ plugin: { metadataPrivateKey: privateKey } })
  t.teardown(h.close)
  const victims = await h.sandbox.createIdentity({ status: 'processing', metadata: { user_id: 'victim' } })
  h.sandbox.faults.api.status = 503
  const squat = await link(h, 'squatter', victims.id)
  t.match(squat.json(), { statusCode: 503, code: 'FST_PASSBASE_PROVIDER_UNAVAILABLE' }, 'refused while the provider is unreachable')
  t.equal((await statusOf(h, 'squatter')).status, 'none', 'nothing kept')
  h.sandbox.faults.api.status = undefined
  const reviewed = await h.sandbox.review(victims.id, { status: 'approved', score: 0.95 })
  t.same(reviewed.map((d) => d.status), [200, 200])
  const owner = await link(h, 'victim', victims.id)
  t.equal(owner.statusCode, 201, 'the owner links it')
  t.equal(owner.json().status, 'approved')
})

t.test('guessing: 10 link attempts that end 404 within an hour, then 429 with Retry-After and no provider call', async (t) => {
  const clock = createTestClock()
  const h = await harness({ plugin: { clock } })
  t.teardown(h.close)
  for (let i = 0; i < 10; i++) t.equal((await link(h, 'guesser', randomUUID())).statusCode, 404)
  const before = h.sandbox.stats().api.total
  const blocked = await link(h, 'guesser', randomUUID())
  t.match(blocked.json(), { statusCode: 429, code: 'FST_PASSBASE_TOO_MANY_ATTEMPTS' })
  t.equal(blocked.headers['retry-after'], '3600')
  t.equal(h.sandbox.stats().api.total, before, 'no provider call')
  const real = await h.sandbox.createIdentity({ status: 'processing' })
  t.equal((await link(h, 'guesser', real.id)).statusCode, 429, 'even a real key waits')
  t.equal((await link(h, 'someone-else', randomUUID())).statusCode, 404, 'other users are not affected')
  clock.advance(30 * 60_000)
  t.equal((await link(h, 'guesser', real.id)).headers['retry-after'], '1800', 'Retry-After counts down')
  clock.advance(30 * 60_000)
  t.equal((await link(h, 'guesser', real.id)).statusCode, 201, 'an hour after the first failure, allowed again')
})

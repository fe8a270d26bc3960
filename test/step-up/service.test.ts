import Fastify from 'fastify'
import t, { type Test } from 'tap'
import { MemoryStore } from '../../src/stores/memory/index.js'
import type { VerificationRecord } from '../../src/stores/types.js'
import { RevocationCache } from '../../src/step-up/revocations.js'
import { createStepUpService } from '../../src/step-up/service.js'
import { registerSigners } from '../../src/step-up/signer.js'
import { StepUpTokens } from '../../src/step-up/tokens.js'
import { createTestClock } from '../../src/testing/host.js'
import { REAUTH_SECRET } from '../helpers/app.js'

/**
 * The step-up service over a real MemoryStore and real signers: the challenge rule as the
 * routes see it (start, complete, cancel), without HTTP.
 */

const DAY = 86_400_000

async function service (t: Test) {
  const clock = createTestClock(1_700_000_000_000)
  const store = new MemoryStore()
  const tokens = new StepUpTokens()
  const app = Fastify()
  await registerSigners(app, [REAUTH_SECRET], tokens)
  await app.ready()
  t.teardown(async () => { await app.close() })
  const svc = createStepUpService({
    store, tokens, revocations: new RevocationCache(store, 1000), clock, log: app.log, maxAge: 300, challengeTtl: 600
  })
  const record: VerificationRecord = {
    userId: 'alice', identityId: 'identity-a', status: 'approved', score: 0.9, reason: null, providerUpdated: 10, linkedAt: 1, expiresAt: null
  }
  const approved = async (): Promise<VerificationRecord> => record
  let events = 0
  /** the provider's authentication of alice's identity, received now (the webhook path) */
  const authenticate = async (): Promise<string> => {
    clock.advance(1)
    const at = clock.now()
    return await store.recordAuthentication(record.identityId, at, `event-${++events}`, at + DAY)
  }
  const start = async (action: string | null = null): Promise<string> => {
    clock.advance(1)
    return (await svc.start(record, action)).challengeId
  }
  const complete = async (id: string, userId = 'alice'): Promise<string> => (await svc.complete(userId, id, approved)).kind
  return { svc, store, clock, start, complete, authenticate }
}

t.test('a start while another challenge is open conflicts both: complete answers conflict for each, never granted', async (t) => {
  const s = await service(t)
  const victim = await s.start('victim-action')
  const thief = await s.start('thief-action')
  t.equal(await s.complete(victim), 'conflict', 'the earlier one is conflicted at once (before any authentication)')
  t.equal(await s.complete(thief), 'conflict', 'and the later one')
  t.equal(await s.authenticate(), 'unmatched', 'the authentication satisfies neither')
  t.equal(await s.complete(thief), 'conflict')
  t.equal(await s.complete(victim), 'conflict', 'still conflict after the authentication closed it')
  t.equal(await s.complete(victim, 'mallory'), 'forbidden', "another user's: forbidden first")
})

t.test('without a conflict: pending, then granted once; a start after a satisfied challenge does not conflict it', async (t) => {
  const s = await service(t)
  const id = await s.start()
  t.equal(await s.complete(id), 'pending')
  t.equal(await s.authenticate(), 'satisfied')
  const next = await s.start()
  t.equal(await s.complete(id), 'granted', 'a satisfied challenge is not open: the later start did not conflict it')
  t.equal(await s.complete(id), 'gone', 'single use')
  t.equal(await s.complete(next), 'pending', 'the later one waits for its own authentication')
})

t.test('cancel: the owner ends an open challenge so that a retry is clean; a conflicted one cannot be cancelled', async (t) => {
  const s = await service(t)
  const abandoned = await s.start()
  await s.svc.cancel('mallory', abandoned)
  t.equal(await s.complete(abandoned), 'pending', "another user's cancel does nothing")
  await s.svc.cancel('alice', abandoned)
  t.equal(await s.complete(abandoned), 'gone', 'cancelled')
  const retry = await s.start()
  t.equal(await s.authenticate(), 'satisfied', 'the retry did not conflict with the cancelled one')
  t.equal(await s.complete(retry), 'granted')

  const victim = await s.start('victim-action')
  const thief = await s.start('thief-action')
  await s.svc.cancel('alice', thief)
  await s.svc.cancel('alice', victim)
  const again = await s.start('thief-action')
  t.equal(await s.complete(again), 'conflict', 'conflicted challenges stay open: a new start after cancelling them still conflicts')
  t.equal(await s.authenticate(), 'unmatched', 'and they absorb the authentication')
  t.equal(await s.complete(again), 'conflict')
})

t.test('an abandoned challenge (no cancel) makes the next start conflict once; after the authentication, a start is clean', async (t) => {
  const s = await service(t)
  await s.start() // a tab closed without cancel
  const retry = await s.start()
  t.equal(await s.complete(retry), 'conflict', 'the retry within challengeTtl conflicts')
  t.equal(await s.authenticate(), 'unmatched', 'the user\u2019s authentication closes both')
  const third = await s.start()
  t.equal(await s.authenticate(), 'satisfied')
  t.equal(await s.complete(third), 'granted', 'the next start works')
})

t.test('an expired challenge does not conflict a new start', async (t) => {
  const s = await service(t)
  const old = await s.start()
  s.clock.advance(600_000)
  t.equal(await s.complete(old), 'gone')
  const fresh = await s.start()
  t.equal(await s.authenticate(), 'satisfied')
  t.equal(await s.complete(fresh), 'granted')
})

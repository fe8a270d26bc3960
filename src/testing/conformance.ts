/**
 * `fastify-passbase/testing`: the conformance suite every `PassbaseStore` must pass.
 *
 * ```ts
 * // node:test
 * import { storeConformance } from 'fastify-passbase/testing'
 * storeConformance('my store', () => new MyStore(...))
 *
 * // tap
 * import t from 'tap'
 * storeConformance('my store', () => new MyStore(...), { test: t.test.bind(t) })
 *
 * // anything else: one promise that rejects with an AssertionError listing the failures
 * await runStoreConformance(() => new MyStore(...))
 * ```
 *
 * Every case gets a fresh store from the factory, calls `init()` and finally `close()`.
 * Ids are random per case, so the cases can share one database and need no cleanup.
 */
import { AssertionError } from 'node:assert'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test as nodeTest } from 'node:test'
import type { Challenge, PassbaseStore, StatusUpdate, UpdateResult, VerificationRecord } from '../stores/types.js'

export type StoreFactory = () => PassbaseStore | Promise<PassbaseStore>

/**
 * A test-registering function: node:test's `test`, tap's `t.test.bind(t)`, or your own.
 * The callback's argument is the framework's test context; when it has a `test` method
 * (tap and node:test both do) each case becomes a subtest, otherwise the cases run in
 * one test that fails with every failure listed.
 */
export type TestFn = (name: string, fn: (context?: unknown) => Promise<void>) => unknown

export interface ConformanceOptions {
  /** Cleanup after each case, after `close()` (e.g. drop a per-case database). */
  cleanup?: (store: PassbaseStore) => void | Promise<void>
  /** Run only the cases whose name includes one of these strings. */
  only?: string[]
}

export interface StoreConformanceOptions extends ConformanceOptions {
  /** Registers the test; default node:test's `test`. Under tap pass `t.test.bind(t)`. */
  test?: TestFn
}

export interface ConformanceResult {
  passed: string[]
  /** cases that do not apply to this store (cross-instance races need `shared: true`) */
  skipped: string[]
  failed: Array<{ name: string, error: unknown }>
}

/** Returned by a case that does not apply to the store under test. */
const SKIP = Symbol('skip')
type Outcome = void | typeof SKIP

interface CaseContext {
  store: PassbaseStore
  /** a unique id with a readable prefix */
  id: (prefix: string) => string
  /** another instance from the factory (initialised; closed after the case) */
  another: () => Promise<PassbaseStore>
}

interface ConformanceCase {
  name: string
  run: (ctx: CaseContext) => Promise<Outcome>
}

/**
 * Times far in the future, so that a real purge (`Date.now()`) in a shared database never
 * removes a case's entries. The purge case uses times near the epoch instead: its purge
 * removes only entries that no live application has.
 */
const FUTURE = 4_000_000_000_000
const PAST = 1_000_000

function base (): number {
  return FUTURE + Math.floor(Math.random() * 1_000_000) * 1_000_000
}

function update (providerUpdated: number, status: StatusUpdate['status'] = 'processing', score: number | null = null, reason: string | null = null): StatusUpdate {
  return { status, score, reason, providerUpdated }
}

function expectRecord (actual: VerificationRecord | null, expected: VerificationRecord, what: string): void {
  assert.deepStrictEqual(actual === null ? null : { ...actual }, expected, what)
}

async function linkOk (store: PassbaseStore, userId: string, identityId: string, now: number): Promise<VerificationRecord> {
  const result = await store.link(userId, identityId, now)
  assert.ok(result.ok, `link(${userId}, ${identityId}) should succeed, got ${JSON.stringify(result)}`)
  return result.record
}

function count<T> (items: T[], predicate: (item: T) => boolean): number {
  return items.filter(predicate).length
}

function shuffle<T> (items: T[]): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    const tmp = out[i] as T
    out[i] = out[j] as T
    out[j] = tmp
  }
  return out
}

/** Check that the applied results of concurrent updates form one chain, as if run one by one. */
function checkUpdateChain (results: Array<{ update: StatusUpdate, result: UpdateResult }>, startedAt: number): void {
  const applied = results.filter((r) => r.result.applied).sort((a, b) => a.update.providerUpdated - b.update.providerUpdated)
  assert.ok(applied.length >= 1, 'at least one concurrent update must apply')
  let last = startedAt
  for (const { update: u, result } of applied) {
    assert.ok(result.previous !== null && result.record !== null, 'an applied update returns previous and record')
    assert.equal(result.previous.providerUpdated, last,
      `an applied update's previous.providerUpdated must be the value the update before it wrote (${last}), got ${result.previous.providerUpdated}: two writers saw the same previous state`)
    assert.equal(result.record.providerUpdated, u.providerUpdated, 'record.providerUpdated is the applied update')
    assert.equal(result.record.status, u.status, 'record.status is the applied update')
    last = u.providerUpdated
  }
  for (const { update: u, result } of results) {
    if (result.applied) continue
    assert.ok(result.previous !== null && result.record !== null, 'a refused update of a linked identity returns previous and record')
    assert.ok(result.record.providerUpdated >= u.providerUpdated,
      `a refused update (${u.providerUpdated}) must have met a stored state at least as new, got ${result.record.providerUpdated}`)
  }
}

const cases: ConformanceCase[] = [
  {
    name: 'init() is idempotent and may run concurrently',
    async run ({ store, another }) {
      await store.init?.()
      await Promise.all([store.init?.(), store.init?.()])
      const other = await another()
      await Promise.all([other.init?.(), other.init?.()])
    }
  },
  {
    name: 'link creates a record with status created',
    async run ({ store, id }) {
      const now = base()
      const u = id('user'), i = id('identity')
      const result = await store.link(u, i, now)
      const expected: VerificationRecord = {
        userId: u, identityId: i, status: 'created', score: null, reason: null, providerUpdated: 0, linkedAt: now
      }
      assert.deepStrictEqual(result, { ok: true, created: true, record: expected }, 'link result')
      expectRecord(await store.getByIdentity(i), expected, 'getByIdentity after link')
      expectRecord(await store.getByUser(u), expected, 'getByUser after link')
    }
  },
  {
    name: 'link of the same identity by the same user is idempotent',
    async run ({ store, id }) {
      const now = base()
      const u = id('user'), i = id('identity')
      await linkOk(store, u, i, now)
      const again = await store.link(u, i, now + 5000)
      assert.ok(again.ok, 'relink succeeds')
      assert.equal(again.created, false, 'relink reports created: false')
      assert.equal(again.record.linkedAt, now, 'relink keeps linkedAt')
      await store.applyUpdate(i, update(100, 'pending', 0.5))
      const third = await store.link(u, i, now + 9000)
      assert.deepStrictEqual(third, {
        ok: true,
        created: false,
        record: { userId: u, identityId: i, status: 'pending', score: 0.5, reason: null, providerUpdated: 100, linkedAt: now }
      }, 'relink returns the stored record unchanged')
    }
  },
  {
    name: 'link of an identity linked to another user is identity_taken',
    async run ({ store, id }) {
      const now = base()
      const a = id('user-a'), b = id('user-b'), i = id('identity')
      const record = await linkOk(store, a, i, now)
      assert.deepStrictEqual(await store.link(b, i, now + 1), { ok: false, reason: 'identity_taken' })
      expectRecord(await store.getByIdentity(i), record, 'the identity stays with its first user')
      assert.equal(await store.getByUser(b), null, 'nothing written for the second user')
      await store.applyUpdate(i, update(50, 'approved', 0.9))
      assert.deepStrictEqual(await store.link(b, i, now + 2), { ok: false, reason: 'identity_taken' }, 'also once approved')
    }
  },
  {
    name: 'link by a user who has an approved identity is already_verified',
    async run ({ store, id }) {
      const now = base()
      const u = id('user'), approved = id('identity'), other = id('identity')
      await linkOk(store, u, approved, now)
      assert.equal((await store.applyUpdate(approved, update(10, 'approved', 0.95))).applied, true)
      assert.deepStrictEqual(await store.link(u, other, now + 1), { ok: false, reason: 'already_verified' })
      assert.equal(await store.getByIdentity(other), null, 'nothing written')
      const same = await store.link(u, approved, now + 2)
      assert.ok(same.ok && !same.created, 'relinking the approved identity itself is idempotent')
      assert.equal(same.record.status, 'approved')
      // the refused identity is still free for someone else
      await linkOk(store, id('user'), other, now + 3)
    }
  },
  {
    name: 'link of a new identity is allowed after a declined or pending one',
    async run ({ store, id }) {
      const now = base()
      const u = id('user'), first = id('identity'), second = id('identity'), third = id('identity')
      await linkOk(store, u, first, now)
      await store.applyUpdate(first, update(10, 'declined', 0.2, 'score_below_threshold'))
      const r2 = await store.link(u, second, now + 10)
      assert.ok(r2.ok && r2.created, 'a new identity after a declined one')
      await store.applyUpdate(second, update(20, 'pending', 0.8))
      const r3 = await store.link(u, third, now + 20)
      assert.ok(r3.ok && r3.created, 'a new identity after a pending one')
      assert.equal((await store.getByUser(u))?.identityId, third, 'getByUser: the most recently linked')
    }
  },
  {
    name: 'getByUser prefers the approved identity, else the most recent; null when none',
    async run ({ store, id }) {
      const now = base()
      const u = id('user'), older = id('identity'), newer = id('identity')
      assert.equal(await store.getByUser(u), null, 'unknown user')
      assert.equal(await store.getByIdentity(id('identity')), null, 'unknown identity')
      await linkOk(store, u, older, now)
      await linkOk(store, u, newer, now + 1000)
      assert.equal((await store.getByUser(u))?.identityId, newer, 'most recently linked')
      await store.applyUpdate(newer, update(5, 'declined', 0.1))
      assert.equal((await store.getByUser(u))?.identityId, newer, 'most recent even when declined')
      await store.applyUpdate(older, update(7, 'approved', 0.99))
      const current = await store.getByUser(u)
      assert.equal(current?.identityId, older, 'the approved identity wins over a more recent one')
      assert.equal(current?.status, 'approved')
    }
  },
  {
    name: 'applyUpdate of an unlinked identity changes nothing',
    async run ({ store, id }) {
      const i = id('identity')
      assert.deepStrictEqual(await store.applyUpdate(i, update(100, 'approved', 1)), { applied: false, previous: null, record: null })
      assert.equal(await store.getByIdentity(i), null, 'no record created')
    }
  },
  {
    name: 'applyUpdate writes a newer state and returns previous and record',
    async run ({ store, id }) {
      const now = base()
      const u = id('user'), i = id('identity')
      const linked = await linkOk(store, u, i, now)
      const first = await store.applyUpdate(i, update(1_582_628_711, 'processing'))
      const afterFirst: VerificationRecord = { ...linked, status: 'processing', providerUpdated: 1_582_628_711 }
      assert.deepStrictEqual(first, { applied: true, previous: linked, record: afterFirst }, 'first update')
      const second = await store.applyUpdate(i, update(1_582_628_999, 'declined', 0.123456789, 'metadata_mismatch'))
      const afterSecond: VerificationRecord = {
        ...linked, status: 'declined', score: 0.123456789, reason: 'metadata_mismatch', providerUpdated: 1_582_628_999
      }
      assert.deepStrictEqual(second, { applied: true, previous: afterFirst, record: afterSecond }, 'second update')
      expectRecord(await store.getByIdentity(i), afterSecond, 'stored')
      const third = await store.applyUpdate(i, update(1_582_629_000, 'approved', 0.9, null))
      assert.deepStrictEqual(third.record, { ...afterSecond, status: 'approved', score: 0.9, reason: null, providerUpdated: 1_582_629_000 },
        'score and reason are replaced, also by null')
    }
  },
  {
    name: 'applyUpdate never lets an older or equal state overwrite a newer one',
    async run ({ store, id }) {
      const now = base()
      const u = id('user'), i = id('identity')
      await linkOk(store, u, i, now)
      const applied = await store.applyUpdate(i, update(200, 'approved', 0.9))
      const stored = applied.record as VerificationRecord
      for (const [providerUpdated, label] of [[200, 'equal'], [199, 'older'], [0, 'zero']] as const) {
        const result = await store.applyUpdate(i, update(providerUpdated, 'declined', 0.1, 'x'))
        assert.deepStrictEqual(result, { applied: false, previous: stored, record: stored }, `${label} update is refused and reports the stored record`)
      }
      expectRecord(await store.getByIdentity(i), stored, 'unchanged')
    }
  },
  {
    name: 'markEvent de-duplicates until the entry expires; unmarkEvent forgets it',
    async run ({ store, id }) {
      const now = base()
      const key = id('event')
      assert.equal(await store.markEvent(key, now + 1000, now), true, 'first delivery')
      assert.equal(await store.markEvent(key, now + 2000, now + 1), false, 'duplicate')
      assert.equal(await store.markEvent(key, now + 2000, now + 999), false, 'duplicate just before expiry')
      assert.equal(await store.markEvent(key, now + 3000, now + 1000), true, 'at expiresAt the entry has expired')
      assert.equal(await store.markEvent(key, now + 4000, now + 2999), false, 'the new entry lasts until its own expiresAt')
      await store.unmarkEvent(key)
      assert.equal(await store.markEvent(key, now + 5000, now + 3000), true, 'after unmarkEvent it is new again')
      assert.equal(await store.markEvent(key, now + 6000, now + 3001), false, 'and then a duplicate again')
      await store.unmarkEvent(id('never-marked'))
      const other = id('event')
      assert.equal(await store.markEvent(other, now + 1000, now + 3001), true, 'keys are independent')
    }
  },
  {
    name: 'challenges are single use, owned, expiring',
    async run ({ store, id }) {
      const now = base()
      const owner = id('user'), intruder = id('user')
      const challenge: Challenge = { id: id('challenge'), userId: owner, identityId: id('identity'), createdAt: now, expiresAt: now + 600_000 }
      await store.createChallenge(challenge)
      assert.deepStrictEqual(await store.getChallenge(challenge.id), challenge, 'getChallenge')
      assert.deepStrictEqual(await store.consumeChallenge(challenge.id, intruder, now + 1), { ok: false, reason: 'forbidden' }, 'another user')
      assert.deepStrictEqual(await store.getChallenge(challenge.id), challenge, 'still there after a forbidden attempt')
      assert.deepStrictEqual(await store.consumeChallenge(challenge.id, owner, now + 2), { ok: true, challenge }, 'owner consumes')
      assert.deepStrictEqual(await store.consumeChallenge(challenge.id, owner, now + 3), { ok: false, reason: 'used' }, 'second use')
      assert.equal(await store.getChallenge(challenge.id), null, 'getChallenge after use')
      assert.deepStrictEqual(await store.consumeChallenge(id('challenge'), owner, now), { ok: false, reason: 'missing' }, 'unknown id')
      assert.equal(await store.getChallenge(id('challenge')), null, 'getChallenge of an unknown id')

      const expiring: Challenge = { ...challenge, id: id('challenge'), expiresAt: now + 100 }
      await store.createChallenge(expiring)
      assert.deepStrictEqual(await store.consumeChallenge(expiring.id, owner, now + 100), { ok: false, reason: 'expired' }, 'at expiresAt')
      assert.deepStrictEqual(await store.consumeChallenge(expiring.id, owner, now + 5000), { ok: false, reason: 'expired' }, 'after expiresAt')
      const lastMoment: Challenge = { ...challenge, id: id('challenge'), expiresAt: now + 100 }
      await store.createChallenge(lastMoment)
      assert.deepStrictEqual(await store.consumeChallenge(lastMoment.id, owner, now + 99), { ok: true, challenge: lastMoment }, 'just before expiresAt')
    }
  },
  {
    name: 'recordAuthentication keeps the latest time',
    async run ({ store, id }) {
      const now = base()
      const i = id('identity'), j = id('identity')
      assert.equal(await store.lastAuthentication(i), null, 'none yet')
      await store.recordAuthentication(i, now + 100)
      assert.equal(await store.lastAuthentication(i), now + 100)
      await store.recordAuthentication(i, now + 50)
      assert.equal(await store.lastAuthentication(i), now + 100, 'an older time does not replace a newer one')
      await store.recordAuthentication(i, now + 200)
      assert.equal(await store.lastAuthentication(i), now + 200, 'a newer time replaces')
      assert.equal(await store.lastAuthentication(j), null, 'per identity')
    }
  },
  {
    name: 'revokeToken holds until expiresAt',
    async run ({ store, id }) {
      const now = base()
      const jti = id('jti')
      assert.equal(await store.isRevoked(jti, now), false, 'not revoked')
      await store.revokeToken(jti, now + 100)
      assert.equal(await store.isRevoked(jti, now), true, 'revoked')
      assert.equal(await store.isRevoked(jti, now + 99), true, 'revoked just before expiresAt')
      assert.equal(await store.isRevoked(jti, now + 100), false, 'forgotten at expiresAt')
      assert.equal(await store.isRevoked(id('jti'), now), false, 'other ids are not revoked')
    }
  },
  {
    name: 'purgeExpired removes expired events, challenges and revocations only',
    async run ({ store, id }) {
      const now = PAST + Math.floor(Math.random() * 1000)
      const oldKey = id('event'), liveKey = id('event')
      await store.markEvent(oldKey, now + 100, now)
      await store.markEvent(liveKey, now + 100_000, now)
      const owner = id('user')
      const oldChallenge: Challenge = { id: id('challenge'), userId: owner, identityId: id('identity'), createdAt: now, expiresAt: now + 100 }
      const liveChallenge: Challenge = { ...oldChallenge, id: id('challenge'), expiresAt: now + 100_000 }
      await store.createChallenge(oldChallenge)
      await store.createChallenge(liveChallenge)
      const oldJti = id('jti'), liveJti = id('jti')
      await store.revokeToken(oldJti, now + 100)
      await store.revokeToken(liveJti, now + 100_000)
      const u = id('user'), i = id('identity')
      await linkOk(store, u, i, now)
      await store.recordAuthentication(i, now + 1)

      await store.purgeExpired(now + 200)
      // observe the deletions by asking with a `now` before the old expiry
      assert.equal(await store.markEvent(oldKey, now + 300, now + 50), true, 'the expired event entry was removed')
      assert.equal(await store.markEvent(liveKey, now + 300, now + 50), false, 'a live event entry is kept')
      assert.equal(await store.getChallenge(oldChallenge.id), null, 'the expired challenge was removed')
      const consumed = await store.consumeChallenge(oldChallenge.id, owner, now + 50)
      assert.ok(!consumed.ok && (consumed.reason === 'missing' || consumed.reason === 'expired'), 'a purged challenge cannot be consumed')
      assert.deepStrictEqual(await store.getChallenge(liveChallenge.id), liveChallenge, 'a live challenge is kept')
      assert.equal(await store.isRevoked(oldJti, now + 50), false, 'the expired revocation was removed')
      assert.equal(await store.isRevoked(liveJti, now + 50), true, 'a live revocation is kept')
      assert.equal((await store.getByIdentity(i))?.userId, u, 'links are never purged')
      assert.equal(await store.lastAuthentication(i), now + 1, 'authentications are not purged')
    }
  },
  {
    name: 'concurrent: two users link one identity, exactly one succeeds',
    async run ({ store, id }) {
      const now = base()
      for (let round = 0; round < 5; round++) {
        const i = id('identity')
        const users = [id('user'), id('user')]
        const results = await Promise.all(users.map(async (u) => await store.link(u, i, now)))
        assert.equal(count(results, (r) => r.ok), 1, `exactly one link succeeds: ${JSON.stringify(results)}`)
        const winner = users[results.findIndex((r) => r.ok)]
        assert.ok(results.every((r) => r.ok || r.reason === 'identity_taken'), 'the loser gets identity_taken')
        assert.equal((await store.getByIdentity(i))?.userId, winner, 'the identity belongs to the winner')
      }
      const i = id('identity')
      const users = Array.from({ length: 10 }, () => id('user'))
      const results = await Promise.all(users.map(async (u) => await store.link(u, i, now)))
      assert.equal(count(results, (r) => r.ok), 1, 'of ten users exactly one links the identity')
    }
  },
  {
    name: 'concurrent: the same user links one identity ten times, one creates it',
    async run ({ store, id }) {
      const now = base()
      const u = id('user'), i = id('identity')
      const results = await Promise.all(Array.from({ length: 10 }, async () => await store.link(u, i, now)))
      assert.ok(results.every((r) => r.ok), 'all succeed')
      assert.equal(count(results, (r) => r.ok && r.created), 1, 'exactly one reports created')
    }
  },
  {
    name: 'concurrent: 20 identical applyUpdate calls, exactly one applies',
    async run ({ store, id }) {
      const u = id('user'), i = id('identity')
      await linkOk(store, u, i, base())
      const results = await Promise.all(Array.from({ length: 20 }, async () => await store.applyUpdate(i, update(1000, 'approved', 0.9))))
      assert.equal(count(results, (r) => r.applied), 1, 'exactly one applied')
      checkUpdateChain(results.map((result) => ({ update: update(1000, 'approved', 0.9), result })), 0)
      assert.equal((await store.getByIdentity(i))?.providerUpdated, 1000)
    }
  },
  {
    name: 'concurrent: 20 applyUpdate calls in any order end at the newest state',
    async run ({ store, id }) {
      const u = id('user'), i = id('identity')
      await linkOk(store, u, i, base())
      const statuses: Array<StatusUpdate['status']> = ['processing', 'pending', 'approved', 'declined']
      // 1..16 plus four duplicates, shuffled
      const values = shuffle([...Array.from({ length: 16 }, (_, k) => k + 1), 3, 8, 16, 16])
      const updates = values.map((v) => update(v, statuses[v % 4], v / 100, `r${v}`))
      const results = await Promise.all(updates.map(async (u2) => await store.applyUpdate(i, u2)))
      const final = await store.getByIdentity(i)
      assert.equal(final?.providerUpdated, 16, 'the newest state is stored')
      assert.equal(final?.status, statuses[0], 'with its status')
      assert.equal(final?.reason, 'r16')
      assert.equal(count(results.map((r, k) => ({ r, v: values[k] })), ({ r, v }) => r.applied && v === 16), 1, 'the newest state is applied exactly once')
      checkUpdateChain(updates.map((u2, k) => ({ update: u2, result: results[k] as UpdateResult })), 0)
    }
  },
  {
    name: 'concurrent: 20 markEvent calls with one key, exactly one is new',
    async run ({ store, id }) {
      const now = base()
      const key = id('event')
      const results = await Promise.all(Array.from({ length: 20 }, async () => await store.markEvent(key, now + 60_000, now)))
      assert.equal(count(results, (r) => r), 1, 'exactly one true')
      // and again once it has expired
      const later = now + 60_000
      const again = await Promise.all(Array.from({ length: 20 }, async () => await store.markEvent(key, later + 60_000, later)))
      assert.equal(count(again, (r) => r), 1, 'exactly one true after expiry')
    }
  },
  {
    name: 'concurrent: 10 consumeChallenge calls, exactly one succeeds',
    async run ({ store, id }) {
      const now = base()
      const owner = id('user')
      const challenge: Challenge = { id: id('challenge'), userId: owner, identityId: id('identity'), createdAt: now, expiresAt: now + 60_000 }
      await store.createChallenge(challenge)
      const results = await Promise.all(Array.from({ length: 10 }, async () => await store.consumeChallenge(challenge.id, owner, now + 1)))
      assert.equal(count(results, (r) => r.ok), 1, 'exactly one ok')
      assert.ok(results.every((r) => r.ok || r.reason === 'used'), `the others get 'used': ${JSON.stringify(results)}`)
    }
  },
  {
    name: 'shared: two instances see each other\'s writes and race safely',
    async run ({ store, another, id }) {
      if (store.shared !== true) return SKIP
      const other = await another()
      const stores = [store, other]
      const pick = (k: number): PassbaseStore => stores[k % 2] as PassbaseStore
      const now = base()

      // visibility
      const u = id('user'), i = id('identity')
      await linkOk(store, u, i, now)
      assert.equal((await other.getByIdentity(i))?.userId, u, 'a link made by one instance is seen by the other')
      await other.applyUpdate(i, update(10, 'approved', 0.9))
      assert.equal((await store.getByUser(u))?.status, 'approved', 'an update made by one instance is seen by the other')

      // link race
      for (let round = 0; round < 5; round++) {
        const identity = id('identity')
        const users = Array.from({ length: 6 }, () => id('user'))
        const results = await Promise.all(users.map(async (user, k) => await pick(k).link(user, identity, now)))
        assert.equal(count(results, (r) => r.ok), 1, 'across instances exactly one link succeeds')
      }

      // update race
      const j = id('identity')
      await linkOk(other, id('user'), j, now)
      const values = shuffle([...Array.from({ length: 20 }, (_, k) => k + 1), 20, 20, 7])
      const updates = values.map((v) => update(v, 'pending', v / 100))
      const results = await Promise.all(updates.map(async (u2, k) => await pick(k).applyUpdate(j, u2)))
      assert.equal((await store.getByIdentity(j))?.providerUpdated, 20, 'the newest state wins across instances')
      checkUpdateChain(updates.map((u2, k) => ({ update: u2, result: results[k] as UpdateResult })), 0)
      const identical = await Promise.all(Array.from({ length: 20 }, async (_, k) => await pick(k).applyUpdate(j, update(21, 'approved', 0.9))))
      assert.equal(count(identical, (r) => r.applied), 1, 'of identical updates across instances exactly one applies')

      // event race
      const key = id('event')
      const marks = await Promise.all(Array.from({ length: 20 }, async (_, k) => await pick(k).markEvent(key, now + 60_000, now)))
      assert.equal(count(marks, (r) => r), 1, 'across instances exactly one markEvent is new')

      // challenge race
      const owner = id('user')
      const challenge: Challenge = { id: id('challenge'), userId: owner, identityId: id('identity'), createdAt: now, expiresAt: now + 60_000 }
      await store.createChallenge(challenge)
      const consumed = await Promise.all(Array.from({ length: 10 }, async (_, k) => await pick(k).consumeChallenge(challenge.id, owner, now + 1)))
      assert.equal(count(consumed, (r) => r.ok), 1, 'across instances exactly one consumeChallenge succeeds')

      // authentications and revocations
      await other.recordAuthentication(i, now + 5)
      assert.equal(await store.lastAuthentication(i), now + 5, 'authentication seen by the other instance')
      const jti = id('jti')
      await other.revokeToken(jti, now + 1000)
      assert.equal(await store.isRevoked(jti, now), true, 'revocation seen by the other instance')
    }
  }
]

/** The names of the conformance cases, in the order they run. */
export const conformanceCaseNames: readonly string[] = cases.map((c) => c.name)

function selected (options: ConformanceOptions): ConformanceCase[] {
  const only = options.only
  if (only === undefined || only.length === 0) return cases
  return cases.filter((c) => only.some((part) => c.name.includes(part)))
}

async function runCase (c: ConformanceCase, factory: StoreFactory, options: ConformanceOptions): Promise<Outcome> {
  const opened: PassbaseStore[] = []
  const open = async (): Promise<PassbaseStore> => {
    const store = await factory()
    opened.push(store)
    await store.init?.()
    return store
  }
  let outcome: Outcome = undefined
  let failure: { error: unknown } | null = null
  try {
    const store = await open()
    const tag = randomUUID().slice(0, 8)
    let n = 0
    outcome = await c.run({ store, another: open, id: (prefix) => `${prefix}-${tag}-${++n}-${randomUUID()}` })
  } catch (error) {
    failure = { error }
  }
  for (const store of opened.reverse()) {
    try {
      await store.close?.()
      await options.cleanup?.(store)
    } catch (error) {
      if (failure === null) failure = { error }
    }
  }
  if (failure !== null) {
    const error = failure.error
    if (error instanceof Error && !error.message.startsWith(`[${c.name}]`)) error.message = `[${c.name}] ${error.message}`
    throw error
  }
  return outcome
}

/**
 * Run every case once, one after the other. Resolves with the result when all pass;
 * rejects with an `AssertionError` naming every failed case otherwise.
 */
export async function runStoreConformance (factory: StoreFactory, options: ConformanceOptions = {}): Promise<ConformanceResult> {
  const result: ConformanceResult = { passed: [], skipped: [], failed: [] }
  for (const c of selected(options)) {
    try {
      if (await runCase(c, factory, options) === SKIP) result.skipped.push(c.name)
      else result.passed.push(c.name)
    } catch (error) {
      result.failed.push({ name: c.name, error })
    }
  }
  if (result.failed.length > 0) {
    const details = result.failed.map(({ error }) => `  - ${error instanceof Error ? error.message : String(error)}`).join('\n')
    const error = new AssertionError({
      message: `store conformance: ${result.failed.length} of ${result.failed.length + result.passed.length} cases failed:\n${details}`
    })
    Object.assign(error, { result })
    throw error
  }
  return result
}

type SubtestFn = (name: string, fn: () => Promise<void>) => unknown

function subtestOf (context: unknown): SubtestFn | null {
  if (typeof context !== 'object' || context === null) return null
  const test = (context as { test?: unknown }).test
  if (typeof test !== 'function') return null
  return (name, fn) => (test as (this: unknown, name: string, fn: () => Promise<void>) => unknown).call(context, name, fn)
}

function note (context: unknown, message: string): void {
  const ctx = context as { comment?: unknown, diagnostic?: unknown } | null
  if (typeof ctx?.comment === 'function') (ctx.comment as (this: unknown, m: string) => void).call(ctx, message)
  else if (typeof ctx?.diagnostic === 'function') (ctx.diagnostic as (this: unknown, m: string) => void).call(ctx, message)
}

/**
 * Register the conformance suite as one test named `name` with a subtest per case.
 * Works with node:test (the default) and tap (`{ test: t.test.bind(t) }`).
 */
export function storeConformance (name: string, factory: StoreFactory, options: StoreConformanceOptions = {}): Promise<void> {
  const register: TestFn = options.test ?? (nodeTest as unknown as TestFn)
  const registered = register(name, async (context?: unknown) => {
    const subtest = subtestOf(context)
    if (subtest === null) {
      const result = await runStoreConformance(factory, options)
      if (result.skipped.length > 0) note(context, `skipped (not applicable): ${result.skipped.join('; ')}`)
      return
    }
    for (const c of selected(options)) {
      await subtest(c.name, async () => {
        if (await runCase(c, factory, options) === SKIP) note(context, `${c.name}: skipped, the store is not shared`)
      })
    }
  })
  return Promise.resolve(registered).then(() => undefined, () => undefined)
}

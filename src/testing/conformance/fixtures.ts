import assert from 'node:assert/strict'
import { readAllChanges } from '../../changes/verify.js'
import type { StoreFeature } from '../../stores/methods.js'
import type {
  ChangeEntry, CompleteStore, IdentityStatus, NewChallenge, PassbaseStore, StatusUpdate, UpdateResult, VerificationRecord
} from '../../stores/types.js'

/** What a conformance case needs: a feature of `STORE_METHODS`, or two instances sharing one database. */
export type Need = StoreFeature | 'shared'

export interface CaseContext {
  /** the store under test (its methods outside the case's `needs` may be absent) */
  store: CompleteStore
  /** a unique id with a readable prefix; every id of a case contains `tag` */
  id: (prefix: string) => string
  tag: string
  /** another instance from the factory (initialised; closed after the case) */
  another: () => Promise<CompleteStore>
  /** the change-log entries appended since the case started (by any instance; needs 'changes') */
  changes: () => Promise<ChangeEntry[]>
}

export interface ConformanceCase {
  name: string
  needs: readonly Need[]
  run: (ctx: CaseContext) => Promise<void>
}

export type StoreFactory = () => PassbaseStore | Promise<PassbaseStore>

/**
 * Times far in the future, so that a real purge (`Date.now()`) in a shared database never
 * removes a case's entries. The purge cases use times near the epoch instead: their purge
 * removes only entries that no live application has.
 */
export const FUTURE = 4_000_000_000_000
export const PAST = 1_000_000

export function base (): number {
  return FUTURE + Math.floor(Math.random() * 1_000_000) * 1_000_000
}

/** What most cases start from: a time of their own, two users and an identity. */
export interface Fresh { now: number, user: string, other: string, identity: string }

export function fresh (id: CaseContext['id']): Fresh {
  return { now: base(), user: id('user'), other: id('user'), identity: id('identity') }
}

/** `fresh`, with the identity linked to the user. */
export async function freshLink (store: PassbaseStore, id: CaseContext['id']): Promise<Fresh & { record: VerificationRecord }> {
  const f = fresh(id)
  return { ...f, record: await linkOk(store, f.user, f.identity, f.now) }
}

export function update (providerUpdated: number, status: IdentityStatus = 'processing', score: number | null = null,
  reason: string | null = null, expiresAt: number | null = null): StatusUpdate {
  return { status, score, reason, providerUpdated, expiresAt }
}

/** The record `link` creates. */
export function linked (userId: string, identityId: string, linkedAt: number): VerificationRecord {
  return { userId, identityId, status: 'created', score: null, reason: null, providerUpdated: 0, linkedAt, expiresAt: null }
}

export function expectRecord (actual: VerificationRecord | null, expected: VerificationRecord | null, what: string): void {
  assert.deepStrictEqual(actual === null ? null : { ...actual }, expected, what)
}

export async function linkOk (store: PassbaseStore, userId: string, identityId: string, now: number): Promise<VerificationRecord> {
  const result = await store.link(userId, identityId, now)
  assert.ok(result.ok, `link(${userId}, ${identityId}) should succeed, got ${JSON.stringify(result)}`)
  return result.record
}

/** Link and apply one update, asserting both happen. */
export async function linkWith (store: PassbaseStore, userId: string, identityId: string, now: number, u: StatusUpdate): Promise<VerificationRecord> {
  await linkOk(store, userId, identityId, now)
  const result = await store.applyUpdate(identityId, u, now)
  assert.ok(result.applied && result.record !== null, `applyUpdate(${identityId}) should apply, got ${JSON.stringify(result)}`)
  return result.record
}

/** `n` users with an approved identity expiring at `expiresAt`; their identity ids. */
export async function approvals (store: PassbaseStore, id: CaseContext['id'], n: number, now: number, expiresAt: number): Promise<string[]> {
  return await Promise.all(Array.from({ length: n }, async () =>
    (await linkWith(store, id('user'), id('identity'), now, update(10, 'approved', 0.9, null, expiresAt))).identityId))
}

/** A challenge of `userId` for `identityId`, created at `now`, expiring `ttl` later. */
export function challengeOf (id: string, userId: string, identityId: string, now: number, ttl = 600_000, action: string | null = null): NewChallenge {
  return { id, userId, identityId, createdAt: now, expiresAt: now + ttl, action }
}

/** Creates the challenge and satisfies it with an authentication received at `at`. */
export async function satisfied (store: CompleteStore, challenge: NewChallenge, at: number, eventKey: string): Promise<void> {
  await store.createChallenge(challenge)
  assert.equal(await store.recordAuthentication(challenge.identityId, at, eventKey, at + 86_400_000), 'satisfied',
    `the authentication at ${at} satisfies challenge ${challenge.id}`)
}

export function count<T> (items: readonly T[], predicate: (item: T) => boolean): number {
  return items.filter(predicate).length
}

export function shuffle<T> (items: readonly T[]): T[] {
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
export function checkUpdateChain (results: Array<{ update: StatusUpdate, result: UpdateResult }>, startedAt: number): void {
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

/** Every entry with `seq` > `afterSeq`. */
export async function changesAfter (store: PassbaseStore, afterSeq: number): Promise<ChangeEntry[]> {
  const out: ChangeEntry[] = []
  for await (const entry of readAllChanges(store, 500, afterSeq)) out.push(entry)
  return out
}

/** The last `seq` of the log (0 when empty), found with O(log n) reads. */
export async function lastSeq (store: PassbaseStore): Promise<number> {
  const atLeast = async (seq: number): Promise<boolean> => (await store.readChanges(seq - 1, 1)).length > 0
  if (!(await atLeast(1))) return 0
  let known = 1
  let beyond = 2
  while (await atLeast(beyond)) { known = beyond; beyond *= 2 }
  while (beyond - known > 1) {
    const mid = Math.floor((known + beyond) / 2)
    if (await atLeast(mid)) known = mid
    else beyond = mid
  }
  return known
}

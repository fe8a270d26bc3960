import type Database from 'better-sqlite3'
import { logged } from '../sql/plan.js'
import type { SharedQueries } from '../sql/queries.js'
import { refusalOf, toChallenge, type ChallengeRow, type ChallengeStateRow } from '../sql/rows.js'
import type { Tables } from '../sql/names.js'
import type { AuthenticationResult, ConsumeResult, DeliveryStore, NewChallenge, StepUpStore } from '../types.js'
import type { Append, Params, Sync } from './log.js'

export type SqliteStepUp = { [K in keyof (StepUpStore & DeliveryStore)]: Sync<(StepUpStore & DeliveryStore)[K]> }

/** De-duplication, challenges, authentications, revocations and single-use tokens. */
export function stepUpOperations (db: Database.Database, t: Tables, q: SharedQueries, append: Append): SqliteStepUp {
  const markEvent = db.prepare<Params>(q.markEvent)
  const hasEvent = db.prepare<Params, { one: number }>(q.hasEvent)
  const endChallenges = db.prepare<Params>(q.endChallenges)
  const insertChallenge = db.prepare<Params>(q.insertChallenge)
  const getChallenge = db.prepare<Params, ChallengeRow>(q.getChallenge)
  const consume = db.prepare<Params, ChallengeRow>(q.consume)
  const challengeState = db.prepare<Params, ChallengeStateRow>(q.challengeState)
  const satisfy = db.prepare<Params>(`UPDATE ${t.challenges} SET authenticated_at = $at WHERE id = (${q.pendingChallenge})`)
  const revoke = db.prepare<Params>(q.revoke)
  const revokedBefore = db.prepare<Params, { not_before: number }>(q.revokedBefore)
  const useToken = db.prepare<Params>(q.useToken)

  const createChallenge = db.transaction((c: NewChallenge): void => {
    endChallenges.run({ userId: c.userId })
    insertChallenge.run({ ...c })
  })

  const recordAuthentication = db.transaction((identityId: string, at: number, key: string, expiresAt: number): AuthenticationResult => {
    if (markEvent.run({ key, expiresAt, now: at }).changes !== 1) return 'duplicate'
    return satisfy.run({ identityId, at }).changes === 1 ? 'satisfied' : 'unmatched'
  })

  const consumeChallenge = db.transaction((id: string, userId: string, now: number): ConsumeResult => {
    const row = consume.get({ id, userId, now })
    // the conditional UPDATE decided; the state only says why it refused
    if (row === undefined) return { ok: false, reason: refusalOf(challengeState.get({ id }), userId, now) ?? 'used' }
    const challenge = toChallenge(row)
    append([logged(userId, { at: now, type: 'step_up', identityId: challenge.identityId })])
    return { ok: true, challenge }
  })

  const revokeUser = db.transaction((userId: string, notBefore: number, expiresAt: number, now: number): void => {
    revoke.run({ userId, notBefore, expiresAt })
    append([logged(userId, { at: now, type: 'revoked' })])
  })

  return {
    hasEvent: (key, now) => hasEvent.get({ key, now }) !== undefined,
    markEvent: (key, expiresAt, now) => markEvent.run({ key, expiresAt, now }).changes === 1,
    createChallenge: (c) => { createChallenge.immediate(c) },
    getChallenge: (id) => {
      const row = getChallenge.get({ id })
      return row === undefined ? null : toChallenge(row)
    },
    recordAuthentication: (identityId, at, key, expiresAt) => recordAuthentication.immediate(identityId, at, key, expiresAt),
    consumeChallenge: (id, userId, now) => consumeChallenge.immediate(id, userId, now),
    revokeUser: (userId, notBefore, expiresAt, now) => { revokeUser.immediate(userId, notBefore, expiresAt, now) },
    revokedBefore: (userId, now) => revokedBefore.get({ userId, now })?.not_before ?? null,
    useToken: (jti, expiresAt, now) => useToken.run({ jti, expiresAt, now }).changes === 1
  }
}

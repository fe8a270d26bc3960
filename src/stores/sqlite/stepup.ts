import type Database from 'better-sqlite3'
import { logged } from '../sql/plan.js'
import type { SharedQueries } from '../sql/queries.js'
import { flag, refusalOf, toChallenge, type ChallengeRow, type ChallengeStateRow } from '../sql/rows.js'
import type { Tables } from '../sql/names.js'
import type { AuthenticationResult, ConsumeResult, DeliveryStore, NewChallenge, StepUpStore } from '../types.js'
import type { Append, Params, Sync } from './log.js'

export type SqliteStepUp = { [K in keyof (StepUpStore & DeliveryStore)]: Sync<(StepUpStore & DeliveryStore)[K]> }

/**
 * De-duplication, challenges, authentications, revocations and single-use tokens. The
 * challenge rules (conflicts at creation, what an authentication closes and satisfies)
 * run in immediate transactions: one writer at a time across every process on the file.
 */
export function stepUpOperations (db: Database.Database, t: Tables, q: SharedQueries, append: Append): SqliteStepUp {
  const markEvent = db.prepare<Params>(q.markEvent)
  const hasEvent = db.prepare<Params, { one: number }>(q.hasEvent)
  const conflictOpen = db.prepare<Params>(q.conflictOpen)
  const insertChallenge = db.prepare<Params>(q.insertChallenge)
  const getChallenge = db.prepare<Params, ChallengeRow>(q.getChallenge)
  const cancelChallenge = db.prepare<Params>(q.cancelChallenge)
  const consume = db.prepare<Params, ChallengeRow>(q.consume)
  const challengeState = db.prepare<Params, ChallengeStateRow>(q.challengeState)
  const closedBy = db.prepare<Params, { id: string, conflicted: number }>(`SELECT id, conflicted FROM ${t.challenges} WHERE ${q.closedBy}`)
  const close = db.prepare<Params>(`UPDATE ${t.challenges} SET closed_at = $at WHERE ${q.closedBy}`)
  const satisfy = db.prepare<Params>(q.satisfy)
  const revoke = db.prepare<Params>(q.revoke)
  const revokedBefore = db.prepare<Params, { not_before: number }>(q.revokedBefore)
  const useToken = db.prepare<Params>(q.useToken)

  const createChallenge = db.transaction((c: NewChallenge): void => {
    const conflicted = conflictOpen.run({ userId: c.userId, now: c.createdAt }).changes > 0
    insertChallenge.run({ ...c, conflicted: conflicted ? 1 : 0 })
  })

  const recordAuthentication = db.transaction((identityId: string, at: number, key: string, expiresAt: number): AuthenticationResult => {
    if (markEvent.run({ key, expiresAt, now: at }).changes !== 1) return 'duplicate'
    const open = closedBy.all({ identityId, at })
    const only = open.length === 1 ? open[0] : undefined
    if (only !== undefined && !flag(only.conflicted)) {
      satisfy.run({ id: only.id, at })
      return 'satisfied'
    }
    if (open.length > 0) close.run({ identityId, at })
    return 'unmatched'
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
    cancelChallenge: (id, userId, now) => cancelChallenge.run({ id, userId, now }).changes === 1,
    recordAuthentication: (identityId, at, key, expiresAt) => recordAuthentication.immediate(identityId, at, key, expiresAt),
    consumeChallenge: (id, userId, now) => consumeChallenge.immediate(id, userId, now),
    revokeUser: (userId, notBefore, expiresAt, now) => { revokeUser.immediate(userId, notBefore, expiresAt, now) },
    revokedBefore: (userId, now) => revokedBefore.get({ userId, now })?.not_before ?? null,
    useToken: (jti, expiresAt, now) => useToken.run({ jti, expiresAt, now }).changes === 1
  }
}

import { logged } from '../sql/plan.js'
import { num, refusalOf, toChallenge, type ChallengeRow, type ChallengeStateRow } from '../sql/rows.js'
import type { AuthenticationResult, ConsumeResult, DeliveryStore, StepUpStore } from '../types.js'
import type { SqlClient } from './client.js'
import { appendChanges } from './log.js'
import type { PostgresStatements } from './sql.js'

/** De-duplication, challenges, authentications, revocations and single-use tokens. */
export function stepUpOperations (db: SqlClient, s: PostgresStatements, channel: string): DeliveryStore & StepUpStore {
  const state = async (id: string): Promise<ChallengeStateRow | undefined> => (await db.run.rows<ChallengeStateRow>(s.challengeState, { id }))[0]

  async function consumeChallenge (id: string, userId: string, now: number): Promise<ConsumeResult> {
    // the common refusal (not yet satisfied: the page polls) costs one read and no transaction
    const refusal = refusalOf(await state(id), userId, now)
    if (refusal !== null) return { ok: false, reason: refusal }
    const consumed = await db.transaction(async (r) => {
      const [row] = await r.rows<ChallengeRow>(s.consume, { id, userId, now })
      if (row !== undefined) await appendChanges(r, s, channel, [logged(userId, { at: now, type: 'step_up', identityId: row.identity_id })])
      return row
    })
    if (consumed !== undefined) return { ok: true, challenge: toChallenge(consumed) }
    // the conditional UPDATE decided (a concurrent call won); the state only says why
    return { ok: false, reason: refusalOf(await state(id), userId, now) ?? 'used' }
  }

  return {
    hasEvent: async (key, now) => (await db.run.rows(s.hasEvent, { key, now })).length > 0,
    markEvent: async (key, expiresAt, now) => (await db.run.rows(s.markEvent, { key, expiresAt, now })).length === 1,

    // the unique index on pending challenges makes a concurrent creation for the same
    // user fail; the transaction is then run again and ends the other one
    createChallenge: async (challenge) => {
      await db.transaction(async (r) => {
        await r.rows(s.endChallenges, { userId: challenge.userId })
        await r.rows(s.insertChallenge, challenge)
      })
    },
    getChallenge: async (id) => {
      const [row] = await db.run.rows<ChallengeRow>(s.getChallenge, { id })
      return row === undefined ? null : toChallenge(row)
    },
    recordAuthentication: async (identityId, at, key, expiresAt): Promise<AuthenticationResult> => {
      const [row] = await db.run.rows<{ marked: number | string, satisfied: number | string }>(s.recordAuthentication, { identityId, at, key, expiresAt, now: at })
      if (row === undefined || num(row.marked) === 0) return 'duplicate'
      return num(row.satisfied) === 1 ? 'satisfied' : 'unmatched'
    },
    consumeChallenge,

    revokeUser: async (userId, notBefore, expiresAt, now) => {
      await db.transaction(async (r) => {
        await r.rows(s.revoke, { userId, notBefore, expiresAt })
        await appendChanges(r, s, channel, [logged(userId, { at: now, type: 'revoked' })])
      })
    },
    revokedBefore: async (userId, now) => {
      const [row] = await db.run.rows<{ not_before: number | string }>(s.revokedBefore, { userId, now })
      return row === undefined ? null : num(row.not_before)
    },
    useToken: async (jti, expiresAt, now) => (await db.run.rows(s.useToken, { jti, expiresAt, now })).length === 1
  }
}

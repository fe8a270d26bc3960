import { logged } from '../sql/plan.js'
import { flag, num, refusalOf, toChallenge, type ChallengeRow, type ChallengeStateRow } from '../sql/rows.js'
import type { AuthenticationResult, ConsumeResult, DeliveryStore, NewChallenge, StepUpStore } from '../types.js'
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

  /** Under the user's lock: conflict the user's open challenges, if any, and the new one with them. */
  async function createChallenge (challenge: NewChallenge): Promise<void> {
    await db.transaction(async (r) => {
      await r.rows(s.lockUser, { userId: challenge.userId })
      const conflicted = (await r.rows(s.conflictOpen, { userId: challenge.userId, now: challenge.createdAt })).length > 0
      await r.rows(s.insertChallenge, { ...challenge, conflicted })
    })
  }

  /** The key recorded, then under the user's lock: satisfy the only open challenge, or close them all. */
  async function recordAuthentication (identityId: string, at: number, key: string, expiresAt: number): Promise<AuthenticationResult> {
    return await db.transaction(async (r): Promise<AuthenticationResult> => {
      if ((await r.rows(s.markEvent, { key, expiresAt, now: at })).length !== 1) return 'duplicate'
      await r.rows(s.lockUsersOf, { identityId })
      const open = await r.rows<{ id: string, conflicted: boolean }>(s.closedBy, { identityId, at })
      const only = open.length === 1 ? open[0] : undefined
      if (only !== undefined && !flag(only.conflicted)) {
        await r.rows(s.satisfy, { id: only.id, at })
        return 'satisfied'
      }
      if (open.length > 0) await r.rows(s.close, { identityId, at })
      return 'unmatched'
    })
  }

  return {
    hasEvent: async (key, now) => (await db.run.rows(s.hasEvent, { key, now })).length > 0,
    markEvent: async (key, expiresAt, now) => (await db.run.rows(s.markEvent, { key, expiresAt, now })).length === 1,
    createChallenge,
    getChallenge: async (id) => {
      const [row] = await db.run.rows<ChallengeRow>(s.getChallenge, { id })
      return row === undefined ? null : toChallenge(row)
    },
    cancelChallenge: async (id, userId) => (await db.run.rows(s.cancelChallenge, { id, userId })).length === 1,
    recordAuthentication,
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

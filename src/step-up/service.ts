import { randomBytes } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { Clock } from '../clock.js'
import type { StepUpStore, VerificationRecord } from '../stores/types.js'
import type { RevocationCache } from './revocations.js'
import type { StepUpClaims, StepUpTokens } from './tokens.js'

export interface StepUpDeps {
  store: StepUpStore
  tokens: StepUpTokens
  revocations: RevocationCache
  clock: Clock
  log: FastifyBaseLogger
  /** seconds: the token's and cookie's lifetime (`reauth.maxAge`) */
  maxAge: number
  /** seconds a challenge stays usable (`reauth.challengeTtl`) */
  challengeTtl: number
}

export interface StartedChallenge { challengeId: string, expiresAt: number, action: string | null }

export type CompleteOutcome =
  | { kind: 'gone' }
  | { kind: 'forbidden' }
  | { kind: 'conflict' }
  | { kind: 'pending' }
  | { kind: 'granted', token: string, claims: StepUpClaims, action: string | null }

/**
 * The step-up use cases. The provider's authentication names the identity, not the
 * challenge, so the store applies the challenge rule: a start while another challenge of
 * the user is open makes all of them conflicted (they never complete: 410 conflict); an
 * authentication (recorded by the webhook path) closes every open challenge of the user
 * created before it and satisfies one only when it was the only one and not conflicted.
 * The owner may cancel an open challenge that is not conflicted (an abandoned dialog).
 * Completing a satisfied challenge consumes it and issues a token bound to the user, the
 * identity, the authentication time and, for a bound challenge, the action. Ending the
 * step-up revokes every token of the user issued until now, on every instance.
 */
export function createStepUpService (deps: StepUpDeps) {
  const { store, tokens, revocations, clock, log } = deps

  async function start (record: VerificationRecord, action: string | null): Promise<StartedChallenge> {
    const now = clock.now()
    const challenge = {
      id: randomBytes(24).toString('base64url'),
      userId: record.userId,
      identityId: record.identityId,
      createdAt: now,
      expiresAt: now + deps.challengeTtl * 1000,
      action
    }
    await store.createChallenge(challenge)
    return { challengeId: challenge.id, expiresAt: challenge.expiresAt, action }
  }

  /**
   * `approved` gives the user's approved record (it throws the refusal when there is
   * none): checked after the challenge is known to be this user's.
   */
  async function complete (userId: string, challengeId: string, approved: () => Promise<VerificationRecord>): Promise<CompleteOutcome> {
    const challenge = await store.getChallenge(challengeId)
    if (challenge === null || challenge.expiresAt <= clock.now()) return { kind: 'gone' }
    if (challenge.userId !== userId) return { kind: 'forbidden' }
    if (challenge.conflicted) return conflict()
    if (challenge.closedAt !== null) return { kind: 'gone' }
    const record = await approved()
    if (record.identityId !== challenge.identityId) return { kind: 'gone' }
    if (challenge.authenticatedAt === null) return { kind: 'pending' }
    const now = clock.now()
    const consumed = await store.consumeChallenge(challenge.id, userId, now)
    if (!consumed.ok) {
      if (consumed.reason === 'forbidden') return { kind: 'forbidden' }
      if (consumed.reason === 'conflicted') return conflict()
      return consumed.reason === 'pending' ? { kind: 'pending' } : { kind: 'gone' }
    }
    const { token, claims } = tokens.issue({
      userId,
      identityId: challenge.identityId,
      authTimeMs: consumed.challenge.authenticatedAt ?? now,
      nowMs: now,
      maxAgeSeconds: deps.maxAge,
      action: challenge.action
    })
    log.info({ bound: challenge.action !== null }, 'passbase: step-up granted')
    return { kind: 'granted', token, claims, action: challenge.action }
  }

  function conflict (): CompleteOutcome {
    log.warn('passbase: step-up refused: another step-up was started for this account while it was open')
    return { kind: 'conflict' }
  }

  /** Cancel the user's own open challenge (it reveals nothing: the caller answers the same either way). */
  async function cancel (userId: string, challengeId: string): Promise<void> {
    if (await store.cancelChallenge(challengeId, userId, clock.now())) log.info('passbase: step-up cancelled')
  }

  /** End every step-up window of the user: every token issued until now, on every instance. */
  async function end (userId: string): Promise<void> {
    const now = clock.now()
    // a token issued now expires at the latest maxAge from now: the revocation may go then
    await store.revokeUser(userId, now, now + deps.maxAge * 1000 + 1000, now)
    revocations.revoke(userId, now, now)
    log.info('passbase: step-up windows ended')
  }

  return { start, complete, cancel, end }
}

export type StepUpService = ReturnType<typeof createStepUpService>

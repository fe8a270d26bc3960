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
  | { kind: 'pending' }
  | { kind: 'granted', token: string, claims: StepUpClaims, action: string | null }

/**
 * The step-up use cases. A user has one pending challenge at a time (a new start ends
 * the earlier ones); a challenge is satisfied by the first successful biometric
 * authentication received after it was created (the webhook path records it); completing
 * it consumes it and issues a token bound to the user, the identity, the authentication
 * time and, for a bound challenge, the action. Ending the step-up revokes every token
 * of the user issued until now, on every instance.
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
    const record = await approved()
    if (record.identityId !== challenge.identityId) return { kind: 'gone' }
    if (challenge.authenticatedAt === null) return { kind: 'pending' }
    const now = clock.now()
    const consumed = await store.consumeChallenge(challenge.id, userId, now)
    if (!consumed.ok) {
      if (consumed.reason === 'forbidden') return { kind: 'forbidden' }
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

  /** End every step-up window of the user: every token issued until now, on every instance. */
  async function end (userId: string): Promise<void> {
    const now = clock.now()
    // a token issued now expires at the latest maxAge from now: the revocation may go then
    await store.revokeUser(userId, now, now + deps.maxAge * 1000 + 1000, now)
    revocations.revoke(userId, now, now)
    log.info('passbase: step-up windows ended')
  }

  return { start, complete, end }
}

export type StepUpService = ReturnType<typeof createStepUpService>

import type { ConsumeResult } from './types.js'

export type ConsumeRefusal = Extract<ConsumeResult, { ok: false }>['reason']

/** What decides whether a step-up challenge can be consumed. */
export interface ChallengeState {
  userId: string
  used: boolean
  expiresAt: number
  authenticatedAt: number | null
  conflicted: boolean
  closedAt: number | null
}

/**
 * Why a challenge cannot be consumed by `userId` at `now`, in the contract's order
 * (missing, forbidden, conflicted, used or closed unsatisfied, expired, pending;
 * undefined state: unknown id), or null when it can be. Every store refuses through
 * this one order.
 */
export function refusalOf (state: ChallengeState | undefined, userId: string, now: number): ConsumeRefusal | null {
  if (state === undefined) return 'missing'
  if (state.userId !== userId) return 'forbidden'
  if (state.conflicted) return 'conflicted'
  if (state.used || state.closedAt !== null) return 'used'
  if (state.expiresAt <= now) return 'expired'
  if (state.authenticatedAt === null) return 'pending'
  return null
}

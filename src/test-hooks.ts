import type { IdentityStatus, VerificationRecord } from './stores/types.js'

/**
 * What `fastify-passbase/testing` reaches inside a registered plugin to put a user into a
 * status or mint a step-up proof for host-app tests. Not part of the public API: the
 * testing module is its only caller. A global symbol, so that every build (ESM, CJS,
 * chunks) finds it.
 */
export const kTestHooks = Symbol.for('fastify-passbase.test-hooks')

export interface ForceStatusOptions {
  identityId?: string
  score?: number | null
  reason?: string | null
  /** epoch ms when an approval stops counting */
  expiresAt?: number | null
}

export interface StepUpProofOptions {
  /** for a route guarded by `requireReauth({ action })`: its details and route (e.g. 'POST /payout') */
  action?: { details: Record<string, string | number>, route: string }
  /** when the biometric authentication happened (epoch ms); default now */
  authTime?: number
}

export interface TestHooks {
  forceStatus: (userId: string, status: IdentityStatus | 'none', options?: ForceStatusOptions) => Promise<VerificationRecord | null>
  /** a `Cookie` header value carrying a step-up proof for the user's approved identity */
  stepUpCookie: (userId: string, options?: StepUpProofOptions) => Promise<string>
}

import { randomUUID } from 'node:crypto'
import type { Clock } from './clock.js'
import type { StepUpWiring } from './step-up/wire.js'
import { actionIdOf } from './step-up/action.js'
import type { IdentityStatus, PassbaseStore } from './stores/types.js'
import type { TestHooks } from './test-hooks.js'
import type { VerificationService } from './verification/service.js'
import { effectiveStatus } from './verification/status.js'

/** The hooks behind `fastify-passbase/testing`'s `setStatus` and `stepUpCookie`. */
export function createTestHooks (deps: {
  store: PassbaseStore
  clock: Clock
  verification: VerificationService
  stepUp: StepUpWiring | undefined
  invalidateUser: (userId: string) => void
  changed: () => void
}): TestHooks {
  const { store, clock, verification, stepUp } = deps

  async function update (identityId: string, userId: string, status: IdentityStatus, fields: { score: number | null, reason: string | null, expiresAt: number | null }, providerUpdated: number): Promise<void> {
    const now = clock.now()
    const result = await store.applyUpdate(identityId, { status, ...fields, providerUpdated }, now)
    deps.invalidateUser(userId)
    if (result.applied && result.previous?.status !== result.record?.status) deps.changed()
  }

  return {
    async forceStatus (userId, status, options = {}) {
      if (status === 'none') {
        await verification.forget(userId)
        return null
      }
      const now = clock.now()
      const identityId = (options.identityId ?? (await store.getByUser(userId, now))?.identityId ?? randomUUID()).toLowerCase()
      let linked = await store.link(userId, identityId, now)
      if (!linked.ok && linked.reason === 'already_verified') {
        // another identity of the user is approved: decline it, then link this one
        const current = await store.getByUser(userId, now)
        if (current !== null) await update(current.identityId, userId, 'declined', { score: current.score, reason: 'replaced_in_test', expiresAt: null }, current.providerUpdated + 1)
        linked = await store.link(userId, identityId, now)
      }
      if (!linked.ok) throw new Error(`setStatus: cannot link ${identityId} to ${userId} (${linked.reason})`)
      const record = linked.record
      await update(identityId, userId, status, {
        score: options.score !== undefined ? options.score : status === 'approved' ? 0.95 : record.score,
        reason: options.reason ?? (status === 'expired' ? 'expired' : null),
        expiresAt: status === 'approved' ? options.expiresAt ?? null : null
      }, Math.max(record.providerUpdated + 1, Math.floor(now / 1000)))
      return await store.getByIdentity(identityId)
    },

    async stepUpCookie (userId, options = {}) {
      if (stepUp === undefined) throw new Error('stepUpCookie: the plugin has no reauth option')
      const now = clock.now()
      const record = await store.getByUser(userId, now)
      if (record === null || effectiveStatus(record, now) !== 'approved') throw new Error(`stepUpCookie: ${userId} is not approved (set the status first)`)
      const action = options.action === undefined ? null : actionIdOf(options.action.details, userId, options.action.route)
      const { token } = stepUp.tokens.issue({
        userId, identityId: record.identityId, authTimeMs: options.authTime ?? now, nowMs: now, maxAgeSeconds: stepUp.reauth.maxAge, action
      })
      return `${action === null ? stepUp.reauth.cookieName : stepUp.reauth.actionCookieName}=${token}`
    }
  }
}

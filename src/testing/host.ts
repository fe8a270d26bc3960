import type { FastifyInstance } from 'fastify'
import type { Clock } from '../clock.js'
import '../decorator.js'
import type { Sandbox } from '../sandbox/index.js'
import type { IdentityStatus, VerificationRecord } from '../stores/types.js'
import { kTestHooks, type ForceStatusOptions, type StepUpProofOptions, type TestHooks } from '../test-hooks.js'

/**
 * Helpers for testing a host app's own guarded routes: put a user into any status and get
 * a step-up cookie in a line, the guards seeing it at once (no cache delay, no sleeping),
 * without a provider at all or through the sandbox.
 */

/** A clock for the plugin's (and the sandbox's) `clock` option that tests move by hand. */
export interface TestClock extends Clock {
  set: (ms: number) => void
  advance: (ms: number) => void
}

export function createTestClock (start: number | Date = Date.now()): TestClock {
  let at = start instanceof Date ? start.getTime() : start
  return {
    now: () => at,
    set: (ms) => { at = ms },
    advance: (ms) => { at += ms }
  }
}

function hooksOf (app: FastifyInstance): TestHooks {
  const hooks = (app.passbase as unknown as Record<symbol, TestHooks | undefined> | undefined)?.[kTestHooks]
  if (hooks === undefined) throw new Error('fastify-passbase/testing: register fastify-passbase on this app (and await app.ready()) first')
  return hooks
}

/**
 * Put `userId` into `status` in the plugin's store, directly (no provider involved); the
 * guards see it at once. 'none' erases the user's links. The user keeps the identity they
 * have (or gets a random one, or `options.identityId`). Returns the stored record.
 */
export async function setStatus (app: FastifyInstance, userId: string, status: IdentityStatus | 'none', options?: ForceStatusOptions): Promise<VerificationRecord | null> {
  return await hooksOf(app).forceStatus(userId, status, options)
}

/**
 * A `Cookie` header value with a step-up proof for `userId` (who must be approved), as
 * `POST {prefix}/reauth/complete` would set it. With `action`, the proof for one request
 * of a route guarded by `requireReauth({ action })`: `{ details, route: 'POST /payout' }`.
 * Call it after `app.ready()`.
 */
export async function stepUpCookie (app: FastifyInstance, userId: string, options?: StepUpProofOptions): Promise<string> {
  return await hooksOf(app).stepUpCookie(userId, options)
}

export interface AsUser {
  /** the headers that authenticate the user to the host app (a session cookie, a bearer token, …) */
  headers: Record<string, string>
}

async function post (app: FastifyInstance, url: string, as: AsUser, payload: Record<string, unknown>): Promise<{ statusCode: number, body: Record<string, unknown>, headers: Record<string, unknown> }> {
  const res = await app.inject({ method: 'POST', url: `${app.passbase.prefix}${url}`, headers: { ...as.headers, 'content-type': 'application/json' }, payload })
  return { statusCode: res.statusCode, body: res.json(), headers: res.headers }
}

/**
 * Through the sandbox, the real way: a new identity at the provider, linked by the user
 * (`POST {prefix}/verifications`), then reviewed; resolves once the webhooks were handled.
 * Needs `sandbox.webhookUrl` pointing at the app (listening). Returns the identity id.
 */
export async function verifyWithSandbox (app: FastifyInstance, sandbox: Sandbox, as: AsUser, result: { status?: 'approved' | 'declined' | 'pending', score?: number, metadata?: Record<string, unknown> } = {}): Promise<string> {
  const identity = await sandbox.createIdentity({ status: 'processing', ...(result.metadata === undefined ? {} : { metadata: result.metadata }) })
  const linked = await post(app, '/verifications', as, { identityAccessKey: identity.id })
  if (linked.statusCode !== 201 && linked.statusCode !== 200) throw new Error(`verifyWithSandbox: link answered ${linked.statusCode} ${JSON.stringify(linked.body)}`)
  await sandbox.review(identity.id, { status: result.status ?? 'approved', ...(result.score === undefined ? {} : { score: result.score }) })
  return identity.id
}

/**
 * Through the sandbox, the real way: start a step-up (bound to `actionId` when given),
 * the sandbox delivers the biometric login, complete it. Returns the `Cookie` header value.
 */
export async function stepUpWithSandbox (app: FastifyInstance, sandbox: Sandbox, as: AsUser, identityId: string, options: { actionId?: string } = {}): Promise<string> {
  const started = await post(app, '/reauth/start', as, options.actionId === undefined ? {} : { action: options.actionId })
  if (started.statusCode !== 200) throw new Error(`stepUpWithSandbox: start answered ${started.statusCode} ${JSON.stringify(started.body)}`)
  // an authentication counts only when received after the challenge: let the plugin's clock move on
  const clock = app.passbase.clock as Partial<TestClock> & Clock
  const startedAt = clock.now()
  while (clock.now() <= startedAt) {
    if (typeof clock.advance === 'function') clock.advance(1)
    else await new Promise((resolve) => setTimeout(resolve, 1))
  }
  await sandbox.authenticate(identityId)
  const res = await post(app, '/reauth/complete', as, { challengeId: started.body.challengeId })
  if (res.statusCode !== 200) throw new Error(`stepUpWithSandbox: complete answered ${res.statusCode} ${JSON.stringify(res.body)}`)
  const setCookie = ([] as string[]).concat((res.headers['set-cookie'] as string | string[] | undefined) ?? [])
  return setCookie[0]!.split(';')[0]!
}

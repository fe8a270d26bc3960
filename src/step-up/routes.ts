import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Clock } from '../clock.js'
import { ChallengeForbiddenError, ChallengeGoneError, StepUpConflictError } from '../errors.js'
import {
  because, described, INTERNAL_FAILURE, JSON_BODY_REFUSALS, refusals, STORE_FAILURE, UNAUTHENTICATED, VERIFIED_REFUSALS
} from '../http/openapi.js'
import { requireJson } from '../http/json-only.js'
import { json, routeSchema } from '../http/schemas.js'
import { currentUser } from '../http/user.js'
import type { GetUserId } from '../options/types.js'
import type { VerificationRecord } from '../stores/types.js'
import { serializeCookie, type CookieAttributes } from './cookie.js'
import type { StepUpService } from './service.js'
import { registerSigners } from './signer.js'
import type { StepUpTokens } from './tokens.js'

export interface StepUpRoutesOptions {
  service: StepUpService
  tokens: StepUpTokens
  secrets: readonly string[]
  getUserId: GetUserId
  /** the user's approved record, or it throws the refusal (401/403 with the status) */
  approvedRecord: (userId: string) => Promise<VerificationRecord>
  clock: Clock
  cookieName: string
  actionCookieName: string
  cookie: CookieAttributes
}

const iso = (ms: number): string => new Date(ms).toISOString()

const SET_COOKIE = { 'set-cookie': { type: 'string' as const, description: 'the step-up cookies (HttpOnly, SameSite=Strict, Secure by default)' } }

/**
 * The step-up routes, in an encapsulated context that also holds the plugin's own
 * `@fastify/jwt` namespaces (the JSON-only body parser comes from the parent). Thin: each maps the service's
 * result to an answer or an error.
 */
export async function stepUpRoutes (fastify: FastifyInstance, opts: StepUpRoutesOptions): Promise<void> {
  const { service, getUserId, approvedRecord, clock } = opts
  await registerSigners(fastify, opts.secrets, opts.tokens)
  const cleared = [opts.cookieName, opts.actionCookieName].map((name) => serializeCookie(name, '', 0, opts.cookie))

  fastify.post<{ Body: { action?: string } }>('/reauth/start', {
    onRequest: requireJson,
    schema: routeSchema('Start a step-up re-authentication (optionally bound to an action)', {
      body: json.startBody,
      response: {
        200: described('The challenge (the user\'s earlier one is gone)', json.challenge),
        ...refusals([...JSON_BODY_REFUSALS, ...VERIFIED_REFUSALS])
      }
    })
  }, async function start (request, reply) {
    const record = await approvedRecord(await currentUser(getUserId, request))
    const started = await service.start(record, request.body?.action ?? null)
    const body: { challengeId: string, expiresAt: string, action?: string } = { challengeId: started.challengeId, expiresAt: iso(started.expiresAt) }
    if (started.action !== null) body.action = started.action
    return reply.header('cache-control', 'no-store').send(body)
  })

  fastify.post<{ Body: { challengeId: string } }>('/reauth/complete', {
    onRequest: requireJson,
    schema: routeSchema('Complete a step-up re-authentication (sets the step-up cookie)', {
      body: json.completeBody,
      response: {
        200: described('Confirmed: the step-up proof is set as an HttpOnly cookie', json.complete, SET_COOKIE),
        202: described('No biometric authentication arrived yet: `{ pending: true }`, ask again', json.complete),
        ...refusals([
          ...JSON_BODY_REFUSALS,
          ...VERIFIED_REFUSALS,
          because(new ChallengeForbiddenError(), 'the challenge belongs to another user'),
          because(new ChallengeGoneError(), 'the challenge expired, was used or was cancelled'),
          because(new StepUpConflictError(), 'another step-up was started for the account while this one was open')
        ])
      }
    })
  }, async function complete (request, reply) {
    const userId = await currentUser(getUserId, request)
    const outcome = await service.complete(userId, request.body.challengeId, async () => await approvedRecord(userId))
    if (outcome.kind === 'gone') throw new ChallengeGoneError()
    if (outcome.kind === 'forbidden') throw new ChallengeForbiddenError()
    if (outcome.kind === 'conflict') throw new StepUpConflictError()
    if (outcome.kind === 'pending') return reply.code(202).header('cache-control', 'no-store').send({ pending: true })
    const { claims } = outcome
    const name = outcome.action === null ? opts.cookieName : opts.actionCookieName
    const maxAge = claims.exp - Math.floor(clock.now() / 1000)
    const body: { authTime: string, expiresAt: string, action?: string } = { authTime: iso(claims.auth_time * 1000), expiresAt: iso(claims.exp * 1000) }
    if (outcome.action !== null) body.action = outcome.action
    return reply.header('set-cookie', serializeCookie(name, outcome.token, maxAge, opts.cookie))
      .header('cache-control', 'no-store')
      .send(body)
  })

  fastify.post<{ Body: { challengeId: string } }>('/reauth/cancel', {
    onRequest: requireJson,
    schema: routeSchema('Cancel the user\'s own open step-up challenge (204 whether or not there was one)', {
      body: json.completeBody,
      response: {
        204: described('Cancelled, or nothing to cancel (another user\'s, a conflicted or an unknown challenge is left as it is)', { type: 'null' }),
        ...refusals([...JSON_BODY_REFUSALS, UNAUTHENTICATED, INTERNAL_FAILURE, STORE_FAILURE])
      }
    })
  }, async function cancel (request, reply) {
    await service.cancel(await currentUser(getUserId, request), request.body.challengeId)
    return reply.code(204).header('cache-control', 'no-store').send()
  })

  fastify.delete('/reauth', {
    schema: routeSchema('End every step-up window of the user (revokes their tokens, clears the cookies)', {
      response: {
        204: described('Ended (also for an anonymous request: the cookies are cleared)', { type: 'null' }, SET_COOKIE),
        ...refusals([INTERNAL_FAILURE, STORE_FAILURE])
      }
    })
  }, async function end (request, reply: FastifyReply) {
    const userId = await getUserId(request)
    if (typeof userId === 'string' && userId !== '') await service.end(userId)
    for (const c of cleared) reply.header('set-cookie', c)
    return reply.code(204).send()
  })
}

import fastifyCookie from '@fastify/cookie'
import fastifyJwt from '@fastify/jwt'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { randomBytes } from 'node:crypto'
import { currentUser, type PassbaseContext } from '../context.js'
import { ChallengeForbiddenError, ChallengeGoneError } from '../errors.js'
import type { createVerifiedCheck } from '../guards/require-verified.js'
import type { RevocationCache } from '../guards/revocations.js'
import type { ResolvedOptions } from '../options.js'
import { readCookie } from '../reauth/cookie.js'
import type { JwtLike, StepUpTokens } from '../reauth/token.js'
import { json, routeSchema } from './schemas.js'

export interface ReauthRouteOptions {
  ctx: PassbaseContext
  reauth: NonNullable<ResolvedOptions['reauth']>
  check: ReturnType<typeof createVerifiedCheck>
  tokens: StepUpTokens
  revocations: RevocationCache
}

/** Name under which @fastify/jwt is registered in the plugin's private context. */
const JWT_NAMESPACE = 'passbaseReauth'

/**
 * The step-up routes, in an encapsulated context that also holds the plugin's own
 * `@fastify/jwt` (namespaced, so a host's @fastify/jwt, registered before or after,
 * keeps working) and `@fastify/cookie` when the host has not registered it.
 */
export async function reauthRoutes (fastify: FastifyInstance, opts: ReauthRouteOptions): Promise<void> {
  const { ctx, reauth, check, tokens, revocations } = opts
  const store = ctx.store

  await fastify.register(fastifyJwt, {
    secret: reauth.secret,
    namespace: JWT_NAMESPACE,
    decoratorName: 'passbaseReauthClaims',
    jwtDecode: 'passbaseReauthJwtDecode',
    jwtVerify: 'passbaseReauthJwtVerify',
    jwtSign: 'passbaseReauthJwtSign',
    sign: { algorithm: 'HS256' },
    verify: { algorithms: ['HS256'] }
  })
  tokens.jwt = (fastify.jwt as unknown as Record<string, JwtLike>)[JWT_NAMESPACE]!
  if (!fastify.hasReplyDecorator('setCookie')) await fastify.register(fastifyCookie)

  const cookieOptions = {
    httpOnly: true,
    secure: reauth.cookie.secure,
    sameSite: reauth.cookie.sameSite,
    path: reauth.cookie.path,
    ...(reauth.cookie.domain !== undefined ? { domain: reauth.cookie.domain } : {})
  } as const

  fastify.post('/reauth/start', {
    schema: routeSchema('Start a step-up re-authentication', { response: { 200: json.challenge, '4xx': json.error } })
  }, async function start (request, reply) {
    const record = await check(request, reply)
    if (record === null) return reply
    const now = Date.now()
    const challenge = {
      id: randomBytes(24).toString('base64url'),
      userId: record.userId,
      identityId: record.identityId,
      createdAt: now,
      expiresAt: now + reauth.challengeTtl * 1000
    }
    await store.createChallenge(challenge)
    return reply.header('cache-control', 'no-store')
      .send({ challengeId: challenge.id, expiresAt: new Date(challenge.expiresAt).toISOString() })
  })

  fastify.post<{ Body: { challengeId: string } }>('/reauth/complete', {
    schema: routeSchema('Complete a step-up re-authentication (sets the step-up cookie)', { body: json.completeBody,
      response: { 200: json.complete, 202: json.complete, '4xx': json.error }
    })
  }, async function complete (request, reply) {
    const userId = await currentUser(ctx, request)
    const now = Date.now()
    const challenge = await store.getChallenge(request.body.challengeId)
    if (challenge === null || challenge.expiresAt <= now) throw new ChallengeGoneError()
    if (challenge.userId !== userId) throw new ChallengeForbiddenError()
    const record = await check(request, reply)
    if (record === null) return reply
    if (record.identityId !== challenge.identityId) throw new ChallengeGoneError()
    const authTime = await store.lastAuthentication(challenge.identityId)
    if (authTime === null || authTime <= challenge.createdAt) return reply.code(202).send({ pending: true })
    const consumed = await store.consumeChallenge(challenge.id, userId, now)
    if (!consumed.ok) throw consumed.reason === 'forbidden' ? new ChallengeForbiddenError() : new ChallengeGoneError()
    const { token, claims } = tokens.issue(userId, challenge.identityId, authTime)
    const maxAge = claims.exp - Math.floor(now / 1000)
    request.log.info({ userId, identityId: challenge.identityId }, 'passbase: step-up granted')
    return reply.setCookie(reauth.cookieName, token, { ...cookieOptions, maxAge })
      .header('cache-control', 'no-store')
      .send({ authTime: new Date(claims.auth_time * 1000).toISOString(), expiresAt: new Date(claims.exp * 1000).toISOString() })
  })

  fastify.delete('/reauth', {
    schema: routeSchema('End the step-up window (revokes the token, clears the cookie)', { response: { 204: { type: 'null' } } })
  }, async function end (request, reply: FastifyReply) {
    const token = readCookie(request, reauth.cookieName)
    const claims = token === undefined ? null : tokens.verify(token, Date.now())
    if (claims !== null && token !== undefined) {
      await store.revokeToken(claims.jti, claims.exp * 1000)
      revocations.remember(claims.jti, claims.exp * 1000)
      tokens.forget(token)
      request.log.info({ userId: claims.sub }, 'passbase: step-up token revoked')
    }
    return reply.clearCookie(reauth.cookieName, cookieOptions).code(204).send()
  })
}

import type { FastifyInstance } from 'fastify'
import type { Clock } from '../clock.js'
import {
  AlreadyVerifiedError, IdentityTakenError, MetadataMismatchError, TooManyAttemptsError, UnknownIdentityError
} from '../errors.js'
import { requireJson } from '../http/json-only.js'
import { because, described, INTERNAL_FAILURE, JSON_BODY_REFUSALS, PROVIDER_FAILURES, refusals, STORE_FAILURE, UNAUTHENTICATED } from '../http/openapi.js'
import { json, routeSchema } from '../http/schemas.js'
import { currentUser } from '../http/user.js'
import type { GetUserId } from '../options/types.js'
import type { PassbaseStore } from '../stores/types.js'
import type { LinkOutcome, VerificationService } from './service.js'
import { publicStatus } from './status.js'

export interface VerificationRoutesOptions {
  getUserId: GetUserId
  service: VerificationService
  store: PassbaseStore
  clock: Clock
}

function refusalOf (outcome: Exclude<LinkOutcome, { kind: 'linked' }>): Error {
  switch (outcome.kind) {
    case 'unknown_identity': return new UnknownIdentityError()
    case 'metadata_mismatch': return new MetadataMismatchError()
    case 'identity_taken': return new IdentityTakenError()
    case 'already_verified': return new AlreadyVerifiedError()
    case 'too_many_attempts': return new TooManyAttemptsError()
  }
}

/** `POST /verifications` (link the button's identityAccessKey to the current user) and `GET /status`. */
export async function verificationRoutes (fastify: FastifyInstance, opts: VerificationRoutesOptions): Promise<void> {
  const { getUserId, service, store, clock } = opts

  fastify.post<{ Body: { identityAccessKey: string } }>('/verifications', {
    onRequest: requireJson,
    schema: routeSchema('Link an identityAccessKey to the current user', {
      body: json.linkBody,
      response: {
        200: described('Already linked to this user: the status', json.status),
        201: described('Linked now: the status', json.status),
        ...refusals([
          ...JSON_BODY_REFUSALS,
          UNAUTHENTICATED,
          because(new MetadataMismatchError(), 'the identity\'s metadata names another user (nothing linked)'),
          because(new UnknownIdentityError(), 'the provider does not know this identityAccessKey (nothing linked)'),
          because(new IdentityTakenError()),
          because(new AlreadyVerifiedError()),
          because(new TooManyAttemptsError(), 'too many links of unknown identities; `Retry-After` says when to try again'),
          INTERNAL_FAILURE,
          STORE_FAILURE,
          ...PROVIDER_FAILURES
        ], { 429: { 'retry-after': { type: 'integer', description: 'seconds until a link may be tried again' } } })
      }
    })
  }, async function link (request, reply) {
    const userId = await currentUser(getUserId, request)
    const outcome = await service.link(userId, request.body.identityAccessKey)
    if (outcome.kind === 'too_many_attempts') reply.header('retry-after', String(Math.ceil(outcome.retryAfterMs / 1000)))
    if (outcome.kind !== 'linked') throw refusalOf(outcome)
    return reply.code(outcome.created ? 201 : 200).send(publicStatus(outcome.record, clock.now()))
  })

  fastify.get('/status', {
    schema: routeSchema('Verification status of the current user', {
      response: {
        200: described('The user\'s status (`none` when they linked no identity)', json.status),
        ...refusals([UNAUTHENTICATED, INTERNAL_FAILURE, STORE_FAILURE])
      }
    })
  }, async function status (request, reply) {
    const userId = await currentUser(getUserId, request)
    const now = clock.now()
    const record = await store.getByUser(userId, now)
    return reply.header('cache-control', 'no-store').send(publicStatus(record, now))
  })
}

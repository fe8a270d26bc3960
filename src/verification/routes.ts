import type { FastifyInstance } from 'fastify'
import type { Clock } from '../clock.js'
import {
  AlreadyVerifiedError, IdentityTakenError, MetadataMismatchError, TooManyAttemptsError, UnknownIdentityError
} from '../errors.js'
import { requireJson } from '../http/json-only.js'
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
      response: { 200: json.status, 201: json.status, '4xx': json.error }
    })
  }, async function link (request, reply) {
    const userId = await currentUser(getUserId, request)
    const outcome = await service.link(userId, request.body.identityAccessKey)
    if (outcome.kind === 'too_many_attempts') reply.header('retry-after', String(Math.ceil(outcome.retryAfterMs / 1000)))
    if (outcome.kind !== 'linked') throw refusalOf(outcome)
    return reply.code(outcome.created ? 201 : 200).send(publicStatus(outcome.record, clock.now()))
  })

  fastify.get('/status', {
    schema: routeSchema('Verification status of the current user', { response: { 200: json.status, '4xx': json.error } })
  }, async function status (request, reply) {
    const userId = await currentUser(getUserId, request)
    const now = clock.now()
    const record = await store.getByUser(userId, now)
    return reply.header('cache-control', 'no-store').send(publicStatus(record, now))
  })
}

import type { FastifyInstance } from 'fastify'
import type { Identity } from '../protocol/identity.js'
import { currentUser, type PassbaseContext } from '../context.js'
import { AlreadyVerifiedError, ApiNotFoundError, IdentityTakenError, UnknownIdentityError } from '../errors.js'
import { json, routeSchema, publicStatus } from './schemas.js'

/**
 * `POST /verifications { identityAccessKey }`: link the identity the button returned
 * to the current user. The API is asked first (404 when it does not know the key);
 * when it cannot be reached the link is kept as `created` and settled later by a
 * webhook or reconciliation.
 */
export async function verificationRoutes (fastify: FastifyInstance, ctx: PassbaseContext): Promise<void> {
  fastify.post<{ Body: { identityAccessKey: string } }>('/verifications', {
    schema: routeSchema('Link an identityAccessKey to the current user', { body: json.linkBody,
      response: { 200: json.status, 201: json.status, '4xx': json.error }
    })
  }, async function link (request, reply) {
    const userId = await currentUser(ctx, request)
    const identityId = request.body.identityAccessKey
    let identity: Identity | null = null
    try {
      identity = await ctx.client.getIdentity(identityId)
    } catch (err) {
      if (err instanceof ApiNotFoundError) throw new UnknownIdentityError()
      request.log.warn({ err, identityId }, 'passbase: API unreachable while linking; kept as created')
    }
    const linked = await ctx.store.link(userId, identityId, Date.now())
    if (!linked.ok) throw linked.reason === 'identity_taken' ? new IdentityTakenError() : new AlreadyVerifiedError()
    ctx.cache.invalidate(userId)
    let record = linked.record
    if (identity !== null) {
      const result = await ctx.sync.applyIdentity(identity, record)
      if (result.outcome !== 'unlinked') record = result.record
    }
    request.log.info({ identityId, userId, created: linked.created }, 'passbase: identity linked')
    return reply.code(linked.created ? 201 : 200).send(publicStatus(record))
  })
}

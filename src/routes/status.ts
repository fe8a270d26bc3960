import type { FastifyInstance } from 'fastify'
import { currentUser, type PassbaseContext } from '../context.js'
import { json, routeSchema, publicStatus } from './schemas.js'

/** `GET /status`: the current user's verification status (fresh from the store). */
export async function statusRoutes (fastify: FastifyInstance, ctx: PassbaseContext): Promise<void> {
  fastify.get('/status', {
    schema: routeSchema('Verification status of the current user', { response: { 200: json.status, '4xx': json.error } })
  }, async function status (request, reply) {
    const userId = await currentUser(ctx, request)
    const record = await ctx.store.getByUser(userId)
    return reply.header('cache-control', 'no-store').send(publicStatus(record))
  })
}

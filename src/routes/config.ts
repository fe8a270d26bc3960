import type { FastifyInstance } from 'fastify'
import { constants, privateEncrypt } from 'node:crypto'
import { currentUser, type PassbaseContext } from '../context.js'
import { json, routeSchema } from './schemas.js'

/**
 * `GET /config`: what the page needs to render the button: the publishable key and,
 * with `metadataPrivateKey`, the `metaData` that binds the identity to this user
 * (RSA PKCS#1 v1.5 `privateEncrypt` of `{"user_id": …}`, base64), and with `buttonScriptUrl`
 * where the page loads the provider's button script from.
 */
export async function configRoutes (fastify: FastifyInstance, ctx: PassbaseContext): Promise<void> {
  const { publishableApiKey, metadataPrivateKey, buttonScriptUrl } = ctx.options
  fastify.get('/config', {
    schema: routeSchema('Button configuration for the current user', { response: { 200: json.config, '4xx': json.error } })
  }, async function config (request, reply) {
    const userId = await currentUser(ctx, request)
    const body: { publishableApiKey: string | null, metaData?: string, buttonScriptUrl?: string } = { publishableApiKey: publishableApiKey ?? null }
    if (buttonScriptUrl !== undefined) body.buttonScriptUrl = buttonScriptUrl
    if (metadataPrivateKey !== undefined) {
      body.metaData = privateEncrypt({ key: metadataPrivateKey, padding: constants.RSA_PKCS1_PADDING },
        Buffer.from(JSON.stringify({ user_id: userId }))).toString('base64')
    }
    return reply.header('cache-control', 'no-store').send(body)
  })
}

import type { KeyObject } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { UserIdTooLongError } from '../errors.js'
import { because, described, INTERNAL_FAILURE, refusals, UNAUTHENTICATED } from '../http/openapi.js'
import { json, routeSchema } from '../http/schemas.js'
import { currentUser } from '../http/user.js'
import type { GetUserId } from '../options/types.js'
import { signMetadata } from '../protocol/metadata.js'

export interface ConfigRouteOptions {
  getUserId: GetUserId
  publishableApiKey: string | undefined
  metadataPrivateKey: KeyObject | undefined
  buttonScriptUrl: string | undefined
}

/**
 * `GET /config`: what the page needs to render the button: the publishable key, with
 * `metadataPrivateKey` the `metaData` that binds the identity to this user, and with
 * `buttonScriptUrl` where the page loads the provider's button script from.
 */
export async function configRoute (fastify: FastifyInstance, opts: ConfigRouteOptions): Promise<void> {
  const { getUserId, publishableApiKey, metadataPrivateKey, buttonScriptUrl } = opts
  fastify.get('/config', {
    schema: routeSchema('Button configuration for the current user', {
      response: {
        200: described('What the page needs to render the provider\'s button for this user', json.config),
        ...refusals([UNAUTHENTICATED, because(new UserIdTooLongError()), INTERNAL_FAILURE])
      }
    })
  }, async function config (request, reply) {
    const userId = await currentUser(getUserId, request)
    const body: { publishableApiKey: string | null, metaData?: string, buttonScriptUrl?: string } = { publishableApiKey: publishableApiKey ?? null }
    if (buttonScriptUrl !== undefined) body.buttonScriptUrl = buttonScriptUrl
    if (metadataPrivateKey !== undefined) body.metaData = signMetadata(metadataPrivateKey, userId)
    return reply.header('cache-control', 'no-store').send(body)
  })
}

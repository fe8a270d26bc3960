import type { FastifyInstance } from 'fastify'
import { apiKeyHook } from './api.js'
import type { IdentityRegistry } from './identities/registry.js'
import type { DeliveryRecord, WatchlistFlag } from './types.js'

/**
 * The sandbox's control API, under `/sandbox`: what a tester does to the provider that
 * Passbase's own API cannot (put an identity on the watchlist). It takes the secret API
 * key as `X-API-KEY`, like the provider API, and sends no CORS headers: only same-origin
 * pages (the identities page) and non-browser clients (the CLI) can use it.
 */

export const CONTROL_PREFIX = '/sandbox'

export interface ControlContext {
  secretApiKey: string
  identities: IdentityRegistry
  flagWatchlist: (id: string, flag: WatchlistFlag) => Promise<DeliveryRecord>
  clearWatchlist: (id: string) => Promise<DeliveryRecord>
}

interface IdParams { id: string }

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 128 } },
  required: ['id']
} as const

export function controlApi (context: ControlContext) {
  const { identities } = context

  return async function routes (app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', apiKeyHook(context.secretApiKey))

    app.setErrorHandler(async (err, request, reply) => {
      const status = (err as { statusCode?: number }).statusCode
      if (err instanceof TypeError || (status !== undefined && status >= 400 && status < 500)) {
        return reply.code(status ?? 400).send({ message: err instanceof Error ? err.message : String(err) })
      }
      request.log.error(err)
      return reply.code(500).send({ message: 'sandbox error' })
    })

    app.get('/identities', async () => ({ data: identities.all() }))

    app.post<{ Params: IdParams, Body: WatchlistFlag | undefined }>(
      '/identities/:id/watchlist',
      // the body is optional (no body: the default hit), so zod checks it, strictly, in flagWatchlist
      { schema: { params: idParams } },
      async (request, reply) => {
        if (identities.get(request.params.id) === undefined) return reply.code(404).send({ message: 'Identity not found' })
        const delivery = await context.flagWatchlist(request.params.id, request.body ?? {})
        return { identity: identities.get(request.params.id), delivery }
      })

    app.delete<{ Params: IdParams }>('/identities/:id/watchlist', { schema: { params: idParams } }, async (request, reply) => {
      if (identities.get(request.params.id) === undefined) return reply.code(404).send({ message: 'Identity not found' })
      const delivery = await context.clearWatchlist(request.params.id)
      return { identity: identities.get(request.params.id), delivery }
    })
  }
}

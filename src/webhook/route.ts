import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ApiNotFoundError, BadWebhookError, WebhookTooLargeError } from '../errors.js'
import { preparedError, sendPrepared } from '../reply.js'
import { errorHandler } from '../routes/errors.js'
import { decryptWebhook } from '../protocol/crypto.js'
import { parseWebhookEvent } from '../protocol/events.js'
import type { WebhookHandler } from './handler.js'

export const WEBHOOK_BODY_LIMIT = 64 * 1024

export interface WebhookRouteOptions {
  key: Buffer
  allowUnencrypted: boolean
  handle: WebhookHandler
}

const BAD = preparedError(new BadWebhookError())
const TOO_LARGE = preparedError(new WebhookTooLargeError())
const OK = JSON.stringify({ received: true })

/**
 * `POST /webhooks`, registered in its own encapsulated context: it parses every
 * content type as a raw string here only (the host's parsers are untouched), and
 * answers every bad body with the same 400, whatever went wrong.
 */
export async function webhookRoutes (fastify: FastifyInstance, opts: WebhookRouteOptions): Promise<void> {
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => {
    done(null, body)
  })

  fastify.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendPrepared(reply, TOO_LARGE)
    if (err.statusCode !== undefined && err.statusCode < 500) return sendPrepared(reply, BAD)
    // API or store failure: the routes' 503 (FST_PASSBASE_PROVIDER_/STORE_UNAVAILABLE), so the provider retries
    return errorHandler(err, request, reply)
  })

  fastify.post('/webhooks', {
    bodyLimit: WEBHOOK_BODY_LIMIT,
    schema: {
      hide: false,
      summary: 'Passbase webhook receiver (encrypted text/plain)',
      response: {
        200: { type: 'object', properties: { received: { type: 'boolean' } } }
      }
    }
  }, async function webhook (request: FastifyRequest, reply: FastifyReply) {
    const receivedAt = Date.now()
    const body = typeof request.body === 'string' ? request.body : ''
    const json = plaintextOf(request.headers['content-type'], body, opts)
    const event = json === null ? null : parseWebhookEvent(json)
    if (event === null) {
      request.log.info('passbase: refused an invalid webhook')
      return sendPrepared(reply, BAD)
    }
    try {
      const outcome = await opts.handle(event, receivedAt)
      request.log.info({ event: event.event, identityId: event.key, outcome }, 'passbase: webhook handled')
    } catch (err) {
      if (!(err instanceof ApiNotFoundError)) throw err
      request.log.warn({ event: event.event, identityId: event.key }, 'passbase: webhook for an identity the API does not know; ignored')
    }
    return reply.type('application/json; charset=utf-8').send(OK)
  })
}

function plaintextOf (contentType: string | undefined, body: string, opts: WebhookRouteOptions): string | null {
  const type = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase()
  if (type === 'text/plain') return decryptWebhook(opts.key, body)
  if (type === 'application/json' && opts.allowUnencrypted) return body
  return null
}

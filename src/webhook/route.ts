import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Clock } from '../clock.js'
import { BadWebhookError, WebhookTooLargeError } from '../errors.js'
import { JSON_TYPE, refusal, refusalSender } from '../http/reply.js'
import { toHint } from '../protocol/events.js'
import { recordWebhookDelivery, withSpan } from '../telemetry/index.js'
import type { WebhookHandler } from './handler.js'
import { acceptRawBody, WEBHOOK_SCHEMA } from './schema.js'
import { readDelivery, type ReadOptions } from './read.js'

export const WEBHOOK_BODY_LIMIT = 64 * 1024

export interface WebhookRouteOptions {
  read: ReadOptions
  handle: WebhookHandler
  clock: Clock
  /** the routes' error handler, for 5xx (store or provider failures: the provider retries) */
  errorHandler: (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => FastifyReply
}

const BAD = refusal(new BadWebhookError())
const TOO_LARGE = refusal(new WebhookTooLargeError())
const OK = JSON.stringify({ received: true })
// the webhook's answers never go through the host's errorResponse: they must not vary
const send = refusalSender(undefined)

/**
 * `POST /webhooks`, in its own encapsulated context: it parses every content type as a
 * raw string here only (the host's parsers are untouched), and answers every bad body
 * with the same 400 and the same log line, whatever went wrong.
 */
export async function webhookRoutes (fastify: FastifyInstance, opts: WebhookRouteOptions): Promise<void> {
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => {
    done(null, body)
  })

  fastify.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      recordWebhookDelivery('invalid')
      return send(request, reply, TOO_LARGE)
    }
    if (err.statusCode !== undefined && err.statusCode < 500) {
      recordWebhookDelivery('invalid')
      return send(request, reply, BAD)
    }
    recordWebhookDelivery('failed')
    return opts.errorHandler(err, request, reply)
  })

  fastify.post('/webhooks', {
    bodyLimit: WEBHOOK_BODY_LIMIT,
    schema: WEBHOOK_SCHEMA,
    // the body schema documents the route; the provider authenticates the raw text, so nothing is refused before that work
    validatorCompiler: acceptRawBody
  }, async function webhook (request: FastifyRequest, reply: FastifyReply) {
    const receivedAt = opts.clock.now()
    const body = typeof request.body === 'string' ? request.body : ''
    const event = readDelivery(request.headers['content-type'], body, opts.read)
    if (event === null) {
      request.log.info('passbase: refused an invalid webhook')
      recordWebhookDelivery('invalid')
      return send(request, reply, BAD)
    }
    const hint = toHint(event)
    const outcome = await withSpan('passbase.webhook', async () => await opts.handle(hint, receivedAt))
    recordWebhookDelivery(outcome)
    request.log.info({ event: hint.event, identityId: hint.identityId, outcome }, 'passbase: webhook handled')
    return reply.type(JSON_TYPE).send(OK)
  })
}

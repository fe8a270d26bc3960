import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { BadRequestError, ProviderError, ProviderUnavailableError, StoreUnavailableError, UnsupportedMediaTypeError } from '../errors.js'
import { INTERNAL, refusal, type SendRefusal, type Refusal } from './reply.js'

/**
 * Server-side failures answer with their base class's message, never the detail (that
 * goes to the log): e.g. an ApiUnavailableError answers as ProviderUnavailableError.
 */
const GENERIC_MESSAGES: Record<string, string> = Object.fromEntries(
  [new StoreUnavailableError(), new ProviderUnavailableError(), new ProviderError()].map((e) => [e.code, e.message]))

const UNSUPPORTED = refusal(new UnsupportedMediaTypeError())

function asRefusal (statusCode: number, code: string, message: string, extra?: unknown): Refusal {
  return refusal({ statusCode, code, message }, extra !== null && typeof extra === 'object' ? extra as Record<string, unknown> : undefined)
}

/**
 * The plugin routes' error handler (its own, so that a host's handler cannot change the
 * contract). Errors were classified where they arose: FST_PASSBASE_* errors keep their
 * code and status (5xx ones answer with a generic message and are logged); validation
 * and parsing errors are FST_PASSBASE_BAD_REQUEST (413 keeps its status), an unsupported
 * body type FST_PASSBASE_UNSUPPORTED_MEDIA_TYPE; anything else is FST_PASSBASE_INTERNAL.
 */
export function createErrorHandler (send: SendRefusal) {
  return function passbaseErrorHandler (err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const status = err.statusCode ?? 500
    if (typeof err.code === 'string' && err.code.startsWith('FST_PASSBASE_')) {
      if (status < 500) return send(request, reply, asRefusal(status, err.code, err.message, (err as { details?: unknown }).details))
      request.log.error({ err }, 'passbase: request failed')
      return send(request, reply, asRefusal(status, err.code, GENERIC_MESSAGES[err.code] ?? err.message))
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) return send(request, reply, UNSUPPORTED)
    if (err.validation !== undefined || (status >= 400 && status < 500)) {
      const statusCode = status === 413 ? 413 : 400
      const detail = err.validation !== undefined ? err.message : statusCode === 413 ? 'body too large' : 'malformed request'
      const e = new BadRequestError(detail)
      return send(request, reply, asRefusal(statusCode, e.code, e.message))
    }
    request.log.error({ err }, 'passbase: request failed')
    return send(request, reply, INTERNAL)
  }
}

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ApiUnavailableError, BadRequestError, ProviderUnavailableError, StoreUnavailableError } from '../errors.js'
import { errorBody } from '../reply.js'

/**
 * The plugin routes' error handler (its own, so a host's handler cannot change the
 * contract): FST_PASSBASE_* errors as they are, validation errors as
 * FST_PASSBASE_BAD_REQUEST, provider outages as 503, anything else (the store) as
 * FST_PASSBASE_STORE_UNAVAILABLE 503.
 */
export function errorHandler (err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (typeof err.code === 'string' && err.code.startsWith('FST_PASSBASE_') && (err.statusCode ?? 500) < 500) {
    return reply.code(err.statusCode as number).send(errorBody(err))
  }
  if (err.validation !== undefined || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ||
    (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)) {
    // 413 and 415 keep their status; the body's statusCode always equals the HTTP status
    const statusCode = err.statusCode === 413 || err.statusCode === 415 ? err.statusCode : 400
    const detail = err.validation !== undefined
      ? err.message
      : statusCode === 413 ? 'body too large' : statusCode === 415 ? 'unsupported content type' : 'malformed request'
    const bad = new BadRequestError(detail)
    return reply.code(statusCode).send(errorBody({ code: bad.code, message: bad.message, statusCode }))
  }
  const unavailable = err instanceof ApiUnavailableError ? new ProviderUnavailableError() : new StoreUnavailableError()
  request.log.error({ err }, 'passbase: request failed')
  return reply.code(503).send(errorBody(unavailable))
}

import type { FastifyReply, FastifyRequest } from 'fastify'
import { STATUS_CODES } from 'node:http'
import { InternalError } from '../errors.js'
import type { ErrorResponseBuilder, PassbaseErrorBody } from '../options/types.js'

/** An error the plugin answers with: its code, HTTP status and message. */
export interface CodedError { code: string, statusCode?: number, message: string }

/**
 * A refusal prepared once (at register time): its body and the body already serialized,
 * so that the guards answer without serializing per request.
 */
export interface Refusal {
  statusCode: number
  body: PassbaseErrorBody
  payload: string
}

/** The plugin's error body `{ statusCode, code, error, message, ...extra }`. */
export function errorBody (err: CodedError, extra?: Record<string, unknown>): PassbaseErrorBody {
  const statusCode = err.statusCode ?? 500
  return { statusCode, code: err.code, error: STATUS_CODES[statusCode] ?? 'Error', message: err.message, ...extra }
}

export function refusal (err: CodedError, extra?: Record<string, unknown>): Refusal {
  const body = errorBody(err, extra)
  return { statusCode: body.statusCode, body, payload: JSON.stringify(body) }
}

/** 500 FST_PASSBASE_INTERNAL: a host or plugin bug (details go to the log only). */
export const INTERNAL = refusal(new InternalError())

/** Sends a refusal: the prepared payload, or the host's `errorResponse` shape of it. */
export type SendRefusal = (request: FastifyRequest, reply: FastifyReply, refusal: Refusal) => FastifyReply

export const JSON_TYPE = 'application/json; charset=utf-8'

/**
 * Resolved once at register: without `errorResponse` the prepared payload goes out as
 * is; with it, the host's builder shapes the body (a builder that throws is logged and
 * the plugin's body is sent: the status never changes, a refusal stays a refusal).
 */
export function refusalSender (errorResponse: ErrorResponseBuilder | undefined): SendRefusal {
  if (errorResponse === undefined) {
    return (_request, reply, r) => reply.code(r.statusCode).type(JSON_TYPE).send(r.payload)
  }
  return (request, reply, r) => {
    let payload = r.payload
    try {
      payload = JSON.stringify(errorResponse(request, { ...r.body }))
    } catch (err) {
      request.log.error({ err }, 'passbase: errorResponse threw; sending the default body')
    }
    return reply.code(r.statusCode).type(JSON_TYPE).send(payload)
  }
}

import type { FastifyReply } from 'fastify'
import { STATUS_CODES } from 'node:http'

export interface CodedError { code: string, statusCode?: number, message: string }

/** The plugin's error body `{ statusCode, code, error, message, ...extra }`. */
export function errorBody (err: CodedError, extra?: Record<string, unknown>): Record<string, unknown> {
  const statusCode = err.statusCode ?? 500
  return { statusCode, code: err.code, error: STATUS_CODES[statusCode] ?? 'Error', message: err.message, ...extra }
}

/**
 * A pre-serialized error answer: the guards answer refusals without going through
 * the host's error handler or serializing per request.
 */
export function preparedError (err: CodedError, extra?: Record<string, unknown>): { statusCode: number, payload: string } {
  const body = errorBody(err, extra)
  return { statusCode: body.statusCode as number, payload: JSON.stringify(body) }
}

export function sendPrepared (reply: FastifyReply, prepared: { statusCode: number, payload: string }): FastifyReply {
  return reply.code(prepared.statusCode).type('application/json; charset=utf-8').send(prepared.payload)
}

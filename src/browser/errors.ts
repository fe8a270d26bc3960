import type { PassbaseClientError } from './types.js'

/** The helper's errors: plain `Error`s named `PassbaseClientError` with a `code` (they cross realms and bundles). */

export interface ErrorExtra {
  statusCode?: number
  body?: unknown
  step?: string
}

export function clientError (code: string, message: string, extra: ErrorExtra = {}): PassbaseClientError {
  const err = new Error(message) as PassbaseClientError
  err.name = 'PassbaseClientError'
  err.code = code
  if (extra.statusCode !== undefined) err.statusCode = extra.statusCode
  if (extra.body !== undefined) err.body = extra.body
  if (extra.step !== undefined) err.step = extra.step
  return err
}

/** true for the errors the helper rejects with (they carry `code`, and `statusCode` for HTTP errors) */
export function isPassbaseClientError (value: unknown): value is PassbaseClientError {
  return value instanceof Error && value.name === 'PassbaseClientError' && typeof (value as { code?: unknown }).code === 'string'
}

export function asClientError (err: unknown): PassbaseClientError {
  return isPassbaseClientError(err) ? err : clientError('UNKNOWN_ERROR', err instanceof Error ? err.message : String(err))
}

export function aborted (): PassbaseClientError {
  return clientError('ABORTED', 'aborted')
}

import { clientError } from './errors.js'
import type { PassbaseClientError } from './types.js'
import { record } from './util.js'

/**
 * The provider button reports failures as `onError(errorCode, context)`: a code
 * (`CANCELLED_BY_USER`, `BIOMETRIC_AUTHENTICATION_FAILED`, `FATAL_ERROR`) and `{ step }`.
 * Older sandbox buttons passed one `{ code, message }` object; both are understood.
 */

export const CANCELLED = 'CANCELLED_BY_USER'
export const FACE_MISMATCH = 'BIOMETRIC_AUTHENTICATION_FAILED'

const MESSAGES: Record<string, string> = {
  CANCELLED_BY_USER: 'The flow was cancelled',
  BIOMETRIC_AUTHENTICATION_FAILED: 'The face authentication did not match',
  FATAL_ERROR: 'The provider\u2019s flow failed'
}

/** `onError`'s arguments as a PassbaseClientError whose `code` is the button's code */
export function buttonError (first: unknown, second: unknown, what: string): PassbaseClientError {
  if (typeof first === 'string' && first !== '') {
    const step = record(second).step
    return clientError(first, MESSAGES[first] ?? `${what} failed (${first})`, typeof step === 'string' ? { step } : {})
  }
  const legacy = record(first)
  const code = typeof legacy.code === 'string' && legacy.code !== '' ? legacy.code : 'UNKNOWN_ERROR'
  const message = typeof legacy.message === 'string' && legacy.message !== '' ? legacy.message : MESSAGES[code] ?? `${what} failed`
  return clientError(code, message)
}

import type { ZodError, ZodType } from 'zod'
import { ApiResponseError } from '../errors.js'
import { withDetails } from './details.js'

/**
 * A 2xx body → typed value, or ApiResponseError. Messages name the operation and zod's
 * issue paths and expectations, never a value: no personal data, no key.
 */

const MAX_ISSUES = 3

/** `path: expectation` for the first few issues (`(root)` for the body itself). */
export function describeIssues (error: ZodError): string {
  return error.issues.slice(0, MAX_ISSUES)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ')
}

export function decodeJson<T> (what: string, status: number, text: string, schema: ZodType<T>): T {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw withDetails(new ApiResponseError(`${what}: the body is not JSON`), status)
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) {
    throw withDetails(new ApiResponseError(`${what}: the body does not match the schema (${describeIssues(parsed.error)})`), status)
  }
  return parsed.data
}

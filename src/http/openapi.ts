import {
  ActionInvalidError, BadRequestError, InternalError, ProviderError, ProviderUnavailableError, ReauthRequiredError, StoreUnavailableError,
  UnauthenticatedError, UnsupportedMediaTypeError, VerificationRequiredError
} from '../errors.js'
import type { RouteOptions } from 'fastify'
import type { CodedError } from './reply.js'
import { json } from './schemas.js'

/**
 * OpenAPI descriptions of the plugin's answers. A response schema is JSON Schema for
 * Fastify (which ignores `description` and `headers`) that @fastify/swagger turns into the
 * document's response: `description` is the response's, `headers` its response headers.
 */
export type ResponseSchema = Record<string, unknown>

/** A response header as @fastify/swagger documents it. */
export interface HeaderSchema { type: 'string' | 'integer', description: string }

/** The JSON Schema of every refusal and error body: `{ statusCode, code, error, message }` and the extra fields of some refusals. */
export const refusalSchema: Readonly<Record<string, unknown>> = json.error

/** A documented answer: its description, its body's JSON Schema and, when any, its headers. */
export function described (description: string, schema: Record<string, unknown>, headers?: Record<string, HeaderSchema>): ResponseSchema {
  return { ...schema, description, ...(headers === undefined ? {} : { headers }) }
}

/** A refusal answer (the refusal body) with this description, e.g. for a host's own route. */
export function refusalResponse (description: string, headers?: Record<string, HeaderSchema>): ResponseSchema {
  return described(description, json.error, headers)
}

/** One code of a refusal the route may answer with, and why (`note`, else the error's message). */
export type Refusable = CodedError & { note?: string }

/** A refusal of the catalogue, with why the route answers it. */
export function because (err: CodedError, note?: string): Refusable {
  return { code: err.code, statusCode: err.statusCode ?? 500, message: err.message, ...(note === undefined ? {} : { note }) }
}

/**
 * The refusal answers of a route, one per status: each description lists the codes that
 * status carries (`FST_PASSBASE_X: message`), so the document says why, not only what.
 */
export function refusals (errors: Refusable[], headers: Partial<Record<number, Record<string, HeaderSchema>>> = {}): Record<number, ResponseSchema> {
  const byStatus = new Map<number, string[]>()
  for (const err of errors) {
    const status = err.statusCode ?? 500
    const line = `\`${err.code}\`: ${err.note ?? err.message}`
    const lines = byStatus.get(status) ?? []
    if (!lines.includes(line)) lines.push(line)
    byStatus.set(status, lines)
  }
  const out: Record<number, ResponseSchema> = {}
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
    out[status] = refusalResponse(byStatus.get(status)!.join('; '), headers[status])
  }
  return out
}

/** Refusals of a route with a JSON body: malformed or invalid (400), too large (413), not `application/json` (415). */
export const JSON_BODY_REFUSALS: Refusable[] = [
  { code: new BadRequestError('').code, statusCode: 400, message: 'the body is malformed or fails the route\'s schema' },
  { code: new BadRequestError('').code, statusCode: 413, message: 'the body is too large' },
  because(new UnsupportedMediaTypeError())
]

/** A bug, or the host's getUserId threw: every route may answer it (it fails closed). */
export const INTERNAL_FAILURE = because(new InternalError(), 'a bug, or the host\'s getUserId threw (details in the log only)')

/** The routes that read or write the store fail closed when it fails. */
export const STORE_FAILURE = because(new StoreUnavailableError())

/** The routes that call the provider's API. */
export const PROVIDER_FAILURES: Refusable[] = [
  because(new ProviderError(), 'the provider\'s answer cannot be used (wrong key, invalid body)'),
  because(new ProviderUnavailableError(), 'the provider is unreachable, answered 5xx or 429, timed out, or the queue is full')
]

/** No user: the host's getUserId returned null. */
export const UNAUTHENTICATED = because(new UnauthenticatedError(), 'no user (the host\'s getUserId returned null)')

const VERIFIED: Refusable[] = [
  UNAUTHENTICATED,
  because(new VerificationRequiredError(), 'no approved, unexpired identity; `status` names the user\'s status'),
  INTERNAL_FAILURE,
  STORE_FAILURE
]

/** What `requireVerified` refuses, and what the step-up routes refuse alike. */
export const VERIFIED_REFUSALS: readonly Refusable[] = VERIFIED

const REAUTH: Refusable[] = [
  ...VERIFIED,
  because(new ReauthRequiredError(), 'no valid step-up proof recent enough for this route; `maxAge` (seconds) and `start` (the URL that starts one)')
]

const BOUND: Refusable[] = [
  ...VERIFIED,
  because(new ReauthRequiredError(), 'no unused step-up proof for these details; `maxAge`, `start`, `action` (the details to confirm) and `actionId`'),
  because(new ActionInvalidError(), 'the route\'s action(request) threw or returned something else than flat details')
]

/** RFC 9470's challenge on a step-up refusal. */
export const WWW_AUTHENTICATE: Record<string, HeaderSchema> = {
  'www-authenticate': { type: 'string', description: 'on FST_PASSBASE_REAUTH_REQUIRED: `PassbaseReauth error="insufficient_user_authentication", max_age=<seconds>` (and `action_id` when bound)' }
}

/** Which guard protects the route: `requireVerified`, `requireReauth`, or `requireReauth({ action })`. */
export type GuardKind = 'verified' | 'reauth' | 'bound'

/**
 * The answers a guard adds to a host's route, for its `schema.response` (401, 403, 500 and
 * 503, with the refusal body):
 *
 *   app.get('/profile', { preHandler: app.requireVerified, schema: { response: { 200: Profile, ...guardResponses('verified') } } }, handler)
 */
export function guardResponses (guard: GuardKind): Record<number, ResponseSchema> {
  if (guard === 'verified') return refusals(VERIFIED)
  return refusals(guard === 'reauth' ? REAUTH : BOUND, { 401: WWW_AUTHENTICATE })
}

/**
 * An `onRoute` hook for the plugin's scope: every route it registers is tagged `tag` in the
 * OpenAPI document (@fastify/swagger's `tags`), or left out of it (`hide`).
 */
export function documentRoutes (openapi: { tag: string, hide: boolean }): (route: RouteOptions) => void {
  return function documentRoute (route) {
    const schema: Record<string, unknown> = { ...route.schema }
    if (openapi.hide) schema.hide = true
    else schema.tags = [openapi.tag]
    route.schema = schema
  }
}

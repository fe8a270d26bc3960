import type {
  FastifyReply, FastifyRequest, FastifySchema, FastifyTypeProvider, FastifyTypeProviderDefault, RawRequestDefaultExpression,
  RawServerDefault, RouteGenericInterface
} from 'fastify'
import { ActionInvalidError, ReauthRequiredError } from '../errors.js'
import { refusal } from '../http/reply.js'
import type { StepUpStore } from '../stores/types.js'
import { isThenable } from '../verification/check.js'
import { actionIdOfCanonical, canonicalAction, type ActionDetails } from './action.js'
import { readCookies, serializeCookie, type CookieAttributes } from './cookie.js'
import { failClosed, opensWindow, reauthChallenge, revokedBy, sendReauthRefusal, type StepUpGuardDeps } from './guard.js'
import type { StepUpClaims } from './tokens.js'

export interface BoundGuardDeps extends StepUpGuardDeps {
  store: Pick<StepUpStore, 'useToken'>
  actionCookieName: string
  cookie: CookieAttributes
}

/**
 * The details the user confirms for this request (may be async). The request carries the
 * route's generics (`Body`, `Params`, ...) and type provider, as the route's handler sees it.
 */
export type ActionOf<
  RouteGeneric extends RouteGenericInterface = RouteGenericInterface,
  SchemaCompiler extends FastifySchema = FastifySchema,
  TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault
> = (request: FastifyRequest<RouteGeneric, RawServerDefault, RawRequestDefaultExpression, SchemaCompiler, TypeProvider>) => unknown

const INVALID_ACTION = refusal(new ActionInvalidError())

/**
 * `requireReauth({ action })`: a step-up bound to one transaction. Everything
 * `requireVerified` checks; then `action(request)` gives the details, whose `actionId`
 * (SHA-256 of the details, the user id and the route) a bound token must name. The token
 * opens exactly one request: the store records its use, on every instance; the same
 * request again, or other details, is refused with the details to confirm. Bound and
 * unbound proofs never stand in for each other (separate cookies; the unbound guard
 * refuses a token that names an action).
 */
export function createRequireBoundReauth (deps: BoundGuardDeps, maxAge: number, action: ActionOf) {
  const { check, tokens, revocations, clock, send, store, actionCookieName } = deps
  const maxAgeMs = maxAge * 1000
  const spent = serializeCookie(actionCookieName, '', 0, deps.cookie)

  function refuse (request: FastifyRequest, reply: FastifyReply, details: ActionDetails, actionId: string): void {
    const r = refusal(new ReauthRequiredError(), { maxAge, start: deps.startUrl, action: details, actionId })
    sendReauthRefusal(send, request, reply, r, reauthChallenge(maxAge, actionId))
  }

  /** The details and their canonical JSON, or null (refused: the answer was sent). */
  async function detailsOf (request: FastifyRequest, reply: FastifyReply): Promise<{ details: ActionDetails, canonical: string } | null> {
    let value: unknown
    try {
      value = action(request)
      if (isThenable(value)) value = await value
    } catch (err) {
      failClosed(send, request, reply, err, INVALID_ACTION, 'requireReauth action() threw')
      return null
    }
    const canonical = canonicalAction(value)
    if (canonical === null) {
      failClosed(send, request, reply, undefined, INVALID_ACTION, 'requireReauth action() must return a flat object of strings and finite numbers, at most 1 KiB as JSON')
      return null
    }
    return { details: value as ActionDetails, canonical }
  }

  return async function requireBoundReauth (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const checked = check(request, reply, clock.now())
    const record = isThenable(checked) ? await checked : checked
    if (record === null) return
    const found = await detailsOf(request, reply)
    if (found === null) return
    const { details } = found
    const actionId = actionIdOfCanonical(found.canonical, record.userId, `${request.method} ${request.routeOptions.url ?? request.url}`)
    const now = clock.now()
    let claims: StepUpClaims | null = null
    for (const value of readCookies(request.headers.cookie, actionCookieName)) {
      const c = tokens.verify(value, now)
      if (c !== null && c.act === actionId && opensWindow(c, record, now, maxAgeMs)) {
        claims = c
        break
      }
    }
    if (claims === null) return refuse(request, reply, details, actionId)
    let used: boolean
    try {
      const notBefore = await revocations.get(record.userId, now)
      used = !revokedBy(claims, notBefore) && await store.useToken(claims.jti, claims.exp * 1000, now)
    } catch (err) {
      return failClosed(send, request, reply, err, deps.storeUnavailable, 'cannot check a bound step-up token')
    }
    if (!used) return refuse(request, reply, details, actionId)
    // spent: the browser need not send it again
    reply.header('set-cookie', spent)
  }
}

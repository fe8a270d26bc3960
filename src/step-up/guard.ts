import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Clock } from '../clock.js'
import { ReauthRequiredError } from '../errors.js'
import { refusal, type Refusal, type SendRefusal } from '../http/reply.js'
import type { VerificationRecord } from '../stores/types.js'
import { recordGuardRefusal } from '../telemetry/index.js'
import { isThenable, type Check, type VerifiedCheck } from '../verification/check.js'
import type { HookDone } from '../verification/guard.js'
import { cookieValueEnd, findCookie, MAX_COOKIE_TRIES } from './cookie.js'
import type { RevocationCache } from './revocations.js'
import type { StepUpClaims, StepUpTokens } from './tokens.js'

export interface StepUpGuardDeps {
  check: VerifiedCheck
  tokens: StepUpTokens
  revocations: RevocationCache
  clock: Clock
  send: SendRefusal
  storeUnavailable: Refusal
  cookieName: string
  /** where the page starts a step-up, e.g. /passbase/reauth/start */
  startUrl: string
}

/** RFC 9470's challenge, for a window of `maxAge` seconds. */
export function reauthChallenge (maxAge: number, actionId?: string): string {
  const base = `PassbaseReauth error="insufficient_user_authentication", max_age=${maxAge}`
  return actionId === undefined ? base : `${base}, action_id="${actionId}"`
}

/** Whether a verified token opens an unbound window of `maxAgeMs` for this user's approved record at `now`. */
export function opensWindow (claims: StepUpClaims, record: VerificationRecord, now: number, maxAgeMs: number): boolean {
  return claims.sub === record.userId && claims.identity_id === record.identityId && now - claims.auth_time * 1000 <= maxAgeMs
}

/** Whether a revocation of the user (`notBefore`, null: none) ended this token. */
export function revokedBy (claims: StepUpClaims, notBefore: number | null): boolean {
  return notBefore !== null && claims.iat_ms <= notBefore
}

/** A step-up refusal: counted, RFC 9470's challenge, never cached. */
export function sendReauthRefusal (send: SendRefusal, request: FastifyRequest, reply: FastifyReply, r: Refusal, challenge: string): void {
  recordGuardRefusal('requireReauth', r.body.code)
  reply.header('www-authenticate', challenge).header('cache-control', 'no-store')
  send(request, reply, r)
}

/** The step-up guards cannot decide: logged, counted, refused with `r`. */
export function failClosed (send: SendRefusal, request: FastifyRequest, reply: FastifyReply, err: unknown, r: Refusal, what: string): void {
  request.log.error({ err }, `passbase: ${what}; failing closed`)
  recordGuardRefusal('requireReauth', r.body.code)
  send(request, reply, r)
}

/**
 * `requireReauth` for a window of `maxAge` seconds: everything `requireVerified` checks,
 * then an unbound step-up token for this user and identity whose biometric authentication
 * is at most `maxAge` old and that no revocation of the user ended. Refusals are 401 with
 * RFC 9470's `insufficient_user_authentication` and `max_age`. Callback-style on the
 * common path (a cache hit answers synchronously), a promise when it must wait.
 */
export function createRequireReauth (deps: StepUpGuardDeps, maxAge: number) {
  const { check, tokens, revocations, clock, send, cookieName } = deps
  const refused = refusal(new ReauthRequiredError(), { maxAge, start: deps.startUrl })
  const challenge = reauthChallenge(maxAge)
  const maxAgeMs = maxAge * 1000

  function refuse (request: FastifyRequest, reply: FastifyReply): false {
    sendReauthRefusal(send, request, reply, refused, challenge)
    return false
  }

  function accepts (claims: StepUpClaims | null, record: VerificationRecord, now: number): claims is StepUpClaims {
    return claims !== null && claims.act === undefined && opensWindow(claims, record, now, maxAgeMs)
  }

  /**
   * The token of the first cookie of that name that opens the window (a tossed or
   * narrower-path cookie may come first; at most MAX_COOKIE_TRIES are tried).
   */
  function token (request: FastifyRequest, record: VerificationRecord, now: number): StepUpClaims | null {
    const header = request.headers.cookie
    if (header === undefined) return null
    let start = findCookie(header, cookieName, 0)
    for (let tries = 0; start !== -1 && tries < MAX_COOKIE_TRIES; tries++) {
      const end = cookieValueEnd(header, start)
      const claims = end - start > 0 ? tokens.verify(header.slice(start, end), now) : null
      if (accepts(claims, record, now)) return claims
      start = findCookie(header, cookieName, end)
    }
    return null
  }

  /** true: pass; false: refused (answer sent); a promise: waiting for the store (it answers itself). */
  function decide (request: FastifyRequest, reply: FastifyReply, record: Check, now: number): boolean | Promise<boolean> {
    if (record === null) return false
    const claims = token(request, record, now)
    if (claims === null) return refuse(request, reply)
    const notBefore = revocations.peek(record.userId, now)
    if (notBefore === undefined) return askStore(request, reply, record.userId, claims, now)
    return revokedBy(claims, notBefore) ? refuse(request, reply) : true
  }

  async function askStore (request: FastifyRequest, reply: FastifyReply, userId: string, claims: StepUpClaims, now: number): Promise<boolean> {
    let notBefore: number | null
    try {
      notBefore = await revocations.load(userId, now)
    } catch (err) {
      failClosed(send, request, reply, err, deps.storeUnavailable, 'cannot check step-up revocations')
      return false
    }
    return revokedBy(claims, notBefore) ? refuse(request, reply) : true
  }

  return function requireReauth (request: FastifyRequest, reply: FastifyReply, done?: HookDone): Promise<void> | undefined {
    const now = clock.now()
    const checked = check(request, reply, now)
    if (isThenable(checked)) {
      return Promise.resolve(checked).then(async (record) => { await decide(request, reply, record, clock.now()) })
    }
    const decided = decide(request, reply, checked, now)
    if (decided === true) done?.()
    else if (decided !== false) return decided.then(ignore)
    return undefined
  }
}

function ignore (): void {}

import type { FastifyReply, FastifyRequest } from 'fastify'
import { ReauthRequiredError, StoreUnavailableError } from '../errors.js'
import { readCookie } from '../reauth/cookie.js'
import type { StepUpTokens } from '../reauth/token.js'
import { preparedError, sendPrepared } from '../reply.js'
import { isThenable, type Check, type createVerifiedCheck, type HookDone } from './require-verified.js'
import type { RevocationCache } from './revocations.js'

export interface ReauthGuardDeps {
  check: ReturnType<typeof createVerifiedCheck>
  tokens: StepUpTokens
  revocations: RevocationCache
  cookieName: string
  /** where the page starts a step-up, e.g. /passbase/reauth/start */
  startUrl: string
}

const STORE_UNAVAILABLE = preparedError(new StoreUnavailableError())

/**
 * `requireReauth` for a window of `maxAge` seconds: everything `requireVerified`
 * checks, then a valid step-up token for this user and identity whose biometric
 * authentication is at most `maxAge` old and which was not revoked. Refusals are
 * 401 with RFC 9470's `insufficient_user_authentication` and `max_age`.
 */
export function createRequireReauth (deps: ReauthGuardDeps, maxAge: number) {
  const { check, tokens, revocations, cookieName } = deps
  const refusal = preparedError(new ReauthRequiredError(), { maxAge, start: deps.startUrl })
  const challenge = `PassbaseReauth error="insufficient_user_authentication", max_age=${maxAge}`
  const maxAgeMs = maxAge * 1000

  function refuse (reply: FastifyReply): false {
    reply.header('www-authenticate', challenge).header('cache-control', 'no-store')
    sendPrepared(reply, refusal)
    return false
  }

  /** true: pass; false: refused (answer sent); a promise: waiting for the store (it answers itself). */
  function decide (request: FastifyRequest, reply: FastifyReply, record: Check, now: number): boolean | Promise<void> {
    if (record === null) return false
    const token = readCookie(request, cookieName)
    if (token === undefined || token === '') return refuse(reply)
    const claims = tokens.verify(token, now)
    if (claims === null || claims.sub !== record.userId || claims.identity_id !== record.identityId ||
      now - claims.auth_time * 1000 > maxAgeMs) return refuse(reply)
    const revoked = revocations.peek(claims.jti, now)
    if (revoked === undefined) return askStore(request, reply, claims.jti, now)
    return revoked ? refuse(reply) : true
  }

  async function askStore (request: FastifyRequest, reply: FastifyReply, jti: string, now: number): Promise<void> {
    let revoked: boolean
    try {
      revoked = await revocations.isRevoked(jti, now)
    } catch (err) {
      request.log.error({ err }, 'passbase: cannot check step-up revocation; failing closed')
      sendPrepared(reply, STORE_UNAVAILABLE)
      return
    }
    if (revoked) refuse(reply)
  }

  // callback-style on the common path, a promise when it must wait: see createRequireVerified
  return function requireReauth (request: FastifyRequest, reply: FastifyReply, done?: HookDone): Promise<void> | undefined {
    const now = Date.now()
    const checked = check(request, reply, now)
    if (isThenable(checked)) {
      return Promise.resolve(checked).then(async (record) => { await decide(request, reply, record, Date.now()) })
    }
    const decided = decide(request, reply, checked, now)
    if (decided === true) done?.()
    else if (decided !== false) return decided
    return undefined
  }
}

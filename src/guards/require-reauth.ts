import type { FastifyReply, FastifyRequest } from 'fastify'
import { ReauthRequiredError, StoreUnavailableError } from '../errors.js'
import { readCookie } from '../reauth/cookie.js'
import type { StepUpTokens } from '../reauth/token.js'
import { preparedError, sendPrepared } from '../reply.js'
import { isThenable, type createVerifiedCheck } from './require-verified.js'
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

  function refuse (reply: FastifyReply): void {
    reply.header('www-authenticate', challenge).header('cache-control', 'no-store')
    sendPrepared(reply, refusal)
  }

  return async function requireReauth (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // no await on the common path (cache hits): a guard runs on every request
    const checked = check(request, reply)
    const verified = isThenable(checked) ? await checked : checked
    if (!verified.ok) return
    const token = readCookie(request, cookieName)
    if (token === undefined || token === '') return refuse(reply)
    const now = Date.now()
    const claims = tokens.verify(token, now)
    if (claims === null || claims.sub !== verified.userId || claims.identity_id !== verified.record.identityId ||
      now - claims.auth_time * 1000 > maxAgeMs) return refuse(reply)
    let revoked = revocations.peek(claims.jti, now)
    if (revoked === undefined) {
      try {
        revoked = await revocations.isRevoked(claims.jti, now)
      } catch (err) {
        request.log.error({ err }, 'passbase: cannot check step-up revocation; failing closed')
        sendPrepared(reply, STORE_UNAVAILABLE)
        return
      }
    }
    if (revoked) refuse(reply)
  }
}

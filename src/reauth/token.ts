import { randomBytes } from 'node:crypto'

/** The claims of a step-up token (a JWT, HS256). Times in Unix seconds. */
export interface StepUpClaims {
  sub: string
  identity_id: string
  auth_time: number
  jti: string
  iat: number
  exp: number
}

/** The part of `@fastify/jwt`'s decorator the plugin uses (kept in an encapsulated context). */
export interface JwtLike {
  sign: (payload: Record<string, unknown>, options?: Record<string, unknown>) => string
  verify: <T>(token: string, options?: Record<string, unknown>) => T
}

export interface IssuedToken { token: string, claims: StepUpClaims }

/**
 * Issues and verifies step-up tokens. `jwt` is bound once `@fastify/jwt` has loaded in
 * the plugin's private context. Verified tokens are memoised (bounded): the guard pays
 * one Map lookup per request instead of an HMAC. The memo is keyed by the signature
 * (43 characters to hash instead of the whole token) and a hit still compares the
 * whole token, so only the exact verified string is ever accepted from it.
 */
export class StepUpTokens {
  jwt: JwtLike | null = null
  private readonly verified = new Map<string, { token: string, claims: StepUpClaims }>()

  constructor (private readonly maxAgeSeconds: number, private readonly maxEntries = 10_000) {}

  issue (userId: string, identityId: string, authTimeMs: number): IssuedToken {
    const auth_time = Math.floor(authTimeMs / 1000)
    const iat = Math.floor(Date.now() / 1000)
    const claims: StepUpClaims = {
      sub: userId,
      identity_id: identityId,
      auth_time,
      jti: randomBytes(18).toString('base64url'),
      iat,
      exp: auth_time + this.maxAgeSeconds
    }
    const token = this.jwtOrThrow().sign({ ...claims })
    return { token, claims }
  }

  /** The claims of a valid token (signature, algorithm, expiry, claim types), or null. */
  verify (token: string, nowMs: number): StepUpClaims | null {
    const signature = token.slice(token.lastIndexOf('.') + 1)
    const memo = this.verified.get(signature)
    let claims: StepUpClaims | null
    if (memo !== undefined && memo.token === token) {
      claims = memo.claims
    } else {
      claims = this.verifyFresh(token)
      if (claims === null) return null
      if (this.verified.size >= this.maxEntries) this.evictExpired(nowMs)
      this.verified.set(signature, { token, claims })
    }
    if (claims.exp * 1000 <= nowMs) {
      this.verified.delete(signature)
      return null
    }
    return claims
  }

  private verifyFresh (token: string): StepUpClaims | null {
    if (token.length > 4096) return null
    // the JWT library decodes the signature leniently (ignored padding bits, '=', '+/', stray
    // characters), so several strings carry one signature: accept only the canonical one
    const signature = token.slice(token.lastIndexOf('.') + 1)
    if (signature === '' || Buffer.from(signature, 'base64url').toString('base64url') !== signature) return null
    let payload: Record<string, unknown>
    try {
      payload = this.jwtOrThrow().verify<Record<string, unknown>>(token)
    } catch {
      return null
    }
    const { sub, identity_id, auth_time, jti, iat, exp } = payload
    if (typeof sub !== 'string' || typeof identity_id !== 'string' || typeof jti !== 'string' ||
      typeof auth_time !== 'number' || typeof iat !== 'number' || typeof exp !== 'number') return null
    return { sub, identity_id, auth_time, jti, iat, exp }
  }

  private evictExpired (nowMs: number): void {
    for (const [signature, { claims }] of this.verified) if (claims.exp * 1000 <= nowMs) this.verified.delete(signature)
    // still full: drop the oldest
    for (const signature of this.verified.keys()) {
      if (this.verified.size < this.maxEntries) break
      this.verified.delete(signature)
    }
  }

  forget (token: string): void {
    const signature = token.slice(token.lastIndexOf('.') + 1)
    if (this.verified.get(signature)?.token === token) this.verified.delete(signature)
  }

  private jwtOrThrow (): JwtLike {
    if (this.jwt === null) throw new Error('fastify-passbase: step-up token signer is not ready')
    return this.jwt
  }
}

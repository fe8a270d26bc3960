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
 * one Map lookup per request instead of an HMAC.
 */
export class StepUpTokens {
  jwt: JwtLike | null = null
  private readonly verified = new Map<string, StepUpClaims>()

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
    let claims = this.verified.get(token) ?? null
    if (claims === null) {
      claims = this.verifyFresh(token)
      if (claims === null) return null
      if (this.verified.size >= this.maxEntries) this.evictExpired(nowMs)
      this.verified.set(token, claims)
    }
    if (claims.exp * 1000 <= nowMs) {
      this.verified.delete(token)
      return null
    }
    return claims
  }

  private verifyFresh (token: string): StepUpClaims | null {
    if (token.length > 4096) return null
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
    for (const [token, claims] of this.verified) if (claims.exp * 1000 <= nowMs) this.verified.delete(token)
    // still full: drop the oldest
    for (const token of this.verified.keys()) {
      if (this.verified.size < this.maxEntries) break
      this.verified.delete(token)
    }
  }

  forget (token: string): void {
    this.verified.delete(token)
  }

  private jwtOrThrow (): JwtLike {
    if (this.jwt === null) throw new Error('fastify-passbase: step-up token signer is not ready')
    return this.jwt
  }
}

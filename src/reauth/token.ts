import { randomBytes } from 'node:crypto'

/** base64url characters of an HS256 signature (32 bytes) */
const SIGNATURE_LENGTH = 43

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
 * one Map lookup per request instead of an HMAC. The memo is keyed by a small integer
 * read off the signature's first characters (hashing a fresh string per request cost
 * more than the rest of the guard: see the README's performance section) and a hit
 * still compares the whole token, so only the exact verified string is ever accepted
 * from it. Two live tokens sharing a key only cost each other an HMAC now and then.
 */
export class StepUpTokens {
  jwt: JwtLike | null = null
  private readonly verified = new Map<number, { token: string, claims: StepUpClaims }>()

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
    const key = memoKey(token)
    const memo = this.verified.get(key)
    let claims: StepUpClaims | null
    if (memo !== undefined && memo.token === token) {
      claims = memo.claims
    } else {
      claims = this.verifyFresh(token)
      if (claims === null) return null
      if (this.verified.size >= this.maxEntries) this.evictExpired(nowMs)
      this.verified.set(key, { token, claims })
    }
    if (claims.exp * 1000 <= nowMs) {
      this.verified.delete(key)
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
    for (const [key, { claims }] of this.verified) if (claims.exp * 1000 <= nowMs) this.verified.delete(key)
    // still full: drop the oldest
    for (const key of this.verified.keys()) {
      if (this.verified.size < this.maxEntries) break
      this.verified.delete(key)
    }
  }

  forget (token: string): void {
    const key = memoKey(token)
    if (this.verified.get(key)?.token === token) this.verified.delete(key)
  }

  private jwtOrThrow (): JwtLike {
    if (this.jwt === null) throw new Error('fastify-passbase: step-up token signer is not ready')
    return this.jwt
  }
}

/**
 * 30 bits of the signature (its first five base64url characters, 6 bits each): a small
 * integer, so the memo lookup hashes nothing. An HS256 signature is always 43 characters,
 * so they are read at a fixed distance from the end (a search for the last '.' is a call
 * into V8's runtime: it cost more than the rest of the lookup). Any string gets a key;
 * only the memo's full-token comparison decides whether it is the token that was verified.
 */
function memoKey (token: string): number {
  const from = token.length - SIGNATURE_LENGTH
  let key = 0
  for (let i = from; i < from + 5; i++) key = (key << 6) | (token.charCodeAt(i) & 63)
  return key
}

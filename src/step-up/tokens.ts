import { createHmac, randomBytes } from 'node:crypto'

/** base64url characters of an HS256 signature (32 bytes) */
const SIGNATURE_LENGTH = 43
const MAX_TOKEN_LENGTH = 4096

/** The claims of a step-up token (a JWT, HS256). Times in Unix seconds, except `iat_ms`. */
export interface StepUpClaims {
  sub: string
  identity_id: string
  /** when this server received the biometric authentication */
  auth_time: number
  jti: string
  iat: number
  /** issue time in ms: a per-user revocation ends every token issued at or before it */
  iat_ms: number
  exp: number
  /** a bound token: the actionId it opens (absent on an unbound step-up) */
  act?: string
}

/** The part of a `@fastify/jwt` namespace the plugin uses (kept in an encapsulated context). */
export interface JwtLike {
  sign: (payload: Record<string, unknown>, options?: Record<string, unknown>) => string
  verify: <T>(token: string, options?: Record<string, unknown>) => T
}

/** A step-up key: `kid` names it in the token header; `jwt` signs and verifies with it. */
export interface StepUpKey { kid: string, jwt: JwtLike }

export interface IssuedToken { token: string, claims: StepUpClaims }

/** A key's id: derived from the secret (stable across restarts and rotation), revealing nothing of it. */
export function kidOf (secret: string): string {
  return createHmac('sha256', secret).update('fastify-passbase step-up key id').digest('base64url').slice(0, 16)
}

/**
 * Issues and verifies step-up tokens. Keys are bound once `@fastify/jwt` has loaded in
 * the plugin's private context: the first signs, every one verifies (the header's `kid`
 * picks it). Verified tokens are memoised (bounded): the guard pays one Map lookup per
 * request instead of an HMAC. The memo is keyed by a small integer read off the
 * signature's first characters (no string hashing per request) and a hit still compares
 * the whole token, so only the exact verified string is ever accepted from it.
 * Expiry is checked here with the plugin's clock, not by the JWT library.
 */
export class StepUpTokens {
  private signer: StepUpKey | null = null
  private readonly verifiers = new Map<string, JwtLike>()
  private readonly verified = new Map<number, { token: string, claims: StepUpClaims }>()

  constructor (private readonly maxEntries = 10_000) {}

  bind (keys: StepUpKey[]): void {
    this.signer = keys[0] ?? null
    for (const key of keys) this.verifiers.set(key.kid, key.jwt)
  }

  issue (fields: { userId: string, identityId: string, authTimeMs: number, nowMs: number, maxAgeSeconds: number, action: string | null }): IssuedToken {
    if (this.signer === null) throw new Error('fastify-passbase: step-up token signer is not ready')
    const authTime = Math.floor(fields.authTimeMs / 1000)
    const claims: StepUpClaims = {
      sub: fields.userId,
      identity_id: fields.identityId,
      auth_time: authTime,
      jti: randomBytes(18).toString('base64url'),
      iat: Math.floor(fields.nowMs / 1000),
      iat_ms: fields.nowMs,
      exp: authTime + fields.maxAgeSeconds
    }
    if (fields.action !== null) claims.act = fields.action
    return { token: this.signer.jwt.sign({ ...claims }), claims }
  }

  /** The claims of a valid token (signature, algorithm, key, expiry at `nowMs`, claim types), or null. */
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

  forget (token: string): void {
    const key = memoKey(token)
    if (this.verified.get(key)?.token === token) this.verified.delete(key)
  }

  private verifyFresh (token: string): StepUpClaims | null {
    if (token.length > MAX_TOKEN_LENGTH) return null
    // the JWT library decodes the signature leniently (ignored padding bits, '=', '+/', stray
    // characters), so several strings carry one signature: accept only the canonical one
    const signature = token.slice(token.lastIndexOf('.') + 1)
    if (signature.length !== SIGNATURE_LENGTH || Buffer.from(signature, 'base64url').toString('base64url') !== signature) return null
    const verifier = this.verifiers.get(headerKid(token) ?? '')
    if (verifier === undefined) return null
    let payload: Record<string, unknown>
    try {
      payload = verifier.verify<Record<string, unknown>>(token)
    } catch {
      return null
    }
    const { sub, identity_id: identityId, auth_time: authTime, jti, iat, iat_ms: iatMs, exp, act } = payload
    if (typeof sub !== 'string' || typeof identityId !== 'string' || typeof jti !== 'string' ||
      typeof authTime !== 'number' || typeof iat !== 'number' || typeof iatMs !== 'number' || typeof exp !== 'number' ||
      (act !== undefined && typeof act !== 'string')) return null
    const claims: StepUpClaims = { sub, identity_id: identityId, auth_time: authTime, jti, iat, iat_ms: iatMs, exp }
    if (act !== undefined) claims.act = act
    return claims
  }

  private evictExpired (nowMs: number): void {
    for (const [key, { claims }] of this.verified) if (claims.exp * 1000 <= nowMs) this.verified.delete(key)
    // still full: drop the oldest
    for (const key of this.verified.keys()) {
      if (this.verified.size < this.maxEntries) break
      this.verified.delete(key)
    }
  }
}

/** The `kid` of a JWT's header, or undefined. */
function headerKid (token: string): string | undefined {
  const dot = token.indexOf('.')
  if (dot <= 0) return undefined
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'))
    const kid = (header as { kid?: unknown } | null)?.kid
    return typeof kid === 'string' ? kid : undefined
  } catch {
    return undefined
  }
}

/**
 * 30 bits of the signature (its first five base64url characters, 6 bits each): a small
 * integer, so the memo lookup hashes nothing. An HS256 signature is always 43 characters,
 * read at a fixed distance from the end. Any string gets a key; only the memo's
 * full-token comparison decides whether it is the token that was verified.
 */
function memoKey (token: string): number {
  const from = token.length - SIGNATURE_LENGTH
  let key = 0
  for (let i = from; i < from + 5; i++) key = (key << 6) | (token.charCodeAt(i) & 63)
  return key
}

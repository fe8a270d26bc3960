import { createHmac, timingSafeEqual } from 'node:crypto'
import t from 'tap'
import { MemoryStore } from '../../src/index.js'
import { StepUpTokens, type JwtLike } from '../../src/step-up/tokens.js'

/**
 * Bounded memory: the in-process tables that grow with traffic have a cap or an
 * expiry (the soak in bench/soak.js shows the heap stays flat; these show the caps).
 */

const SECRET = 's'.repeat(32)
const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url')

/** A minimal HS256 signer/verifier standing in for @fastify/jwt. */
const jwt: JwtLike = {
  sign: (payload) => {
    const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'k' })}.${b64(payload)}`
    return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`
  },
  verify: <T>(token: string): T => {
    const [h, p, s] = token.split('.') as [string, string, string]
    const expected = createHmac('sha256', SECRET).update(`${h}.${p}`).digest()
    const given = Buffer.from(s ?? '', 'base64url')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('bad signature')
    return JSON.parse(Buffer.from(p, 'base64url').toString()) as T
  }
}

/** Tokens as the plugin issues them: `maxAge` seconds from the authentication at `authTimeMs`. */
function make (maxAge: number, maxEntries?: number, signer: JwtLike = jwt): { issue: (userId: string, identityId: string, authTimeMs: number) => ReturnType<StepUpTokens['issue']>, tokens: StepUpTokens } {
  const tokens = new StepUpTokens(maxEntries)
  tokens.bind([{ kid: 'k', jwt: signer }])
  return { tokens, issue: (userId, identityId, authTimeMs) => tokens.issue({ userId, identityId, authTimeMs, nowMs: authTimeMs, maxAgeSeconds: maxAge, action: null }) }
}

const memoSize = (tokens: StepUpTokens): number => (Reflect.get(tokens, 'verified') as Map<string, unknown>).size

t.test('step-up token memo: capped, expired entries go first, only exact tokens hit', async (t) => {
  const { tokens, issue } = make(300, 50)
  const now = Date.now()
  const issued = Array.from({ length: 500 }, (_, i) => issue(`u${i}`, `i${i}`, now))
  for (const { token, claims } of issued) t.same(tokens.verify(token, now), claims)
  t.ok(memoSize(tokens) <= 50, `memo holds ${memoSize(tokens)} ≤ 50 entries after 500 tokens`)
  // an invalid token is never memoised
  const before = memoSize(tokens)
  for (let i = 0; i < 100; i++) t.equal(tokens.verify(`${issued[i]!.token}x`, now), null)
  t.equal(memoSize(tokens), before)
  // a later verification of an evicted token still works (verified afresh)
  t.same(tokens.verify(issued[0]!.token, now), issued[0]!.claims)
  // expired entries are dropped on the next eviction, before live ones
  const { tokens: short, issue: issueShort } = make(10, 10)
  const old = Array.from({ length: 10 }, (_, i) => issueShort(`o${i}`, 'i', now - 20_000)) // expire by now - 10 s
  for (const { token } of old) t.ok(short.verify(token, now - 15_000))
  t.equal(memoSize(short), 10)
  const fresh = issueShort('f', 'i', now)
  short.verify(fresh.token, now)
  t.equal(memoSize(short), 1, 'the ten expired entries were evicted, not the fresh one')
  t.equal(short.verify(old[0]!.token, now), null, 'and they no longer verify')
  // forget() drops exactly that token
  // (a different last character: an HS256 signature's last one carries 4 bits, so 1 in 16 already ends in 'A')
  short.forget(`${fresh.token.slice(0, -1)}${fresh.token.endsWith('A') ? 'B' : 'A'}`)
  t.equal(memoSize(short), 1, 'another string with the same signature does not forget it')
  short.forget(fresh.token)
  t.equal(memoSize(short), 0)
})

t.test('step-up token memo: tokens sharing a memo key each verify, a tampered one never does', async (t) => {
  // a signer whose signatures all start alike (the HMAC's first five characters replaced
  // by 'AAAAA', still 43 characters): every token lands on the same memo key
  const prefixed: JwtLike = {
    sign: (payload) => {
      const token = jwt.sign(payload)
      const dot = token.lastIndexOf('.')
      return `${token.slice(0, dot + 1)}AAAAA${token.slice(dot + 6)}`
    },
    verify: <T>(token: string): T => {
      const dot = token.lastIndexOf('.')
      const input = token.slice(0, dot)
      const mac = createHmac('sha256', SECRET).update(input).digest('base64url')
      if (token.slice(dot + 1) !== `AAAAA${mac.slice(5)}`) throw new Error('bad signature')
      return JSON.parse(Buffer.from(input.slice(input.indexOf('.') + 1), 'base64url').toString()) as T
    }
  }
  const { tokens, issue } = make(300, undefined, prefixed)
  const now = Date.now()
  const a = issue('alice', 'ia', now)
  const b = issue('bob', 'ib', now)
  for (let round = 0; round < 3; round++) {
    t.same(tokens.verify(a.token, now), a.claims)
    t.same(tokens.verify(b.token, now), b.claims)
  }
  t.equal(memoSize(tokens), 1, 'one key, holding the latest verified token')
  // the same signature with another payload: same key, not the memoised string
  const [, payload, signature] = b.token.split('.') as [string, string, string]
  const forged = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'k' })}.${b64({ ...b.claims, sub: 'mallory' })}.${signature}`
  t.equal(tokens.verify(forged, now), null)
  t.equal(tokens.verify(`${b64({ alg: 'HS256', typ: 'JWT', kid: 'k' })}.${payload}x.${signature}`, now), null)
  t.same(tokens.verify(b.token, now), b.claims, 'the genuine token still verifies')
})

t.test('MemoryStore: de-duplication entries capped (newest kept), expired ones purged', async (t) => {
  const store = new MemoryStore({ maxEvents: 100 })
  const now = Date.now()
  for (let i = 0; i < 1000; i++) t.equal(await store.markEvent(`k${i}`, now + 60_000, now), true)
  t.equal(store.sizes().events, 100, 'capped at maxEvents')
  t.equal(await store.markEvent('k999', now + 60_000, now), false, 'the newest are still de-duplicated')
  t.equal(await store.markEvent('k0', now + 60_000, now), true, 'the oldest were dropped')
  for (let i = 0; i < 50; i++) await store.markEvent(`short${i}`, now + 10, now)
  await store.purgeExpired(now + 20)
  t.equal(store.sizes().events, 50, 'expired entries purged')
  for (let i = 0; i < 20; i++) {
    await store.createChallenge({ id: `c${i}`, userId: `u${i % 2}`, identityId: 'i', createdAt: now, expiresAt: now + 10, action: null })
    await store.revokeUser(`u${i}`, now, now + 10, now)
    await store.useToken(`j${i}`, now + 10, now)
  }
  t.match(store.sizes(), { challenges: 20, revocations: 20, usedTokens: 20 }, 'every challenge is kept until it expires (a conflicted one absorbs the next authentication)')
  await store.purgeExpired(now + 20)
  t.match(store.sizes(), { challenges: 0, revocations: 0, usedTokens: 0 }, 'challenges, revocations and used tokens expire')
})

import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { MemoryStore, type StatusChange, type VerificationRecord } from '../../src/index.js'
import { decryptWebhook, encryptWebhook, webhookKey } from '../../src/protocol/crypto.js'
import { parseWebhookEvent } from '../../src/protocol/events.js'
import { harness, linkNew, REAUTH_SECRET, WEBHOOK_SECRET, type Harness } from '../helpers/app.js'
import { nextMillisecond } from '../helpers/wait.js'

/**
 * Hostile input, generated with fast-check from fixed seeds (reproducible): mutated
 * webhooks, malformed bodies and wrong content types to every route, and mutated
 * step-up cookies. Properties: never a 5xx, never garbage accepted, one identical
 * webhook 400, no state change.
 */

const SEED = 0x5eed
const key = webhookKey(WEBHOOK_SECRET)
const LIMIT = 64 * 1024

interface World {
  h: Harness
  app: FastifyInstance
  store: MemoryStore
  changes: StatusChange[]
  aliceId: string
  bobId: string
  cookie: string
  token: string
  bad400: string
}

async function world (): Promise<World> {
  const store = new MemoryStore()
  const changes: StatusChange[] = []
  const h = await harness({
    plugin: { store, onStatusChange: (c) => { changes.push(c) }, reauth: { secret: REAUTH_SECRET, maxAge: 300 } },
    routes: (app) => { app.post('/withdraw', { preHandler: app.requireReauth }, async () => ({ withdrawn: true })) }
  })
  try {
    const aliceId = await linkNew(h, 'alice')
    await h.sandbox.review(aliceId, { status: 'approved', score: 0.95 })
    const bobId = await linkNew(h, 'bob')
    const start = await h.app.inject({ method: 'POST', url: '/passbase/reauth/start', payload: {}, headers: { 'x-user': 'alice' } })
    await nextMillisecond()
    await h.sandbox.authenticate(aliceId)
    const done = await h.app.inject({ method: 'POST', url: '/passbase/reauth/complete', headers: { 'x-user': 'alice' }, payload: { challengeId: start.json().challengeId } })
    if (done.statusCode !== 200) throw new Error(`step-up failed: ${done.body}`)
    const cookie = String(done.headers['set-cookie']).split(';')[0]!
    const token = cookie.slice(cookie.indexOf('=') + 1)
    const bad = await h.app.inject({ method: 'POST', url: '/passbase/webhooks', headers: { 'content-type': 'text/plain' }, payload: 'nope' })
    if (bad.statusCode !== 400) throw new Error('expected a 400')
    changes.length = 0
    return { h, app: h.app, store, changes, aliceId, bobId, cookie, token, bad400: bad.body }
  } catch (err) {
    await h.close()
    throw err
  }
}

interface Snapshot { sizes: ReturnType<MemoryStore['sizes']>, alice: VerificationRecord | null, bob: VerificationRecord | null, challenges: string }

async function snapshot (w: World): Promise<Snapshot> {
  const now = Date.now()
  return {
    sizes: w.store.sizes(),
    alice: await w.store.getByUser('alice', now),
    bob: await w.store.getByUser('bob', now),
    // the challenges with their authentication times (what an authentication would change)
    challenges: JSON.stringify([...(Reflect.get(Reflect.get(w.store, 'challenges') as object, 'byId') as Map<string, unknown>).values()])
  }
}

// ---------- webhooks ----------

interface Delivery { label: string, contentType: string | undefined, body: string }

function basePayloads (w: World): string[] {
  const now = Math.floor(Date.now() / 1000)
  return [
    JSON.stringify({ event: 'VERIFICATION_REVIEWED', key: w.aliceId, status: 'approved', created: now - 10, updated: now - 5, processed: now }),
    JSON.stringify({ event: 'VERIFICATION_COMPLETED', key: w.bobId, status: 'pending', created: now - 10, updated: now - 5 }),
    JSON.stringify({ event: 'DATAPOINT_UPDATED', key: w.aliceId, status: 'approved', resource_key: 'r1', type: 'NAME', value: 'x' }),
    JSON.stringify({ event: 'WATCHLIST_MONITORING', key: '00000000-0000-4000-8000-000000000000', status: 'declined' })
  ]
}

const toB64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')

function deliveryArb (w: World): fc.Arbitrary<Delivery> {
  const bases = basePayloads(w).map((p) => encryptWebhook(key, p))
  const base = fc.constantFrom(...bases)
  const flip = fc.tuple(base, fc.nat(), fc.integer({ min: 0, max: 7 })).map(([b, pos, bit]) => {
    const raw = Buffer.from(b, 'base64')
    raw[pos % raw.length]! ^= 1 << bit
    return { label: 'bit flip', contentType: 'text/plain', body: raw.toString('base64') }
  })
  const flips = fc.tuple(base, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 2, maxLength: 8 })).map(([b, edits]) => {
    const raw = Buffer.from(b, 'base64')
    for (const [pos, x] of edits) raw[pos % raw.length]! ^= x
    return { label: 'byte noise', contentType: 'text/plain', body: raw.toString('base64') }
  })
  const truncRaw = fc.tuple(base, fc.nat()).map(([b, n]) => {
    const raw = Buffer.from(b, 'base64')
    return { label: 'truncated bytes', contentType: 'text/plain', body: raw.subarray(0, n % raw.length).toString('base64') }
  })
  const truncB64 = fc.tuple(base, fc.nat()).map(([b, n]) => ({ label: 'truncated base64', contentType: 'text/plain', body: b.slice(0, n % b.length) }))
  const noise = fc.tuple(base, fc.array(fc.tuple(fc.nat(), fc.constantFrom('=', '-', '_', '.', ' ', '\n', '\0', '%', '!', '€', 'A', '/', '+')), { minLength: 1, maxLength: 4 }))
    .map(([b, edits]) => {
      let s = b
      for (const [pos, ch] of edits) {
        const at = pos % (s.length + 1)
        s = pos % 2 === 0 ? s.slice(0, at) + ch + s.slice(at) : s.slice(0, at) + ch + s.slice(at + 1)
      }
      return { label: 'base64 noise', contentType: 'text/plain', body: s }
    })
  const randomCipher = fc.integer({ min: 2, max: 40 }).chain((blocks) => fc.uint8Array({ minLength: blocks * 16, maxLength: blocks * 16 }))
    .map((bytes) => ({ label: 'random ciphertext', contentType: 'text/plain', body: toB64(bytes) }))
  const junkJson = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.json({ maxDepth: 4 }),
    fc.record({
      event: fc.oneof(fc.constantFrom('VERIFICATION_REVIEWED', 'IDENTITY_AUTHENTICATED', 'verification_reviewed', '', 'X'), fc.integer(), fc.constant(null)),
      key: fc.oneof(fc.constant(w.aliceId), fc.string({ maxLength: 300 }), fc.integer(), fc.constant('../../x'), fc.constant('a b')),
      status: fc.oneof(fc.constantFrom('approved', 'APPROVED', 'weird'), fc.integer()),
      updated: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double(), fc.string({ maxLength: 5 }))
    }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
    fc.constant('{"event":"VERIFICATION_REVIEWED","key":"x","__proto__":{"polluted":true}}'),
    fc.constant('{"event":"VERIFICATION_REVIEWED","key":'),
    fc.constant('\uFEFF{"event":"VERIFICATION_REVIEWED"}'),
    fc.constant('')
  )
  // valid ciphertext of something that is not a valid event (the oracle below tells if one is)
  const encryptedJunk = junkJson.map((plain) => ({ label: 'encrypted junk', contentType: 'text/plain', body: encryptWebhook(key, plain) }))
  const wrongKey = fc.constantFrom(...basePayloads(w)).map((p) => ({ label: 'wrong key', contentType: 'text/plain', body: encryptWebhook(webhookKey('x'.repeat(32)), p) }))
  const contentType = fc.tuple(fc.oneof(base, fc.constantFrom(...basePayloads(w))), fc.constantFrom(
    undefined, 'application/json', 'application/octet-stream', 'text/html', 'multipart/form-data; boundary=x',
    'application/x-www-form-urlencoded', 'text/plain; charset=utf-16le', 'TEXT/PLAIN', ' text/plain ', 'text/plainx', 'text', '*/*', 'text/plain;;;'
  )).map(([body, type]) => ({ label: `content type ${String(type)}`, contentType: type, body }))
  const nested = fc.tuple(fc.integer({ min: 100, max: 20_000 }), fc.boolean()).map(([depth, arr]) => {
    const plain = arr ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
    return { label: 'deeply nested', contentType: 'text/plain', body: encryptWebhook(key, plain) }
  })
  const huge = fc.tuple(fc.integer({ min: LIMIT - 64, max: LIMIT * 4 }), fc.constantFrom('text/plain', 'application/json')).map(([n, type]) => ({
    label: 'huge', contentType: type, body: 'A'.repeat(n)
  }))
  return fc.oneof(
    { arbitrary: flip, weight: 5 },
    { arbitrary: flips, weight: 3 },
    { arbitrary: truncRaw, weight: 2 },
    { arbitrary: truncB64, weight: 2 },
    { arbitrary: noise, weight: 3 },
    { arbitrary: randomCipher, weight: 2 },
    { arbitrary: encryptedJunk, weight: 4 },
    { arbitrary: wrongKey, weight: 1 },
    { arbitrary: contentType, weight: 2 },
    { arbitrary: nested, weight: 1 },
    { arbitrary: huge, weight: 1 }
  )
}

/** Would the plugin be right to accept this? (a valid event, encrypted under our key, as text/plain) */
function acceptable (d: Delivery): boolean {
  const type = (d.contentType ?? '').split(';', 1)[0]!.trim().toLowerCase()
  if (type !== 'text/plain' || Buffer.byteLength(d.body) > LIMIT) return false
  const plain = decryptWebhook(key, d.body)
  return plain !== null && parseWebhookEvent(plain) !== null
}

t.test('thousands of mutated webhooks: 400 (one body) or 413, never 5xx, never garbage accepted, no state change', async (t) => {
  const w = await world()
  t.teardown(w.h.close)
  const before = await snapshot(w)
  const counts: Record<string, number> = {}
  let accepted = 0
  await fc.assert(fc.asyncProperty(deliveryArb(w), async (d) => {
    const headers: Record<string, string> = {}
    if (d.contentType !== undefined) headers['content-type'] = d.contentType
    const res = await w.app.inject({ method: 'POST', url: '/passbase/webhooks', headers, payload: d.body })
    counts[`${d.label} → ${res.statusCode}`] = (counts[`${d.label} → ${res.statusCode}`] ?? 0) + 1
    if (res.statusCode === 200) {
      if (!acceptable(d)) throw new Error(`accepted an invalid webhook (${d.label})`)
      accepted++
      return
    }
    if (res.statusCode === 413) {
      if (Buffer.byteLength(d.body) <= LIMIT) throw new Error(`413 for ${Buffer.byteLength(d.body)} bytes`)
      return
    }
    if (res.statusCode !== 400) throw new Error(`${d.label}: HTTP ${res.statusCode} ${res.body}`)
    if (res.body !== w.bad400) throw new Error(`${d.label}: a different 400 body: ${res.body}`)
  }), { seed: SEED, numRuns: 4000 })
  t.comment(JSON.stringify(counts))
  const after = await snapshot(w)
  t.same(after.alice, before.alice, 'alice unchanged')
  t.same(after.bob, before.bob, 'bob unchanged')
  t.equal(after.challenges, before.challenges, 'no authentication recorded')
  t.same({ ...after.sizes, events: 0 }, { ...before.sizes, events: 0 }, 'no links, challenges or revocations')
  t.ok(after.sizes.events - before.sizes.events <= accepted, 'de-duplication entries only for accepted (valid) events')
  t.same(w.changes, [], 'no onStatusChange')
  t.ok(Object.keys(counts).some((k) => k.endsWith('→ 400')), 'the generator reached the 400 path')
  t.ok(Object.keys(counts).some((k) => k.endsWith('→ 413')), 'and the 413 path')
})

t.test('every 400 is the same bytes: no padding oracle', async (t) => {
  const w = await world()
  t.teardown(w.h.close)
  const valid = encryptWebhook(key, basePayloads(w)[0]!)
  const raw = Buffer.from(valid, 'base64')
  const lastBlockFlip = Buffer.from(raw)
  lastBlockFlip[raw.length - 17]! ^= 0x01 // alters the padding byte: bad padding
  const midFlip = Buffer.from(raw)
  midFlip[20]! ^= 0x01 // garbles a block: bad JSON
  const cases = {
    padding: lastBlockFlip.toString('base64'),
    json: midFlip.toString('base64'),
    schema: encryptWebhook(key, '{"event":"NOPE","key":"x"}'),
    base64: '!!!!',
    short: raw.subarray(0, 16).toString('base64'),
    empty: ''
  }
  const bodies = new Set<string>()
  const headerSets = new Set<string>()
  for (const [name, body] of Object.entries(cases)) {
    const res = await w.app.inject({ method: 'POST', url: '/passbase/webhooks', headers: { 'content-type': 'text/plain' }, payload: body })
    t.equal(res.statusCode, 400, name)
    bodies.add(res.body)
    const { date, ...headers } = res.headers
    headerSets.add(JSON.stringify(headers))
  }
  t.equal(bodies.size, 1, 'one body')
  t.equal(headerSets.size, 1, 'one set of headers')
})

// ---------- every route: malformed JSON, wrong content types, huge and deep bodies ----------

const ROUTES: Array<[string, string]> = [
  ['POST', '/passbase/verifications'], ['GET', '/passbase/status'], ['GET', '/passbase/config'],
  ['POST', '/passbase/reauth/start'], ['POST', '/passbase/reauth/complete'], ['POST', '/passbase/reauth/cancel'], ['DELETE', '/passbase/reauth'],
  ['POST', '/passbase/webhooks'], ['GET', '/profile'], ['POST', '/withdraw']
]

const malformedJson = fc.oneof(
  fc.json({ maxDepth: 3 }).chain((s) => fc.tuple(fc.constant(s), fc.nat(), fc.constantFrom('{', '}', '"', ',', ':', '\\', '\0', 'x', '\u2028', ']')))
    .map(([s, pos, ch]) => { const at = pos % (s.length + 1); return s.slice(0, at) + ch + s.slice(at) }),
  fc.json({ maxDepth: 3 }).chain((s) => fc.nat({ max: Math.max(0, s.length - 1) }).map((n) => s.slice(0, n))),
  fc.constantFrom('{', '{"identityAccessKey":', '{"challengeId":"x",}', "{'a':1}", 'NaN', '[1,2', '{"__proto__":{"x":1}}',
    '{"constructor":{"prototype":{"x":1}}}', '\uFEFF{}', '{"a":1}{"b":2}', 'undefined', '')
).filter((s) => {
  try {
    JSON.parse(s)
    // valid JSON: kept only as prototype poisoning, which Fastify's parser refuses
    return s.includes('"__proto__"') || s.includes('"constructor"')
  } catch {
    return true
  }
})

interface RouteCase { route: [string, string], user: string | undefined, contentType: string | undefined, body: string }

const routeCaseArb = fc.record({
  route: fc.constantFrom(...ROUTES),
  user: fc.constantFrom(undefined, 'bob', 'alice', 'mallory'),
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=----x', 'application/xml', 'application/json; charset=latin1', '', 'garbage/', undefined),
  body: fc.oneof(
    { arbitrary: malformedJson, weight: 6 },
    { arbitrary: fc.string({ maxLength: 300 }), weight: 2 },
    { arbitrary: fc.integer({ min: 1000, max: 120_000 }).map((d) => '['.repeat(d) + ']'.repeat(d)), weight: 1 },
    { arbitrary: fc.integer({ min: 1000, max: 40_000 }).map((d) => '{"identityAccessKey":'.repeat(d) + '1' + '}'.repeat(d)), weight: 1 }
  )
}).filter((c) =>
  // a verified user's start legitimately creates a challenge; a known user's DELETE /reauth
  // legitimately ends their step-up windows (a revocation and its change-log entry)
  !(c.user === 'alice' && c.route[1] === '/passbase/reauth/start') && !(c.user !== undefined && c.route[0] === 'DELETE'))

t.test('malformed JSON, wrong content types, huge and deep bodies to every route: never 5xx, no state change', async (t) => {
  const w = await world()
  t.teardown(w.h.close)
  const before = await snapshot(w)
  const statuses: Record<string, number> = {}
  const run = async (c: RouteCase): Promise<void> => {
    const headers: Record<string, string> = {}
    if (c.user !== undefined) headers['x-user'] = c.user
    if (c.contentType !== undefined) headers['content-type'] = c.contentType
    const res = await w.app.inject({ method: c.route[0] as 'POST', url: c.route[1], headers, payload: c.body })
    statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1
    if (res.statusCode >= 500) throw new Error(`${c.route.join(' ')} as ${String(c.user)} (${String(c.contentType)}): HTTP ${res.statusCode} ${res.body.slice(0, 300)}`)
    if (res.statusCode >= 400 && c.route[1].startsWith('/passbase/')) {
      const body = res.json() as { code?: unknown, statusCode?: unknown }
      if (typeof body.code !== 'string' || !body.code.startsWith('FST_') || body.statusCode !== res.statusCode) {
        throw new Error(`${c.route.join(' ')}: not the plugin's error format: ${res.body.slice(0, 200)}`)
      }
    }
    if (c.route[1] === '/passbase/webhooks' && res.statusCode === 400 && res.body !== w.bad400) throw new Error('webhook 400 differs')
  }
  await fc.assert(fc.asyncProperty(routeCaseArb, run), { seed: SEED + 1, numRuns: 2500 })
  // and the extremes, on every route
  for (const route of ROUTES) {
    for (const user of route[0] === 'DELETE' ? [undefined] : [undefined, 'bob']) {
      await run({ route, user, contentType: 'application/json', body: '{"a":' + '"x"'.repeat(1) + ',"b":"' + 'y'.repeat(2 * 1024 * 1024) + '"}' })
      await run({ route, user, contentType: 'application/json', body: '['.repeat(500_000) + ']'.repeat(500_000) })
      await run({ route, user, contentType: 'text/plain', body: '\u0000'.repeat(70_000) })
    }
  }
  t.comment(JSON.stringify(statuses))
  const after = await snapshot(w)
  t.same(after, before, 'store unchanged')
  t.same(w.changes, [], 'no onStatusChange')
  t.notOk(Object.keys(statuses).some((s) => Number(s) >= 500), 'no 5xx')
  t.ok((statuses[400] ?? 0) > 100 && (statuses[413] ?? 0) > 0, 'both the 400 and 413 paths were reached')
})

// ---------- step-up cookie / JWT mutations ----------

const b64json = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url')
const sign = (input: string, secret: string): string => createHmac('sha256', secret).update(input).digest('base64url')

function tokenArb (w: World): fc.Arbitrary<{ label: string, value: string }> {
  const tok = w.token
  const [h, p, s] = tok.split('.') as [string, string, string]
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>
  const charset = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ %";,\\'.split(''))
  const replace = fc.tuple(fc.nat(), charset).map(([pos, ch]) => {
    const at = pos % tok.length
    return { label: 'char replaced', value: tok.slice(0, at) + ch + tok.slice(at + 1) }
  })
  const insert = fc.tuple(fc.nat(), charset).map(([pos, ch]) => {
    const at = pos % (tok.length + 1)
    return { label: 'char inserted', value: tok.slice(0, at) + ch + tok.slice(at) }
  })
  const remove = fc.nat().map((pos) => { const at = pos % tok.length; return { label: 'char removed', value: tok.slice(0, at) + tok.slice(at + 1) } })
  const truncate = fc.nat({ max: tok.length - 1 }).map((n) => ({ label: 'truncated', value: tok.slice(0, n) }))
  const caseFlip = fc.nat().map((pos) => {
    const at = pos % tok.length
    const ch = tok[at]!
    const flipped = ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase()
    return { label: 'case flipped', value: tok.slice(0, at) + flipped + tok.slice(at + 1) }
  })
  const segments = fc.constantFrom(
    `${h}.${p}`, `${h}.${p}.`, `${p}.${h}.${s}`, `${h}.${h}.${s}`, `${h}.${p}.${s}.${s}`, `.${p}.${s}`, `${h}..${s}`,
    `${h}.${p}.${s}=`, `${h}.${p}.${s}==`, `${h} .${p}.${s}`, `${tok}${tok}`
  ).map((value) => ({ label: 'segments', value }))
  const header = fc.record({
    alg: fc.constantFrom('none', 'None', 'HS384', 'HS512', 'RS256', 'ES256', 'hs256', '', 'HS256 '),
    typ: fc.constantFrom('JWT', undefined),
    kid: fc.constantFrom(undefined, '../../etc/passwd', 'x')
  }).chain((hd) => fc.constantFrom('', s, sign(`${b64json(hd)}.${p}`, REAUTH_SECRET)).map((sig) => ({
    label: `header alg ${hd.alg}`, value: `${b64json(hd)}.${p}.${sig}`
  })))
  const claimsMut = fc.record({
    sub: fc.constantFrom('alice', 'bob', 'alice ', 'ALICE', '', 1),
    identity_id: fc.constantFrom(claims.identity_id, w.bobId, 'x'),
    auth_time: fc.constantFrom(claims.auth_time, Math.floor(Date.now() / 1000) + 3600, 0, '1'),
    exp: fc.constantFrom(claims.exp, Math.floor(Date.now() / 1000) + 86_400, 9e15)
  }).chain((mut) => fc.constantFrom('keep', 'wrong secret', 'short secret').map((how) => {
    const payload = b64json({ ...claims, ...mut })
    const input = `${h}.${payload}`
    const sig = how === 'keep' ? s : sign(input, how === 'wrong secret' ? REAUTH_SECRET.slice(1) + 'x' : 'secret')
    return { label: `claims ${how}`, value: `${input}.${sig}` }
  }))
  return fc.oneof(replace, insert, remove, truncate, caseFlip, segments, header, claimsMut)
}

t.test('mutated step-up cookies against requireReauth: never 200 unless it is the token, never 5xx', async (t) => {
  const w = await world()
  t.teardown(w.h.close)
  const as = (cookie: string, user = 'alice'): Record<string, string> => ({ 'x-user': user, cookie })
  // the genuine cookie works (otherwise every refusal below would prove nothing)
  t.equal((await w.app.inject({ method: 'POST', url: '/withdraw', headers: as(w.cookie) })).statusCode, 200)
  t.equal((await w.app.inject({ method: 'POST', url: '/withdraw', headers: as(w.cookie, 'bob') })).statusCode, 403, 'bob is not verified')
  const before = await snapshot(w)
  const statuses: Record<string, number> = {}
  await fc.assert(fc.asyncProperty(tokenArb(w), fc.constantFrom('plain', 'quoted', 'among others', 'spaced'), async (m, wrap) => {
    const value = m.value
    const header = wrap === 'plain'
      ? `passbase_reauth=${value}`
      : wrap === 'quoted' ? `passbase_reauth="${value}"` : wrap === 'spaced' ? ` passbase_reauth = ${value} ;` : `a=1; passbase_reauth=${value}; b=2`
    const res = await w.app.inject({ method: 'POST', url: '/withdraw', headers: as(header) })
    statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1
    if (res.statusCode >= 500) throw new Error(`${m.label}: HTTP ${res.statusCode}`)
    if (res.statusCode === 200 && value !== w.token) throw new Error(`${m.label}: a mutated token was accepted: ${value}`)
    if (res.statusCode === 401 && !String(res.headers['www-authenticate']).startsWith('PassbaseReauth error="insufficient_user_authentication"')) {
      throw new Error('401 without the RFC 9470 challenge')
    }
  }), { seed: SEED + 2, numRuns: 3000 })
  t.comment(JSON.stringify(statuses))
  t.same(await snapshot(w), before, 'store unchanged')
  t.equal((await w.app.inject({ method: 'POST', url: '/withdraw', headers: as(w.cookie) })).statusCode, 200, 'the genuine cookie still works')
  // the same signature bytes, encoded otherwise (base64 is lenient: padding bits, '=' padding, '+/' for '-_', stray characters)
  const [hd, pl, sig] = w.token.split('.') as [string, string, string]
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const last = alphabet.indexOf(sig[sig.length - 1]!)
  const lenient = [
    ...[1, 2, 3].map((bits) => `${hd}.${pl}.${sig.slice(0, -1)}${alphabet[last ^ bits]!}`),
    `${hd}.${pl}.${sig}=`,
    `${hd}.${pl}.${sig.replace(/-/g, '+').replace(/_/g, '/')}`,
    `${hd}.${pl}.${sig.slice(0, 10)}!${sig.slice(10)}`,
    `${hd}.${pl}.${sig.slice(0, 10)} ${sig.slice(10)}`,
    `${hd}.${pl}.${sig}AA`.slice(0, -2) + '.'
  ].filter((v) => v !== w.token)
  for (const value of lenient) {
    const res = await w.app.inject({ method: 'POST', url: '/withdraw', headers: as(`passbase_reauth=${value}`) })
    t.equal(res.statusCode, 401, `non-canonical signature refused: ${value.slice(-12)}`)
  }
  // cookie headers themselves: oversized, many cookies, odd separators
  for (const header of ['passbase_reauth=' + 'a'.repeat(8000), Array.from({ length: 2000 }, (_, i) => `c${i}=v`).join('; '), ';;;=;', 'passbase_reauth', 'passbase_reauth=;passbase_reauth=;']) {
    const res = await w.app.inject({ method: 'POST', url: '/withdraw', headers: as(header) })
    t.equal(res.statusCode, 401, header.slice(0, 40))
  }
})

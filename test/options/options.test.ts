import Fastify from 'fastify'
import { generateKeyPairSync } from 'node:crypto'
import t from 'tap'
import fastifyPassbase, { MemoryStore } from '../../src/index.js'
import { resolveOptions } from '../../src/options/resolve.js'
import { WEBHOOK_SECRET, getUserId } from '../helpers/app.js'

const base = { secretApiKey: 'sk', webhookSecret: WEBHOOK_SECRET, getUserId }

async function registerError (options: Record<string, unknown>): Promise<Error> {
  const app = Fastify()
  app.register(fastifyPassbase, options as never)
  try {
    await app.ready()
  } catch (err) {
    return err as Error
  } finally {
    await app.close()
  }
  throw new Error('register did not fail')
}

t.test('bad options reject ready() with a message naming the option', async (t) => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...base, webhookSecret: 'a'.repeat(31) }, /webhookSecret: must be exactly 32 ASCII characters/],
    [{ ...base, webhookSecret: 'é'.repeat(32) }, /webhookSecret/],
    [{ secretApiKey: 'sk', webhookSecret: WEBHOOK_SECRET }, /getUserId/],
    [{ ...base, secretApiKey: undefined }, /secretApiKey: is required/],
    [{ ...base, reauth: { secret: 'short' } }, /reauth\.secret: must be at least 32 characters/],
    [{ ...base, reauth: { secret: 'x'.repeat(32), maxAge: -1 } }, /reauth\.maxAge/],
    [{ ...base, reauth: { secret: 'x'.repeat(32), cookie: { sameSite: 'sometimes' } } }, /reauth\.cookie\.sameSite/],
    [{ ...base, thresholds: { approveAt: 1.5 } }, /thresholds\.approveAt/],
    [{ ...base, thresholds: { approveAt: 0.5, declineBelow: 0.8 } }, /thresholds: declineBelow must not exceed approveAt/],
    [{ ...base, apiBaseUrl: 'ftp://x' }, /apiBaseUrl/],
    [{ ...base, store: { link () {} } }, /store: missing method\(s\) getByIdentity, getByUser, applyUpdate/],
    [{ ...base, metadataPrivateKey: 'not a key' }, /metadataPrivateKey: must be an RSA private key/],
    [{ ...base, prefix: 'no-slash' }, /prefix/],
    [{ ...base, api: { retries: 99 } }, /api\.retries/],
    [{ ...base, onStatusChange: 42 }, /onStatusChange/],
    // v0.2
    [{ ...base, webhookSecret: [] }, /webhookSecret: needs at least one secret/],
    [{ ...base, webhookSecret: [WEBHOOK_SECRET, 'b'.repeat(32), 'c'.repeat(32), 'd'.repeat(32), 'e'.repeat(32)] }, /webhookSecret: at most 4 secrets/],
    [{ ...base, webhookSecret: [WEBHOOK_SECRET, 'short'] }, /webhookSecret\[1\]: must be exactly 32 ASCII characters/],
    [{ ...base, webhookSecret: [WEBHOOK_SECRET, WEBHOOK_SECRET] }, /webhookSecret: secrets must be distinct/],
    [{ ...base, reauth: { secret: ['x'.repeat(32), 'short'] } }, /reauth\.secret\[1\]: must be at least 32 characters/],
    [{ ...base, reauth: { secret: 'x'.repeat(32), cookie: { sameSite: 'none', secure: false } } }, /reauth\.cookie\.sameSite: 'none' requires secure: true/],
    [{ ...base, reauth: { secret: 'x'.repeat(32), cookieName: '__Host-x', cookie: { domain: 'example.com' } } }, /reauth\.cookieName: a __Host- cookie needs/],
    [{ ...base, reauth: { secret: 'x'.repeat(32), cookieName: '__Secure-x', cookie: { secure: false } } }, /reauth\.cookieName: a __Secure- cookie needs cookie\.secure true/],
    [{ ...base, expiry: { maxAge: 0 } }, /expiry\.maxAge/],
    [{ ...base, watchlist: 'block' }, /watchlist/],
    [{ ...base, api: { maxQueue: -1 } }, /api\.maxQueue/],
    [{ ...base, cacheTtlMs: -5 }, /cacheTtlMs/],
    [{ ...base, clock: { now: 5 } }, /clock: must be an object with a now\(\) method/],
    [{ ...base, errorResponse: 'x' }, /errorResponse/],
    [{ ...base, linkAttempts: { max: 0 } }, /linkAttempts\.max/],
    [{ ...base, store: (() => { const s = new MemoryStore() as unknown as Record<string, unknown>; delete s.useToken; return Object.assign(Object.create(Object.getPrototypeOf(s)), s, { useToken: undefined }) })(), reauth: { secret: 'x'.repeat(32) } }, /store: missing method\(s\) useToken \(the step-up methods are needed with the reauth option\)/]
  ]
  for (const [options, message] of cases) {
    const err = await registerError(options)
    t.match(err.message, message)
    t.equal((err as { code?: string }).code, 'FST_PASSBASE_OPTIONS')
  }
})

t.test('defaults are resolved once', async (t) => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
  const o = resolveOptions({ ...base, metadataPrivateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }), reauth: { secret: 'x'.repeat(32) } })
  t.equal(o.apiBaseUrl, 'https://api.passbase.com/verification/v2')
  t.equal(o.prefix, '/passbase')
  t.ok(o.store instanceof MemoryStore)
  t.equal(o.storeIsDefault, true)
  t.same(o.reauth?.cookie, { secure: true, sameSite: 'strict', path: '/' })
  t.equal(o.reauth?.maxAge, 300)
  t.equal(o.reauth?.challengeTtl, 600)
  t.equal(o.reauth?.cookieName, '__Host-passbase_reauth', 'secure, path / and no domain: the __Host- prefix')
  t.equal(resolveOptions({ ...base, reauth: { secret: 'x'.repeat(32), cookie: { secure: false } } }).reauth?.cookieName, 'passbase_reauth')
  t.equal(resolveOptions({ ...base, reauth: { secret: 'x'.repeat(32), cookie: { path: '/app' } } }).reauth?.cookieName, 'passbase_reauth')
  t.equal(resolveOptions({ ...base, reauth: { secret: 'x'.repeat(32), cookie: { domain: 'example.com' } } }).reauth?.cookieName, 'passbase_reauth')
  t.same(o.reauth?.secret, ['x'.repeat(32)], 'one secret is a list of one')
  t.same(o.webhookSecret, [WEBHOOK_SECRET])
  t.equal(o.api.maxQueue, 1000)
  t.equal(o.cacheTtlMs, 1000)
  t.equal(o.watchlist, 'ignore')
  t.same(o.expiry, { documents: false })
  t.same(o.linkAttempts, { max: 10, window: 3600 })
  t.equal(o.clock.now === Date.now, true, 'the system clock by default')
  t.equal(o.api.timeoutMs, 5000)
  t.equal(o.api.retries, 2)
  t.equal(o.dedupTtl, 86400)
  t.equal(o.metadataPrivateKey?.type, 'private')
  t.equal(resolveOptions({ ...base, prefix: '/kyc/', apiBaseUrl: 'http://x/v2/' }).prefix, '/kyc')
  t.equal(resolveOptions({ ...base, metadataPrivateKey: privateKey }).metadataPrivateKey, privateKey)
  t.throws(() => resolveOptions(undefined), /secretApiKey/)
})

t.test('a public key is not a metadataPrivateKey', async (t) => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
  t.throws(() => resolveOptions({ ...base, metadataPrivateKey: publicKey }), /metadataPrivateKey/)
})

t.test('MemoryStore default warns once in production', async (t) => {
  const old = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  t.teardown(() => { process.env.NODE_ENV = old })
  const lines: string[] = []
  const stream = { write: (line: string) => { lines.push(line) } }
  for (let i = 0; i < 2; i++) {
    const app = Fastify({ logger: { stream, level: 'warn' } })
    await app.register(fastifyPassbase, { ...base, apiBaseUrl: 'http://127.0.0.1:9/v2' })
    await app.close()
  }
  t.equal(lines.filter((l) => l.includes('in-memory store')).length, 1)
})

// The wallet example: a small host app on Fastify that uses fastify-passbase.
//
//   npm run example          (builds the package, then runs this file)
//
// - demo sign-in with the app's OWN session cookie (the plugin only asks `getUserId`)
// - the Verify Me button (the plugin's browser helper at /passbase/client.js)
// - GET /profile behind `requireVerified`
// - POST /payout behind a transaction-bound step-up (`passbase.requireReauth({ action })`):
//   the user confirms this payout's amount and payee with a face authentication
// - GET /statement behind the plain step-up window (`requireReauth`, 5 minutes)
// - approvals that expire (`expiry.maxAge`), with re-verification
// - an activity log fed by `onStatusChange`
// - SQLite store in example/data/ (PostgreSQL when DATABASE_URL is set)
// - the provider sandbox runs in-process, unless PASSBASE_API_URL points at one
//   (`npx fastify-passbase-sandbox`) or at the real provider; then keys come from the env.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyCookie from '@fastify/cookie'
import Fastify from 'fastify'

const here = dirname(fileURLToPath(import.meta.url))
const dist = join(here, '..', 'dist')
const SESSION_COOKIE = 'wallet_session'
const STARTING_BALANCE = 1000

/** loads the built package (npm run build) */
async function loadPackage () {
  if (!existsSync(join(dist, 'index.js'))) {
    throw new Error('dist/ is missing: build the package first (`npm run build`; `npm run example` does both)')
  }
  const [plugin, sandbox, sqlite] = await Promise.all([
    import('../dist/index.js'),
    import('../dist/sandbox/index.js'),
    import('../dist/stores/sqlite.js')
  ])
  return { fastifyPassbase: plugin.fastifyPassbase, createSandbox: sandbox.createSandbox, SqliteStore: sqlite.SqliteStore }
}

/** secrets kept across restarts, so that sign-ins survive them */
function loadSecrets (dataDir) {
  const file = join(dataDir, 'secrets.json')
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'))
  const secrets = { session: randomBytes(32).toString('base64url'), reauth: randomBytes(32).toString('base64url') }
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 })
  return secrets
}

/**
 * The in-process sandbox keeps identities in memory; the example snapshots them to
 * data/sandbox-identities.json so that a restart does not orphan the links the store keeps.
 */
function identitySnapshots (sandbox, file) {
  return {
    async restore () {
      if (!existsSync(file)) return 0
      const saved = JSON.parse(readFileSync(file, 'utf8'))
      for (const i of saved) {
        await sandbox.createIdentity({ id: i.id, status: i.status, score: i.score, owner: i.owner, metadata: i.metadata, watchlist: i.watchlist })
        sandbox.setIdentity(i.id, { created: i.created, updated: i.updated })
      }
      return saved.length
    },
    save () {
      writeFileSync(file, JSON.stringify(sandbox.listIdentities(), null, 2) + '\n')
    }
  }
}

/** `DE89 3704 0044 0532 0130 00` → the same, checked (ISO 13616 mod 97) and grouped by four; null when invalid */
export function normalizeIban (raw) {
  const iban = String(raw).replace(/\s+/g, '').toUpperCase()
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(iban)) return null
  const digits = (iban.slice(4) + iban.slice(0, 4)).replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55))
  let rest = 0
  for (const d of digits) rest = (rest * 10 + Number(d)) % 97
  return rest === 1 ? iban.replace(/(.{4})(?=.)/g, '$1 ') : null
}

/** `DE89 3704 0044 0532 0130 00` → `DE89 … 3000` */
function maskIban (iban) {
  const compact = iban.replace(/\s+/g, '')
  return `${compact.slice(0, 4)} \u2026 ${compact.slice(-4)}`
}

/** a payout request's amount in cents, or null when it is not a positive amount with at most two decimals */
function cents (amount) {
  const value = Math.round(amount * 100)
  return Number.isFinite(amount) && value > 0 && Math.abs(value - amount * 100) < 1e-6 ? value : null
}

/** what the user confirms for a payout (the step-up is bound to exactly these details) */
export function payoutAction (body) {
  const value = cents(body.amount)
  return {
    type: 'payout',
    amount: value === null ? String(body.amount) : `${(value / 100).toFixed(2)} EUR`,
    payee: normalizeIban(body.payee) ?? String(body.payee)
  }
}

function required (env, name) {
  const value = env[name]
  if (value === undefined || value === '') throw new Error(`${name} is required when PASSBASE_API_URL is set`)
  return value
}

/** the provider: the in-process sandbox by default, else PASSBASE_API_URL and keys from the env */
async function provider ({ env, apiUrl, createSandbox, dataDir, processingDelayMs, host, clock }) {
  if (apiUrl !== undefined && apiUrl !== '') {
    const keyFile = env.PASSBASE_METADATA_PRIVATE_KEY
    return {
      sandbox: null,
      snapshots: null,
      secretApiKey: required(env, 'PASSBASE_SECRET_API_KEY'),
      webhookSecret: required(env, 'PASSBASE_WEBHOOK_SECRET'),
      publishableApiKey: required(env, 'PASSBASE_PUBLISHABLE_API_KEY'),
      apiBaseUrl: apiUrl,
      buttonScriptUrl: env.PASSBASE_BUTTON_URL ?? new URL('/button.js', apiUrl).href,
      metadataPrivateKey: keyFile !== undefined && keyFile !== '' ? readFileSync(keyFile, 'utf8') : undefined
    }
  }
  // metaData binding: the app signs { user_id } with the private key, the provider opens it with the public one
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const secretApiKey = `sk_sandbox_${randomBytes(18).toString('base64url')}`
  const webhookSecret = randomBytes(24).toString('base64url') // 32 ASCII characters
  const sandbox = await createSandbox({
    secretApiKey,
    webhookSecret,
    metadataPublicKey: publicKey,
    processingDelayMs,
    host: host === '0.0.0.0' || host === '::' ? host : '127.0.0.1',
    ...(clock !== undefined ? { clock } : {})
  })
  const snapshots = identitySnapshots(sandbox, join(dataDir, 'sandbox-identities.json'))
  await snapshots.restore()
  return {
    sandbox,
    snapshots,
    secretApiKey,
    webhookSecret,
    publishableApiKey: sandbox.publishableApiKey,
    apiBaseUrl: sandbox.apiBaseUrl,
    buttonScriptUrl: sandbox.buttonUrl,
    metadataPrivateKey: privateKey
  }
}

/** what the wallet remembers per user (in memory): balance, activity */
function createLedger () {
  // balances in cents: 0.1 + 0.2 stays 0.30
  const balances = new Map()
  const activity = []
  const centsOf = (userId) => balances.get(userId) ?? Math.round(STARTING_BALANCE * 100)
  return {
    balance: (userId) => centsOf(userId) / 100,
    canPay: (userId, amountCents) => amountCents <= centsOf(userId),
    /** the balance left after paying, or null when it does not cover the amount */
    pay (userId, amountCents) {
      const left = centsOf(userId) - amountCents
      if (left < 0) return null
      balances.set(userId, left)
      return left / 100
    },
    log (entry) {
      activity.unshift({ at: new Date().toISOString(), ...entry })
      activity.length = Math.min(activity.length, 500)
    },
    activityOf: (userId) => activity.filter((e) => e.userId === userId).slice(0, 50)
  }
}

const insufficientFunds = { statusCode: 409, code: 'INSUFFICIENT_FUNDS', error: 'Conflict', message: 'Not enough funds' }

const STATIC = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'application/javascript; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8']
}

/** seconds from the environment: unset → the default, 0 or `off` → none */
function secondsFrom (value, fallback) {
  if (value === undefined || value === '') return fallback
  if (value === 'off' || value === '0') return 0
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new Error(`PASSBASE_EXPIRY_MAX_AGE must be a number of seconds, 0 or off (got ${JSON.stringify(value)})`)
  return n
}

const ONE_YEAR = 365 * 86400

/**
 * Starts the wallet. Options default to the environment: PORT (3000), HOST (127.0.0.1),
 * DATA_DIR (example/data), DATABASE_URL, PASSBASE_API_URL (with PASSBASE_SECRET_API_KEY,
 * PASSBASE_PUBLISHABLE_API_KEY, PASSBASE_WEBHOOK_SECRET, optional PASSBASE_BUTTON_URL and
 * PASSBASE_METADATA_PRIVATE_KEY, a PEM file), PASSBASE_PROCESSING_DELAY_MS (3000),
 * PASSBASE_EXPIRY_MAX_AGE (one year; 0 or off: approvals never expire), LOG_LEVEL (warn).
 * Resolves to `{ app, sandbox, url, close }`.
 */
export async function start (options = {}) {
  const env = options.env ?? process.env
  const port = options.port ?? Number(env.PORT ?? 3000)
  const host = options.host ?? env.HOST ?? '127.0.0.1'
  const dataDir = options.dataDir ?? env.DATA_DIR ?? join(here, 'data')
  const databaseUrl = options.databaseUrl ?? env.DATABASE_URL
  const apiUrl = options.apiUrl ?? env.PASSBASE_API_URL
  const processingDelayMs = options.processingDelayMs ?? Number(env.PASSBASE_PROCESSING_DELAY_MS ?? 3000)
  const expiryMaxAge = options.expiryMaxAge ?? secondsFrom(env.PASSBASE_EXPIRY_MAX_AGE, ONE_YEAR)
  const clock = options.clock
  mkdirSync(dataDir, { recursive: true })

  const { fastifyPassbase, createSandbox, SqliteStore } = await loadPackage()
  const secrets = loadSecrets(dataDir)
  const p = await provider({ env, apiUrl, createSandbox, dataDir, processingDelayMs, host, clock })
  let store
  if (databaseUrl !== undefined && databaseUrl !== '') {
    const { PostgresStore } = await import('../dist/stores/postgres.js')
    store = new PostgresStore({ connectionString: databaseUrl })
  } else {
    store = new SqliteStore({ filename: join(dataDir, 'wallet.sqlite') })
  }
  const ledger = createLedger()

  const app = Fastify({ logger: options.logger ?? { level: env.LOG_LEVEL ?? 'warn' } })
  // the host's own session: a signed cookie carrying the user id (the plugin never sees it)
  await app.register(fastifyCookie, { secret: secrets.session })
  const userOf = (request) => {
    const raw = request.cookies[SESSION_COOKIE]
    if (raw === undefined) return null
    const unsigned = request.unsignCookie(raw)
    return unsigned.valid ? unsigned.value : null
  }

  await app.register(fastifyPassbase, {
    secretApiKey: p.secretApiKey,
    webhookSecret: p.webhookSecret,
    publishableApiKey: p.publishableApiKey,
    apiBaseUrl: p.apiBaseUrl,
    buttonScriptUrl: p.buttonScriptUrl,
    metadataPrivateKey: p.metadataPrivateKey,
    getUserId: userOf,
    store,
    // local policy on top of the provider's decision (the provider's suggested thresholds)
    thresholds: { approveAt: 0.85, declineBelow: 0.7 },
    // cookie.secure: false only because the example runs on plain http://localhost
    reauth: { secret: secrets.reauth, maxAge: 300, cookie: { secure: false } },
    // an approval is good for expiryMaxAge seconds after the provider's decision; then the user verifies again
    ...(expiryMaxAge > 0 ? { expiry: { maxAge: expiryMaxAge } } : {}),
    ...(clock !== undefined ? { clock } : {}),
    onStatusChange (change) {
      ledger.log({ kind: 'status', userId: change.userId, from: change.from, to: change.to, score: change.score })
      p.snapshots?.save()
    }
  })

  for (const [path, [file, type]] of Object.entries(STATIC)) {
    const body = readFileSync(join(here, 'public', file))
    app.get(path, async (_request, reply) => reply.type(type).header('cache-control', 'no-cache').send(body))
  }

  app.get('/session', async (request) => {
    const userId = userOf(request)
    return {
      user: userId === null ? null : { id: userId, name: userId.replace(/^user:/, '') },
      balance: userId === null ? null : ledger.balance(userId),
      sandboxUrl: p.sandbox?.url ?? null
    }
  })

  app.post('/session', {
    schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$' } } } }
  }, async (request, reply) => {
    const userId = `user:${request.body.name.trim().toLowerCase()}`
    reply.setCookie(SESSION_COOKIE, userId, { signed: true, httpOnly: true, sameSite: 'lax', secure: false, path: '/', maxAge: 7 * 86400 })
    return { user: { id: userId, name: userId.slice(5) } }
  })

  app.delete('/session', async (_request, reply) => {
    return reply.clearCookie(SESSION_COOKIE, { path: '/' }).code(204).send()
  })

  // personal data on demand from the provider, never stored by the app (data minimisation)
  app.get('/profile', { preHandler: app.requireVerified }, async (request, reply) => {
    const { identityId, score } = request.verification
    try {
      const identity = await app.passbase.client.getIdentity(identityId)
      return {
        identityId,
        score,
        firstName: identity.owner?.firstName ?? null,
        lastName: identity.owner?.lastName ?? null,
        email: identity.owner?.email ?? null,
        verifiedAt: new Date(identity.updated * 1000).toISOString()
      }
    } catch (err) {
      request.log.warn({ err }, 'profile: provider unavailable')
      return reply.code(502).send({ statusCode: 502, code: 'PROVIDER_UNAVAILABLE', error: 'Bad Gateway', message: 'The identity provider cannot be reached' })
    }
  })

  // high-risk, transaction-bound: the user confirms this payout (amount and payee) with a face
  // authentication; the proof opens this one request, the next payout is confirmed again
  const payoutGuard = app.passbase.requireReauth({ action: (request) => payoutAction(request.body) })
  app.post('/payout', {
    preHandler: [checkPayout, payoutGuard],
    schema: {
      body: {
        type: 'object',
        required: ['amount', 'payee'],
        additionalProperties: false,
        properties: {
          amount: { type: 'number', exclusiveMinimum: 0, maximum: 100000 },
          payee: { type: 'string', minLength: 15, maxLength: 42 }
        }
      }
    }
  }, async (request, reply) => {
    const userId = request.verification.userId
    const { payee } = payoutAction(request.body)
    const amountCents = cents(request.body.amount)
    const balance = ledger.pay(userId, amountCents)
    if (balance === null) return reply.code(409).send(insufficientFunds)
    const payout = { payoutId: randomUUID(), amount: amountCents / 100, payee, balance }
    ledger.log({ kind: 'payout', userId, amount: payout.amount, payee })
    return payout
  })

  // refused before the step-up: nobody confirms a payout that cannot be made
  async function checkPayout (request, reply) {
    if (normalizeIban(request.body.payee) === null) {
      return reply.code(400).send({ statusCode: 400, code: 'INVALID_PAYEE', error: 'Bad Request', message: 'The payee is not a valid IBAN' })
    }
    const amount = cents(request.body.amount)
    if (amount === null) {
      return reply.code(400).send({ statusCode: 400, code: 'INVALID_AMOUNT', error: 'Bad Request', message: 'The amount must be positive, with at most two decimals' })
    }
    const userId = userOf(request)
    if (userId !== null && !ledger.canPay(userId, amount)) return reply.code(409).send(insufficientFunds)
  }

  // sensitive, not a transaction: the plain step-up window (a face authentication within 5 minutes)
  app.get('/statement', { preHandler: app.requireReauth }, async (request) => {
    const entries = ledger.activityOf(request.verification.userId).filter((e) => e.kind === 'payout')
    return { entries: entries.map((e) => ({ at: e.at, amount: e.amount, payee: e.payee })) }
  })

  app.get('/activity', async (request, reply) => {
    const userId = userOf(request)
    if (userId === null) return reply.code(401).send({ statusCode: 401, code: 'SIGN_IN_REQUIRED', error: 'Unauthorized', message: 'Sign in first' })
    // the activity shows payees masked; the full statement needs a step-up
    return { entries: ledger.activityOf(userId).map((e) => e.kind === 'payout' ? { ...e, payee: maskIban(e.payee) } : e) }
  })

  await app.listen({ port, host })
  const address = app.server.address()
  const local = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  const url = `http://${local}:${address.port}`
  if (p.sandbox !== null) p.sandbox.webhookUrl = `${url}/passbase/webhooks`

  let closing
  return {
    app,
    sandbox: p.sandbox,
    url,
    /** the address to open: localhost for loopback */
    publicUrl: local === '127.0.0.1' ? `http://localhost:${address.port}` : url,
    close () {
      closing ??= (async () => {
        await app.close()
        if (p.sandbox !== null) {
          p.snapshots.save()
          await p.sandbox.close()
        }
      })()
      return closing
    }
  }
}

function isMain () {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (isMain()) {
  start().then((wallet) => {
    const where = wallet.sandbox !== null ? `, sandbox provider at ${wallet.sandbox.url}` : ''
    console.log(`Wallet example: open ${wallet.publicUrl}${where} (Ctrl+C to stop)`)
    const stop = (signal) => {
      console.log(`${signal}: closing`)
      wallet.close().then(() => process.exit(0), (err) => {
        console.error(err)
        process.exit(1)
      })
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  }, (err) => {
    console.error(`Wallet example failed to start: ${err.message}`)
    process.exitCode = 1
  })
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { PassbaseClient } from './provider/client.js'
import type { PassbaseContext } from './context.js'
import { PassbaseOptionsError, PassbaseReauthNotConfiguredError, StoreUnavailableError } from './errors.js'
import { RecordCache } from './guards/cache.js'
import { createRequireReauth } from './guards/require-reauth.js'
import { createRequireVerified, createVerifiedCheck, type HookDone } from './guards/require-verified.js'
import { RevocationCache } from './guards/revocations.js'
import { resolveOptions, type FastifyPassbaseOptions } from './options.js'
import { StepUpTokens } from './reauth/token.js'
import { preparedError, sendPrepared } from './reply.js'
import { clientScriptRoutes } from './routes/client-script.js'
import { configRoutes } from './routes/config.js'
import { createReconciler, startReconcileLoop, type ReconcileOptions, type ReconcileResult } from './reconcile.js'
import { reauthRoutes } from './routes/reauth.js'
import { statusRoutes } from './routes/status.js'
import { verificationRoutes } from './routes/verifications.js'
import { errorHandler } from './routes/errors.js'
import { DEFAULT_CACHE_TTL_MS } from './stores/defaults.js'
import type { IdentityStatus, PassbaseStore, VerificationRecord } from './stores/types.js'
import { createSync } from './sync.js'
import { webhookKey } from './protocol/crypto.js'
import { createWebhookHandler } from './webhook/handler.js'
import { webhookRoutes } from './webhook/route.js'

/**
 * A guard: use it as a route's `preHandler`. On the common path it is a callback-style
 * hook (it calls `done` synchronously); when it must wait it returns a promise. Called
 * directly, `await guard(request, reply)` and check `reply.sent`.
 */
export type PassbaseGuard = (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply, done?: HookDone) => Promise<void> | undefined

export interface PassbaseDecorator {
  client: PassbaseClient
  store: PassbaseStore
  /** the user's local status ('none' when they linked no identity); rejects when the store does */
  statusOf: (userId: string) => Promise<IdentityStatus | 'none'>
  /** a `requireReauth` preHandler with a shorter window (seconds, ≤ `reauth.maxAge`) */
  requireReauth: (options?: { maxAge?: number }) => PassbaseGuard
  /** fetch the identity from the API and apply it now (what a webhook does) */
  refresh: (identityId: string) => Promise<VerificationRecord | null>
  /** page through the provider's identities and repair linked records whose webhook never arrived */
  reconcile: (options?: ReconcileOptions) => Promise<ReconcileResult>
}

declare module 'fastify' {
  interface FastifyInstance {
    passbase: PassbaseDecorator
    requireVerified: PassbaseGuard
    requireReauth: PassbaseGuard
  }
  interface FastifyRequest {
    /** the user's verification record, set by the guards (null when none) */
    verification: VerificationRecord | null
  }
}

const PURGE_EVERY_MS = 60_000
let warnedMemoryInProduction = false

async function fastifyPassbasePlugin (fastify: FastifyInstance, rawOptions: FastifyPassbaseOptions): Promise<void> {
  const options = resolveOptions(rawOptions)
  const { store } = options
  if (options.storeIsDefault && process.env.NODE_ENV === 'production' && !warnedMemoryInProduction) {
    warnedMemoryInProduction = true
    fastify.log.warn('fastify-passbase: using the in-memory store in production; links are lost on restart and not shared between instances. Pass a SqliteStore or PostgresStore as `store`.')
  }

  const client = new PassbaseClient({
    secretApiKey: options.secretApiKey,
    baseUrl: options.apiBaseUrl,
    timeoutMs: options.api.timeoutMs,
    retries: options.api.retries,
    concurrency: options.api.concurrency
  })
  // how long the guards trust a cached read (records and "not revoked" answers): the store's say, 1 s by default
  const cacheTtlMs = store.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS
  const cache = new RecordCache(store, cacheTtlMs)
  const sync = createSync({
    getIdentity: async (id) => await client.getIdentity(id),
    store,
    policy: { thresholds: options.thresholds, bindMetadata: options.metadataPrivateKey !== undefined },
    log: fastify.log,
    onStatusChange: options.onStatusChange,
    invalidateUser: (userId) => cache.invalidate(userId)
  })
  const ctx: PassbaseContext = { options, store, client, cache, sync }
  const check = createVerifiedCheck(options.getUserId, cache)
  const requireVerified = createRequireVerified(check)

  // step-up: resolved once; without `reauth` every requireReauth use is a startup error
  const reauth = options.reauth
  const tokens = new StepUpTokens(reauth?.maxAge ?? 0)
  const revocations = new RevocationCache(store, cacheTtlMs, (reauth?.maxAge ?? 0) * 1000)
  const reauthGuards = new WeakSet<PassbaseGuard>()
  const startUrl = `${options.prefix}/reauth/start`
  function makeReauthGuard (maxAge: number): PassbaseGuard {
    const guard = reauth === undefined
      ? notConfiguredGuard
      : createRequireReauth({ check, tokens, revocations, cookieName: reauth.cookieName, startUrl }, maxAge)
    reauthGuards.add(guard)
    return guard
  }
  const requireReauth = makeReauthGuard(reauth?.maxAge ?? 0)
  const reconcile = createReconciler({ identities: (o) => client.identities(o), store, sync, log: fastify.log })

  fastify.decorate('passbase', {
    client,
    store,
    async statusOf (userId: string) {
      return (await store.getByUser(userId))?.status ?? 'none'
    },
    requireReauth (opts: { maxAge?: number } = {}) {
      if (reauth === undefined) throw new PassbaseReauthNotConfiguredError()
      const maxAge = opts.maxAge ?? reauth.maxAge
      if (!Number.isInteger(maxAge) || maxAge <= 0 || maxAge > reauth.maxAge) {
        throw new PassbaseOptionsError(`requireReauth({ maxAge }): must be a whole number of seconds between 1 and reauth.maxAge (${reauth.maxAge})`)
      }
      return makeReauthGuard(maxAge)
    },
    async refresh (identityId: string) {
      const result = await sync.syncIdentity(identityId)
      return result.outcome === 'unlinked' ? null : result.record
    },
    async reconcile (opts?: ReconcileOptions) {
      return await reconcile(opts)
    }
  } satisfies PassbaseDecorator)
  fastify.decorate('requireVerified', requireVerified)
  fastify.decorate('requireReauth', requireReauth)
  fastify.decorateRequest('verification', null)

  if (reauth === undefined) {
    fastify.addHook('onRoute', (route) => {
      const handlers = [route.preHandler, route.onRequest, route.preValidation].flat()
      if (handlers.some((h) => typeof h === 'function' && reauthGuards.has(h as PassbaseGuard))) {
        throw new PassbaseReauthNotConfiguredError(` (route ${route.method.toString()} ${route.url})`)
      }
    })
  }

  // store lifecycle: tables at start, periodic purge, cross-process invalidations, close
  await store.init?.()
  const unsubscribe = store.subscribe?.((event) => {
    if (event.kind === 'user') cache.invalidate(event.userId)
    else if (event.kind === 'revoked') revocations.remember(event.jti, Date.now() + (reauth?.maxAge ?? 0) * 1000)
    else {
      cache.clear()
      revocations.clearNegative()
    }
  })
  const purge = setInterval(() => {
    store.purgeExpired(Date.now()).catch((err: unknown) => fastify.log.warn({ err }, 'passbase: purge failed'))
  }, PURGE_EVERY_MS)
  purge.unref()
  // background reconciliation starts once the app is ready and stops on close
  let reconcileLoop: ReturnType<typeof startReconcileLoop> | undefined
  const reconcileEvery = options.reconcile.intervalMs
  if (reconcileEvery !== undefined) {
    fastify.addHook('onReady', async () => { reconcileLoop = startReconcileLoop(reconcile, reconcileEvery, fastify.log) })
  }
  fastify.addHook('onClose', async () => {
    clearInterval(purge)
    // abort a background run first; it settles once the client has closed (its requests end)
    const reconciling = reconcileLoop?.stop()
    unsubscribe?.()
    await client.close()
    await reconciling
    await store.close?.()
  })

  const handle = createWebhookHandler({ store, sync, dedupTtlMs: options.dedupTtl * 1000, log: fastify.log })
  await fastify.register(async function passbaseRoutes (scope) {
    await scope.register(webhookRoutes, { key: webhookKey(options.webhookSecret), allowUnencrypted: options.allowUnencryptedWebhooks, handle })
    await scope.register(async function passbaseApi (api) {
      api.setErrorHandler(errorHandler)
      await api.register(verificationRoutes, ctx)
      await api.register(statusRoutes, ctx)
      await api.register(configRoutes, ctx)
      await api.register(clientScriptRoutes, ctx)
      if (reauth !== undefined) await api.register(reauthRoutes, { ctx, reauth, check, tokens, revocations })
    })
  }, { prefix: options.prefix })
}

const NOT_CONFIGURED = preparedError(new StoreUnavailableError())
/** Only reachable when a host bypasses the startup check: fail closed. */
async function notConfiguredGuard (request: FastifyRequest, reply: FastifyReply): Promise<void> {
  request.log.error('fastify-passbase: requireReauth used without reauth options; refusing')
  sendPrepared(reply, NOT_CONFIGURED)
}

export const fastifyPassbase = fp(fastifyPassbasePlugin, { fastify: '5.x', name: 'fastify-passbase' })
export default fastifyPassbase

export { PassbaseClient } from './provider/client.js'
export type { PassbaseClientOptions } from './provider/client.js'
export type { Identity, IdentityList, Resource, Settings } from './protocol/identity.js'
export * from './errors.js'
export type { FastifyPassbaseOptions, GetUserId, ReauthOptions, ReauthCookieOptions, StatusChange } from './options.js'
export type { ReconcileOptions, ReconcileResult } from './reconcile.js'
export { MemoryStore } from './stores/memory.js'
export type { MemoryStoreOptions } from './stores/memory.js'
export type * from './stores/types.js'
export { decryptWebhook, encryptWebhook, webhookKey } from './protocol/crypto.js'
export type { WebhookEvent } from './protocol/events.js'

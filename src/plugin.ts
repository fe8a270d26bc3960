import type { FastifyInstance } from 'fastify'
import { createAudit } from './changes/audit.js'
import { createChangeDeliverer } from './changes/deliverer.js'
import type { PassbaseDecorator } from './decorator.js'
import { PassbaseOptionsError, StoreUnavailableError } from './errors.js'
import { refusal, refusalSender } from './http/reply.js'
import { startLifecycle } from './lifecycle.js'
import { resolveOptions } from './options/resolve.js'
import type { FastifyPassbaseOptions } from './options/types.js'
import { PassbaseClient } from './provider/client.js'
import { registerRoutes } from './routes.js'
import { refuseStepUpRoutes } from './step-up/not-configured.js'
import { wireStepUp } from './step-up/wire.js'
import { guardStore } from './stores/guarded.js'
import { hasStepUp, missingMethods, type StoreFeature } from './stores/methods.js'
import { createTestHooks } from './test-hooks-impl.js'
import { kTestHooks } from './test-hooks.js'
import { RecordCache } from './verification/cache.js'
import { createVerifiedCheck } from './verification/check.js'
import { createRequireVerified } from './verification/guard.js'
import { LinkAttempts } from './verification/link-attempts.js'
import { createReconciler } from './verification/reconcile.js'
import { createVerificationService } from './verification/service.js'
import { effectiveStatus } from './verification/status.js'

let warnedMemoryInProduction = false

/** The plugin: resolves the options, builds the parts and wires them. It decides nothing itself. */
export async function fastifyPassbasePlugin (fastify: FastifyInstance, rawOptions: FastifyPassbaseOptions): Promise<void> {
  const options = resolveOptions(rawOptions)
  const { clock, reauth } = options
  checkStore(options.store, reauth !== undefined)
  if (options.storeIsDefault && process.env.NODE_ENV === 'production' && !warnedMemoryInProduction) {
    warnedMemoryInProduction = true
    fastify.log.warn('fastify-passbase: using the in-memory store in production; links are lost on restart and not shared between instances. Pass a SqliteStore or PostgresStore as `store`.')
  }

  const store = guardStore(options.store)
  const client = new PassbaseClient({ secretApiKey: options.secretApiKey, baseUrl: options.apiBaseUrl, ...options.api })
  const send = refusalSender(options.errorResponse)
  const storeUnavailable = refusal(new StoreUnavailableError())
  const cache = new RecordCache(store, options.cacheTtlMs)
  const deliverer = createChangeDeliverer({ store, onStatusChange: options.onStatusChange, clock, log: fastify.log })
  const checkDeps = { getUserId: options.getUserId, cache, clock, send, storeUnavailable }
  const { wiring: stepUp, guards } = wireStepUp({
    reauth,
    store: reauth !== undefined && hasStepUp(store) ? store : undefined,
    checkDeps,
    clock,
    send,
    storeUnavailable,
    prefix: options.prefix,
    cacheTtlMs: options.cacheTtlMs,
    log: fastify.log
  })
  // the guards' caches: dropped per user after a change made here, or told by the store (other instances)
  const caches = {
    invalidate (userId: string): void {
      cache.invalidate(userId)
      stepUp?.revocations.invalidate(userId)
    },
    clear (): void {
      cache.clear()
      stepUp?.revocations.clear()
    }
  }
  const changed = (): void => { deliverer.kick() }
  const verification = createVerificationService({
    getIdentity: async (id) => await client.getIdentity(id),
    store,
    policy: { thresholds: options.thresholds, bindMetadata: options.metadataPrivateKey !== undefined, watchlist: options.watchlist, expiry: options.expiry },
    clock,
    log: fastify.log,
    attempts: new LinkAttempts(options.linkAttempts.max, options.linkAttempts.window * 1000),
    invalidateUser: caches.invalidate,
    changed
  })
  const reconcile = createReconciler({ identities: (o) => client.identities(o), store, service: verification, log: fastify.log })
  const lifecycle = await startLifecycle(fastify, {
    store, client, caches, verification, deliverer, reconcile, reconcileEveryMs: options.reconcile.intervalMs, clock
  })

  const decorator: PassbaseDecorator = {
    client,
    store: options.store,
    clock,
    prefix: options.prefix,
    async statusOf (userId) {
      const now = clock.now()
      const record = await store.getByUser(userId, now)
      return record === null ? 'none' : effectiveStatus(record, now)
    },
    requireReauth: guards.make,
    async refresh (identityId) {
      const result = await verification.sync(identityId)
      return result.outcome === 'applied' || result.outcome === 'stale' ? result.record : null
    },
    reconcile: async (opts) => await reconcile(opts),
    forget: async (userId) => await verification.forget(userId),
    async endStepUp (userId) {
      if (stepUp === undefined) throw new PassbaseOptionsError('endStepUp(): the reauth option is not set')
      await stepUp.service.end(userId)
    },
    audit: createAudit(store),
    runMaintenance: lifecycle.runMaintenance
  }
  Object.defineProperty(decorator, kTestHooks, { value: createTestHooks({ store, clock, verification, stepUp, invalidateUser: caches.invalidate, changed }) })
  fastify.decorate('passbase', decorator)
  fastify.decorate('requireVerified', createRequireVerified(createVerifiedCheck(checkDeps, 'requireVerified')))
  fastify.decorate('requireReauth', guards.requireReauth)
  fastify.decorateRequest('verification', null)
  if (stepUp === undefined) refuseStepUpRoutes(fastify, guards.requireReauth)

  await registerRoutes(fastify, { options, store, send, verification, stepUp })
}

/** Auth.js-style: a custom store that lacks a method a configured feature needs is refused at register, naming it. */
function checkStore (store: unknown, withStepUp: boolean): void {
  const features: StoreFeature[] = ['identities', 'deliveries', 'changes', 'housekeeping', ...(withStepUp ? ['stepUp' as const] : [])]
  const missing = missingMethods(store, features)
  if (missing.length === 0) return
  const stepUpMissing = withStepUp && missingMethods(store, ['stepUp']).length > 0
  throw new PassbaseOptionsError(`store: missing method(s) ${missing.join(', ')}${stepUpMissing ? ' (the step-up methods are needed with the reauth option)' : ''}`)
}

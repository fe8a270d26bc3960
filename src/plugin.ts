import type { FastifyInstance } from 'fastify'
import { createAudit } from './changes/audit.js'
import { createChangeDeliverer } from './changes/deliverer.js'
import { PassbaseOptionsError, StoreUnavailableError } from './errors.js'
import { createErrorHandler } from './http/error-handler.js'
import { useJsonParserOnly } from './http/json-only.js'
import { refusal, refusalSender } from './http/reply.js'
import { startLifecycle } from './lifecycle.js'
import { resolveOptions } from './options/resolve.js'
import type { FastifyPassbaseOptions } from './options/types.js'
import { webhookKey } from './protocol/crypto.js'
import { PassbaseClient } from './provider/client.js'
import { clientScriptRoutes } from './routes/client-script.js'
import { createStepUpGuards } from './step-up/guards.js'
import { refuseStepUpRoutes } from './step-up/not-configured.js'
import { RevocationCache } from './step-up/revocations.js'
import { stepUpRoutes } from './step-up/routes.js'
import { createStepUpService } from './step-up/service.js'
import { StepUpTokens } from './step-up/tokens.js'
import { guardStore } from './stores/guarded.js'
import { hasStepUp, missingMethods, type StoreFeature } from './stores/methods.js'
import type { PassbaseDecorator } from './decorator.js'
import { approvedRecordReader } from './verification/approved.js'
import { RecordCache } from './verification/cache.js'
import { createVerifiedCheck } from './verification/check.js'
import { configRoute } from './verification/config-route.js'
import { createRequireVerified } from './verification/guard.js'
import { LinkAttempts } from './verification/link-attempts.js'
import { createReconciler } from './verification/reconcile.js'
import { verificationRoutes } from './verification/routes.js'
import { createVerificationService } from './verification/service.js'
import { effectiveStatus } from './verification/status.js'
import { createWebhookHandler } from './webhook/handler.js'
import { webhookRoutes } from './webhook/route.js'

let warnedMemoryInProduction = false

/** The plugin: resolves the options, builds the parts and wires them. It decides nothing itself. */
export async function fastifyPassbasePlugin (fastify: FastifyInstance, rawOptions: FastifyPassbaseOptions): Promise<void> {
  const options = resolveOptions(rawOptions)
  const { clock, reauth } = options
  const features: StoreFeature[] = ['identities', 'deliveries', 'changes', 'housekeeping', ...(reauth === undefined ? [] : ['stepUp' as const])]
  const missing = missingMethods(options.store, features)
  if (missing.length > 0) {
    throw new PassbaseOptionsError(`store: missing method(s) ${missing.join(', ')}${reauth !== undefined && missingMethods(options.store, ['stepUp']).length > 0 ? ' (the step-up methods are needed with the reauth option)' : ''}`)
  }
  if (options.storeIsDefault && process.env.NODE_ENV === 'production' && !warnedMemoryInProduction) {
    warnedMemoryInProduction = true
    fastify.log.warn('fastify-passbase: using the in-memory store in production; links are lost on restart and not shared between instances. Pass a SqliteStore or PostgresStore as `store`.')
  }

  const store = guardStore(options.store)
  const client = new PassbaseClient({ secretApiKey: options.secretApiKey, baseUrl: options.apiBaseUrl, ...options.api })
  const send = refusalSender(options.errorResponse)
  const storeUnavailable = refusal(new StoreUnavailableError())
  const stepUpStore = reauth !== undefined && hasStepUp(store) ? store : undefined
  const cache = new RecordCache(store, options.cacheTtlMs)
  const revocations = stepUpStore === undefined ? undefined : new RevocationCache(stepUpStore, options.cacheTtlMs)
  const deliverer = createChangeDeliverer({ store, onStatusChange: options.onStatusChange, clock, log: fastify.log })
  const verification = createVerificationService({
    getIdentity: async (id) => await client.getIdentity(id),
    store,
    policy: { thresholds: options.thresholds, bindMetadata: options.metadataPrivateKey !== undefined, watchlist: options.watchlist, expiry: options.expiry },
    clock,
    log: fastify.log,
    attempts: new LinkAttempts(options.linkAttempts.max, options.linkAttempts.window * 1000),
    invalidateUser: (userId) => {
      cache.invalidate(userId)
      revocations?.invalidate(userId)
    },
    changed: () => { deliverer.kick() }
  })
  const reconcile = createReconciler({ identities: (o) => client.identities(o), store, service: verification, log: fastify.log })
  const checkDeps = { getUserId: options.getUserId, cache, clock, send, storeUnavailable }
  const requireVerified = createRequireVerified(createVerifiedCheck(checkDeps, 'requireVerified'))
  const tokens = new StepUpTokens()
  const cookie = reauth?.cookie ?? { secure: true, sameSite: 'strict' as const, path: '/' }
  const guards = createStepUpGuards(stepUpStore === undefined || revocations === undefined || reauth === undefined
    ? undefined
    : {
        check: createVerifiedCheck(checkDeps, 'requireReauth'),
        tokens,
        revocations,
        clock,
        send,
        storeUnavailable,
        cookieName: reauth.cookieName,
        actionCookieName: reauth.actionCookieName,
        startUrl: `${options.prefix}/reauth/start`,
        store: stepUpStore,
        cookie
      }, reauth?.maxAge, send)
  const stepUp = stepUpStore === undefined || revocations === undefined || reauth === undefined
    ? undefined
    : createStepUpService({ store: stepUpStore, tokens, revocations, clock, log: fastify.log, maxAge: reauth.maxAge, challengeTtl: reauth.challengeTtl })

  const lifecycle = await startLifecycle(fastify, {
    store, client, cache, revocations, verification, deliverer, reconcile, reconcileEveryMs: options.reconcile.intervalMs, clock
  })
  fastify.decorate('passbase', {
    client,
    store: options.store,
    clock,
    async statusOf (userId: string) {
      const now = clock.now()
      const record = await store.getByUser(userId, now)
      return record === null ? 'none' : effectiveStatus(record, now)
    },
    requireReauth: guards.make,
    async refresh (identityId: string) {
      const result = await verification.sync(identityId)
      return result.outcome === 'applied' || result.outcome === 'stale' ? result.record : null
    },
    reconcile: async (opts) => await reconcile(opts),
    forget: async (userId: string) => await verification.forget(userId),
    async endStepUp (userId: string) {
      if (stepUp === undefined) throw new PassbaseOptionsError('endStepUp(): the reauth option is not set')
      await stepUp.end(userId)
    },
    audit: createAudit(store),
    runMaintenance: lifecycle.runMaintenance
  } satisfies PassbaseDecorator)
  fastify.decorate('requireVerified', requireVerified)
  fastify.decorate('requireReauth', guards.requireReauth)
  fastify.decorateRequest('verification', null)
  if (reauth === undefined) refuseStepUpRoutes(fastify, guards.isStepUpGuard)

  const errorHandler = createErrorHandler(send)
  const handle = createWebhookHandler({
    store,
    service: verification,
    stepUp: stepUpStore === undefined || reauth === undefined ? undefined : { store: stepUpStore, maxAgeMs: reauth.maxAge * 1000 },
    dedupTtlMs: options.dedupTtl * 1000,
    clock
  })
  await fastify.register(async function passbaseRoutes (scope) {
    const keys = options.webhookSecret.map(webhookKey)
    await scope.register(webhookRoutes, { read: { keys, allowUnencrypted: options.allowUnencryptedWebhooks }, handle, clock, errorHandler })
    await scope.register(async function passbaseApi (api) {
      api.setErrorHandler(errorHandler)
      useJsonParserOnly(api)
      await api.register(verificationRoutes, { getUserId: options.getUserId, service: verification, store, clock })
      await api.register(configRoute, {
        getUserId: options.getUserId,
        publishableApiKey: options.publishableApiKey,
        metadataPrivateKey: options.metadataPrivateKey,
        buttonScriptUrl: options.buttonScriptUrl
      })
      await api.register(clientScriptRoutes, { prefix: options.prefix })
      if (stepUp !== undefined && reauth !== undefined) {
        await api.register(stepUpRoutes, {
          service: stepUp,
          tokens,
          secrets: reauth.secret,
          getUserId: options.getUserId,
          approvedRecord: approvedRecordReader(store, clock),
          clock,
          cookieName: reauth.cookieName,
          actionCookieName: reauth.actionCookieName,
          cookie
        })
      }
    })
  }, { prefix: options.prefix })
}

import type { FastifyInstance } from 'fastify'
import type { ChangeDeliverer } from './changes/deliverer.js'
import type { Clock } from './clock.js'
import type { PassbaseClient } from './provider/client.js'
import type { PassbaseStore } from './stores/types.js'
import { observePendingChanges } from './telemetry/index.js'
import { startReconcileLoop, type Reconcile } from './verification/reconcile.js'
import type { VerificationService } from './verification/service.js'
import { createUnsettledSweep, UNSETTLED_CHECK_EVERY_MS } from './verification/unsettled.js'

const PURGE_EVERY_MS = 60_000
const EXPIRE_EVERY_MS = 30_000

export interface LifecycleDeps {
  store: PassbaseStore
  client: PassbaseClient
  /** the guards' caches */
  caches: { invalidate: (userId: string) => void, clear: () => void }
  verification: VerificationService
  deliverer: ChangeDeliverer
  reconcile: Reconcile
  reconcileEveryMs: number | undefined
  clock: Clock
}

/** What `passbase.runMaintenance()` did. */
export interface MaintenanceResult {
  /** approvals that expired now */
  expired: number
  /** status changes handed to onStatusChange (or retried) */
  delivered: number
  /** links kept during a provider outage that were released: unknown to the provider, or still unconfirmed a day after linking */
  released: number
}

/**
 * The plugin's moving parts over the app's life: the store's tables at start; the
 * store's cross-process notifications → the guard caches; periodic purge, expiry sweep
 * and re-check of links never settled; the change deliverer and background reconciliation once the app is ready;
 * everything stopped and closed, in order, on close.
 */
export async function startLifecycle (fastify: FastifyInstance, deps: LifecycleDeps): Promise<{ runMaintenance: () => Promise<MaintenanceResult> }> {
  const { store, caches, verification, deliverer, clock } = deps
  const log = fastify.log
  await store.init?.()
  const unsubscribe = store.subscribe?.((event) => {
    if (event.kind === 'user') caches.invalidate(event.userId)
    else caches.clear()
  })
  const stopGauge = observePendingChanges(async () => await store.pendingChanges())
  const every = (ms: number, what: string, job: () => Promise<unknown>): NodeJS.Timeout => {
    const timer = setInterval(() => { job().catch((err: unknown) => log.warn({ err }, `passbase: ${what} failed`)) }, ms)
    timer.unref()
    return timer
  }
  const purge = every(PURGE_EVERY_MS, 'purge', async () => { await store.purgeExpired(clock.now()) })
  const expire = every(EXPIRE_EVERY_MS, 'expiry sweep', async () => await verification.expireDue())
  const settleUnsettled = createUnsettledSweep({ store, verification, clock })
  const unsettled = every(UNSETTLED_CHECK_EVERY_MS, 'unsettled links check', settleUnsettled)

  let reconcileLoop: ReturnType<typeof startReconcileLoop> | undefined
  fastify.addHook('onReady', async () => {
    deliverer.start()
    if (deps.reconcileEveryMs !== undefined) reconcileLoop = startReconcileLoop(deps.reconcile, deps.reconcileEveryMs, log)
  })
  fastify.addHook('onClose', async () => {
    clearInterval(purge)
    clearInterval(expire)
    clearInterval(unsettled)
    stopGauge()
    unsubscribe?.()
    // abort a background run first; it settles once the client has closed (its requests end)
    const reconciling = reconcileLoop?.stop()
    await deliverer.stop()
    await deps.client.close()
    await reconciling
    await store.close?.()
  })

  return {
    async runMaintenance () {
      await store.purgeExpired(clock.now())
      const expired = await verification.expireDue()
      const released = await settleUnsettled()
      const delivered = await deliverer.drain()
      return { expired, delivered, released }
    }
  }
}

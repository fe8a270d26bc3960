import type { FastifyBaseLogger } from 'fastify'
import type { Identity } from '../protocol/identity.js'
import type { PassbaseStore } from '../stores/types.js'
import { recordReconcileRepaired } from '../telemetry/index.js'
import type { VerificationService } from './service.js'

/** `fastify.passbase.reconcile()` options. */
export interface ReconcileOptions {
  /**
   * Only consider identities whose provider `updated` is at or after this instant
   * (a Date, or Unix seconds). Every page is still read (the provider's list has no
   * filter); older identities are skipped without a store lookup.
   */
  since?: Date | number
}

/** What one reconciliation did. */
export interface ReconcileResult {
  /** identities read from the provider (all pages) */
  scanned: number
  /** of those (after `since`), the ones linked to a user in the store */
  linked: number
  /** linked records that were behind the provider and were updated (monotonic, one `onStatusChange` per transition) */
  repaired: number
}

export interface ReconcilerDeps {
  /** the provider's identities, page by page (PassbaseClient#identities) */
  identities: (options: { limit?: number }) => AsyncIterable<Identity>
  store: Pick<PassbaseStore, 'getByIdentity'>
  service: Pick<VerificationService, 'applyIdentity'>
  log: FastifyBaseLogger
  /** page size asked from the provider; default 100 */
  pageSize?: number
  /** linked identities applied concurrently within a page; default 8 */
  concurrency?: number
}

const DEFAULT_PAGE_SIZE = 100
const DEFAULT_CONCURRENCY = 8

function sinceSeconds (since: Date | number | undefined): number | undefined {
  if (since === undefined) return undefined
  const seconds = since instanceof Date ? since.getTime() / 1000 : since
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
    throw new TypeError('passbase.reconcile: `since` must be a valid Date or a number of Unix seconds')
  }
  return seconds
}

/**
 * Reconciliation: the provider disables webhook endpoints that fail for long, and a
 * delivery may be lost. `reconcile` pages through the provider's identities and
 * applies each linked one through the same sync as a webhook (policy → monotonic
 * conditional update → one onStatusChange per transition), so running it while
 * webhooks arrive, twice, or from several instances at once is safe.
 *
 * Errors (API, store) reject the call; what was applied before stays applied.
 */
export function createReconciler (deps: ReconcilerDeps) {
  const { store, service } = deps
  const pageSize = deps.pageSize ?? DEFAULT_PAGE_SIZE
  const concurrency = deps.concurrency ?? DEFAULT_CONCURRENCY

  async function reconcile (options: ReconcileOptions = {}, signal?: AbortSignal): Promise<ReconcileResult> {
    const since = sinceSeconds(options.since)
    const result: ReconcileResult = { scanned: 0, linked: 0, repaired: 0 }
    let batch: Identity[] = []

    async function applyOne (identity: Identity): Promise<void> {
      const record = await store.getByIdentity(identity.id.toLowerCase())
      if (record === null) return
      result.linked++
      // cheap pre-check: the store's compare-and-set would refuse an older state anyway
      // (an equal one may still apply: the same-second tie rule)
      if (identity.updated < record.providerUpdated) return
      const applied = await service.applyIdentity(identity, record)
      if (applied.outcome === 'applied') {
        result.repaired++
        recordReconcileRepaired(1)
      }
    }

    async function flush (): Promise<void> {
      const items = batch
      batch = []
      let next = 0
      const worker = async (): Promise<void> => {
        while (next < items.length) {
          signal?.throwIfAborted()
          await applyOne(items[next++] as Identity)
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
    }

    for await (const identity of deps.identities({ limit: pageSize })) {
      signal?.throwIfAborted()
      result.scanned++
      if (since !== undefined && identity.updated < since) continue
      batch.push(identity)
      if (batch.length >= pageSize) await flush()
    }
    await flush()
    return result
  }

  return reconcile
}

export type Reconcile = ReturnType<typeof createReconciler>

/**
 * The background mode (`reconcile: { intervalMs }`): a full reconciliation every
 * `intervalMs` after the previous one finished (never two at once), on an unref'd
 * timer; failures are logged and the next run is still scheduled. `stop()` cancels
 * the timer, aborts a run in progress and waits for it.
 */
export function startReconcileLoop (reconcile: Reconcile, intervalMs: number, log: FastifyBaseLogger) {
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined

  function schedule (): void {
    if (controller.signal.aborted) return
    timer = setTimeout(tick, intervalMs)
    timer.unref()
  }

  function tick (): void {
    timer = undefined
    running = reconcile({}, controller.signal).then((result) => {
      if (result.repaired > 0) log.info(result, 'passbase: reconciliation repaired records')
      else log.debug(result, 'passbase: reconciliation done')
    }, (err: unknown) => {
      if (!controller.signal.aborted) log.error({ err }, 'passbase: background reconciliation failed; retrying at the next interval')
    }).finally(() => {
      running = undefined
      schedule()
    })
  }

  schedule()
  return {
    async stop (): Promise<void> {
      controller.abort()
      if (timer !== undefined) clearTimeout(timer)
      await running
    }
  }
}

import { diag, metrics } from '@opentelemetry/api'
import type { Counter, Histogram, MeterProvider, ObservableGauge, ObservableResult } from '@opentelemetry/api'
import { AttributeCache1, AttributeCache2 } from './attributes.js'
import type { HandleOutcome } from '../webhook/handler.js'

/**
 * The package's metrics, defined once, through `@opentelemetry/api`: no-op until the
 * host registers a MeterProvider (an OpenTelemetry SDK). The API has no proxy for
 * meters, so the instruments follow the global provider: they are (re)created on the
 * first recording after the host registers one, whenever that happens (also long after
 * this module was imported). Attribute values are small fixed vocabularies (outcomes,
 * statuses, error codes, operation names), never a user id, identity id, name, email,
 * datapoint, URL path or key.
 */

export const TELEMETRY_NAME = 'fastify-passbase'

/** What became of a webhook delivery: the handler's outcome, `invalid` (400/413) or `failed` (5xx: the provider retries). */
export type WebhookOutcome = HandleOutcome | 'invalid' | 'failed'

/** Which guard refused (suggested values). */
export type GuardName = 'requireVerified' | 'requireReauth' | (string & {})

/** The outcome of one HTTP attempt to the provider: its status code, or why there was none. */
export type ProviderAttemptStatus = number | 'error' | 'timeout'

/** A source of the number of changes waiting for delivery to `onStatusChange`. */
export type PendingChangesSource = () => number | Promise<number>

/** Bucket boundaries (seconds) for provider request durations: 5 ms to 10 s. */
export const DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]

/** How often the pending-changes gauge looks for a newly registered MeterProvider while sources exist. */
const PICK_UP_EVERY_MS = 1000

interface Instruments {
  deliveries: Counter
  transitions: Counter
  refusals: Counter
  repaired: Counter
  duration: Histogram
  pending: ObservableGauge
}

const outcomeAttrs = new AttributeCache1('outcome')
const transitionAttrs = new AttributeCache2('from', 'to')
const refusalAttrs = new AttributeCache2('guard', 'code')
const requestAttrs = new AttributeCache2('endpoint', 'status')

let boundProvider: MeterProvider | undefined
let bound: Instruments | undefined

function create (provider: MeterProvider): Instruments {
  const meter = provider.getMeter(TELEMETRY_NAME)
  const pending = meter.createObservableGauge('passbase.changes.pending', {
    description: 'Changes stored but not yet delivered to onStatusChange',
    unit: '{change}'
  })
  pending.addCallback(observePending)
  return {
    deliveries: meter.createCounter('passbase.webhook.deliveries', {
      description: 'Webhook deliveries received, by outcome',
      unit: '{delivery}'
    }),
    transitions: meter.createCounter('passbase.status.transitions', {
      description: 'Local status transitions, by previous and new status',
      unit: '{transition}'
    }),
    refusals: meter.createCounter('passbase.guard.refusals', {
      description: 'Requests refused by a guard, by guard and error code',
      unit: '{refusal}'
    }),
    repaired: meter.createCounter('passbase.reconcile.repaired', {
      description: 'Records repaired by reconciliation',
      unit: '{record}'
    }),
    duration: meter.createHistogram('passbase.provider.request.duration', {
      description: 'Duration of each HTTP attempt to the provider API, by operation and status',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_S }
    }),
    pending
  }
}

/** The instruments of the current global MeterProvider (cheap when it did not change). */
function instruments (): Instruments {
  const provider = metrics.getMeterProvider()
  if (provider === boundProvider && bound !== undefined) return bound
  bound?.pending.removeCallback(observePending)
  boundProvider = provider
  bound = create(provider)
  return bound
}

/**
 * Binds the instruments to the global MeterProvider now. Not needed in general (every
 * recording does it, and the pending-changes gauge checks every second); useful
 * right after registering a provider when the first collection must already see the gauge.
 */
export function refreshTelemetryProviders (): void {
  instruments()
}

/** `passbase.webhook.deliveries{outcome}` +1. */
export function recordWebhookDelivery (outcome: WebhookOutcome): void {
  instruments().deliveries.add(1, outcomeAttrs.get(outcome))
}

/** `passbase.status.transitions{from,to}` +`count` (local statuses, e.g. `processing` → `approved`). */
export function recordTransition (from: string, to: string, count = 1): void {
  instruments().transitions.add(count, transitionAttrs.get(from, to))
}

/** `passbase.guard.refusals{guard,code}` +1; `code` is the refusal's FST_PASSBASE_* code. */
export function recordGuardRefusal (guard: GuardName, code: string): void {
  instruments().refusals.add(1, refusalAttrs.get(guard, code))
}

/** `passbase.reconcile.repaired` +n (n ≥ 0; anything else is ignored). */
export function recordReconcileRepaired (n: number): void {
  if (!Number.isFinite(n) || n < 0) return
  instruments().repaired.add(n)
}

/** `passbase.provider.request.duration{endpoint,status}`: one HTTP attempt, in seconds. */
export function recordProviderRequest (endpoint: string, status: ProviderAttemptStatus, seconds: number): void {
  instruments().duration.record(seconds, requestAttrs.get(endpoint, status))
}

// one entry per registration: the same function registered twice counts twice, and unregisters once
const sources = new Set<{ source: PendingChangesSource }>()
let pickUpTimer: ReturnType<typeof setInterval> | undefined

async function observePending (result: ObservableResult): Promise<void> {
  if (sources.size === 0) return
  const values = await Promise.allSettled([...sources].map(async (entry) => await entry.source()))
  let total = 0
  let observed = false
  for (const v of values) {
    if (v.status === 'fulfilled' && typeof v.value === 'number' && Number.isFinite(v.value)) {
      total += v.value
      observed = true
    } else {
      diag.warn('fastify-passbase: a passbase.changes.pending source failed or returned no number')
    }
  }
  if (observed) result.observe(total)
}

/**
 * Reports `passbase.changes.pending` from `source` at every collection (the sum over
 * all registered sources, e.g. several plugin instances). Returns a function that
 * unregisters it.
 */
export function observePendingChanges (source: PendingChangesSource): () => void {
  const entry = { source }
  sources.add(entry)
  instruments()
  if (pickUpTimer === undefined) {
    pickUpTimer = setInterval(instruments, PICK_UP_EVERY_MS)
    pickUpTimer.unref()
  }
  return () => {
    sources.delete(entry)
    if (sources.size === 0 && pickUpTimer !== undefined) {
      clearInterval(pickUpTimer)
      pickUpTimer = undefined
    }
  }
}

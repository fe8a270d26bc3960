/**
 * Metrics and traces of fastify-passbase, through `@opentelemetry/api` (no-op until
 * the host installs an OpenTelemetry SDK). Meter and tracer are named `fastify-passbase`.
 */
export {
  DURATION_BUCKETS_S,
  TELEMETRY_NAME,
  observePendingChanges,
  recordGuardRefusal,
  recordProviderRequest,
  recordReconcileRepaired,
  recordTransition,
  recordWebhookDelivery,
  refreshTelemetryProviders
} from './metrics.js'
export type { GuardName, PendingChangesSource, ProviderAttemptStatus, WebhookOutcome } from './metrics.js'
export { SpanKind, errorType, markSpanError, withSpan } from './spans.js'
export type { WithSpanOptions } from './spans.js'

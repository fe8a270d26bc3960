import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import type { Attributes, Span, Tracer, TracerProvider } from '@opentelemetry/api'
import { TELEMETRY_NAME } from './metrics.js'

/**
 * Spans through `@opentelemetry/api`: no-op until the host registers a
 * TracerProvider. The tracer follows the global provider (also one registered after
 * this module was imported, or replaced later). A failed span records the error's
 * stable code as `error.type`, never its message (messages may name what was fetched).
 */

export { SpanKind }

export interface WithSpanOptions {
  kind?: SpanKind
  /** fixed-vocabulary attributes only: never an id, a name, an email, a datapoint, a path or a key */
  attributes?: Attributes
}

let boundProvider: TracerProvider | undefined
let tracer: Tracer | undefined

function currentTracer (): Tracer {
  const provider = trace.getTracerProvider()
  if (provider !== boundProvider || tracer === undefined) {
    boundProvider = provider
    tracer = provider.getTracer(TELEMETRY_NAME)
  }
  return tracer
}

const SAFE_TYPE = /^[A-Za-z0-9_.-]{1,64}$/

/** A short, stable description of what failed: the error's `code` (e.g. FST_PASSBASE_PROVIDER_UNAVAILABLE), else its class name. */
export function errorType (err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string' && SAFE_TYPE.test(code)) return code
  const name = (err as { name?: unknown } | null)?.name
  return typeof name === 'string' && SAFE_TYPE.test(name) ? name : 'Error'
}

/** Marks a span failed: status ERROR and `error.type`, without the message. */
export function markSpanError (span: Span, err: unknown): void {
  const type = errorType(err)
  span.setAttribute('error.type', type)
  span.setStatus({ code: SpanStatusCode.ERROR, message: type })
}

/**
 * Runs `fn` inside an active span named `name` (e.g. `passbase.webhook`), ends it when
 * `fn` settles, and marks it failed when `fn` throws (the error is rethrown).
 */
export function withSpan<T> (name: string, fn: (span: Span) => T | Promise<T>, options: WithSpanOptions = {}): Promise<T> {
  return currentTracer().startActiveSpan(name, options, async (span) => {
    try {
      return await fn(span)
    } catch (err) {
      markSpanError(span, err)
      throw err
    } finally {
      span.end()
    }
  })
}

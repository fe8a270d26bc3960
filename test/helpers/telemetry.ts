import type { Test } from 'tap'
import { metrics, trace } from '@opentelemetry/api'
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'

/** OpenTelemetry's SDK in memory, as a host would register it: what the plugin's metrics and traces look like. */

/** A metric reader the test collects from by hand. */
export class TestReader extends MetricReader {
  protected override async onForceFlush (): Promise<void> {}
  protected override async onShutdown (): Promise<void> {}
}

export interface Point { name: string, attributes: Record<string, unknown>, value: unknown }

/** Every data point of a collection, with its instrument's name. */
export function points (rm: ResourceMetrics): Point[] {
  return rm.scopeMetrics.flatMap((scope) => scope.metrics.flatMap((m) =>
    (m.dataPoints as Array<{ attributes: Record<string, unknown>, value: unknown }>).map((dp) => ({ name: m.descriptor.name, attributes: dp.attributes, value: dp.value }))))
}

/** A meter provider (read by `reader`) and a tracer provider (spans in `exporter`), global for this test, removed at its end. */
export function installTelemetry (t: Test): { reader: TestReader, exporter: InMemorySpanExporter } {
  const reader = new TestReader()
  const meterProvider = new MeterProvider({ readers: [reader] })
  const exporter = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  t.ok(metrics.setGlobalMeterProvider(meterProvider), 'the meter provider is registered')
  t.ok(trace.setGlobalTracerProvider(tracerProvider), 'the tracer provider is registered')
  t.teardown(async () => {
    metrics.disable()
    trace.disable()
    await meterProvider.shutdown()
    await tracerProvider.shutdown()
  })
  return { reader, exporter }
}

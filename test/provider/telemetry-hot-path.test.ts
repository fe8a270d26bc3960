import t, { type Test } from 'tap'
import { createNoopMeter, metrics } from '@opentelemetry/api'
import type { Attributes, Counter, Histogram, Meter, MeterProvider } from '@opentelemetry/api'
import { MeterProvider as SdkMeterProvider } from '@opentelemetry/sdk-metrics'
import {
  observePendingChanges,
  recordGuardRefusal,
  recordProviderRequest,
  recordTransition,
  recordWebhookDelivery,
  refreshTelemetryProviders
} from '../../src/telemetry/index.js'
import { AttributeCache1, AttributeCache2 } from '../../src/telemetry/attributes.js'
import { TestReader } from '../helpers/telemetry.js'
import { until } from '../helpers/wait.js'

/** A MeterProvider that remembers every attributes object it was handed. */
function spyProvider (): { provider: MeterProvider, seen: Map<string, Attributes[]>, meters: number } {
  const seen = new Map<string, Attributes[]>()
  const state = { provider: undefined as unknown as MeterProvider, seen, meters: 0 }
  const remember = (name: string, attrs: Attributes | undefined): void => {
    const list = seen.get(name) ?? []
    list.push(attrs ?? {})
    seen.set(name, list)
  }
  state.provider = {
    getMeter (): Meter {
      state.meters++
      const noop = createNoopMeter()
      return Object.assign(Object.create(noop) as Meter, {
        createCounter: (name: string): Counter => ({ add: (_v: number, attrs?: Attributes) => remember(name, attrs) }),
        createHistogram: (name: string): Histogram => ({ record: (_v: number, attrs?: Attributes) => remember(name, attrs) }),
        createObservableGauge: noop.createObservableGauge.bind(noop)
      })
    }
  }
  return state
}

t.test('a repeated attribute combination reuses one frozen object (no allocation per call)', async (t) => {
  const spy = spyProvider()
  t.ok(metrics.setGlobalMeterProvider(spy.provider))
  t.teardown(() => metrics.disable())
  for (let i = 0; i < 1000; i++) {
    recordGuardRefusal('requireVerified', 'FST_PASSBASE_VERIFICATION_REQUIRED')
    recordTransition('pending', 'approved')
    recordWebhookDelivery('applied')
    recordProviderRequest('getIdentity', 200, 0.01)
  }
  recordGuardRefusal('requireVerified', 'FST_PASSBASE_UNAUTHENTICATED')
  recordProviderRequest('getIdentity', 'timeout', 5)
  t.equal(spy.meters, 1, 'the instruments are created once')
  for (const name of ['passbase.guard.refusals', 'passbase.status.transitions', 'passbase.webhook.deliveries', 'passbase.provider.request.duration']) {
    const list = spy.seen.get(name) ?? []
    t.ok(list.length >= 1000, name)
    t.ok(list.slice(0, 1000).every((a) => a === list[0]), `${name}: one object for one combination`)
    t.ok(Object.isFrozen(list[0]))
  }
  const refusals = spy.seen.get('passbase.guard.refusals') ?? []
  t.same(refusals[0], { guard: 'requireVerified', code: 'FST_PASSBASE_VERIFICATION_REQUIRED' })
  t.same(refusals[1000], { guard: 'requireVerified', code: 'FST_PASSBASE_UNAUTHENTICATED' })
  const durations = spy.seen.get('passbase.provider.request.duration') ?? []
  t.same(durations[0], { endpoint: 'getIdentity', status: '200' }, 'a status code is recorded as a string')
  t.same(durations[1000], { endpoint: 'getIdentity', status: 'timeout' })
})

t.test('AttributeCache: bounded, beyond the bound still correct', async (t) => {
  const one = new AttributeCache1('outcome', 2)
  t.equal(one.get('a'), one.get('a'))
  one.get('b')
  t.not(one.get('c'), one.get('c'), 'past the bound: built per call')
  t.same(one.get('c'), { outcome: 'c' })
  const two = new AttributeCache2('from', 'to', 2)
  t.equal(two.get('a', 'b'), two.get('a', 'b'))
  t.equal(two.get('a', 1), two.get('a', 1))
  t.same(two.get('a', 1), { from: 'a', to: '1' })
  t.not(two.get('x', 'y'), two.get('x', 'y'))
  t.same(two.get('x', 'y'), { from: 'x', to: 'y' })
})

async function pendingValue (reader: TestReader): Promise<unknown> {
  const { resourceMetrics } = await reader.collect()
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const m of scope.metrics) {
      if (m.descriptor.name === 'passbase.changes.pending') return m.dataPoints[0]?.value
    }
  }
  return undefined
}

/** A meter provider only (no tracer), global for this test. */
function meterOnly (t: Test): TestReader {
  const reader = new TestReader()
  const provider = new SdkMeterProvider({ readers: [reader] })
  t.ok(metrics.setGlobalMeterProvider(provider))
  t.teardown(async () => {
    metrics.disable()
    await provider.shutdown()
  })
  return reader
}

t.test('the pending gauge finds a MeterProvider registered after it, with no other recording', async (t) => {
  const stop = observePendingChanges(() => 7)
  t.teardown(stop)
  const reader = meterOnly(t)
  // bound by the gauge's own periodic check (about a second), without any recording
  let value: unknown
  await until(async () => (value = await pendingValue(reader)) !== undefined, 'the gauge found the provider')
  t.equal(value, 7)
})

t.test('refreshTelemetryProviders binds at once', async (t) => {
  const stop = observePendingChanges(async () => 3)
  t.teardown(stop)
  const reader = meterOnly(t)
  refreshTelemetryProviders()
  t.equal(await pendingValue(reader), 3)
})

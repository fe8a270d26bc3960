import t from 'tap'
// the package (and so its instruments) is imported before any provider is registered
import { PassbaseClient } from '../../src/provider/client.js'
import {
  observePendingChanges,
  recordGuardRefusal,
  recordReconcileRepaired,
  recordTransition,
  recordWebhookDelivery,
  withSpan
} from '../../src/telemetry/index.js'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { installTelemetry, points, type Point } from '../helpers/telemetry.js'
import { client, identity, json, KEY, provider, rejection } from './helpers.js'

/** Every string reachable from exported telemetry: span names, attributes, events, statuses; metric names and attributes. */
function everyString (spans: ReadableSpan[], pts: Point[]): string[] {
  const out: string[] = []
  const add = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(add)
    else if (v !== undefined && v !== null) out.push(String(v))
  }
  for (const s of spans) {
    add(s.name)
    add(s.status.message)
    for (const [k, v] of Object.entries(s.attributes)) { add(k); add(v) }
    for (const e of s.events) {
      add(e.name)
      for (const [k, v] of Object.entries(e.attributes ?? {})) { add(k); add(v) }
    }
  }
  for (const p of pts) {
    add(p.name)
    for (const [k, v] of Object.entries(p.attributes)) { add(k); add(v) }
  }
  return out
}

t.test('before any provider is registered, everything is a no-op', async (t) => {
  recordWebhookDelivery('applied')
  recordGuardRefusal('requireVerified', 'FST_PASSBASE_VERIFICATION_REQUIRED')
  t.equal(await withSpan('passbase.webhook', () => 42), 42)
  const p = await provider(t, (req, res) => { json(res, 200, identity('early')) })
  t.equal((await client(t, p).getIdentity('early')).id, 'early')
})

t.test('providers registered after import are picked up: spans per call, one duration per attempt', async (t) => {
  const { reader, exporter } = installTelemetry(t)
  const IDENTITY = 'id-tele-7f3a'
  const p = await provider(t, (req, res, n) => {
    const url = req.url ?? ''
    if (url.endsWith('/settings')) {
      if (n === 1) json(res, 503, {})
      else json(res, 200, { id: 'project-tele-1', organization: 'Acme' })
    } else if (url.includes('/resource_files/')) {
      res.writeHead(200, { 'content-type': 'image/jpeg' })
      res.end(Buffer.from('jpeg'))
    } else if (url.includes('/resources/')) json(res, 404, {})
    else if (url.includes('/resources')) json(res, 200, { cursor: { next: null }, data: [{ id: 'res-tele-1', datapoints: { document_number: 'DOC-SECRET-9' } }] })
    else if (url.startsWith('/verification/v2/identities?')) json(res, 200, { data: [identity(IDENTITY)] })
    else {
      json(res, 200, identity(IDENTITY, {
        owner: { email: 'tele.person@example.com', first_name: 'Telly', last_name: 'Metric' },
        metadata: { user_id: 'user-tele-42' },
        resources: [{ type: 'PASSPORT', datapoints: { document_number: 'DOC-SECRET-8' } }]
      }))
    }
  })
  const c = client(t, p)
  await c.getSettings() // 503, then 200
  await c.getIdentity(IDENTITY)
  await c.listIdentities({ limit: 1, cursor: 'cursor-tele-1' })
  await c.listResources(IDENTITY)
  await t.rejects(c.getResource(IDENTITY, 'res-tele-1'))
  const file = await c.getResourceFile(IDENTITY, 'res-tele-1', 'file-tele-1')
  for await (const chunk of file.body) t.ok(chunk)
  const closed = new PassbaseClient({ secretApiKey: KEY, baseUrl: p.url })
  await closed.close()
  await t.rejects(closed.getIdentity(IDENTITY))

  const spans = exporter.getFinishedSpans()
  t.same(spans.map((s) => s.name), [
    'passbase.provider.getSettings',
    'passbase.provider.getIdentity',
    'passbase.provider.listIdentities',
    'passbase.provider.listResources',
    'passbase.provider.getResource',
    'passbase.provider.getResourceFile',
    'passbase.provider.getIdentity'
  ], 'one span per logical call, retries inside it')
  t.ok(spans.every((s) => s.kind === SpanKind.CLIENT))
  t.ok(spans.every((s) => s.instrumentationScope.name === 'fastify-passbase'))
  t.match(spans[0].attributes, { 'passbase.provider.endpoint': 'getSettings', 'http.request.method': 'GET', 'passbase.provider.attempts': 2, 'http.response.status_code': 200 })
  t.equal(spans[0].status.code, SpanStatusCode.UNSET)
  t.match(spans[4].attributes, { 'passbase.provider.attempts': 1, 'http.response.status_code': 404, 'error.type': 'FST_PASSBASE_API_NOT_FOUND' })
  t.same(spans[4].status, { code: SpanStatusCode.ERROR, message: 'FST_PASSBASE_API_NOT_FOUND' })
  t.match(spans[6].attributes, { 'passbase.provider.attempts': 0, 'error.type': 'FST_PASSBASE_PROVIDER_UNAVAILABLE' }, 'a closed client sends nothing')

  const { resourceMetrics } = await reader.collect()
  const durations = points(resourceMetrics).filter((pt) => pt.name === 'passbase.provider.request.duration')
  const byAttrs = new Map(durations.map((d) => [`${String(d.attributes.endpoint)} ${String(d.attributes.status)}`, (d.value as { count: number }).count]))
  t.same(Object.fromEntries(byAttrs), {
    'getSettings 503': 1,
    'getSettings 200': 1,
    'getIdentity 200': 1,
    'listIdentities 200': 1,
    'listResources 200': 1,
    'getResource 404': 1,
    'getResourceFile 200': 1
  }, 'one measurement per HTTP attempt, by operation and status')
  for (const d of durations) t.same(Object.keys(d.attributes).sort(), ['endpoint', 'status'])
  const descriptor = resourceMetrics.scopeMetrics[0].metrics.find((m) => m.descriptor.name === 'passbase.provider.request.duration')?.descriptor
  t.equal(descriptor?.unit, 's')

  const strings = everyString(spans, points(resourceMetrics))
  for (const secret of [IDENTITY, 'res-tele-1', 'file-tele-1', 'cursor-tele-1', 'project-tele-1', 'tele.person@example.com', 'Telly', 'Metric',
    'user-tele-42', 'DOC-SECRET-8', 'DOC-SECRET-9', '/verification', '/identit', '127.0.0.1', KEY]) {
    t.notOk(strings.some((s) => s.includes(secret)), `no attribute holds ${secret}`)
  }
})

t.test('timeouts and network errors are measured as such', async (t) => {
  const { reader } = installTelemetry(t)
  const p = await provider(t, (req, res) => {
    if (req.url?.endsWith('/reset')) res.socket?.destroy()
    // otherwise never answers
  })
  const c = client(t, p, { timeoutMs: 50, retries: 1 })
  const err = await rejection(c.getSettings())
  t.match(err.message, /timed out/)
  await t.rejects(c.getIdentity('reset'))
  const pts = points((await reader.collect()).resourceMetrics).filter((pt) => pt.name === 'passbase.provider.request.duration')
  t.same(pts.map((pt) => [pt.attributes.endpoint, pt.attributes.status, (pt.value as { count: number }).count]).sort(), [
    ['getIdentity', 'error', 2],
    ['getSettings', 'timeout', 2]
  ])
})

t.test('the plugin-side instruments, the pending gauge and spans, after a provider was replaced', async (t) => {
  // the previous test's providers were removed (disable): a new pair must be picked up again
  const { reader, exporter } = installTelemetry(t)
  recordWebhookDelivery('applied')
  recordWebhookDelivery('applied')
  recordWebhookDelivery('duplicate')
  recordTransition('processing', 'approved')
  recordGuardRefusal('requireReauth', 'FST_PASSBASE_REAUTH_REQUIRED')
  recordGuardRefusal('requireReauth', 'FST_PASSBASE_REAUTH_REQUIRED')
  recordReconcileRepaired(3)
  recordReconcileRepaired(-1)
  recordReconcileRepaired(Number.NaN)
  let pending = 4
  const stopA = observePendingChanges(() => pending)
  const stopB = observePendingChanges(async () => await Promise.resolve(2))
  const stopC = observePendingChanges(() => { throw new Error('store down') })
  const first = points((await reader.collect()).resourceMetrics)
  const value = (name: string, attrs: Record<string, string> = {}): unknown =>
    first.find((pt) => pt.name === name && Object.entries(attrs).every(([k, v]) => pt.attributes[k] === v))?.value
  t.equal(value('passbase.webhook.deliveries', { outcome: 'applied' }), 2)
  t.equal(value('passbase.webhook.deliveries', { outcome: 'duplicate' }), 1)
  t.equal(value('passbase.status.transitions', { from: 'processing', to: 'approved' }), 1)
  t.equal(value('passbase.guard.refusals', { guard: 'requireReauth', code: 'FST_PASSBASE_REAUTH_REQUIRED' }), 2)
  t.equal(value('passbase.reconcile.repaired'), 3, 'negative and NaN counts are ignored')
  t.equal(value('passbase.changes.pending'), 6, 'the sum of the sources that answered')
  pending = 10
  stopB()
  stopC()
  t.equal(points((await reader.collect()).resourceMetrics).find((pt) => pt.name === 'passbase.changes.pending')?.value, 10)
  stopA()
  stopA()

  await t.rejects(withSpan('passbase.webhook', async () => {
    throw Object.assign(new Error('Invalid webhook for id-secret'), { code: 'FST_PASSBASE_BAD_WEBHOOK' })
  }), { message: /Invalid webhook/ })
  t.equal(await withSpan('passbase.webhook', (span) => {
    span.setAttribute('passbase.webhook.event', 'VERIFICATION_REVIEWED')
    return 'ok'
  }, { kind: SpanKind.SERVER }), 'ok')
  await t.rejects(withSpan('passbase.other', () => { throw new TypeError('x') }))
  await t.rejects(withSpan('passbase.other', () => { throw Object.assign(new Error('y'), { code: 'has spaces and id-secret', name: '' }) }))
  const spans = exporter.getFinishedSpans()
  t.same(spans.map((s) => [s.name, s.status.code, s.attributes['error.type']]), [
    ['passbase.webhook', SpanStatusCode.ERROR, 'FST_PASSBASE_BAD_WEBHOOK'],
    ['passbase.webhook', SpanStatusCode.UNSET, undefined],
    ['passbase.other', SpanStatusCode.ERROR, 'TypeError'],
    ['passbase.other', SpanStatusCode.ERROR, 'Error']
  ])
  t.equal(spans[1].kind, SpanKind.SERVER)
  t.notOk(everyString(spans, []).some((s) => s.includes('id-secret')), 'error messages are never recorded')
})

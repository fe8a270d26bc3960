import t from 'tap'
import { harness, linkNew, REAUTH_SECRET, statusOf } from '../helpers/app.js'
import { installTelemetry, points } from '../helpers/telemetry.js'

/** The plugin's metrics and traces, as a host with an OpenTelemetry SDK sees them (registered after the plugin was imported). */

t.test('counters, histogram, gauge and spans of a real journey; no identifier or personal data in any attribute', async (t) => {
  const { reader, exporter } = installTelemetry(t)
  const user = 'user-4711@example.com'
  const h = await harness({
    plugin: { reauth: { secret: REAUTH_SECRET }, onStatusChange: () => {} },
    routes: (app) => { app.post('/withdraw', { preHandler: app.requireReauth }, async () => 'ok') }
  })
  t.teardown(h.close)
  const id = await linkNew(h, user, { owner: { email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' } })
  await h.sandbox.review(id, { status: 'approved', score: 0.95 })
  t.equal((await statusOf(h, user)).status, 'approved')
  await h.sandbox.deliver({ event: 'VERIFICATION_REVIEWED', key: id, status: 'approved', updated: h.sandbox.getIdentity(id)!.updated })
  await h.app.inject({ method: 'POST', url: '/passbase/webhooks', headers: { 'content-type': 'text/plain' }, payload: 'garbage' })
  await h.app.inject({ url: '/profile' })
  await h.app.inject({ method: 'POST', url: '/withdraw', headers: { 'x-user': user } })
  await h.app.passbase.reconcile()
  await h.app.passbase.runMaintenance()

  const { resourceMetrics } = await reader.collect()
  const pts = points(resourceMetrics)
  const sum = (name: string, attrs: Record<string, unknown> = {}): number => pts
    .filter((p) => p.name === name && Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))
    .reduce((n, p) => n + (typeof p.value === 'number' ? p.value : 0), 0)
  t.equal(sum('passbase.status.transitions', { from: 'processing', to: 'approved' }), 1)
  t.equal(sum('passbase.status.transitions', { from: 'created', to: 'processing' }), 1)
  t.ok(sum('passbase.webhook.deliveries', { outcome: 'applied' }) >= 1, 'applied deliveries counted')
  t.ok(sum('passbase.webhook.deliveries', { outcome: 'duplicate' }) + sum('passbase.webhook.deliveries', { outcome: 'unchanged' }) >= 1, 'the repeated delivery counted')
  t.equal(sum('passbase.webhook.deliveries', { outcome: 'invalid' }), 1)
  t.equal(sum('passbase.guard.refusals', { guard: 'requireVerified', code: 'FST_PASSBASE_UNAUTHENTICATED' }), 1)
  t.equal(sum('passbase.guard.refusals', { guard: 'requireReauth', code: 'FST_PASSBASE_REAUTH_REQUIRED' }), 1)
  t.ok(pts.some((p) => p.name === 'passbase.provider.request.duration' && p.attributes.endpoint === 'getIdentity' && String(p.attributes.status) === '200'), 'a duration per attempt, by endpoint and status')
  t.ok(pts.some((p) => p.name === 'passbase.changes.pending'), 'the pending-changes gauge is observed')
  const spans = exporter.getFinishedSpans()
  t.ok(spans.some((s) => s.name === 'passbase.webhook'), 'a span per handled delivery')
  t.ok(spans.some((s) => s.name === 'passbase.provider.getIdentity'), 'a span per provider call')
  const strings = JSON.stringify([pts.map((p) => [p.name, p.attributes]), spans.map((s) => [s.name, s.attributes, s.events])])
  for (const secret of [user, 'example.com', id, 'Ada', 'Lovelace', 'sk_test']) t.notOk(strings.includes(secret), `no ${secret} in any attribute`)
})

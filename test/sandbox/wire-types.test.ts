import { expectTypeOf } from 'expect-type'
import t from 'tap'
import type { z } from 'zod'
import { webhookEventSchema } from '../../src/protocol/events.js'
import {
  EVENT_NAMES, SPEC_IDENTITY_STATUSES,
  type DatapointUpdatedBody, type IdentityAuthenticatedBody, type SandboxEventBody, type SpecIdentityStatus,
  type VerificationCompletedBody, type VerificationReviewedBody, type WatchlistMonitoringBody, type WebhookEventName
} from '../../src/sandbox/index.js'
import { receiver, sandboxFor } from './helpers.js'

/**
 * The sandbox keeps its own wire types (it depends on nothing of the plugin but the
 * protocol). The type checks below run under `tsc --noEmit`; the tests run under tap and
 * parse every body the sandbox really sends with the protocol's schema.
 */

type EventInput = z.input<typeof webhookEventSchema>

// what the sandbox sends fits the protocol's webhook schema
expectTypeOf<VerificationCompletedBody>().toExtend<EventInput>()
expectTypeOf<VerificationReviewedBody>().toExtend<EventInput>()
expectTypeOf<IdentityAuthenticatedBody>().toExtend<EventInput>()
expectTypeOf<WatchlistMonitoringBody>().toExtend<EventInput>()
expectTypeOf<DatapointUpdatedBody>().toExtend<EventInput>()
expectTypeOf<SandboxEventBody>().toExtend<EventInput>()
// the same names and statuses on both sides
expectTypeOf<WebhookEventName>().toEqualTypeOf<EventInput['event']>()
// (the protocol takes a body's status as a hint: any short string; the sandbox sends the spec's five)
expectTypeOf<SpecIdentityStatus>().toExtend<NonNullable<EventInput['status']>>()
// and the check can fail: a review never carries `pending`, and an unknown event does not fit
expectTypeOf<VerificationReviewedBody['status']>().not.toEqualTypeOf<SpecIdentityStatus>()
expectTypeOf<{ event: 'VERIFICATION_SKIPPED', key: string }>().not.toExtend<EventInput>()

t.test('the constants list what the protocol accepts', async (t) => {
  for (const event of EVENT_NAMES) {
    t.ok(webhookEventSchema.safeParse({ event, key: 'k' }).success, event)
  }
  t.notOk(webhookEventSchema.safeParse({ event: 'SOMETHING_ELSE', key: 'k' }).success)
  for (const status of SPEC_IDENTITY_STATUSES) {
    t.ok(webhookEventSchema.safeParse({ event: 'VERIFICATION_REVIEWED', key: 'k', status }).success, status)
  }
})

t.test('every body the sandbox sends parses with the protocol\'s schema', async (t) => {
  const rx = await receiver()
  t.teardown(rx.close)
  const sandbox = await sandboxFor(t, { webhookUrl: rx.url })
  const a = await sandbox.createIdentity({ status: 'processing' })
  await sandbox.review(a.id, { status: 'pending' })
  await sandbox.review(a.id, { status: 'approved' })
  await sandbox.review(a.id, { status: 'declined' })
  await sandbox.authenticate(a.id)
  await sandbox.authenticate(a.id, { success: false })
  await sandbox.flagWatchlist(a.id)
  await sandbox.clearWatchlist(a.id)
  const b = await sandbox.createIdentity({ status: 'unverified' })
  await sandbox.flagWatchlist(b.id)
  t.equal(rx.received.length, 10)
  t.same([...new Set(rx.received.map((r) => r.body.event))].sort(),
    ['IDENTITY_AUTHENTICATED', 'VERIFICATION_COMPLETED', 'VERIFICATION_REVIEWED', 'WATCHLIST_MONITORING'])
  for (const { body } of rx.received) {
    const parsed = webhookEventSchema.safeParse(body)
    t.ok(parsed.success, `${String(body.event)} ${String(body.status)}`)
  }
})

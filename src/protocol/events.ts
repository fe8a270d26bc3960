import { z } from 'zod'
import { identityStatusSchema } from './identity.js'

/**
 * The five Passbase webhook events. A body is a hint: only `event` and `key` steer
 * what happens; the rest only orders and de-duplicates deliveries.
 */

const identityId = z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/)
const unixSeconds = z.number().int().nonnegative()

const common = {
  key: identityId,
  status: identityStatusSchema.optional(),
  created: unixSeconds.optional(),
  updated: unixSeconds.optional(),
  processed: unixSeconds.optional()
}

export const webhookEventSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('VERIFICATION_COMPLETED'), ...common }),
  z.object({ event: z.literal('VERIFICATION_REVIEWED'), ...common }),
  z.object({ event: z.literal('IDENTITY_AUTHENTICATED'), ...common }),
  z.object({
    event: z.literal('DATAPOINT_UPDATED'),
    ...common,
    resource_key: z.string().max(256).optional(),
    type: z.string().max(128).optional(),
    value: z.unknown().optional()
  }),
  z.object({ event: z.literal('WATCHLIST_MONITORING'), ...common })
])

export type WebhookEvent = z.output<typeof webhookEventSchema>

/**
 * A delivery's identity (Passbase sends no event id): event, key, status and
 * updated, plus resource_key/type for DATAPOINT_UPDATED.
 */
export function deliveryKey (e: WebhookEvent): string {
  const base = `${e.event}|${e.key}|${e.status ?? ''}|${e.updated ?? ''}`
  return e.event === 'DATAPOINT_UPDATED' ? `${base}|${e.resource_key ?? ''}|${e.type ?? ''}` : base
}

/** JSON.parse + schema; null for anything invalid. */
export function parseWebhookEvent (json: string): WebhookEvent | null {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return null
  }
  const result = webhookEventSchema.safeParse(value)
  return result.success ? result.data : null
}

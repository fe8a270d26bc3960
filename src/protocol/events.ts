import { z } from 'zod'

/**
 * The five Passbase webhook events, and what the plugin takes from one: a *hint* that
 * an identity changed, or that it authenticated. The body never decides a status: the
 * identity fetched from the API does. Passbase sends no event id, so a delivery's
 * identity (for de-duplication) is event, key, status and updated (plus resource_key and
 * type for DATAPOINT_UPDATED).
 */

const identityId = z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/)
const unixSeconds = z.number().int().nonnegative()

const common = {
  key: identityId,
  // a hint only: statuses outside the documented five must not make the provider retry forever
  status: z.string().max(32).optional(),
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

/** What a delivery asks the plugin to do, in the core's terms. */
export type ProviderHint =
  | { kind: 'changed', event: string, identityId: string, dedupKey: string }
  | {
    kind: 'authenticated'
    event: string
    identityId: string
    dedupKey: string
    /** the provider reports a successful authentication */
    succeeded: boolean
    /** the provider's time of the authentication (epoch ms), null when the body has none */
    providerTime: number | null
  }

/** A delivery's identity: identity ids are case-insensitive (stored lower-case). */
export function deliveryKey (e: WebhookEvent): string {
  const base = `${e.event}|${e.key.toLowerCase()}|${e.status ?? ''}|${e.updated ?? ''}`
  return e.event === 'DATAPOINT_UPDATED' ? `${base}|${e.resource_key ?? ''}|${e.type ?? ''}` : base
}

export function toHint (e: WebhookEvent): ProviderHint {
  const identity = e.key.toLowerCase()
  const dedupKey = deliveryKey(e)
  if (e.event === 'IDENTITY_AUTHENTICATED') {
    return {
      kind: 'authenticated',
      event: e.event,
      identityId: identity,
      dedupKey,
      succeeded: e.status === 'approved',
      providerTime: e.updated === undefined ? null : e.updated * 1000
    }
  }
  return { kind: 'changed', event: e.event, identityId: identity, dedupKey }
}

/** JSON.parse + schema; null for anything invalid. Runs the same steps for every input. */
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

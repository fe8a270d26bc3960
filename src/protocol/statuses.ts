/** Passbase's wire vocabulary: identity statuses and webhook event names. */

/** The identity statuses of Passbase's API (v2). */
export const PROVIDER_STATUSES = ['created', 'processing', 'pending', 'approved', 'declined'] as const
export type ProviderStatus = (typeof PROVIDER_STATUSES)[number]

/** The webhook events Passbase sends. */
export const WEBHOOK_EVENTS = [
  'VERIFICATION_COMPLETED',
  'VERIFICATION_REVIEWED',
  'IDENTITY_AUTHENTICATED',
  'DATAPOINT_UPDATED',
  'WATCHLIST_MONITORING'
] as const
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number]

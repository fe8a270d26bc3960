/**
 * The sandbox's own wire types and constants: what it sends over HTTP, exactly as the
 * Passbase API v2 and its webhooks do. Wire objects are snake_case; times are Unix
 * seconds. The sandbox depends on nothing of the plugin: a type test checks that the
 * webhook bodies typed here fit the protocol's event schema.
 */

import { PROVIDER_STATUSES, WEBHOOK_EVENTS } from '../protocol/statuses.js'

/** the webhook events Passbase sends (the protocol's list) */
export const EVENT_NAMES = WEBHOOK_EVENTS
export type WebhookEventName = typeof EVENT_NAMES[number]

/** the identity statuses of Passbase's API document (and of webhook bodies) */
export const SPEC_IDENTITY_STATUSES = PROVIDER_STATUSES
export type SpecIdentityStatus = typeof SPEC_IDENTITY_STATUSES[number]

/** statuses the official Node SDK also knows; the sandbox sets them only on request */
export const SDK_EXTRA_IDENTITY_STATUSES = ['processed', 'verified', 'unverified'] as const
export type SdkExtraIdentityStatus = typeof SDK_EXTRA_IDENTITY_STATUSES[number]

export const IDENTITY_STATUSES = [...SPEC_IDENTITY_STATUSES, ...SDK_EXTRA_IDENTITY_STATUSES] as const
export type IdentityStatus = SpecIdentityStatus | SdkExtraIdentityStatus

export const RESOURCE_STATUSES = ['created', 'processing', 'processed'] as const
export type ResourceStatus = typeof RESOURCE_STATUSES[number]

export const RESOURCE_FILE_TYPES = ['document_image', 'face_video'] as const
export type ResourceFileType = typeof RESOURCE_FILE_TYPES[number]

/** the identity documents the sandbox can produce */
export const DOCUMENT_TYPES = ['PASSPORT', 'NATIONAL_ID_CARD', 'DRIVERS_LICENSE'] as const
export type DocumentType = typeof DOCUMENT_TYPES[number]
export type ResourceType = DocumentType | 'FACE_VIDEO'

export interface WireOwner {
  email: string
  first_name: string
  last_name: string
}

/** an entry of `identity.resources` */
export interface WireResourceSummary {
  type: ResourceType
  datapoints: Record<string, unknown>
}

export interface WireWatchlistListing {
  url: string
  name: string
  aml_types: string[]
  /** ISO 8601 */
  listing_started_utc: string
}

export interface WireWatchlistMedia {
  url: string
  /** YYYY-MM-DD */
  date: string
  title: string
}

/** `identity.watchlist`; `clean: false` means a listing was found */
export interface WireWatchlist {
  clean: boolean
  listings: Record<string, WireWatchlistListing>
  media: WireWatchlistMedia[]
  sources: string[]
  types: string[]
}

/** An identity as `GET /identities/:id` returns it (plus a field clients must tolerate). */
export interface WireIdentity {
  id: string
  status: IdentityStatus
  owner: WireOwner
  score: number
  created: number
  updated: number
  resources: WireResourceSummary[]
  metadata: Record<string, unknown> | null
  watchlist: WireWatchlist
  /** an unknown field, to exercise the tolerance of clients */
  extra_field: string
}

export interface WireResourceFile {
  id: string
  type: ResourceFileType
  /** 1-based page of the document (1 for a face video) */
  page: number
  created: number
  updated: number
}

/** A resource as `GET /identity/:id/resources[/:resourceId]` returns it. */
export interface WireResource {
  id: string
  type: ResourceType
  status: ResourceStatus
  created: number
  updated: number
  datapoints: Record<string, unknown>
  resource_files: WireResourceFile[]
}

export interface WirePage<T> {
  cursor: { next: string | null }
  data: T[]
}

/** `GET /settings`: the spec's ProjectSettings, plus `webhooks`, a field clients must tolerate */
export interface WireSettings {
  id: string
  slug: string
  environment: 'sandbox'
  organization: string
  customizations: { button_color: string, accent_color: string, font_family: string }
  verification_steps: Array<{ step: string, resource_types: ResourceType[] }>
  webhooks: { url: string | null, encrypted: boolean }
}

// type aliases rather than interfaces: they fit WebhookBody's index signature
type EventTimes = {
  key: string
  created: number
  updated: number
}

/** sent when a verification was submitted and processed; a manual review keeps it `pending` */
export type VerificationCompletedBody = EventTimes & {
  event: 'VERIFICATION_COMPLETED'
  status: 'pending'
  processed: number
}

/** the result of a review: only ever `approved` or `declined` */
export type VerificationReviewedBody = EventTimes & {
  event: 'VERIFICATION_REVIEWED'
  status: 'approved' | 'declined'
  processed: number
}

export type IdentityAuthenticatedBody = EventTimes & {
  event: 'IDENTITY_AUTHENTICATED'
  status: 'approved' | 'declined'
  processed: number
}

/** `status` is left out while the identity has a status outside the spec's five */
export type WatchlistMonitoringBody = EventTimes & {
  event: 'WATCHLIST_MONITORING'
  status?: SpecIdentityStatus
}

export type DatapointUpdatedBody = EventTimes & {
  event: 'DATAPOINT_UPDATED'
  status?: SpecIdentityStatus
  resource_key?: string
  type?: string
  value?: unknown
}

/** every body the sandbox itself produces */
export type SandboxEventBody =
  | VerificationCompletedBody
  | VerificationReviewedBody
  | IdentityAuthenticatedBody
  | WatchlistMonitoringBody
  | DatapointUpdatedBody

/** Any plaintext JSON body of a webhook (`sandbox.deliver` sends arbitrary ones, for tests). */
export interface WebhookBody {
  event: WebhookEventName | string
  key: string
  status?: string
  created?: number
  updated?: number
  processed?: number
  [field: string]: unknown
}

export function isSpecStatus (status: string): status is SpecIdentityStatus {
  return (SPEC_IDENTITY_STATUSES as readonly string[]).includes(status)
}

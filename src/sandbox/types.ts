import type { KeyObject } from 'node:crypto'

/**
 * Public types of the provider sandbox. Wire objects are snake_case, exactly as
 * the Passbase API v2 sends them; times are Unix seconds unless named otherwise.
 */

export type IdentityStatus = 'created' | 'processing' | 'pending' | 'approved' | 'declined'
export type ReviewStatus = 'approved' | 'declined' | 'pending'

export interface WireOwner {
  email: string
  first_name: string
  last_name: string
}

export interface WireResourceSummary {
  type: string
  datapoints: Record<string, unknown>
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
  watchlist?: Record<string, unknown>
  /** an unknown field, to exercise the tolerance of clients */
  extra_field: string
}

export interface WireResourceFile {
  id: string
}

/** A resource as `GET /identity/:id/resources/:resourceId` returns it. */
export interface WireResource {
  id: string
  type: string
  datapoints: Record<string, unknown>
  resource_files: WireResourceFile[]
  created: number
}

export interface IdentityFields {
  id?: string
  status?: IdentityStatus
  /** default: 0 for created/processing, 0.95 approved, 0.8 pending, 0.3 declined */
  score?: number
  owner?: Partial<WireOwner>
  metadata?: Record<string, unknown> | null
  watchlist?: Record<string, unknown>
}

export interface IdentityPatch {
  status?: IdentityStatus
  score?: number
  owner?: Partial<WireOwner>
  metadata?: Record<string, unknown> | null
  watchlist?: Record<string, unknown>
  created?: number
  /** set explicitly; otherwise `updated` is bumped to max(now, previous + 1) */
  updated?: number
}

export interface ReviewResult {
  status: ReviewStatus
  score?: number
}

export type WebhookEventName =
  | 'VERIFICATION_COMPLETED'
  | 'VERIFICATION_REVIEWED'
  | 'IDENTITY_AUTHENTICATED'
  | 'DATAPOINT_UPDATED'
  | 'WATCHLIST_MONITORING'

/** The plaintext JSON body of a webhook. */
export interface WebhookBody {
  event: WebhookEventName | string
  key: string
  status?: string
  created?: number
  updated?: number
  processed?: number
  [field: string]: unknown
}

export interface DeliveryRecord {
  /** sequence number, increasing in the order deliveries finished being recorded */
  seq: number
  event: string
  key: string
  /** the plaintext body that was sent (encrypted on the wire when a webhook secret is set) */
  body: WebhookBody
  /** HTTP status of the last attempt, null on network error, drop, or no webhook URL */
  status: number | null
  attempts: number
  /** epoch ms when the last attempt was answered or given up */
  deliveredAt: number
  /** true for the extra copies sent by the `duplicate` fault */
  duplicate: boolean
  /** true when the `drop` fault swallowed it */
  dropped: boolean
  /** why the last attempt failed, when it did */
  error?: string
}

export interface ApiFaults {
  /** 0..1: share of API calls answered 500 (seeded PRNG, see `seed`) */
  failRate?: number
  /** answer every API call with this status (e.g. 503, 429) */
  status?: number
  /** seconds, sent as `Retry-After` with a forced status */
  retryAfter?: number
  /** added latency before answering, ms */
  latencyMs?: number
  /** never answer (the connection is dropped on close) */
  hang?: boolean
}

export interface DeliveryFaults {
  /** send each delivery this many extra times, concurrently */
  duplicate?: number
  /** wait this long before sending each delivery, ms */
  delayMs?: number
  /** send the events of one review in reverse order */
  reorder?: boolean
  /** do not send at all (still recorded, status null) */
  drop?: boolean
}

export interface Faults {
  api: ApiFaults
  deliveries: DeliveryFaults
}

export interface RetryOptions {
  /** total attempts per delivery, default 5 */
  attempts?: number
  /** first backoff, doubled after each failed attempt, default 200 ms */
  baseMs?: number
}

export interface SandboxOptions {
  secretApiKey: string
  /** 32 ASCII characters; without it deliveries are plain application/json */
  webhookSecret?: string
  webhookUrl?: string
  /** default: a random `pk_sandbox_…` key */
  publishableApiKey?: string
  /** RSA public key (PEM or KeyObject) that decrypts the button's `metaData` */
  metadataPublicKey?: string | KeyObject
  /** default 0: a random free port */
  port?: number
  /** default 127.0.0.1 */
  host?: string
  /** delay before browser-flow deliveries, default 3000 ms */
  processingDelayMs?: number
  retry?: RetryOptions
  faults?: Partial<Faults>
  /** seed of the PRNG behind `faults.api.failRate`, default 1 */
  seed?: number
  logger?: boolean
}

export type ApiKind = 'getIdentity' | 'listIdentities' | 'listResources' | 'getResource' | 'getResourceFile' | 'settings'

export interface SandboxStats {
  api: {
    /** every request that reached a provider API route (faulted ones too) */
    total: number
    byKind: Record<ApiKind, number>
    /** requests per identity id, over the routes that name one */
    byIdentity: Record<string, number>
  }
  deliveries: {
    total: number
    succeeded: number
    failed: number
    dropped: number
  }
}

export interface AuthenticateOptions {
  /** default true: status 'approved'; false sends status 'declined' */
  success?: boolean
}

export interface Sandbox {
  /** origin, e.g. http://127.0.0.1:40123 */
  readonly url: string
  /** url + '/verification/v2' */
  readonly apiBaseUrl: string
  /** url + '/button.js' */
  readonly buttonUrl: string
  readonly secretApiKey: string
  readonly publishableApiKey: string
  readonly webhookSecret: string | undefined
  /** where deliveries go; may be set after start */
  webhookUrl: string | undefined
  /** mutable at runtime: flip `faults.api.status` etc., or assign a new (partial) object */
  get faults (): Faults
  set faults (faults: Partial<Faults>)
  /** finished deliveries, oldest first (the last 1000) */
  readonly deliveries: readonly DeliveryRecord[]
  /** number of provider API requests served */
  readonly apiRequests: number
  createIdentity (fields?: IdentityFields): Promise<WireIdentity>
  getIdentity (id: string): WireIdentity | undefined
  listIdentities (): WireIdentity[]
  setIdentity (id: string, patch: IdentityPatch): WireIdentity
  /** updates the identity, then delivers VERIFICATION_COMPLETED and VERIFICATION_REVIEWED */
  review (id: string, result: ReviewResult): Promise<DeliveryRecord[]>
  /** delivers IDENTITY_AUTHENTICATED (does not change the identity) */
  authenticate (id: string, options?: AuthenticateOptions): Promise<DeliveryRecord>
  /** sends an arbitrary webhook body (encrypted like the others) */
  deliver (body: WebhookBody | Record<string, unknown>): Promise<DeliveryRecord>
  /** resolves with the first recorded delivery matching (existing ones first) */
  waitForDelivery (predicate?: (record: DeliveryRecord) => boolean, timeoutMs?: number): Promise<DeliveryRecord>
  stats (): SandboxStats
  resetStats (): void
  /** resolves when no delivery or browser-flow job is in flight */
  settled (): Promise<void>
  close (): Promise<void>
}

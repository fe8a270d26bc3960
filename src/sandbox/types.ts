import type { KeyObject } from 'node:crypto'
import type {
  DocumentType, IdentityStatus, WebhookBody, WireIdentity, WireWatchlist, WireWatchlistListing
} from './wire.js'

/** Public types of the provider sandbox (its wire types are in wire.ts). */

export type * from './wire.js'

export type ReviewStatus = 'approved' | 'declined' | 'pending'

/** the sandbox's source of time, epoch milliseconds (structurally the plugin's `Clock`) */
export interface SandboxClock {
  now: () => number
}

/** an owner in the wire's snake_case, or in the camelCase the plugin's client returns */
export interface OwnerInput {
  email?: string | null
  first_name?: string | null
  last_name?: string | null
  firstName?: string | null
  lastName?: string | null
}

export interface IdentityFields {
  id?: string
  /** default `created`; also the SDK's `processed`, `verified`, `unverified` */
  status?: IdentityStatus
  /** default: 0 for created/processing/processed, 0.95 approved/verified, 0.8 pending, 0.3 declined/unverified */
  score?: number
  owner?: OwnerInput
  metadata?: Record<string, unknown> | null
  /** merged over the clean default `{ clean: true, listings: {}, media: [], sources: [], types: [] }` */
  watchlist?: Partial<WireWatchlist>
  /** default PASSPORT */
  documentType?: DocumentType
  /** YYYY-MM-DD, the document's `date_of_expiry` datapoint; default 1–9 years after creation */
  documentExpiry?: string
  /** ISO 3166-1 alpha-2, the document's `document_origin_country`; default DE */
  documentCountry?: string
}

export interface IdentityPatch {
  status?: IdentityStatus
  score?: number
  owner?: OwnerInput
  metadata?: Record<string, unknown> | null
  /** merged over the current watchlist */
  watchlist?: Partial<WireWatchlist>
  /** YYYY-MM-DD: replaces the document's `date_of_expiry` */
  documentExpiry?: string
  created?: number
  /** set explicitly; otherwise `updated` is bumped to max(now, previous + 1) */
  updated?: number
}

export interface ReviewResult {
  status: ReviewStatus
  score?: number
}

/** what `flagWatchlist` puts on the identity; each part has a realistic default */
export interface WatchlistFlag {
  /** default ['sanction'], e.g. 'pep', 'adverse-media', 'warning' */
  types?: string[]
  /** default: one source per type, e.g. 'ofac-sdn-list' */
  sources?: string[]
  /** default: one listing per source, naming the identity's owner */
  listings?: Record<string, WireWatchlistListing>
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
  /** epoch ms (the sandbox's clock) when the last attempt was answered or given up */
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
  /** delay before browser-flow deliveries, default 3000 ms (a real timer) */
  processingDelayMs?: number
  retry?: RetryOptions
  faults?: Partial<Faults>
  /** seed of the PRNG behind `faults.api.failRate`, default 1 */
  seed?: number
  logger?: boolean
  /** the time the sandbox reports and decides with; default the system clock */
  clock?: SandboxClock
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
  /** the clock given as `options.clock`, or the system clock */
  readonly clock: SandboxClock
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
  /**
   * updates the identity, then delivers VERIFICATION_COMPLETED (status pending) and, for
   * approved or declined, VERIFICATION_REVIEWED with that status
   */
  review (id: string, result: ReviewResult): Promise<DeliveryRecord[]>
  /** delivers IDENTITY_AUTHENTICATED (does not change the identity) */
  authenticate (id: string, options?: AuthenticateOptions): Promise<DeliveryRecord>
  /** puts the identity on the watchlist (`clean: false`), then delivers WATCHLIST_MONITORING */
  flagWatchlist (id: string, flag?: WatchlistFlag): Promise<DeliveryRecord>
  /** clears the identity's watchlist (`clean: true`), then delivers WATCHLIST_MONITORING */
  clearWatchlist (id: string): Promise<DeliveryRecord>
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

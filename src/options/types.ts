import type { KeyObject } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { Clock } from '../clock.js'
import type { ProviderApiOptions } from '../provider/options.js'
import type { IdentityStatus, PassbaseStore } from '../stores/types.js'

/**
 * What `onStatusChange` receives: one status transition, delivered from the store's
 * change log at least once (in order per user). `id` is stable across redeliveries: use
 * it as the idempotency key of whatever the callback does.
 */
export interface StatusChange {
  id: string
  userId: string
  identityId: string
  from: IdentityStatus
  to: IdentityStatus
  score: number | null
  /** when the change was stored (epoch ms, the plugin's clock) */
  at: number
}

/** The host's own authentication: the user id, or null/undefined when anonymous. */
export type GetUserId = (request: FastifyRequest) => string | null | undefined | Promise<string | null | undefined>

export interface ReauthCookieOptions {
  /** default true; set false only for local http */
  secure?: boolean
  /** default 'strict'; 'none' requires secure */
  sameSite?: 'strict' | 'lax' | 'none'
  domain?: string
  /** default '/' */
  path?: string
}

export interface ReauthOptions {
  /**
   * HS256 key(s) for step-up tokens, each at least 32 characters. An array rotates keys:
   * the first signs, every one verifies (tokens name their key with `kid`). At most 4.
   */
  secret: string | string[]
  /** seconds: the longest step-up window any route may ask for (token and cookie lifetime); default 300 */
  maxAge?: number
  /** seconds a challenge stays usable; default 600 */
  challengeTtl?: number
  /** default `__Host-passbase_reauth` when the cookie is secure, path '/' and no domain; `passbase_reauth` otherwise */
  cookieName?: string
  cookie?: ReauthCookieOptions
}

export interface ExpiryOptions {
  /** seconds an approval stays valid after the provider's `updated` of the approving state */
  maxAge?: number
  /** also expire on the earliest `date_of_expiry` (YYYY-MM-DD) among the identity's document datapoints */
  documents?: boolean
}

/** The JSON body of a refusal or an error of the plugin's routes and guards. */
export interface PassbaseErrorBody {
  statusCode: number
  code: string
  error: string
  message: string
  [extra: string]: unknown
}

/**
 * Shapes refusal and error bodies (guards and routes; not the webhook route, whose answer
 * must not vary). Receives the plugin's body and returns the one to send; the HTTP status
 * stays the plugin's.
 */
export type ErrorResponseBuilder = (request: FastifyRequest, body: PassbaseErrorBody) => Record<string, unknown>

/** The `openapi` option: the tag of the plugin's routes in an OpenAPI document, or hide them. */
export interface OpenApiOptions {
  /** default 'passbase' */
  tag?: string
  /** default false; true leaves the plugin's routes out of the document */
  hide?: boolean
}

/** The provider client's tuning (`api` option): `{ timeoutMs = 5000, retries = 2, concurrency = 16, maxQueue = 1000 }`. */
export type ApiOptions = ProviderApiOptions

export interface FastifyPassbaseOptions {
  /** sent as `X-API-KEY` */
  secretApiKey: string
  /** exactly 32 ASCII characters, or up to 4 of them (rotation: a delivery under any is accepted) */
  webhookSecret: string | string[]
  getUserId: GetUserId
  /** default `https://api.passbase.com/verification/v2` */
  apiBaseUrl?: string
  /** handed to the page by `GET {prefix}/config` */
  publishableApiKey?: string
  /** where pages load the provider's button script from; handed to them by `GET {prefix}/config` (absolute http(s) URL or a path) */
  buttonScriptUrl?: string
  /** RSA private key (PEM string or KeyObject) that signs the button's metaData and binds identities to users */
  metadataPrivateKey?: string | KeyObject
  /** default: a MemoryStore (warns once in production) */
  store?: PassbaseStore
  /** route prefix, default `/passbase` */
  prefix?: string
  /** local policy on the provider's score */
  thresholds?: { approveAt?: number, declineBelow?: number }
  /** step-up re-authentication; without it, using `requireReauth` is a startup error */
  reauth?: ReauthOptions
  /** approvals that expire */
  expiry?: ExpiryOptions
  /** 'decline': an identity on a watchlist (`watchlist.clean === false`) is declined; default 'ignore' */
  watchlist?: 'ignore' | 'decline'
  /** called at least once per status transition (see StatusChange) */
  onStatusChange?: (change: StatusChange) => void | Promise<void>
  /** accept plain `application/json` webhooks (local debugging only); default false */
  allowUnencryptedWebhooks?: boolean
  /** provider API client */
  api?: ApiOptions
  /** seconds a webhook de-duplication entry is kept; default 86400 (24 h) */
  dedupTtl?: number
  /** background reconciliation: a full `passbase.reconcile()` every `intervalMs` (off without it) */
  reconcile?: { intervalMs?: number }
  /** how long (ms) the guards may trust a cached store read; default 1000; 0 disables the cache */
  cacheTtlMs?: number
  /** the source of time for every time decision; default the system clock */
  clock?: Clock
  /** shape refusal bodies */
  errorResponse?: ErrorResponseBuilder
  /**
   * how @fastify/swagger documents the plugin's routes: under the tag `tag` (default 'passbase'),
   * or not at all with `hide: true` (the routes still answer)
   */
  openapi?: OpenApiOptions
  /** per instance: link attempts that ended 404 before a user gets 429; default { max: 10, window: 3600 } (seconds) */
  linkAttempts?: { max?: number, window?: number }
}

/**
 * The browser helper's public types: what the plugin's routes answer, the provider
 * button's API, the helper's options and methods. Types only (nothing here is emitted).
 */

/** The user's verification status as `GET {prefix}/status` reports it. */
export type VerificationStatus = 'none' | 'created' | 'processing' | 'pending' | 'approved' | 'declined' | 'expired'

/** `GET {prefix}/status` */
export interface PassbaseStatus {
  status: VerificationStatus
  identityId?: string
  score?: number | null
  reason?: string | null
  /** the provider's `updated`, ISO 8601 */
  updatedAt?: string
  /** when an approval will expire (plugin option `expiry`), ISO 8601 */
  expiresAt?: string
}

/** `GET {prefix}/config` */
export interface PassbaseConfig {
  publishableApiKey: string | null
  /** RSA-signed `{ user_id }` for the button (when the plugin has `metadataPrivateKey`) */
  metaData?: string
  /** where the provider's button script lives (plugin option `buttonScriptUrl`) */
  buttonScriptUrl?: string
}

/**
 * The details a transaction-bound step-up confirms (`requireReauth({ action })`): a flat
 * object of strings and numbers, e.g. `{ type: 'payout', amount: '50.00 EUR', payee: 'DE89 …' }`.
 */
export type ActionDetails = Record<string, string | number>

/** The codes the provider button hands to `onError(errorCode, context)`. */
export type PassbaseButtonErrorCode = 'CANCELLED_BY_USER' | 'BIOMETRIC_AUTHENTICATION_FAILED' | 'FATAL_ERROR'

/** The second argument of the button's `onError`: where in the flow it happened. */
export interface PassbaseButtonErrorContext {
  /** e.g. `START`, `CONSENT`, `EMAIL`, `COUNTRY`, `RESOURCE`, `SUMMARY`, `FINISHED` */
  step?: string
}

/** @deprecated the object form of `onError` of older sandbox buttons; the helper still accepts it */
export interface PassbaseButtonError {
  code: string
  message: string
}

export interface PrefillAttributes {
  email?: string
  /** ISO 3166 country code: pre-selects the document country */
  country?: string
}

/** UI customisation of the provider button. */
export interface PassbaseTheme {
  accentColor?: string
  darkMode?: boolean
  fonts?: { primary?: string, secondary?: string, cta?: string }
}

/**
 * The options of `Passbase.renderButton` and `Passbase.start` (`@passbase/button` 4.4),
 * plus the sandbox's extensions for its re-authentication mode.
 */
export interface PassbaseButtonOptions {
  /** the user opened the flow */
  onStart?: () => void
  /** the verification data was submitted; the identity now exists */
  onSubmitted?: (identityAccessKey: string) => void
  /** the user clicked Finish */
  onFinish?: (identityAccessKey: string) => void
  /** the user cancelled (`CANCELLED_BY_USER`), a face match failed, or the flow failed (`FATAL_ERROR`) */
  onError?: (errorCode: PassbaseButtonErrorCode | string, context?: PassbaseButtonErrorContext) => void
  /** encrypted `{ user_id }` (the plugin's `/config` hands it out) */
  metaData?: string
  prefillAttributes?: PrefillAttributes
  theme?: PassbaseTheme
  /** render no visible button (open the flow with `Passbase.start`) */
  hidden?: boolean
  /** sandbox extension: `'login'` is the biometric re-authentication of an existing identity */
  integrationType?: 'signup' | 'login'
  /** sandbox extension, with `integrationType: 'login'`: the identity that re-authenticates */
  identityAccessKey?: string
  /** sandbox extension, with `integrationType: 'login'`: the one-line description of what is confirmed */
  summary?: string
}

/** `window.Passbase`, defined by the provider's (or the sandbox's) button script. */
export interface PassbaseButtonApi {
  renderButton: (element: HTMLElement, publishableKey: string, options?: PassbaseButtonOptions) => unknown
  /** opens the flow without a click (the real button's `start()` takes no arguments) */
  start?: (publishableKey?: string, options?: PassbaseButtonOptions) => unknown
}

/** An error of the helper: HTTP errors carry the plugin's `code` and `statusCode`. */
export interface PassbaseClientError extends Error {
  name: 'PassbaseClientError'
  /**
   * The plugin's code (`FST_PASSBASE_*`), the button's code (`CANCELLED_BY_USER`,
   * `BIOMETRIC_AUTHENTICATION_FAILED`, `FATAL_ERROR`) or the helper's own: `NETWORK_ERROR`,
   * `HTTP_<status>`, `BUTTON_UNAVAILABLE`, `NOT_CONFIGURED`, `ELEMENT_NOT_FOUND`,
   * `STATUS_TIMEOUT`, `STEP_UP_TIMEOUT`, `ABORTED`, `UNKNOWN_ERROR`.
   */
  code: string
  statusCode?: number
  /** the response body, or the last status seen for `STATUS_TIMEOUT` */
  body?: unknown
  /** for the button's errors: the flow step it reported (`context.step`) */
  step?: string
}

/** Polling: a steady interval first, then exponential backoff. */
export interface PollOptions {
  /** the interval, default 1000 ms (status) / 500 ms (step-up) */
  intervalMs?: number
  /** keep the interval steady this long before backing off; default 120 s (status) / 30 s (step-up) */
  steadyMs?: number
  /** longest delay when backing off, default 8000 ms (status) / 4000 ms (step-up) */
  maxIntervalMs?: number
  /** growth per attempt when backing off, default 1.5 */
  factor?: number
  /** give up after this long; default 10 minutes (status) / 2 minutes (step-up) */
  timeoutMs?: number
}

export interface PassbaseClientOptions {
  /** where the plugin is mounted: a path or an absolute URL; default the plugin's prefix (`/passbase`) */
  prefix?: string
  /** default `globalThis.fetch` */
  fetch?: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>
  /** default 'same-origin'; 'include' when the plugin is on another origin */
  credentials?: RequestCredentials
  /** overrides the `buttonScriptUrl` that `/config` announces; not needed when `window.Passbase` is already there */
  buttonScriptUrl?: string
  /** status polling (`waitForStatus`, `renderVerifyButton`) */
  poll?: PollOptions
  /** step-up completion polling (`stepUp`, `fetch`) */
  stepUpPoll?: PollOptions
  prefillAttributes?: PrefillAttributes
}

export interface WaitForStatusOptions extends PollOptions {
  /** stop when this returns true; default: a settled status (`approved`, `declined`, `expired`) */
  until?: (status: PassbaseStatus) => boolean
  /** called with the first status and then on every change */
  onStatus?: (status: PassbaseStatus) => void
  signal?: AbortSignal
}

export interface RenderVerifyButtonOptions {
  /** every status from the link to the final decision */
  onStatus?: (status: PassbaseStatus) => void
  /** cancelled flow, failed link, polling timeout… (default: console.error) */
  onError?: (error: PassbaseClientError) => void
  /** the user opened the flow */
  onStart?: () => void
  prefillAttributes?: PrefillAttributes
  theme?: PassbaseTheme
  /** stops following the status */
  signal?: AbortSignal
}

export interface StepUpOptions {
  /** where to start the challenge; default `{prefix}/reauth/start` */
  start?: string
  /** the `max_age` the route asked for (shown to the user) */
  maxAge?: number
  /** a transaction-bound step-up: the refusal's `actionId` (sent to `/reauth/start` as `action`) */
  actionId?: string
  /** the details the user confirms (shown in the dialog, summarised for the button) */
  action?: ActionDetails
  /** render the dialog here (not modal) instead of as a modal dialog over the page */
  container?: HTMLElement
  title?: string
  message?: string
  prefillAttributes?: PrefillAttributes
  signal?: AbortSignal
}

export interface PassbaseBrowserClient {
  readonly prefix: string
  /** `GET {prefix}/config` */
  config: () => Promise<PassbaseConfig>
  /** `GET {prefix}/status` */
  status: () => Promise<PassbaseStatus>
  /** `POST {prefix}/verifications`: links the button's identityAccessKey to the signed-in user */
  link: (identityAccessKey: string) => Promise<PassbaseStatus>
  /** polls `/status` until `until` holds (default: a settled status) */
  waitForStatus: (options?: WaitForStatusOptions) => Promise<PassbaseStatus>
  /**
   * Renders the provider's "Verify Me" button in `element` (loading the button script
   * when `window.Passbase` is missing); when the flow has submitted it links the key and
   * follows the status until it settles, reporting each change to `onStatus`.
   */
  renderVerifyButton: (element: HTMLElement | string, options?: RenderVerifyButtonOptions) => Promise<void>
  /**
   * `fetch`, plus the step-up: a 401 `FST_PASSBASE_REAUTH_REQUIRED` runs `stepUp()` (bound to
   * the refusal's action when it names one) and the request is retried once. Rejects with the
   * step-up's error when the user cancels or the authentication fails. Bodies must be
   * replayable (string, Blob, FormData, URLSearchParams, or a `Request`), not streams.
   */
  fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>
  /**
   * Re-authentication: `POST /reauth/start`, the login button in a dialog, then
   * `POST /reauth/complete` until the step-up cookie is set. Concurrent calls for the same
   * action (or none) share one run; runs for different actions follow one another.
   */
  stepUp: (options?: StepUpOptions) => Promise<void>
  /** `DELETE {prefix}/reauth`: ends every step-up window of the user now */
  endStepUp: () => Promise<void>
}

export interface PassbaseClientModule {
  createPassbaseClient: (options?: PassbaseClientOptions) => PassbaseBrowserClient
  isPassbaseClientError: (value: unknown) => value is PassbaseClientError
}

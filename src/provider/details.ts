/** Properties added to the errors the provider client throws. */
export interface ProviderErrorDetails {
  /** HTTP status of the provider response, when there was one. */
  providerStatus?: number
}

/** Adds `providerStatus` (when known) and `cause` (when given) to an error. */
export function withDetails<E extends Error> (error: E, providerStatus: number | undefined, cause?: unknown): E & ProviderErrorDetails {
  const e = error as E & ProviderErrorDetails
  if (providerStatus !== undefined) e.providerStatus = providerStatus
  if (cause !== undefined) e.cause = cause
  return e
}

import createError, { type FastifyErrorConstructor } from '@fastify/error'

/** A `@fastify/error` class with a literal code (explicit type: the built .d.ts stays self-contained). */
export type PassbaseErrorConstructor<C extends string, A extends unknown[] = []> = FastifyErrorConstructor<{ code: C, statusCode: number }, A>

function define<C extends string, A extends unknown[] = []> (code: C, message: string, statusCode: number, Base?: PassbaseErrorConstructor<string, never[]>): PassbaseErrorConstructor<C, A> {
  return createError<C, number, A>(code, message, statusCode, Base as unknown as ErrorConstructor | undefined)
}

/**
 * Every error the plugin raises, with a stable `FST_PASSBASE_*` code. Errors are
 * classified where they arise (the store wrapper, the provider client, the routes);
 * route errors are answered as JSON `{ statusCode, code, error, message }`.
 */

// configuration (rejects register/ready)
export const PassbaseOptionsError = define<'FST_PASSBASE_OPTIONS', [string]>(
  'FST_PASSBASE_OPTIONS', 'fastify-passbase: invalid option %s', 500)
export const PassbaseReauthNotConfiguredError = define<'FST_PASSBASE_REAUTH_NOT_CONFIGURED', [string]>(
  'FST_PASSBASE_REAUTH_NOT_CONFIGURED',
  'fastify-passbase: requireReauth is used but option reauth.secret is not set%s', 500)

// refusals and client errors
export const UnauthenticatedError = define<'FST_PASSBASE_UNAUTHENTICATED'>(
  'FST_PASSBASE_UNAUTHENTICATED', 'Sign in first', 401)
export const VerificationRequiredError = define<'FST_PASSBASE_VERIFICATION_REQUIRED'>(
  'FST_PASSBASE_VERIFICATION_REQUIRED', 'An approved identity verification is required', 403)
export const ReauthRequiredError = define<'FST_PASSBASE_REAUTH_REQUIRED'>(
  'FST_PASSBASE_REAUTH_REQUIRED', 'A recent biometric re-authentication is required', 401)
export const BadWebhookError = define<'FST_PASSBASE_BAD_WEBHOOK'>(
  'FST_PASSBASE_BAD_WEBHOOK', 'Invalid webhook', 400)
export const WebhookTooLargeError = define<'FST_PASSBASE_WEBHOOK_TOO_LARGE'>(
  'FST_PASSBASE_WEBHOOK_TOO_LARGE', 'Webhook body too large', 413)
export const BadRequestError = define<'FST_PASSBASE_BAD_REQUEST', [string]>(
  'FST_PASSBASE_BAD_REQUEST', 'Bad request: %s', 400)
export const UnsupportedMediaTypeError = define<'FST_PASSBASE_UNSUPPORTED_MEDIA_TYPE'>(
  'FST_PASSBASE_UNSUPPORTED_MEDIA_TYPE', 'This route only accepts Content-Type: application/json', 415)
export const UnknownIdentityError = define<'FST_PASSBASE_UNKNOWN_IDENTITY'>(
  'FST_PASSBASE_UNKNOWN_IDENTITY', 'The provider does not know this identity', 404)
export const MetadataMismatchError = define<'FST_PASSBASE_METADATA_MISMATCH'>(
  'FST_PASSBASE_METADATA_MISMATCH', 'This identity was not started by this user', 403)
export const TooManyAttemptsError = define<'FST_PASSBASE_TOO_MANY_ATTEMPTS'>(
  'FST_PASSBASE_TOO_MANY_ATTEMPTS', 'Too many attempts with unknown identities; try again later', 429)
export const IdentityTakenError = define<'FST_PASSBASE_IDENTITY_TAKEN'>(
  'FST_PASSBASE_IDENTITY_TAKEN', 'This identity is linked to another user', 409)
export const AlreadyVerifiedError = define<'FST_PASSBASE_ALREADY_VERIFIED'>(
  'FST_PASSBASE_ALREADY_VERIFIED', 'This user already has an approved identity', 409)
export const ChallengeGoneError = define<'FST_PASSBASE_CHALLENGE_GONE'>(
  'FST_PASSBASE_CHALLENGE_GONE', 'This re-authentication challenge has expired or was already used', 410)
export const StepUpConflictError = define<'FST_PASSBASE_STEP_UP_CONFLICT'>(
  'FST_PASSBASE_STEP_UP_CONFLICT', 'Another step-up was started for this account while this one was open; this one cannot complete', 410)
export const ChallengeForbiddenError = define<'FST_PASSBASE_CHALLENGE_FORBIDDEN'>(
  'FST_PASSBASE_CHALLENGE_FORBIDDEN', 'This re-authentication challenge belongs to another user', 403)

// server-side failures (guards fail closed on every one of them)
export const StoreUnavailableError = define<'FST_PASSBASE_STORE_UNAVAILABLE'>(
  'FST_PASSBASE_STORE_UNAVAILABLE', 'Verification state is unavailable; try again later', 503)
export const ProviderUnavailableError = define<'FST_PASSBASE_PROVIDER_UNAVAILABLE'>(
  'FST_PASSBASE_PROVIDER_UNAVAILABLE', 'The verification provider is unavailable; try again later', 503)
export const ProviderError = define<'FST_PASSBASE_PROVIDER_ERROR'>(
  'FST_PASSBASE_PROVIDER_ERROR', 'The verification provider gave an answer that cannot be used', 502)
export const UserIdTooLongError = define<'FST_PASSBASE_USER_ID_TOO_LONG'>(
  'FST_PASSBASE_USER_ID_TOO_LONG', 'The user id is too long to be signed into the button metaData with this key', 500)
export const ActionInvalidError = define<'FST_PASSBASE_ACTION_INVALID'>(
  'FST_PASSBASE_ACTION_INVALID', 'The details of this action could not be determined', 500)
export const InternalError = define<'FST_PASSBASE_INTERNAL'>(
  'FST_PASSBASE_INTERNAL', 'Internal error', 500)

// provider API client (PassbaseClient): `providerStatus` carries the HTTP status when there was one
/** The API answered 404. Routes turn it into FST_PASSBASE_UNKNOWN_IDENTITY. */
export const ApiNotFoundError = define<'FST_PASSBASE_API_NOT_FOUND', [string]>(
  'FST_PASSBASE_API_NOT_FOUND', 'Passbase API: not found (%s)', 404)
/** Unreachable, 5xx, 408/429, timeouts, a full queue, a closed client: retried first, then this. */
export const ApiUnavailableError = define<'FST_PASSBASE_PROVIDER_UNAVAILABLE', [string]>(
  'FST_PASSBASE_PROVIDER_UNAVAILABLE', 'Passbase API unavailable: %s', 503, ProviderUnavailableError)
/** 401/403: the secret API key was refused. */
export const ApiUnauthorizedError = define<'FST_PASSBASE_PROVIDER_ERROR', [string]>(
  'FST_PASSBASE_PROVIDER_ERROR', 'Passbase API refused the secret API key (%s)', 502, ProviderError)
/** Any other non-2xx answer, a body that is not JSON or fails its schema, an identity with another id. */
export const ApiResponseError = define<'FST_PASSBASE_PROVIDER_ERROR', [string]>(
  'FST_PASSBASE_PROVIDER_ERROR', 'Passbase API: unexpected response (%s)', 502, ProviderError)

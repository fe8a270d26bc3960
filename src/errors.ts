import createError, { type FastifyErrorConstructor } from '@fastify/error'

/** A `@fastify/error` class with a literal code (explicit type: the built .d.ts stays self-contained). */
export type PassbaseErrorConstructor<C extends string, A extends unknown[] = []> = FastifyErrorConstructor<{ code: C, statusCode: number }, A>

function define<C extends string, A extends unknown[] = []> (code: C, message: string, statusCode: number): PassbaseErrorConstructor<C, A> {
  return createError<C, number, A>(code, message, statusCode)
}

/**
 * Every error the plugin raises, with a stable `FST_PASSBASE_*` code. Route errors
 * are answered as JSON `{ statusCode, code, error, message }`.
 */

// configuration (rejects register/ready)
export const PassbaseOptionsError = define<'FST_PASSBASE_OPTIONS', [string]>(
  'FST_PASSBASE_OPTIONS', 'fastify-passbase: invalid option %s', 500)
export const PassbaseReauthNotConfiguredError = define<'FST_PASSBASE_REAUTH_NOT_CONFIGURED', [string?]>(
  'FST_PASSBASE_REAUTH_NOT_CONFIGURED',
  'fastify-passbase: requireReauth is used but option reauth.secret is not set%s', 500)

// request errors
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
export const UnknownIdentityError = define<'FST_PASSBASE_UNKNOWN_IDENTITY'>(
  'FST_PASSBASE_UNKNOWN_IDENTITY', 'The provider does not know this identity', 404)
export const IdentityTakenError = define<'FST_PASSBASE_IDENTITY_TAKEN'>(
  'FST_PASSBASE_IDENTITY_TAKEN', 'This identity is linked to another user', 409)
export const AlreadyVerifiedError = define<'FST_PASSBASE_ALREADY_VERIFIED'>(
  'FST_PASSBASE_ALREADY_VERIFIED', 'This user already has an approved identity', 409)
export const StoreUnavailableError = define<'FST_PASSBASE_STORE_UNAVAILABLE'>(
  'FST_PASSBASE_STORE_UNAVAILABLE', 'Verification state is unavailable; try again later', 503)
export const ProviderUnavailableError = define<'FST_PASSBASE_PROVIDER_UNAVAILABLE'>(
  'FST_PASSBASE_PROVIDER_UNAVAILABLE', 'The verification provider is unavailable; try again later', 503)
export const ChallengeGoneError = define<'FST_PASSBASE_CHALLENGE_GONE'>(
  'FST_PASSBASE_CHALLENGE_GONE', 'This re-authentication challenge has expired or was already used', 410)
export const ChallengeForbiddenError = define<'FST_PASSBASE_CHALLENGE_FORBIDDEN'>(
  'FST_PASSBASE_CHALLENGE_FORBIDDEN', 'This re-authentication challenge belongs to another user', 403)

// provider API client
export const ApiUnauthorizedError = define<'FST_PASSBASE_API_UNAUTHORIZED', [string]>(
  'FST_PASSBASE_API_UNAUTHORIZED', 'Passbase API refused the secret API key (%s)', 502)
export const ApiNotFoundError = define<'FST_PASSBASE_API_NOT_FOUND', [string]>(
  'FST_PASSBASE_API_NOT_FOUND', 'Passbase API: not found (%s)', 404)
export const ApiUnavailableError = define<'FST_PASSBASE_API_UNAVAILABLE', [string]>(
  'FST_PASSBASE_API_UNAVAILABLE', 'Passbase API unavailable: %s', 503)
export const ApiResponseError = define<'FST_PASSBASE_API_BAD_RESPONSE', [string]>(
  'FST_PASSBASE_API_BAD_RESPONSE', 'Passbase API: unexpected response (%s)', 502)

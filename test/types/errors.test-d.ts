/**
 * Type tests of the error classes (compiled by `tsc --noEmit -p .`, never run): each
 * carries its stable `FST_PASSBASE_*` code as a literal type, so a host can narrow on it.
 */
import type { FastifyError } from 'fastify'
import { expectTypeOf } from 'expect-type'
import {
  AlreadyVerifiedError,
  ApiNotFoundError,
  ApiResponseError,
  ApiUnauthorizedError,
  ApiUnavailableError,
  BadRequestError,
  BadWebhookError,
  ChallengeForbiddenError,
  ChallengeGoneError,
  IdentityTakenError,
  PassbaseOptionsError,
  PassbaseReauthNotConfiguredError,
  ProviderUnavailableError,
  ReauthRequiredError,
  StepUpConflictError,
  StoreUnavailableError,
  UnauthenticatedError,
  UnknownIdentityError,
  VerificationRequiredError,
  WebhookTooLargeError,
  type PassbaseErrorConstructor
} from '../../src/index.js'

type CodeOf<E> = E extends new (...args: never[]) => infer I ? I extends { code: infer C } ? C : never : never

expectTypeOf<CodeOf<typeof PassbaseOptionsError>>().toEqualTypeOf<'FST_PASSBASE_OPTIONS'>()
expectTypeOf<CodeOf<typeof PassbaseReauthNotConfiguredError>>().toEqualTypeOf<'FST_PASSBASE_REAUTH_NOT_CONFIGURED'>()
expectTypeOf<CodeOf<typeof UnauthenticatedError>>().toEqualTypeOf<'FST_PASSBASE_UNAUTHENTICATED'>()
expectTypeOf<CodeOf<typeof VerificationRequiredError>>().toEqualTypeOf<'FST_PASSBASE_VERIFICATION_REQUIRED'>()
expectTypeOf<CodeOf<typeof ReauthRequiredError>>().toEqualTypeOf<'FST_PASSBASE_REAUTH_REQUIRED'>()
expectTypeOf<CodeOf<typeof BadWebhookError>>().toEqualTypeOf<'FST_PASSBASE_BAD_WEBHOOK'>()
expectTypeOf<CodeOf<typeof WebhookTooLargeError>>().toEqualTypeOf<'FST_PASSBASE_WEBHOOK_TOO_LARGE'>()
expectTypeOf<CodeOf<typeof BadRequestError>>().toEqualTypeOf<'FST_PASSBASE_BAD_REQUEST'>()
expectTypeOf<CodeOf<typeof UnknownIdentityError>>().toEqualTypeOf<'FST_PASSBASE_UNKNOWN_IDENTITY'>()
expectTypeOf<CodeOf<typeof IdentityTakenError>>().toEqualTypeOf<'FST_PASSBASE_IDENTITY_TAKEN'>()
expectTypeOf<CodeOf<typeof AlreadyVerifiedError>>().toEqualTypeOf<'FST_PASSBASE_ALREADY_VERIFIED'>()
expectTypeOf<CodeOf<typeof ChallengeGoneError>>().toEqualTypeOf<'FST_PASSBASE_CHALLENGE_GONE'>()
expectTypeOf<CodeOf<typeof ChallengeForbiddenError>>().toEqualTypeOf<'FST_PASSBASE_CHALLENGE_FORBIDDEN'>()
expectTypeOf<CodeOf<typeof StepUpConflictError>>().toEqualTypeOf<'FST_PASSBASE_STEP_UP_CONFLICT'>()
expectTypeOf<CodeOf<typeof StoreUnavailableError>>().toEqualTypeOf<'FST_PASSBASE_STORE_UNAVAILABLE'>()
expectTypeOf<CodeOf<typeof ProviderUnavailableError>>().toEqualTypeOf<'FST_PASSBASE_PROVIDER_UNAVAILABLE'>()
expectTypeOf<CodeOf<typeof ApiNotFoundError>>().toEqualTypeOf<'FST_PASSBASE_API_NOT_FOUND'>()
// the provider client's errors share the codes of the route errors they become
expectTypeOf<CodeOf<typeof ApiUnavailableError>>().toEqualTypeOf<'FST_PASSBASE_PROVIDER_UNAVAILABLE'>()
expectTypeOf<CodeOf<typeof ApiUnauthorizedError>>().toEqualTypeOf<'FST_PASSBASE_PROVIDER_ERROR'>()
expectTypeOf<CodeOf<typeof ApiResponseError>>().toEqualTypeOf<'FST_PASSBASE_PROVIDER_ERROR'>()

// instances are FastifyErrors (Error, statusCode) and the code is not widened to string
const refused = new UnauthenticatedError()
expectTypeOf(refused).toExtend<FastifyError>()
expectTypeOf(refused).toExtend<Error>()
expectTypeOf(refused.code).toEqualTypeOf<'FST_PASSBASE_UNAUTHENTICATED'>()
expectTypeOf(refused.code).not.toEqualTypeOf<string>()
expectTypeOf(refused.statusCode).toEqualTypeOf<number>()
expectTypeOf(UnauthenticatedError).toEqualTypeOf<PassbaseErrorConstructor<'FST_PASSBASE_UNAUTHENTICATED'>>()

// message arguments are typed: the options error names the option
expectTypeOf(PassbaseOptionsError).constructorParameters.toEqualTypeOf<[string]>()
// @ts-expect-error PassbaseOptionsError needs the option's description
void new PassbaseOptionsError()

// a host narrows on the literal code
export function describe (err: InstanceType<typeof StoreUnavailableError> | InstanceType<typeof UnauthenticatedError>): number {
  if (err.code === 'FST_PASSBASE_STORE_UNAVAILABLE') {
    expectTypeOf(err.code).toEqualTypeOf<'FST_PASSBASE_STORE_UNAVAILABLE'>()
    return 503
  }
  expectTypeOf(err.code).toEqualTypeOf<'FST_PASSBASE_UNAUTHENTICATED'>()
  return 401
}

import type {
  ContextConfigDefault, FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, FastifyTypeProvider, FastifyTypeProviderDefault,
  RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault, RouteGenericInterface
} from 'fastify'
import { PassbaseOptionsError, PassbaseReauthNotConfiguredError } from '../errors.js'
import type { SendRefusal } from '../http/reply.js'
import type { HookDone } from '../verification/guard.js'
import { createRequireBoundReauth, type ActionOf, type BoundGuardDeps } from './bound-guard.js'
import { createRequireReauth } from './guard.js'
import { notConfiguredGuard } from './not-configured.js'

/**
 * A guard: use it as a route's `preHandler`. On the common path it is a callback-style
 * hook (it calls `done` synchronously); when it must wait it returns a promise. Called
 * directly, `await guard(request, reply)` and check `reply.sent`.
 */
export type PassbaseGuard<
  RouteGeneric extends RouteGenericInterface = RouteGenericInterface,
  SchemaCompiler extends FastifySchema = FastifySchema,
  TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault
> = (
  this: FastifyInstance,
  request: FastifyRequest<RouteGeneric, RawServerDefault, RawRequestDefaultExpression, SchemaCompiler, TypeProvider>,
  reply: FastifyReply<RouteGeneric, RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, ContextConfigDefault, SchemaCompiler, TypeProvider>,
  done?: HookDone
) => Promise<void> | undefined

/**
 * `passbase.requireReauth(options)`. The generics are the route's: used as a route's
 * `preHandler` they are inferred from the route (`app.post<{ Body: B }>(...)`, or its schema
 * with a type provider), so `action(request)` sees `request.body` typed; or name them,
 * `requireReauth<{ Body: B }>({ action })`.
 */
export interface RequireReauthOptions<
  RouteGeneric extends RouteGenericInterface = RouteGenericInterface,
  SchemaCompiler extends FastifySchema = FastifySchema,
  TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault
> {
  /** seconds, at most `reauth.maxAge` (the default) */
  maxAge?: number
  /** bind the step-up to this request's details (a flat object of strings and finite numbers, ≤ 1 KiB as JSON) */
  action?: ActionOf<RouteGeneric, SchemaCompiler, TypeProvider>
}

/** `passbase.requireReauth`: a step-up guard with a shorter window and/or bound to the request's details. */
export type MakeStepUpGuard = <
  RouteGeneric extends RouteGenericInterface = RouteGenericInterface,
  SchemaCompiler extends FastifySchema = FastifySchema,
  TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault
>(options?: RequireReauthOptions<RouteGeneric, SchemaCompiler, TypeProvider>) => PassbaseGuard<RouteGeneric, SchemaCompiler, TypeProvider>

export interface StepUpGuards {
  /** the guard with the default window (`fastify.requireReauth`) */
  requireReauth: PassbaseGuard
  /** `passbase.requireReauth({ maxAge, action })` */
  make: MakeStepUpGuard
}

/** Makes the step-up guards: `requireReauth` with the default window, and one per `passbase.requireReauth({ maxAge, action })` call. */
export function createStepUpGuards (deps: BoundGuardDeps, defaultMaxAge: number): StepUpGuards {
  function make (options: RequireReauthOptions = {}): PassbaseGuard {
    const maxAge = options.maxAge ?? defaultMaxAge
    if (!Number.isInteger(maxAge) || maxAge <= 0 || maxAge > defaultMaxAge) {
      throw new PassbaseOptionsError(`requireReauth({ maxAge }): must be a whole number of seconds between 1 and reauth.maxAge (${defaultMaxAge})`)
    }
    if (options.action !== undefined && typeof options.action !== 'function') {
      throw new PassbaseOptionsError('requireReauth({ action }): must be a function (request) => details')
    }
    const guard = options.action === undefined
      ? createRequireReauth(deps, maxAge)
      : createRequireBoundReauth(deps, maxAge, options.action)
    return guard as PassbaseGuard
  }

  // the generics only type the host's `action`: at run time every guard takes any request
  return { requireReauth: make(), make: make as MakeStepUpGuard }
}

/**
 * Without `reauth`: `requireReauth` is the fail-closed guard (the startup check refuses
 * routes that use it) and `passbase.requireReauth()` throws.
 */
export function notConfiguredGuards (send: SendRefusal): StepUpGuards {
  return {
    requireReauth: notConfiguredGuard(send) as PassbaseGuard,
    make () { throw new PassbaseReauthNotConfiguredError('') }
  }
}

/**
 * Type tests (compiled by `tsc --noEmit -p .`, never run): what the plugin adds to
 * Fastify's types by declaration merging. A wrong type here fails `npm test`
 * (`test/types/compile.test.ts` compiles this folder and checks that a wrong
 * assertion is caught).
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyTypeProvider } from 'fastify'
import { expectTypeOf } from 'expect-type'
import fastifyPassbase, {
  guardResponses,
  PassbaseClient,
  refusalResponse,
  refusalSchema,
  type GuardKind,
  type ResponseSchema,
  type IdentityStatus,
  type PassbaseDecorator,
  type PassbaseGuard,
  type PassbaseStore,
  type ReconcileOptions,
  type ReconcileResult,
  type RequireReauthOptions,
  type VerificationRecord
} from '../../src/index.js'

// the decorators exist on every FastifyInstance, with these exact types
expectTypeOf<FastifyInstance['requireVerified']>().toEqualTypeOf<PassbaseGuard>()
expectTypeOf<FastifyInstance['requireReauth']>().toEqualTypeOf<PassbaseGuard>()
expectTypeOf<FastifyInstance['passbase']>().toEqualTypeOf<PassbaseDecorator>()
expectTypeOf<FastifyRequest['verification']>().toEqualTypeOf<VerificationRecord | null>()

// fastify.passbase.*
expectTypeOf<PassbaseDecorator['client']>().toEqualTypeOf<PassbaseClient>()
expectTypeOf<PassbaseDecorator['store']>().toEqualTypeOf<PassbaseStore>()
expectTypeOf<PassbaseDecorator['statusOf']>().parameters.toEqualTypeOf<[userId: string]>()
expectTypeOf<PassbaseDecorator['statusOf']>().returns.resolves.toEqualTypeOf<IdentityStatus | 'none'>()
expectTypeOf<IdentityStatus | 'none'>().toEqualTypeOf<'none' | 'created' | 'processing' | 'pending' | 'approved' | 'declined' | 'expired'>()
expectTypeOf<PassbaseDecorator['requireReauth']>().toBeCallableWith()
expectTypeOf<PassbaseDecorator['requireReauth']>().toBeCallableWith({})
expectTypeOf<PassbaseDecorator['requireReauth']>().toBeCallableWith({ maxAge: 60 })
expectTypeOf<PassbaseDecorator['requireReauth']>().toBeCallableWith({ action: (request) => ({ amount: request.url }) })
expectTypeOf<PassbaseDecorator['requireReauth']>().parameter(0).toEqualTypeOf<RequireReauthOptions | undefined>()
expectTypeOf<RequireReauthOptions['maxAge']>().toEqualTypeOf<number | undefined>()
// @ts-expect-error action must be a function of the request
expectTypeOf<PassbaseDecorator['requireReauth']>().toBeCallableWith({ action: { amount: '1' } })
expectTypeOf<PassbaseDecorator['requireReauth']>().returns.toEqualTypeOf<PassbaseGuard>()
expectTypeOf<PassbaseDecorator['refresh']>().parameters.toEqualTypeOf<[identityId: string]>()
expectTypeOf<PassbaseDecorator['refresh']>().returns.resolves.toEqualTypeOf<VerificationRecord | null>()
expectTypeOf<PassbaseDecorator['reconcile']>().parameters.toEqualTypeOf<[options?: ReconcileOptions]>()
expectTypeOf<PassbaseDecorator['reconcile']>().returns.resolves.toEqualTypeOf<ReconcileResult>()

// a guard is a preHandler, and can be awaited directly (undefined when it decided synchronously)
expectTypeOf<PassbaseGuard>().thisParameter.toEqualTypeOf<FastifyInstance>()
expectTypeOf<PassbaseGuard>().returns.toEqualTypeOf<Promise<void> | undefined>()
expectTypeOf<Parameters<PassbaseGuard>[0]>().toEqualTypeOf<FastifyRequest>()
expectTypeOf<Parameters<PassbaseGuard>[1]>().toEqualTypeOf<FastifyReply>()

/** Host code as the README shows it (compiled, never called). */
export async function hostApp (): Promise<void> {
  const app = Fastify()
  await app.register(fastifyPassbase, { secretApiKey: 'k', webhookSecret: 'x'.repeat(32), getUserId: () => null, reauth: { secret: 's'.repeat(32) } })
  app.get('/profile', { preHandler: app.requireVerified }, async (request) => {
    expectTypeOf(request.verification).toEqualTypeOf<VerificationRecord | null>()
    return { identityId: request.verification?.identityId }
  })
  app.post('/withdraw', { preHandler: [app.requireVerified, app.requireReauth, app.passbase.requireReauth({ maxAge: 60 })] }, async () => ({ ok: true }))
  app.addHook('preHandler', app.requireVerified)
  app.get('/inline', async function (request, reply) {
    expectTypeOf(await this.requireVerified(request, reply)).toEqualTypeOf<void | undefined>()
    return reply.sent ? undefined : 'ok'
  })
  expectTypeOf(await app.passbase.statusOf('u')).toEqualTypeOf<IdentityStatus | 'none'>()
}

/** A bound step-up sees the route's types: `action(request)` is typed like the handler's request (compiled, never called). */
export function typedActions (app: FastifyInstance): void {
  type Payout = { amount: string, iban: string }
  // inferred from the route's generics, alone or in a preHandler array
  app.post<{ Body: Payout }>('/payout', {
    preHandler: app.passbase.requireReauth({ action: (request) => ({ amount: request.body.amount, payee: request.body.iban }) })
  }, async () => ({ paid: true }))
  app.post<{ Body: Payout, Params: { account: string } }>('/accounts/:account/payout', {
    preHandler: [app.requireVerified, app.passbase.requireReauth({ maxAge: 60, action: (request) => ({ account: request.params.account, amount: request.body.amount }) })]
  }, async () => ({ paid: true }))
  app.route<{ Body: Payout }>({
    method: 'POST',
    url: '/payout-route',
    preHandler: app.passbase.requireReauth({ action: (request) => ({ amount: request.body.amount }) }),
    handler: async () => ({ paid: true })
  })
  // named outside a route
  const guard = app.passbase.requireReauth<{ Body: Payout }>({ action: async (request) => ({ amount: request.body.amount }) })
  expectTypeOf(guard).toEqualTypeOf<PassbaseGuard<{ Body: Payout }>>()
  app.post<{ Body: Payout }>('/payout-named', { preHandler: guard }, async () => ({ paid: true }))
  // a route without types: the body is unknown, as in its handler
  app.post('/untyped', {
    // @ts-expect-error request.body is unknown on an untyped route
    preHandler: app.passbase.requireReauth({ action: (request) => ({ amount: request.body.amount }) })
  }, async () => ({ paid: true }))
  // a type provider: the schema's types
  interface AmountProvider extends FastifyTypeProvider {
    validator: this['schema'] extends { kind: 'amount' } ? { amount: string } : unknown
    serializer: unknown
  }
  const typed = app.withTypeProvider<AmountProvider>()
  typed.post('/provider', {
    schema: { body: { kind: 'amount' } as const },
    preHandler: [app.requireVerified, app.passbase.requireReauth({ action: (request) => ({ amount: request.body.amount }) })]
  }, async (request) => ({ amount: request.body.amount }))
  // the plain guards stay usable on typed routes
  app.post<{ Body: Payout }>('/withdraw', { preHandler: [app.requireVerified, app.requireReauth] }, async () => ({ ok: true }))
}

// OpenAPI helpers for a host's guarded routes
expectTypeOf(guardResponses).parameter(0).toEqualTypeOf<GuardKind>()
expectTypeOf<GuardKind>().toEqualTypeOf<'verified' | 'reauth' | 'bound'>()
expectTypeOf(guardResponses('verified')).toEqualTypeOf<Record<number, ResponseSchema>>()
expectTypeOf(refusalResponse).returns.toEqualTypeOf<ResponseSchema>()
expectTypeOf(refusalSchema).toEqualTypeOf<Readonly<Record<string, unknown>>>()
// @ts-expect-error not a guard
guardResponses('admin')

/**
 * Type tests of the plugin's options (compiled by `tsc --noEmit -p .`, never run).
 */
import type { KeyObject } from 'node:crypto'
import Fastify, { type FastifyRequest } from 'fastify'
import { expectTypeOf } from 'expect-type'
import fastifyPassbase, {
  MemoryStore,
  type FastifyPassbaseOptions,
  type GetUserId,
  type OpenApiOptions,
  type PassbaseStore,
  type ReauthCookieOptions,
  type ReauthOptions,
  type StatusChange
} from '../../src/index.js'

/** The keys of T that are not optional. */
type RequiredKeys<T> = { [K in keyof T]-?: Record<never, never> extends Pick<T, K> ? never : K }[keyof T]

// exactly three options are required; everything else has a default or is off without it
expectTypeOf<RequiredKeys<FastifyPassbaseOptions>>().toEqualTypeOf<'secretApiKey' | 'webhookSecret' | 'getUserId'>()
expectTypeOf<FastifyPassbaseOptions['secretApiKey']>().toEqualTypeOf<string>()
expectTypeOf<FastifyPassbaseOptions['webhookSecret']>().toEqualTypeOf<string | string[]>()
expectTypeOf<FastifyPassbaseOptions['getUserId']>().toEqualTypeOf<GetUserId>()
expectTypeOf<{ secretApiKey: string, webhookSecret: string, getUserId: () => null }>().toExtend<FastifyPassbaseOptions>()
expectTypeOf<{ secretApiKey: string, getUserId: () => null }>().not.toExtend<FastifyPassbaseOptions>()
expectTypeOf<{ webhookSecret: string, getUserId: () => null }>().not.toExtend<FastifyPassbaseOptions>()
expectTypeOf<{ secretApiKey: string, webhookSecret: string }>().not.toExtend<FastifyPassbaseOptions>()

// getUserId: the host's authentication, synchronous or async; null/undefined = anonymous
expectTypeOf<GetUserId>().parameters.toEqualTypeOf<[request: FastifyRequest]>()
expectTypeOf<(request: FastifyRequest) => string>().toExtend<GetUserId>()
expectTypeOf<() => string | null>().toExtend<GetUserId>()
expectTypeOf<() => undefined>().toExtend<GetUserId>()
expectTypeOf<(request: FastifyRequest) => Promise<string>>().toExtend<GetUserId>()
expectTypeOf<() => Promise<string | null | undefined>>().toExtend<GetUserId>()
expectTypeOf<() => number>().not.toExtend<GetUserId>()
expectTypeOf<() => Promise<number>>().not.toExtend<GetUserId>()
expectTypeOf<(request: FastifyRequest, extra: string) => string>().not.toExtend<GetUserId>()

// optional options, with their types
expectTypeOf<FastifyPassbaseOptions['store']>().toEqualTypeOf<PassbaseStore | undefined>()
expectTypeOf<MemoryStore>().toExtend<PassbaseStore>()
expectTypeOf<FastifyPassbaseOptions['metadataPrivateKey']>().toEqualTypeOf<string | KeyObject | undefined>()
expectTypeOf<FastifyPassbaseOptions['prefix']>().toEqualTypeOf<string | undefined>()
expectTypeOf<FastifyPassbaseOptions['apiBaseUrl']>().toEqualTypeOf<string | undefined>()
expectTypeOf<FastifyPassbaseOptions['publishableApiKey']>().toEqualTypeOf<string | undefined>()
expectTypeOf<FastifyPassbaseOptions['allowUnencryptedWebhooks']>().toEqualTypeOf<boolean | undefined>()
expectTypeOf<FastifyPassbaseOptions['thresholds']>().toEqualTypeOf<{ approveAt?: number, declineBelow?: number } | undefined>()
expectTypeOf<FastifyPassbaseOptions['reauth']>().toEqualTypeOf<ReauthOptions | undefined>()
expectTypeOf<FastifyPassbaseOptions['onStatusChange']>().toEqualTypeOf<((change: StatusChange) => void | Promise<void>) | undefined>()

// reauth: only the secret is required
expectTypeOf<RequiredKeys<ReauthOptions>>().toEqualTypeOf<'secret'>()
expectTypeOf<ReauthOptions['cookie']>().toEqualTypeOf<ReauthCookieOptions | undefined>()
expectTypeOf<RequiredKeys<ReauthCookieOptions>>().toEqualTypeOf<never>()
expectTypeOf<ReauthCookieOptions['sameSite']>().toEqualTypeOf<'strict' | 'lax' | 'none' | undefined>()

// what onStatusChange receives
expectTypeOf<StatusChange>().toHaveProperty('userId').toEqualTypeOf<string>()
expectTypeOf<StatusChange>().toHaveProperty('identityId').toEqualTypeOf<string>()
expectTypeOf<StatusChange>().toHaveProperty('score').toEqualTypeOf<number | null>()

/** register() checks the options' type (compiled, never called). */
export async function registration (): Promise<void> {
  const app = Fastify()
  await app.register(fastifyPassbase, { secretApiKey: 'k', webhookSecret: 'x'.repeat(32), getUserId: async (request) => request.headers['x-user'] as string | undefined })
  await app.register(fastifyPassbase, {
    secretApiKey: 'k',
    webhookSecret: 'x'.repeat(32),
    getUserId: () => 'u',
    store: new MemoryStore(),
    thresholds: { approveAt: 0.85, declineBelow: 0.7 },
    reauth: { secret: 's'.repeat(32), maxAge: 120, cookie: { secure: false, sameSite: 'lax' } },
    onStatusChange: async (change) => { expectTypeOf(change).toEqualTypeOf<StatusChange>() }
  })
  // @ts-expect-error webhookSecret is required
  await app.register(fastifyPassbase, { secretApiKey: 'k', getUserId: () => null })
  // @ts-expect-error getUserId returns a user id string, not a number
  await app.register(fastifyPassbase, { secretApiKey: 'k', webhookSecret: 'x'.repeat(32), getUserId: () => 42 })
  // @ts-expect-error reauth needs its secret
  await app.register(fastifyPassbase, { secretApiKey: 'k', webhookSecret: 'x'.repeat(32), getUserId: () => null, reauth: { maxAge: 60 } })
}

// openapi: the tag of the plugin's routes, or hide them
expectTypeOf<FastifyPassbaseOptions['openapi']>().toEqualTypeOf<OpenApiOptions | undefined>()
expectTypeOf<OpenApiOptions>().toEqualTypeOf<{ tag?: string, hide?: boolean }>()
// @ts-expect-error the tag is a string
expectTypeOf<{ tag: string[] }>().toExtend<OpenApiOptions>()

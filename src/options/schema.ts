import { createPrivateKey, KeyObject } from 'node:crypto'
import { z } from 'zod'
import type { Clock } from '../clock.js'
import { providerApiOptionsSchema } from '../provider/options.js'
import type { PassbaseStore } from '../stores/types.js'
import type { ErrorResponseBuilder, GetUserId, StatusChange } from './types.js'

/** The plugin options, as one zod schema (parsed once, at register time). */

const fn = <T extends (...args: never[]) => unknown>(message: string): z.ZodType<T> =>
  z.custom<T>((v) => typeof v === 'function', { message })

const storeSchema = z.custom<PassbaseStore>((v) => v !== null && typeof v === 'object', { message: 'must be a store object' })

const clockSchema = z.custom<Clock>((v) => v !== null && typeof v === 'object' && typeof (v as Clock).now === 'function',
  { message: 'must be an object with a now() method returning epoch milliseconds' })

const privateKeySchema = z.union([z.string(), z.custom<KeyObject>((v) => v instanceof KeyObject)]).transform((key, ctx) => {
  try {
    const k = typeof key === 'string' ? createPrivateKey(key) : key
    if (k.type !== 'private' || k.asymmetricKeyType !== 'rsa') throw new Error('not an RSA private key')
    return k
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an RSA private key (PEM or KeyObject)' })
    return z.NEVER
  }
})

const seconds = z.number().int().positive()

/** One secret or up to `max` distinct ones (rotation), as a list. */
function secrets (one: z.ZodString, max: number) {
  return z.union([one, z.array(one).min(1, 'needs at least one secret').max(max, `at most ${max} secrets`)])
    .transform((v) => typeof v === 'string' ? [v] : v)
    .refine((list) => new Set(list).size === list.length, 'secrets must be distinct')
}

function isScriptUrl (value: string): boolean {
  if (/^\/(?!\/)/.test(value)) return true
  try {
    return /^https?:$/.test(new URL(value).protocol)
  } catch {
    return false
  }
}

const cookieSchema = z.object({
  secure: z.boolean().default(true),
  sameSite: z.enum(['strict', 'lax', 'none']).default('strict'),
  domain: z.string().min(1).optional(),
  path: z.string().startsWith('/').default('/')
}).strict().default({ secure: true, sameSite: 'strict', path: '/' })
  .superRefine((c, ctx) => {
    if (c.sameSite === 'none' && !c.secure) {
      ctx.addIssue({ code: 'custom', path: ['sameSite'], message: "'none' requires secure: true (browsers drop SameSite=None cookies that are not Secure)" })
    }
  })

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

const reauthSchema = z.object({
  secret: secrets(z.string().min(32, 'must be at least 32 characters'), 4),
  maxAge: seconds.default(300),
  challengeTtl: seconds.default(600),
  cookieName: z.string().regex(COOKIE_NAME, 'must be a cookie name token').optional(),
  cookie: cookieSchema
}).strict().transform((r, ctx) => {
  const hostEligible = r.cookie.secure && r.cookie.path === '/' && r.cookie.domain === undefined
  const cookieName = r.cookieName ?? (hostEligible ? '__Host-passbase_reauth' : 'passbase_reauth')
  if (cookieName.startsWith('__Host-') && !hostEligible) {
    ctx.addIssue({ code: 'custom', path: ['cookieName'], message: 'a __Host- cookie needs cookie.secure true, cookie.path "/" and no cookie.domain' })
  }
  if (cookieName.startsWith('__Secure-') && !r.cookie.secure) {
    ctx.addIssue({ code: 'custom', path: ['cookieName'], message: 'a __Secure- cookie needs cookie.secure true' })
  }
  return { ...r, cookieName, actionCookieName: `${cookieName}_action` }
})

export const optionsSchema = z.object({
  secretApiKey: z.string().min(1),
  webhookSecret: secrets(z.string().regex(/^[\x20-\x7e]{32}$/, 'must be exactly 32 ASCII characters'), 4),
  getUserId: fn<GetUserId>('must be a function (request) => user id | null'),
  apiBaseUrl: z.url({ protocol: /^https?$/ }).default('https://api.passbase.com/verification/v2')
    .transform((u) => u.replace(/\/+$/, '')),
  publishableApiKey: z.string().min(1).optional(),
  buttonScriptUrl: z.string().refine(isScriptUrl, 'must be an absolute http(s) URL or a path starting with /').optional(),
  metadataPrivateKey: privateKeySchema.optional(),
  store: storeSchema.optional(),
  prefix: z.string().regex(/^(\/[A-Za-z0-9._~-]+)*\/?$/, 'must be a path like /passbase').default('/passbase')
    .transform((p) => p.replace(/\/+$/, '')),
  thresholds: z.object({
    approveAt: z.number().min(0).max(1).optional(),
    declineBelow: z.number().min(0).max(1).optional()
  }).strict().refine((t) => t.approveAt === undefined || t.declineBelow === undefined || t.declineBelow <= t.approveAt, {
    message: 'declineBelow must not exceed approveAt'
  }).default({}),
  reauth: reauthSchema.optional(),
  expiry: z.object({
    maxAge: seconds.optional(),
    documents: z.boolean().default(false)
  }).strict().default({ documents: false }),
  watchlist: z.enum(['ignore', 'decline']).default('ignore'),
  onStatusChange: fn<(change: StatusChange) => void | Promise<void>>('must be a function').optional(),
  allowUnencryptedWebhooks: z.boolean().default(false),
  api: providerApiOptionsSchema.prefault({}),
  dedupTtl: seconds.default(86_400),
  reconcile: z.object({
    intervalMs: z.number().int().positive().max(2_147_483_647).optional()
  }).strict().default({}),
  cacheTtlMs: z.number().int().min(0).max(86_400_000).default(1000),
  clock: clockSchema.optional(),
  errorResponse: fn<ErrorResponseBuilder>('must be a function (request, body) => body').optional(),
  openapi: z.object({
    tag: z.string().min(1).default('passbase'),
    hide: z.boolean().default(false)
  }).strict().default({ tag: 'passbase', hide: false }),
  linkAttempts: z.object({
    max: z.number().int().positive().default(10),
    window: seconds.default(3600)
  }).strict().default({ max: 10, window: 3600 })
})

export type ParsedOptions = z.output<typeof optionsSchema>

import { createPrivateKey, KeyObject } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { z } from 'zod'
import { PassbaseOptionsError } from './errors.js'
import { MemoryStore } from './stores/memory.js'
import type { IdentityStatus, PassbaseStore } from './stores/types.js'

/** What `onStatusChange` receives, once per real status transition. */
export interface StatusChange {
  userId: string
  identityId: string
  from: IdentityStatus
  to: IdentityStatus
  score: number | null
}

export type GetUserId = (request: FastifyRequest) => string | null | undefined | Promise<string | null | undefined>

export interface ReauthCookieOptions {
  /** default true; set false only for local http */
  secure?: boolean
  /** default 'strict' */
  sameSite?: 'strict' | 'lax' | 'none'
  domain?: string
  /** default '/' */
  path?: string
}

export interface ReauthOptions {
  /** HS256 key for step-up tokens, at least 32 characters */
  secret: string
  /** seconds: the longest step-up window any route may ask for (token and cookie lifetime); default 300 */
  maxAge?: number
  /** seconds a challenge stays usable; default 600 */
  challengeTtl?: number
  /** default 'passbase_reauth' */
  cookieName?: string
  cookie?: ReauthCookieOptions
}

export interface FastifyPassbaseOptions {
  secretApiKey: string
  /** exactly 32 ASCII characters */
  webhookSecret: string
  getUserId: GetUserId
  apiBaseUrl?: string
  publishableApiKey?: string
  /** where pages load the provider's button script from; handed to them by `GET {prefix}/config` (absolute http(s) URL or a path) */
  buttonScriptUrl?: string
  /** RSA private key (PEM string or KeyObject) used to sign the button's metaData */
  metadataPrivateKey?: string | KeyObject
  store?: PassbaseStore
  prefix?: string
  thresholds?: { approveAt?: number, declineBelow?: number }
  reauth?: ReauthOptions
  onStatusChange?: (change: StatusChange) => void | Promise<void>
  allowUnencryptedWebhooks?: boolean
  api?: { timeoutMs?: number, retries?: number, concurrency?: number }
  /** seconds a webhook de-duplication entry is kept; default 86400 (24 h) */
  dedupTtl?: number
  /** background reconciliation: a full `passbase.reconcile()` every `intervalMs` (off without it) */
  reconcile?: { intervalMs?: number }
}

const fn = <T extends (...args: never[]) => unknown>(message: string): z.ZodType<T> =>
  z.custom<T>((v) => typeof v === 'function', { message })

const storeSchema = z.custom<PassbaseStore>((v) => {
  if (v === null || typeof v !== 'object') return false
  const s = v as Record<string, unknown>
  return ['link', 'getByIdentity', 'getByUser', 'applyUpdate', 'markEvent', 'unmarkEvent', 'createChallenge',
    'getChallenge', 'consumeChallenge', 'recordAuthentication', 'lastAuthentication', 'revokeToken', 'isRevoked',
    'purgeExpired'].every((m) => typeof s[m] === 'function')
}, { message: 'must implement the PassbaseStore interface' })

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

function isScriptUrl (value: string): boolean {
  if (/^\/(?!\/)/.test(value)) return true
  try {
    return /^https?:$/.test(new URL(value).protocol)
  } catch {
    return false
  }
}

const optionsSchema = z.object({
  secretApiKey: z.string().min(1),
  webhookSecret: z.string().regex(/^[\x20-\x7e]{32}$/, 'must be exactly 32 ASCII characters'),
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
  reauth: z.object({
    secret: z.string().min(32, 'must be at least 32 characters'),
    maxAge: seconds.default(300),
    challengeTtl: seconds.default(600),
    cookieName: z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be a cookie name token').default('passbase_reauth'),
    cookie: z.object({
      secure: z.boolean().default(true),
      sameSite: z.enum(['strict', 'lax', 'none']).default('strict'),
      domain: z.string().min(1).optional(),
      path: z.string().startsWith('/').default('/')
    }).strict().default({ secure: true, sameSite: 'strict', path: '/' })
  }).strict().optional(),
  onStatusChange: fn<(change: StatusChange) => void | Promise<void>>('must be a function').optional(),
  allowUnencryptedWebhooks: z.boolean().default(false),
  api: z.object({
    timeoutMs: z.number().int().positive().default(5000),
    retries: z.number().int().min(0).max(10).default(2),
    concurrency: z.number().int().positive().default(16)
  }).strict().default({ timeoutMs: 5000, retries: 2, concurrency: 16 }),
  dedupTtl: seconds.default(86_400),
  reconcile: z.object({
    intervalMs: z.number().int().positive().max(2_147_483_647).optional()
  }).strict().default({})
})

export type ResolvedOptions = Omit<z.output<typeof optionsSchema>, 'store'> & { store: PassbaseStore, storeIsDefault: boolean }

/** Parses the plugin options once, at register time. Throws FST_PASSBASE_OPTIONS naming the option. */
export function resolveOptions (input: unknown): ResolvedOptions {
  const result = optionsSchema.safeParse(input ?? {})
  if (!result.success) {
    const issue = result.error.issues[0] as z.core.$ZodIssue
    const path = [...issue.path, ...(issue.code === 'unrecognized_keys' ? [issue.keys.join(', ')] : [])].join('.') || '(options)'
    const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message
    throw new PassbaseOptionsError(`${path}: ${message}`)
  }
  const { store, ...rest } = result.data
  return { ...rest, store: store ?? new MemoryStore(), storeIsDefault: store === undefined }
}

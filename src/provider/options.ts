import { z } from 'zod'
import { PassbaseOptionsError } from '../errors.js'

/**
 * The provider client's options: one set of defaults and one zod schema, shared by
 * `new PassbaseClient(options)` and the plugin's `api` option.
 */

/** Defaults of the client's tuning options (`connections` defaults to `concurrency`). */
export const PROVIDER_DEFAULTS = Object.freeze({
  timeoutMs: 5000,
  retries: 2,
  concurrency: 16,
  maxQueue: 1000,
  retryBaseMs: 100
} as const)

/** setTimeout fires at once for a delay above 2^31 - 1 ms, so no timeout may exceed it. */
const MAX_TIMER_MS = 2_147_483_647
const MAX_RETRIES = 10

/** The part of the options the plugin exposes as its `api` option. */
export interface ProviderApiOptions {
  /** Per attempt, covering headers and body (for files: headers, then the longest stall between chunks). Default 5000. */
  timeoutMs?: number
  /** Extra attempts after the first for retryable failures (0–10). Default 2. */
  retries?: number
  /** Max concurrent requests to the provider; more wait in a FIFO queue. Default 16. */
  concurrency?: number
  /** Max requests waiting for a concurrency slot; beyond it a call fails at once (ApiUnavailableError). Default 1000. */
  maxQueue?: number
}

export interface PassbaseClientOptions extends ProviderApiOptions {
  /** Sent as `X-API-KEY`. */
  secretApiKey: string
  /** e.g. `https://api.passbase.com/verification/v2`; a path is kept, a trailing slash ignored. */
  baseUrl: string
  /** Backoff base: attempt n waits random(0, min(2000, base * 2^n)) ms. Default 100. */
  retryBaseMs?: number
  /** Keep-alive pool size. Default `concurrency`. */
  connections?: number
}

/** The options once parsed: every default applied. */
export interface ResolvedProviderOptions {
  secretApiKey: string
  /** origin of `baseUrl`, e.g. `https://api.passbase.com` */
  origin: string
  /** path of `baseUrl` without a trailing slash, e.g. `/verification/v2` ('' for none) */
  basePath: string
  timeoutMs: number
  retries: number
  concurrency: number
  maxQueue: number
  retryBaseMs: number
  connections: number
}

/** An integer option; the message names the field, never echoes the value. */
function integer (name: string, min: number, max: number, unit = ''): z.ZodNumber {
  const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`
  const message = `${name}: expected an integer ${range}${unit}`
  return z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message })
}

function unknownKeys (what: string, known: string[]): z.core.$ZodErrorMap {
  return (issue) => issue.code === 'unrecognized_keys'
    ? `${issue.keys.map((k) => `"${k}"`).join(', ')}: unknown option${issue.keys.length > 1 ? 's' : ''} (known: ${known.join(', ')})`
    : `${what}: expected an object`
}

const apiShape = {
  timeoutMs: integer('timeoutMs', 1, MAX_TIMER_MS, ' (milliseconds)').default(PROVIDER_DEFAULTS.timeoutMs),
  retries: integer('retries', 0, MAX_RETRIES).default(PROVIDER_DEFAULTS.retries),
  concurrency: integer('concurrency', 1, Number.MAX_SAFE_INTEGER).default(PROVIDER_DEFAULTS.concurrency),
  maxQueue: integer('maxQueue', 0, Number.MAX_SAFE_INTEGER).default(PROVIDER_DEFAULTS.maxQueue)
}

/**
 * The plugin's `api` option: `{ timeoutMs, retries, concurrency, maxQueue }`, strict (an
 * unknown key is an error), every field defaulted. Messages start with the field name
 * (`timeoutMs: expected …`). Use `.prefault({})` to make the whole object optional.
 */
export const providerApiOptionsSchema: z.ZodType<Required<ProviderApiOptions>, ProviderApiOptions> =
  z.strictObject(apiShape, { error: unknownKeys('api', Object.keys(apiShape)) })

function isHttpUrl (value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}

const clientShape = {
  // printable ASCII without spaces: no header injection, and nothing to trim
  secretApiKey: z.string({ error: 'secretApiKey: expected a non-empty string' })
    .regex(/^[\x21-\x7e]+$/, { error: 'secretApiKey: expected a non-empty string of printable ASCII characters without spaces' }),
  baseUrl: z.string({ error: 'baseUrl: expected an absolute http(s) URL' })
    .refine(isHttpUrl, { error: 'baseUrl: expected an absolute http(s) URL' }),
  ...apiShape,
  retryBaseMs: integer('retryBaseMs', 0, MAX_TIMER_MS, ' (milliseconds)').default(PROVIDER_DEFAULTS.retryBaseMs),
  connections: integer('connections', 1, Number.MAX_SAFE_INTEGER).optional()
}

/** Every option of `new PassbaseClient(options)`, strict, resolved (defaults applied, `baseUrl` split). */
export const providerOptionsSchema: z.ZodType<ResolvedProviderOptions, PassbaseClientOptions> =
  z.strictObject(clientShape, { error: unknownKeys('options', Object.keys(clientShape)) })
    .transform((o) => {
      const url = new URL(o.baseUrl)
      return {
        secretApiKey: o.secretApiKey,
        origin: url.origin,
        basePath: url.pathname.replace(/\/+$/, ''),
        timeoutMs: o.timeoutMs,
        retries: o.retries,
        concurrency: o.concurrency,
        maxQueue: o.maxQueue,
        retryBaseMs: o.retryBaseMs,
        connections: o.connections ?? o.concurrency
      }
    })

/** Parses the client's options; throws PassbaseOptionsError naming the option (never its value). */
export function parseProviderOptions (options: unknown): ResolvedProviderOptions {
  const parsed = providerOptionsSchema.safeParse(options)
  if (parsed.success) return parsed.data
  // every message names its field; duplicates arise when one value breaks several checks
  const messages = [...new Set(parsed.error.issues.map((i) => i.message))]
  throw new PassbaseOptionsError(messages.join('; '))
}

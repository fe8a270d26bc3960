import { KeyObject, randomBytes } from 'node:crypto'
import { z } from 'zod'
import { webhookKey } from '../protocol/crypto.js'
import { systemClock } from './clock.js'
import { normalizeFaults } from './faults.js'
import type { Faults, SandboxClock, SandboxOptions } from './types.js'

/** `createSandbox` options, parsed once; every error names the option. */

export interface ResolvedOptions {
  secretApiKey: string
  publishableApiKey: string
  webhookSecret: string | undefined
  webhookUrl: string | undefined
  metadataPublicKey: string | KeyObject | undefined
  port: number
  host: string
  processingDelayMs: number
  retry: { attempts: number, baseMs: number }
  faults: Faults
  seed: number
  logger: boolean
  clock: SandboxClock
}

const nonNegative = z.number({ error: 'must be a non-negative number' })
  .refine((n) => Number.isFinite(n) && n >= 0, { error: 'must be a non-negative number' })

const secret = z.string().optional().superRefine((value, ctx) => {
  if (value === undefined) return
  try {
    webhookKey(value)
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be exactly 32 ASCII characters' })
  }
})

const optionsSchema = z.strictObject({
  secretApiKey: z.string({ error: 'is required' }).min(1, { error: 'is required' }),
  webhookSecret: secret,
  webhookUrl: z.string().optional(),
  publishableApiKey: z.string().min(1).optional(),
  metadataPublicKey: z.union([z.string(), z.custom<KeyObject>((v) => v instanceof KeyObject, { error: 'must be a PEM string or a KeyObject' })]).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  host: z.string().min(1).optional(),
  processingDelayMs: nonNegative.optional(),
  retry: z.strictObject({ attempts: nonNegative.optional(), baseMs: nonNegative.optional() }).optional(),
  faults: z.strictObject({ api: z.object({}).loose().optional(), deliveries: z.object({}).loose().optional() }).optional(),
  seed: z.number().finite().optional(),
  logger: z.boolean().optional(),
  clock: z.custom<SandboxClock>((v) => typeof (v as SandboxClock | null)?.now === 'function', { error: 'must be an object with a now() method' })
    .optional()
})

/** A random key with Passbase's prefix style, e.g. `pk_sandbox_…`. */
export function randomKey (prefix: string): string {
  return `${prefix}${randomBytes(18).toString('base64url')}`
}

export function resolveOptions (options: SandboxOptions): ResolvedOptions {
  const result = optionsSchema.safeParse(options ?? {})
  if (!result.success) {
    const issue = result.error.issues[0]
    const where = issue.path.join('.')
    const message = issue.code === 'unrecognized_keys' ? `unknown option(s) ${issue.keys.join(', ')}` : `${where} ${issue.message}`
    throw new TypeError(`sandbox: ${message}`)
  }
  const o = result.data
  return {
    secretApiKey: o.secretApiKey,
    publishableApiKey: o.publishableApiKey ?? randomKey('pk_sandbox_'),
    webhookSecret: o.webhookSecret,
    webhookUrl: o.webhookUrl,
    metadataPublicKey: o.metadataPublicKey,
    port: o.port ?? 0,
    host: o.host ?? '127.0.0.1',
    processingDelayMs: o.processingDelayMs ?? 3000,
    retry: { attempts: Math.max(1, Math.floor(o.retry?.attempts ?? 5)), baseMs: o.retry?.baseMs ?? 200 },
    faults: normalizeFaults(options.faults),
    seed: o.seed ?? 1,
    logger: o.logger ?? false,
    clock: o.clock ?? systemClock
  }
}

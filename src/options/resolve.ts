import type { z } from 'zod'
import { systemClock, type Clock } from '../clock.js'
import { PassbaseOptionsError } from '../errors.js'
import { MemoryStore } from '../stores/memory/index.js'
import type { PassbaseStore } from '../stores/types.js'
import { optionsSchema, type ParsedOptions } from './schema.js'

/** The options after parsing: defaults filled in, secrets as lists, the store and clock chosen. */
export type ResolvedOptions = Omit<ParsedOptions, 'store' | 'clock'> & {
  store: PassbaseStore
  storeIsDefault: boolean
  clock: Clock
}

export type ResolvedReauth = NonNullable<ResolvedOptions['reauth']>

/** Parses the plugin options once, at register time. Throws FST_PASSBASE_OPTIONS naming the option. */
export function resolveOptions (input: unknown): ResolvedOptions {
  const result = optionsSchema.safeParse(input ?? {})
  if (!result.success) throw new PassbaseOptionsError(describe(result.error.issues[0] as z.core.$ZodIssue))
  const { store, clock, ...rest } = result.data
  return { ...rest, store: store ?? new MemoryStore(), storeIsDefault: store === undefined, clock: clock ?? systemClock }
}

/** A union's issue is one of its branches' (the branch whose type the input has), with the union's path in front. */
function unwrap (issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue
  const branch = issue.errors.find((b) => b[0] !== undefined && !(b[0].code === 'invalid_type' && b[0].path.length === 0)) ?? issue.errors[0]!
  const inner = branch[0]
  return inner === undefined ? issue : unwrap({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue)
}

function describe (raw: z.core.$ZodIssue): string {
  const issue = unwrap(raw)
  const unknown = issue.code === 'unrecognized_keys' && !issue.message.includes('unknown option')
  const path = [...issue.path, ...(unknown ? [issue.keys.join(', ')] : [])]
    .map((p) => typeof p === 'number' ? `[${p}]` : String(p)).join('.').replace(/\.\[/g, '[') || '(options)'
  let message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message
  // schemas shared with the provider client name their field themselves
  const last = issue.path[issue.path.length - 1]
  if (typeof last === 'string' && message.startsWith(`${last}: `)) message = message.slice(last.length + 2)
  return `${path}: ${message}`
}

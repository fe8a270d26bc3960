import { z } from 'zod'
import { PassbaseOptionsError } from '../../errors.js'

/**
 * Constructor options of the SQL stores, parsed once with zod. A bad option throws
 * FST_PASSBASE_OPTIONS naming the store and the option.
 */

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

/** A table prefix, schema or channel name: interpolated into SQL, so a plain identifier. */
export const identifier = z.string().regex(IDENTIFIER, 'letters, digits and _ only, not starting with a digit')

/** Options of v0.1 that are no longer a store's concern, with what replaces them. */
const REMOVED: Readonly<Record<string, string>> = {
  cacheTtlMs: 'the guard cache is configured on the plugin since v0.2',
  shared: 'every shipped SQL store is shared since v0.2; the option was removed'
}

export function parseStoreOptions<T> (store: string, schema: z.ZodType<T>, input: unknown): T {
  if (typeof input === 'object' && input !== null) {
    for (const [name, why] of Object.entries(REMOVED)) {
      if (name in input) throw new PassbaseOptionsError(`${store} ${name}: ${why}`)
    }
  }
  const parsed = schema.safeParse(input)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const keys = issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : undefined
  const path = keys ?? (issue?.path.length === 0 ? '(options)' : issue?.path.join('.'))
  throw new PassbaseOptionsError(`${store} ${path ?? '(options)'}: ${keys === undefined ? issue?.message ?? 'invalid' : 'unknown option'}`)
}

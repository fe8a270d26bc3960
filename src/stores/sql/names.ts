/**
 * Table names shared by the SQL stores. The prefix and schema are interpolated into
 * SQL text: options.ts allows plain identifiers only, and they are always double-quoted.
 */

/** The default `tablePrefix` of the SQL stores. */
export const DEFAULT_TABLE_PREFIX = 'passbase_'

/** The store's tables, by role; the value is the name after the prefix. */
export const TABLE_NAMES = {
  identities: 'identities',
  events: 'events',
  challenges: 'challenges',
  revocations: 'user_revocations',
  tokens: 'used_tokens',
  changes: 'changes',
  head: 'change_head',
  outbox: 'outbox',
  salts: 'salts'
} as const

export type TableRole = keyof typeof TABLE_NAMES

/** Quoted, schema-qualified table names by role, plus what they were built from. */
export type Tables = Record<TableRole, string> & {
  prefix: string
  schema: string | undefined
  /** an index name (indexes live in their table's schema, so never qualified) */
  index: (name: string) => string
}

export function tables (prefix: string, schema?: string): Tables {
  const qualify = (name: string): string => schema === undefined ? `"${prefix}${name}"` : `"${schema}"."${prefix}${name}"`
  const out: Record<string, unknown> = { prefix, schema, index: (name: string) => `"${prefix}${name}"` }
  for (const [role, name] of Object.entries(TABLE_NAMES)) out[role] = qualify(name)
  return out as Tables
}

/**
 * Named parameters (`$name`) → PostgreSQL's positional ones (`$1::type`). Every name has
 * one type here, so that each parameter is cast where PostgreSQL cannot infer it (CTEs,
 * CASE, unnest). A name repeated in a statement is one parameter.
 */

const PARAM_TYPES: Readonly<Record<string, string>> = {
  identityId: 'text',
  userId: 'text',
  id: 'text',
  key: 'text',
  jti: 'text',
  owner: 'text',
  status: 'text',
  reason: 'text',
  action: 'text',
  salt: 'text',
  hash: 'text',
  channel: 'text',
  now: 'int8',
  at: 'int8',
  expiresAt: 'int8',
  createdAt: 'int8',
  linkedBefore: 'int8',
  providerUpdated: 'int8',
  notBefore: 'int8',
  afterSeq: 'int8',
  limit: 'int8',
  leaseUntil: 'int8',
  nextAt: 'int8',
  seq: 'int8',
  score: 'float8',
  conflicted: 'bool',
  // batches (unnest)
  userIds: 'text[]',
  salts: 'text[]',
  ids: 'text[]',
  seqs: 'int8[]',
  ats: 'int8[]',
  types: 'text[]',
  subjects: 'text[]',
  identityIds: 'text[]',
  froms: 'text[]',
  tos: 'text[]',
  scores: 'float8[]',
  reasons: 'text[]',
  prevHashes: 'text[]',
  hashes: 'text[]',
  queued: 'bool[]'
}

export interface Positional {
  text: string
  /** the parameter names, in position order */
  names: string[]
}

const NAMED = /\$([A-Za-z_][A-Za-z0-9_]*)/g

export function positional (template: string): Positional {
  const names: string[] = []
  const text = template.replace(NAMED, (_match, name: string) => {
    const type = PARAM_TYPES[name]
    if (type === undefined) throw new Error(`SQL parameter $${name} has no declared type`)
    let position = names.indexOf(name)
    if (position === -1) position = names.push(name) - 1
    return `$${position + 1}::${type}`
  })
  return { text, names }
}

/** The values of `params` in the statement's position order (absent ones as null). */
export function valuesFor (statement: Positional, params: Readonly<Record<string, unknown>>): unknown[] {
  return statement.names.map((name) => params[name] ?? null)
}

import { GENESIS_HASH } from '../../changes/chain.js'
import type { TableRole, Tables } from './names.js'

/**
 * The tables of the SQL stores, described once and rendered per dialect. Times are
 * integers (epoch ms, provider seconds), scores floating point, flags booleans
 * (SQLite stores them as 0/1). No table holds personal data beyond the host's user id,
 * which `forget` removes (see docs/stores.md).
 */

type ColumnType = 'text' | 'int' | 'real' | 'bool' | 'serial'

interface Column {
  name: string
  type: ColumnType
  /** e.g. 'PRIMARY KEY', 'NOT NULL', 'NOT NULL DEFAULT 0' */
  constraint?: string
  /** added after v0.1: an existing table gets it with ALTER TABLE ADD COLUMN */
  added?: true
}

interface Index {
  name: string
  on: TableRole
  columns: string
  unique?: true
  where?: string
}

export interface DialectTypes {
  /** the SQL type of each column type; null: the column is not created (SQLite's rowid stands in) */
  types: Record<ColumnType, string | null>
}

/**
 * Each table's columns as `name type [constraint]`; a `+` before the name marks a column
 * added since v0.1 (an existing table gets it with ALTER TABLE ADD COLUMN).
 */
const TABLES: ReadonlyArray<[TableRole, string[]]> = [
  // `seq`: insertion order, the last tie-breaker of getByUser (SQLite: the rowid)
  ['identities', ['identity_id text PRIMARY KEY', 'user_id text NOT NULL', 'status text NOT NULL', 'score real', 'reason text',
    'provider_updated int NOT NULL DEFAULT 0', 'linked_at int NOT NULL', '+expires_at int', 'seq serial']],
  ['events', ['key text PRIMARY KEY', 'expires_at int NOT NULL']],
  // `used`: consumed; `conflicted`: created while another of the user's was open, or open when
  // another was created; `closed_at`: an authentication closed it without satisfying it
  ['challenges', ['id text PRIMARY KEY', 'user_id text NOT NULL', 'identity_id text NOT NULL', 'created_at int NOT NULL',
    'expires_at int NOT NULL', 'used bool NOT NULL DEFAULT FALSE', '+action text', '+authenticated_at int',
    '+conflicted bool NOT NULL DEFAULT FALSE', '+closed_at int']],
  ['revocations', ['user_id text PRIMARY KEY', 'not_before int NOT NULL', 'expires_at int NOT NULL']],
  ['tokens', ['jti text PRIMARY KEY', 'expires_at int NOT NULL']],
  ['changes', ['seq int PRIMARY KEY', 'id text NOT NULL', 'at int NOT NULL', 'type text NOT NULL', 'subject text NOT NULL',
    'identity_id text', 'from_status text', 'to_status text', 'score real', 'reason text', 'prev_hash text NOT NULL', 'hash text NOT NULL']],
  // one row (id = 1): the last entry's seq and hash; appenders lock it, so seq has no gaps
  ['head', ['id int PRIMARY KEY', 'seq int NOT NULL', 'hash text NOT NULL']],
  ['outbox', ['id text PRIMARY KEY', 'seq int NOT NULL', 'at int NOT NULL', 'user_id text NOT NULL', 'identity_id text NOT NULL',
    'from_status text NOT NULL', 'to_status text NOT NULL', 'score real', 'attempts int NOT NULL DEFAULT 0', 'next_at int NOT NULL',
    'lease_owner text', 'lease_until int NOT NULL DEFAULT 0']],
  ['salts', ['user_id text PRIMARY KEY', 'salt text NOT NULL']]
]

function column (spec: string): Column {
  const [first = '', type = '', ...rest] = spec.split(' ')
  const added = first.startsWith('+')
  return {
    name: added ? first.slice(1) : first,
    type: type as ColumnType,
    ...(rest.length === 0 ? {} : { constraint: rest.join(' ') }),
    ...(added ? { added } : {})
  }
}

const SCHEMA: ReadonlyArray<{ role: TableRole, columns: Column[] }> = TABLES.map(([role, specs]) => ({ role, columns: specs.map(column) }))

const INDEXES: Index[] = [
  { name: 'identities_user', on: 'identities', columns: 'user_id' },
  { name: 'identities_expiring', on: 'identities', columns: 'expires_at', where: "status = 'approved' AND expires_at IS NOT NULL" },
  { name: 'identities_unsettled', on: 'identities', columns: 'linked_at', where: 'provider_updated = 0' },
  { name: 'events_expires', on: 'events', columns: 'expires_at' },
  { name: 'challenges_expires', on: 'challenges', columns: 'expires_at' },
  { name: 'challenges_identity', on: 'challenges', columns: 'identity_id' },
  // a user's challenges: the conflict rule at creation, and an authentication's closing
  { name: 'challenges_user', on: 'challenges', columns: 'user_id' },
  { name: 'user_revocations_expires', on: 'revocations', columns: 'expires_at' },
  { name: 'used_tokens_expires', on: 'tokens', columns: 'expires_at' },
  { name: 'outbox_seq', on: 'outbox', columns: 'seq' },
  { name: 'outbox_user', on: 'outbox', columns: 'user_id, seq' }
]

function columnSql (c: Column, d: DialectTypes): string | null {
  const type = d.types[c.type]
  if (type === null) return null
  return [`"${c.name}"`, type, c.constraint].filter((part) => part !== undefined).join(' ')
}

/** CREATE TABLE IF NOT EXISTS for every table. */
export function createTables (t: Tables, d: DialectTypes): string[] {
  return SCHEMA.map(({ role, columns }) =>
    `CREATE TABLE IF NOT EXISTS ${t[role]} (${columns.map((c) => columnSql(c, d)).filter((s) => s !== null).join(', ')})`)
}

/**
 * What brings older tables up to date: the columns added since (given the columns each
 * table has) and, when the challenges table gets columns, ending all but the latest of
 * each user's unused challenges (v0.1 kept several; an open challenge that nothing marked
 * conflicted must be the user's only one).
 */
export function upgradeTables (t: Tables, d: DialectTypes, existing: (role: TableRole) => ReadonlySet<string>): string[] {
  const out: string[] = []
  for (const { role, columns } of SCHEMA) {
    const have = existing(role)
    for (const c of columns) {
      const sql = columnSql(c, d)
      if (c.added === true && sql !== null && !have.has(c.name)) out.push(`ALTER TABLE ${t[role]} ADD COLUMN ${sql}`)
    }
  }
  if (out.some((sql) => sql.startsWith(`ALTER TABLE ${t.challenges} `))) {
    out.push(`UPDATE ${t.challenges} SET used = TRUE WHERE NOT used AND EXISTS (
      SELECT 1 FROM ${t.challenges} AS later WHERE later.user_id = ${t.challenges}.user_id AND NOT later.used
        AND (later.created_at > ${t.challenges}.created_at OR (later.created_at = ${t.challenges}.created_at AND later.id > ${t.challenges}.id)))`)
  }
  return out
}

/** Indexes of earlier versions that no longer exist: v0.2's one-open-challenge-per-user unique index. */
const DROPPED_INDEXES = ['challenges_pending']

/** DROP INDEX for the indexes of earlier versions, CREATE INDEX IF NOT EXISTS for every index, and the chain's head row. */
export function createIndexes (t: Tables): string[] {
  const qualified = (name: string): string => t.schema === undefined ? t.index(name) : `"${t.schema}".${t.index(name)}`
  return [
    ...DROPPED_INDEXES.map((name) => `DROP INDEX IF EXISTS ${qualified(name)}`),
    ...INDEXES.map((i) => `CREATE ${i.unique === true ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${t.index(i.name)} ON ${t[i.on]} (${i.columns})${i.where === undefined ? '' : ` WHERE ${i.where}`}`),
    `INSERT INTO ${t.head} (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}') ON CONFLICT (id) DO NOTHING`
  ]
}

#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { isEntry } from '../cli-entry.js'
import type { ChangeStore, StoreLifecycle } from '../stores/types.js'
import { createAudit } from './audit.js'

/**
 * `fastify-passbase-audit`: verify or export the change log of a store's database,
 * without the app: `verify` walks the hash chain, `export` writes NDJSON (one entry per
 * line, oldest first).
 */

export const USAGE = `Usage: fastify-passbase-audit <verify|export> (--sqlite <file> | --postgres <url>) [options]

  verify                 check the hash chain: prints {"ok":true,"entries":N,"head":"…"} (exit 0)
                         or {"ok":false,"firstBadSeq":N,"entries":N} (exit 1)
  export                 the entries as NDJSON on stdout, oldest first

Options:
  --sqlite <file>        a SqliteStore database file
  --postgres <url>       a PostgresStore database (connection string; or env DATABASE_URL with --postgres -)
  --table-prefix <p>     the store's tablePrefix (default passbase_)
  --schema <s>           PostgreSQL schema of the tables
  --user <id>            export: only this user's entries (through their pseudonym)
  --since <date>         export: entries at or after this ISO 8601 date
  --limit <n>            export: at most n entries
  --help                 show this help`

export interface AuditIO {
  out: (line: string) => void
  err: (line: string) => void
  env: Record<string, string | undefined>
}

type AuditStore = Pick<ChangeStore, 'readChanges' | 'subjectOf'> & StoreLifecycle

class UsageError extends Error {}

const OPTIONS = {
  sqlite: { type: 'string' },
  postgres: { type: 'string' },
  'table-prefix': { type: 'string' },
  schema: { type: 'string' },
  user: { type: 'string' },
  since: { type: 'string' },
  limit: { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const

async function openStore (values: { sqlite?: string, postgres?: string, 'table-prefix'?: string, schema?: string }, env: AuditIO['env']): Promise<AuditStore> {
  const tablePrefix = values['table-prefix']
  if ((values.sqlite === undefined) === (values.postgres === undefined)) throw new UsageError('give exactly one of --sqlite <file> and --postgres <url>')
  if (values.sqlite !== undefined) {
    const { SqliteStore } = await import('../stores/sqlite/index.js')
    return new SqliteStore({ filename: values.sqlite, ...(tablePrefix === undefined ? {} : { tablePrefix }) })
  }
  const connectionString = values.postgres === '-' ? env.DATABASE_URL : values.postgres
  if (connectionString === undefined || connectionString === '') throw new UsageError('--postgres -: DATABASE_URL is not set')
  const { PostgresStore } = await import('../stores/postgres/index.js')
  return new PostgresStore({ connectionString, ...(tablePrefix === undefined ? {} : { tablePrefix }), ...(values.schema === undefined ? {} : { schema: values.schema }) })
}

function exportOptions (values: { user?: string, since?: string, limit?: string }): { userId?: string, since?: number, limit?: number } {
  const out: { userId?: string, since?: number, limit?: number } = {}
  if (values.user !== undefined) out.userId = values.user
  if (values.since !== undefined) {
    const since = Date.parse(values.since)
    if (Number.isNaN(since)) throw new UsageError('--since must be an ISO 8601 date')
    out.since = since
  }
  if (values.limit !== undefined) {
    if (!/^\d+$/.test(values.limit)) throw new UsageError('--limit must be a whole number')
    out.limit = Number(values.limit)
  }
  return out
}

/** Runs the command; resolves the process exit code (0 ok, 1 a broken chain or a failure, 2 bad arguments). */
export async function main (argv: string[] = process.argv.slice(2), io: Partial<AuditIO> = {}): Promise<number> {
  const out = io.out ?? ((line: string) => { process.stdout.write(line + '\n') })
  const err = io.err ?? ((line: string) => { process.stderr.write(line + '\n') })
  let store: AuditStore | undefined
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true })
    if (values.help === true) {
      out(USAGE)
      return 0
    }
    const [command, ...rest] = positionals
    if ((command !== 'verify' && command !== 'export') || rest.length > 0) throw new UsageError('the command is verify or export')
    const options = exportOptions(values)
    store = await openStore(values, io.env ?? process.env)
    await store.init?.()
    const audit = createAudit(store)
    if (command === 'verify') {
      const verdict = await audit.verify()
      out(JSON.stringify(verdict))
      return verdict.ok ? 0 : 1
    }
    for await (const entry of audit.entries(options)) out(JSON.stringify(entry))
    return 0
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
      err(`fastify-passbase-audit: ${(error as Error).message}\n\n${USAGE}`)
      return 2
    }
    err(`fastify-passbase-audit: ${(error as Error).message}`)
    return 1
  } finally {
    await store?.close?.()
  }
}

/* c8 ignore start */
if (isEntry(process.argv[1], import.meta.url)) {
  main().then((code) => { process.exitCode = code }, (error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}
/* c8 ignore stop */

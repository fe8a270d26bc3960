import { createHash } from 'node:crypto'
import type pg from 'pg'
import { positional, valuesFor, type Positional } from '../sql/template.js'
import { toError } from './listener.js'

/**
 * How the PostgreSQL store talks to the database: statements compiled once (named
 * parameters → positional), optionally as named prepared statements, run on the pool
 * (one atomic statement) or inside a transaction that is retried when PostgreSQL
 * aborts it for a deadlock, a serialisation failure or a unique-key race.
 */

export interface Runner {
  rows: <R>(statement: Positional, params?: object) => Promise<R[]>
}

type Queryable = Pick<pg.ClientBase, 'query'>

/** SQLSTATEs after which the whole transaction is run again (it had no effect). */
const RETRY = new Set(['40P01', '40001', '23505'])
const ATTEMPTS = 10

export function compileAll<T extends Record<string, string>> (texts: T): { [K in keyof T]: Positional } {
  const out: Record<string, Positional> = {}
  for (const [name, text] of Object.entries(texts)) out[name] = positional(text)
  return out as { [K in keyof T]: Positional }
}

export class SqlClient {
  /** statements on the pool, outside any transaction */
  readonly run: Runner
  private readonly names = new Map<string, string>()

  constructor (private readonly pool: pg.Pool, private readonly prepared: boolean, private readonly ready: () => Promise<void>) {
    this.run = this.runner(pool, true)
  }

  /** Runs `work` in a transaction (BEGIN … COMMIT on one pooled connection), retried on the SQLSTATEs above. */
  async transaction<T> (work: (r: Runner) => Promise<T>): Promise<T> {
    await this.ready()
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect()
      let broken: Error | undefined
      try {
        await client.query('BEGIN')
        const result = await work(this.runner(client, false))
        await client.query('COMMIT')
        return result
      } catch (err) {
        await client.query('ROLLBACK').catch((rollback: unknown) => { broken = toError(rollback) })
        const code = (err as { code?: unknown }).code
        if (attempt >= ATTEMPTS || typeof code !== 'string' || !RETRY.has(code)) throw err
      } finally {
        client.release(broken)
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt))
    }
  }

  private runner (target: Queryable, waitReady: boolean): Runner {
    return {
      rows: async <R>(statement: Positional, params: object = {}): Promise<R[]> => {
        if (waitReady) await this.ready()
        const config: pg.QueryConfig = { text: statement.text, values: valuesFor(statement, params as Record<string, unknown>) }
        if (this.prepared) config.name = this.statementName(statement.text)
        const result = await target.query<R & pg.QueryResultRow>(config)
        return result.rows
      }
    }
  }

  private statementName (text: string): string {
    let name = this.names.get(text)
    if (name === undefined) {
      name = 'passbase_' + createHash('sha1').update(text).digest('hex').slice(0, 20)
      this.names.set(text, name)
    }
    return name
  }
}

import { newSalt, subjectFor } from '../../changes/chain.js'
import { logged } from '../sql/plan.js'
import { num, sqlLimit, toEntry, toPending, type ChangeRow, type OutboxRow } from '../sql/rows.js'
import type { ChangeStore, StoreLifecycle } from '../types.js'
import type { Runner, SqlClient } from './client.js'
import { appendChanges } from './log.js'
import type { PostgresStatements } from './sql.js'

/** The change log, the outbox of onStatusChange, erasure and housekeeping. */
export function changeOperations (db: SqlClient, s: PostgresStatements, channel: string): ChangeStore & Pick<StoreLifecycle, 'purgeExpired'> {
  const erase = async (r: Runner, userId: string): Promise<number> =>
    num((await r.rows<{ links: number | string }>(s.erase, { userId }))[0]?.links ?? 0)

  /**
   * Rows of the user are deleted, then the salt (waiting for the user's writers that
   * hold it), then — with the head locked, so that every change committed before is
   * visible and every later one comes after the erasure in the log — once more, for
   * rows such a writer added meanwhile.
   */
  async function forget (userId: string, now: number): Promise<{ links: number }> {
    return await db.transaction(async (r) => {
      let links = await erase(r, userId)
      const [dropped] = await r.rows<{ salt: string }>(s.dropSalt, { userId })
      await appendChanges(r, s, channel, [logged(userId, { at: now, type: 'erased' })], {
        salts: new Map([[userId, dropped?.salt ?? newSalt()]]),
        underHead: async () => { links += await erase(r, userId) }
      })
      return { links }
    })
  }

  return {
    readChanges: async (afterSeq, limit) =>
      (await db.run.rows<ChangeRow>(s.readChanges, { afterSeq, limit: sqlLimit(limit) })).map(toEntry),
    subjectOf: async (userId) => {
      const [row] = await db.run.rows<{ salt: string }>(s.salt, { userId })
      return row === undefined ? null : subjectFor(row.salt, userId)
    },
    claimChanges: async (owner, now, leaseMs, limit) => {
      const rows = await db.run.rows<OutboxRow>(s.claim, { owner, now, leaseUntil: now + leaseMs, limit: sqlLimit(limit) })
      return rows.map(toPending).sort((a, b) => a.seq - b.seq)
    },
    ackChange: async (id) => { await db.run.rows(s.ack, { id }) },
    retryChange: async (id, nextAt) => { await db.run.rows(s.retry, { id, nextAt }) },
    pendingChanges: async () => num((await db.run.rows<{ n: number | string }>(s.pending))[0]?.n ?? 0),
    forget,
    purgeExpired: async (now) => { await db.run.rows(s.purge, { now }) }
  }
}

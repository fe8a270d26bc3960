import type Database from 'better-sqlite3'
import { newSalt, subjectFor } from '../../changes/chain.js'
import { logged } from '../sql/plan.js'
import type { SharedQueries } from '../sql/queries.js'
import { num, sqlLimit, toEntry, toPending, type ChangeRow, type OutboxRow } from '../sql/rows.js'
import type { Tables } from '../sql/names.js'
import type { ChangeStore, StoreLifecycle } from '../types.js'
import type { Append, Params, Sync } from './log.js'
import { truncateWal } from './open.js'

export type SqliteChanges = { [K in keyof ChangeStore | 'purgeExpired']: Sync<(ChangeStore & StoreLifecycle)[K]> }

/** The change log, the outbox of onStatusChange, erasure and housekeeping. */
export function changeOperations (db: Database.Database, t: Tables, q: SharedQueries, append: Append): SqliteChanges {
  const readChanges = db.prepare<Params, ChangeRow>(q.readChanges)
  const salt = db.prepare<Params, { salt: string }>(q.salt)
  const lease = db.prepare<Params, OutboxRow>(`UPDATE ${t.outbox} ${q.lease} WHERE id IN (${q.claimable}) RETURNING ${q.columns.outbox}`)
  const ack = db.prepare<Params>(q.ack)
  const retry = db.prepare<Params>(q.retry)
  const pending = db.prepare<[], { n: number }>(q.pending)
  const dropSalt = db.prepare<Params, { salt: string }>(q.dropSalt)
  const erase = Object.values(q.erase).map((sql) => db.prepare<Params>(sql))
  const purge = q.purge.map((sql) => db.prepare<Params>(sql))

  const forget = db.transaction((userId: string, now: number): { links: number } => {
    // the subject of the erasure entry is computed before the salt goes
    const userSalt = dropSalt.get({ userId })?.salt ?? newSalt()
    const [identities] = erase.map((statement) => statement.run({ userId }).changes)
    append([logged(userId, { at: now, type: 'erased' })], new Map([[userId, userSalt]]))
    return { links: identities ?? 0 }
  })

  const purgeExpired = db.transaction((now: number): void => {
    for (const statement of purge) statement.run({ now })
  })

  return {
    readChanges: (afterSeq, limit) => readChanges.all({ afterSeq, limit: sqlLimit(limit) }).map(toEntry),
    subjectOf: (userId) => {
      const row = salt.get({ userId })
      return row === undefined ? null : subjectFor(row.salt, userId)
    },
    claimChanges: (owner, now, leaseMs, limit) =>
      lease.all({ owner, now, leaseUntil: now + leaseMs, limit: sqlLimit(limit) }).map(toPending).sort((a, b) => a.seq - b.seq),
    ackChange: (id) => { ack.run({ id }) },
    retryChange: (id, nextAt) => { retry.run({ id, nextAt }) },
    pendingChanges: () => num(pending.get()?.n ?? 0),
    forget: (userId, now) => {
      const result = forget.immediate(userId, now)
      truncateWal(db)
      return result
    },
    purgeExpired: (now) => { purgeExpired.immediate(now) }
  }
}

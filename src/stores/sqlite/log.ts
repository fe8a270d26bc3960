import type Database from 'better-sqlite3'
import { newSalt } from '../../changes/chain.js'
import type { Tables } from '../sql/names.js'
import { planChanges, usersOf, type ChangeItem } from '../sql/plan.js'
import type { SharedQueries } from '../sql/queries.js'
import { num } from '../sql/rows.js'

/** Named parameters of a statement (better-sqlite3 binds `$name` from an object). */
export type Params = object

/** A store method as the synchronous function behind it. */
export type Sync<F> = F extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never

/**
 * Appends changes to the log, chained from the head row, with their outbox rows and the
 * users' salts (created on first use). Synchronous: call it inside the immediate
 * transaction of the change itself, so that the change and its log entry commit together
 * (and the write lock makes `seq` gap-free across processes).
 */
export type Append = (items: readonly ChangeItem[], salts?: ReadonlyMap<string, string>) => void

export function changeLog (db: Database.Database, t: Tables, q: SharedQueries): Append {
  const getSalt = db.prepare<Params, { salt: string }>(q.salt)
  const putSalt = db.prepare<Params>(`INSERT INTO ${t.salts} (user_id, salt) VALUES ($userId, $salt) ON CONFLICT (user_id) DO NOTHING`)
  const head = db.prepare<[], { seq: number, hash: string }>(q.head)
  const setHead = db.prepare<Params>(q.setHead)
  const insertChange = db.prepare<Params>(`INSERT INTO ${t.changes} (${q.columns.change})
    VALUES ($seq, $id, $at, $type, $subject, $identityId, $from, $to, $score, $reason, $prevHash, $hash)`)
  const insertOutbox = db.prepare<Params>(`INSERT INTO ${t.outbox}
    (id, seq, at, user_id, identity_id, from_status, to_status, score, attempts, next_at, lease_owner, lease_until)
    VALUES ($id, $seq, $at, $userId, $identityId, $from, $to, $score, 0, $nextAt, NULL, 0)`)

  const saltOf = (userId: string): string => {
    const found = getSalt.get({ userId })
    if (found !== undefined) return found.salt
    const salt = newSalt()
    putSalt.run({ userId, salt })
    return salt
  }

  return (items, given) => {
    if (items.length === 0) return
    const salts = new Map(given)
    for (const userId of usersOf(items)) if (!salts.has(userId)) salts.set(userId, saltOf(userId))
    const current = head.get()
    if (current === undefined) throw new Error('the change log has no head row')
    const plan = planChanges({ seq: num(current.seq), hash: current.hash }, items, (userId) => salts.get(userId) as string)
    for (const entry of plan.entries) insertChange.run(entry)
    for (const row of plan.outbox) insertOutbox.run(row)
    setHead.run(plan.head)
  }
}

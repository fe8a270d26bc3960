import { newSalt } from '../../changes/chain.js'
import { planChanges, usersOf, type ChangeItem } from '../sql/plan.js'
import { num } from '../sql/rows.js'
import type { Runner } from './client.js'
import type { PostgresStatements } from './sql.js'

export interface AppendOptions {
  /** salts already known (an erasure removes the user's salt before its entry) */
  salts?: ReadonlyMap<string, string>
  /** runs once the head is locked, before the entries are inserted */
  underHead?: () => Promise<void>
}

/**
 * Appends changes to the log inside the caller's transaction (the one that makes the
 * change), so that both commit or neither does.
 *
 * Locks, always in this order (so that writers do not wait on each other in a cycle; an
 * erasure racing several writes of its user may still deadlock, and is then retried):
 * the rows the change touches (by its own statements), then the users' salts (a share
 * lock, created on first use; a caller whose row lock already orders it against an
 * erasure passes the salt in `salts`), then the head row (`FOR UPDATE`), held until commit:
 * entries are chained from the head in JS and inserted with their outbox rows in one
 * statement, so `seq` has no gaps whatever the number of writers and rollbacks. The
 * head is locked last and briefly (two round trips), so writers serialise on nothing
 * longer. The statement also notifies `{ kind: 'user' }` for each user (sent on commit).
 */
export async function appendChanges (r: Runner, s: PostgresStatements, channel: string, items: readonly ChangeItem[], options: AppendOptions = {}): Promise<void> {
  if (items.length === 0) return
  const salts = new Map(options.salts)
  const missing = usersOf(items).filter((userId) => !salts.has(userId))
  if (missing.length > 0) for (const [userId, salt] of await lockSalts(r, s, missing)) salts.set(userId, salt)
  const [head] = await r.rows<{ seq: number | string, hash: string }>(s.lockHead)
  if (head === undefined) throw new Error('the change log has no head row')
  await options.underHead?.()
  const plan = planChanges({ seq: num(head.seq), hash: head.hash }, items, (userId) => salts.get(userId) as string)
  const e = plan.entries
  await r.rows(s.append, {
    seqs: e.map((x) => x.seq),
    ids: e.map((x) => x.id),
    ats: e.map((x) => x.at),
    types: e.map((x) => x.type),
    subjects: e.map((x) => x.subject),
    identityIds: e.map((x) => x.identityId),
    froms: e.map((x) => x.from),
    tos: e.map((x) => x.to),
    scores: e.map((x) => x.score),
    reasons: e.map((x) => x.reason),
    prevHashes: e.map((x) => x.prevHash),
    hashes: e.map((x) => x.hash),
    userIds: items.map((i) => i.userId),
    queued: items.map((i) => i.outbox),
    seq: plan.head.seq,
    hash: plan.head.hash,
    channel
  })
}

/** The users' salts, share-locked until commit; missing ones are created (a concurrent creator wins, and is read). */
async function lockSalts (r: Runner, s: PostgresStatements, userIds: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  for (let attempt = 0; attempt < 3; attempt++) {
    const wanted = userIds.filter((userId) => !found.has(userId))
    for (const row of await r.rows<{ user_id: string, salt: string }>(s.lockSalts, { userIds: wanted })) found.set(row.user_id, row.salt)
    const absent = userIds.filter((userId) => !found.has(userId))
    if (absent.length === 0) return found
    const added = await r.rows<{ user_id: string, salt: string }>(s.addSalts, { userIds: absent, salts: absent.map(() => newSalt()) })
    for (const row of added) found.set(row.user_id, row.salt)
    if (added.length === absent.length) return found
  }
  throw new Error('could not create the salts of the change log')
}

import type Database from 'better-sqlite3'
import { logged, transition } from '../sql/plan.js'
import { supersedesSql, type SharedQueries } from '../sql/queries.js'
import { sqlLimit, toRecord, type IdentityRow } from '../sql/rows.js'
import type { Tables } from '../sql/names.js'
import type { IdentityStore, LinkResult, StatusUpdate, UpdateResult, VerificationRecord } from '../types.js'
import type { Append, Params, Sync } from './log.js'

export type SqliteIdentities = { [K in keyof IdentityStore]: Sync<IdentityStore[K]> }

/**
 * Links and statuses. Each write is one immediate transaction (BEGIN IMMEDIATE: the
 * write lock is taken before the first read, so no other process changes the rows
 * between the checks and the write) that also appends its change-log entries.
 */
export function identityOperations (db: Database.Database, t: Tables, q: SharedQueries, append: Append): SqliteIdentities {
  const getByIdentity = db.prepare<Params, IdentityRow>(q.getByIdentity)
  const getByUser = db.prepare<Params, IdentityRow>(q.getByUser)
  const otherApproved = db.prepare<Params, { one: number }>(q.otherApproved)
  const insert = db.prepare<Params>(`INSERT INTO ${t.identities} ${q.newIdentity}`)
  const update = db.prepare<Params, IdentityRow>(`UPDATE ${t.identities} SET ${q.setStatus}
    WHERE identity_id = $identityId AND ${supersedesSql('')} RETURNING ${q.columns.identity}`)
  const release = db.prepare<Params, IdentityRow>(q.release)
  const unsettled = db.prepare<Params, IdentityRow>(q.unsettled)
  const expire = db.prepare<Params, IdentityRow>(`UPDATE ${t.identities} SET ${q.expire}
    WHERE identity_id IN (${q.due}) RETURNING ${q.columns.identity}`)

  const link = db.transaction((userId: string, identityId: string, now: number): LinkResult => {
    const existing = getByIdentity.get({ identityId })
    if (existing !== undefined) {
      if (existing.user_id !== userId) return { ok: false, reason: 'identity_taken' }
      return { ok: true, created: false, record: toRecord(existing) }
    }
    if (otherApproved.get({ userId, identityId, now }) !== undefined) return { ok: false, reason: 'already_verified' }
    insert.run({ userId, identityId, now })
    append([logged(userId, { at: now, type: 'linked', identityId, to: 'created' })])
    const record: VerificationRecord = {
      userId, identityId, status: 'created', score: null, reason: null, providerUpdated: 0, linkedAt: now, expiresAt: null
    }
    return { ok: true, created: true, record }
  })

  const applyUpdate = db.transaction((identityId: string, u: StatusUpdate, now: number): UpdateResult => {
    const before = getByIdentity.get({ identityId })
    if (before === undefined) return { applied: false, previous: null, record: null }
    const previous = toRecord(before)
    const after = update.get({ identityId, ...u })
    if (after === undefined) return { applied: false, previous, record: previous }
    const record = toRecord(after)
    if (record.status !== previous.status) append([transition('status', previous.status, record, now)])
    return { applied: true, previous, record }
  })

  const releaseLink = db.transaction((identityId: string, userId: string, now: number): boolean => {
    const row = release.get({ identityId, userId })
    if (row === undefined) return false
    append([logged(userId, { at: now, type: 'released', identityId, from: row.status })])
    return true
  })

  const expireDue = db.transaction((now: number, limit: number): VerificationRecord[] => {
    const records = expire.all({ now, limit }).map(toRecord).sort((a, b) => (a.expiresAt ?? 0) - (b.expiresAt ?? 0))
    append(records.map((record) => transition('expired', 'approved', record, now)))
    return records
  })

  return {
    link: (userId, identityId, now) => link.immediate(userId, identityId, now),
    getByIdentity: (identityId) => {
      const row = getByIdentity.get({ identityId })
      return row === undefined ? null : toRecord(row)
    },
    getByUser: (userId, now) => {
      const row = getByUser.get({ userId, now })
      return row === undefined ? null : toRecord(row)
    },
    applyUpdate: (identityId, update, now) => applyUpdate.immediate(identityId, update, now),
    releaseLink: (identityId, userId, now) => releaseLink.immediate(identityId, userId, now),
    unsettledLinks: (linkedBefore, limit) => unsettled.all({ linkedBefore, limit: sqlLimit(limit) }).map(toRecord),
    expireDue: (now, limit) => expireDue.immediate(now, sqlLimit(limit))
  }
}

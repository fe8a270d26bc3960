import { logged, transition } from '../sql/plan.js'
import { sqlLimit, toRecord, type IdentityRow } from '../sql/rows.js'
import type { IdentityStore, LinkResult, StatusUpdate, UpdateResult, VerificationRecord } from '../types.js'
import type { Runner, SqlClient } from './client.js'
import { appendChanges } from './log.js'
import type { PostgresStatements } from './sql.js'

type UpdateRow = IdentityRow & { [K in keyof IdentityRow as `new_${K}`]: IdentityRow[K] | null } & { salt: string | null }

function newRecord (row: UpdateRow): VerificationRecord | null {
  if (row.new_identity_id === null) return null
  return toRecord({
    identity_id: row.new_identity_id,
    user_id: row.new_user_id as string,
    status: row.new_status as string,
    score: row.new_score,
    reason: row.new_reason,
    provider_updated: row.new_provider_updated as number,
    linked_at: row.new_linked_at as number,
    expires_at: row.new_expires_at
  })
}

/**
 * Links and statuses: each change and its change-log entries in one transaction; the
 * decision itself is one conditional statement (never a read in JS then a write).
 */
export function identityOperations (db: SqlClient, s: PostgresStatements, channel: string): IdentityStore {
  const append = async (r: Runner, ...items: Parameters<typeof appendChanges>[3]): Promise<void> => { await appendChanges(r, s, channel, items) }
  const one = async (identityId: string): Promise<IdentityRow | undefined> => (await db.run.rows<IdentityRow>(s.getByIdentity, { identityId }))[0]

  async function link (userId: string, identityId: string, now: number): Promise<LinkResult> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted = await db.transaction(async (r) => {
        const [row] = await r.rows<IdentityRow>(s.link, { userId, identityId, now })
        if (row !== undefined) await append(r, logged(userId, { at: now, type: 'linked', identityId, to: 'created' }))
        return row
      })
      if (inserted !== undefined) return { ok: true, created: true, record: toRecord(inserted) }
      // Nothing inserted: the identity exists (ON CONFLICT waited for a concurrent insert
      // to commit) or the user has another approved identity. A row is committed and
      // its owner immutable, so this read classifies the outcome.
      const existing = await one(identityId)
      if (existing !== undefined) {
        return existing.user_id === userId ? { ok: true, created: false, record: toRecord(existing) } : { ok: false, reason: 'identity_taken' }
      }
      if ((await db.run.rows(s.otherApproved, { userId, identityId, now })).length > 0) return { ok: false, reason: 'already_verified' }
      // the conflicting row was released meanwhile: try again
    }
    throw new Error('link: the identity kept changing hands')
  }

  async function applyUpdate (identityId: string, update: StatusUpdate, now: number): Promise<UpdateResult> {
    return await db.transaction(async (r) => {
      const [row] = await r.rows<UpdateRow>(s.applyUpdate, { identityId, ...update, channel })
      if (row === undefined) return { applied: false, previous: null, record: null }
      const previous = toRecord(row)
      const record = newRecord(row)
      if (record === null) return { applied: false, previous, record: previous }
      if (record.status !== previous.status) {
        const salts = row.salt === null ? undefined : new Map([[record.userId, row.salt]])
        await appendChanges(r, s, channel, [transition('status', previous.status, record, now)], { salts })
      }
      return { applied: true, previous, record }
    })
  }

  async function releaseLink (identityId: string, userId: string, now: number): Promise<boolean> {
    return await db.transaction(async (r) => {
      const [row] = await r.rows<IdentityRow>(s.release, { identityId, userId })
      if (row === undefined) return false
      await append(r, logged(userId, { at: now, type: 'released', identityId, from: row.status }))
      return true
    })
  }

  async function expireDue (now: number, limit: number): Promise<VerificationRecord[]> {
    return await db.transaction(async (r) => {
      const rows = await r.rows<IdentityRow>(s.expireDue, { now, limit: sqlLimit(limit) })
      const records = rows.map(toRecord).sort((a, b) => (a.expiresAt ?? 0) - (b.expiresAt ?? 0))
      await append(r, ...records.map((record) => transition('expired', 'approved', record, now)))
      return records
    })
  }

  return {
    link,
    getByIdentity: async (identityId) => {
      const row = await one(identityId)
      return row === undefined ? null : toRecord(row)
    },
    getByUser: async (userId, now) => {
      const [row] = await db.run.rows<IdentityRow>(s.getByUser, { userId, now })
      return row === undefined ? null : toRecord(row)
    },
    applyUpdate,
    releaseLink,
    unsettledLinks: async (linkedBefore, limit) =>
      (await db.run.rows<IdentityRow>(s.unsettled, { linkedBefore, limit: sqlLimit(limit) })).map(toRecord),
    expireDue
  }
}

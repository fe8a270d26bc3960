import { nextChange, subjectFor, type ChainHead, type ChangeFields } from '../../changes/chain.js'
import type { ChangeEntry, IdentityStatus, VerificationRecord } from '../types.js'

/**
 * What a SQL store appends to its change log in one write, planned in JS (the chain
 * helpers hash in JS) from the head it locked: entries chained from that head, and the
 * outbox rows of the status transitions among them.
 */

/** A change to append for `userId`; `outbox`: a status transition to hand to onStatusChange. */
export interface ChangeItem {
  userId: string
  fields: Omit<ChangeFields, 'subject'>
  outbox: boolean
}

export interface OutboxInsert {
  id: string
  seq: number
  at: number
  userId: string
  identityId: string
  from: string
  to: string
  score: number | null
  nextAt: number
}

export interface Plan {
  entries: ChangeEntry[]
  outbox: OutboxInsert[]
  /** the head after the last entry */
  head: ChainHead
}

/** Chains `items` after `head`; `saltOf` gives each user's salt (already read or created, in the same transaction). */
export function planChanges (head: ChainHead, items: readonly ChangeItem[], saltOf: (userId: string) => string): Plan {
  const entries: ChangeEntry[] = []
  const outbox: OutboxInsert[] = []
  let at = head
  for (const item of items) {
    const entry = nextChange(at, { ...item.fields, subject: subjectFor(saltOf(item.userId), item.userId) })
    entries.push(entry)
    if (item.outbox) {
      outbox.push({
        id: entry.id,
        seq: entry.seq,
        at: entry.at,
        userId: item.userId,
        identityId: entry.identityId ?? '',
        from: entry.from ?? '',
        to: entry.to ?? '',
        score: entry.score,
        nextAt: entry.at
      })
    }
    at = { seq: entry.seq, hash: entry.hash }
  }
  return { entries, outbox, head: at }
}

/** A status transition (`status` from applyUpdate, `expired` from expireDue): an entry and an outbox row. */
export function transition (type: 'status' | 'expired', from: IdentityStatus, record: VerificationRecord, now: number): ChangeItem {
  return {
    userId: record.userId,
    outbox: true,
    fields: { at: now, type, identityId: record.identityId, from, to: record.status, score: record.score, reason: record.reason }
  }
}

/** A change that is only logged (linked, released, step_up, revoked, erased). */
export function logged (userId: string, fields: Omit<ChangeFields, 'subject'>): ChangeItem {
  return { userId, outbox: false, fields }
}

/** The distinct users of `items`, in a deterministic order. */
export function usersOf (items: readonly ChangeItem[]): string[] {
  return [...new Set(items.map((i) => i.userId))].sort()
}

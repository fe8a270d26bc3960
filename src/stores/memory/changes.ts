import { GENESIS_HASH, nextChange, newSalt, subjectFor, type ChainHead, type ChangeFields } from '../../changes/chain.js'
import type { ChangeEntry, IdentityStatus, PendingChange, VerificationRecord } from '../types.js'

interface Outbox extends PendingChange {
  nextAt: number
  leaseOwner: string | null
  leaseUntil: number
}

/** The in-memory change log, outbox and salts (synchronous: each call is atomic within a tick). */
export class MemoryChangeLog {
  readonly entries: ChangeEntry[] = []
  private head: ChainHead = { seq: 0, hash: GENESIS_HASH }
  private readonly salts = new Map<string, string>()
  private readonly outbox = new Map<string, Outbox>()

  /** The user's subject, creating their salt when needed. */
  subject (userId: string): string {
    let salt = this.salts.get(userId)
    if (salt === undefined) this.salts.set(userId, salt = newSalt())
    return subjectFor(salt, userId)
  }

  existingSubject (userId: string): string | null {
    const salt = this.salts.get(userId)
    return salt === undefined ? null : subjectFor(salt, userId)
  }

  append (userId: string, fields: Omit<ChangeFields, 'subject'>): ChangeEntry {
    const entry = nextChange(this.head, { ...fields, subject: this.subject(userId) })
    this.entries.push(entry)
    this.head = { seq: entry.seq, hash: entry.hash }
    return entry
  }

  /** A status transition of `record` (now in its new status): an entry and its pending hand-over to onStatusChange. */
  transition (type: 'status' | 'expired', from: IdentityStatus, record: VerificationRecord, at: number): void {
    const { userId, identityId, status: to, score, reason } = record
    const entry = this.append(userId, { at, type, identityId, from, to, score, reason })
    this.outbox.set(entry.id, {
      id: entry.id, seq: entry.seq, at, userId, identityId, from, to, score, attempts: 0, nextAt: at, leaseOwner: null, leaseUntil: 0
    })
  }

  read (afterSeq: number, limit: number): ChangeEntry[] {
    // seq n is at index n - 1
    return this.entries.slice(Math.max(0, afterSeq), Math.max(0, afterSeq) + limit).map((e) => ({ ...e }))
  }

  claim (owner: string, now: number, leaseMs: number, limit: number): PendingChange[] {
    const oldest = new Map<string, Outbox>()
    for (const row of this.outbox.values()) {
      const seen = oldest.get(row.userId)
      if (seen === undefined || row.seq < seen.seq) oldest.set(row.userId, row)
    }
    const due = [...oldest.values()]
      .filter((row) => row.nextAt <= now && (row.leaseOwner === null || row.leaseUntil <= now))
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit)
    return due.map((row) => {
      row.leaseOwner = owner
      row.leaseUntil = now + leaseMs
      const { nextAt, leaseOwner, leaseUntil, ...change } = row
      return change
    })
  }

  ack (id: string): void {
    this.outbox.delete(id)
  }

  retry (id: string, nextAt: number): void {
    const row = this.outbox.get(id)
    if (row === undefined) return
    row.attempts++
    row.nextAt = nextAt
    row.leaseOwner = null
    row.leaseUntil = 0
  }

  get pending (): number {
    return this.outbox.size
  }

  /** Drops the user's pending hand-overs and salt, after an `erased` entry. */
  erase (userId: string, at: number): void {
    this.append(userId, { at, type: 'erased' })
    for (const [id, row] of this.outbox) if (row.userId === userId) this.outbox.delete(id)
    this.salts.delete(userId)
  }
}

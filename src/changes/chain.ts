import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto'
import type { ChangeEntry, ChangeType } from '../stores/types.js'

/**
 * The hash chain of the change log, shared by every store (and by adapter authors):
 * each entry's `hash` is SHA-256 over its predecessor's hash and its own canonical
 * content, so `audit.verify()` detects an edited, deleted, inserted or reordered entry.
 */

/** The `prevHash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64)

/** The fields of an entry before it is chained. */
export interface ChangeFields {
  at: number
  type: ChangeType
  subject: string
  identityId?: string | null
  from?: string | null
  to?: string | null
  score?: number | null
  reason?: string | null
}

/** The chain position an append starts from (the last entry's, or `{ seq: 0, hash: GENESIS_HASH }`). */
export interface ChainHead {
  seq: number
  hash: string
}

/** An entry's canonical content: JSON of its fields in a fixed order, absent ones as null. */
export function canonicalChange (entry: Omit<ChangeEntry, 'hash' | 'prevHash'>): string {
  return JSON.stringify([entry.seq, entry.id, entry.at, entry.type, entry.subject, entry.identityId, entry.from, entry.to, entry.score, entry.reason])
}

/** SHA-256 (hex) of the predecessor's hash and the entry's canonical content. */
export function changeHash (prevHash: string, entry: Omit<ChangeEntry, 'hash' | 'prevHash'>): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalChange(entry)).digest('hex')
}

/** The next entry after `head`: seq + 1, a new random id, chained to head.hash. */
export function nextChange (head: ChainHead, fields: ChangeFields): ChangeEntry {
  const body = {
    seq: head.seq + 1,
    id: randomUUID(),
    at: fields.at,
    type: fields.type,
    subject: fields.subject,
    identityId: fields.identityId ?? null,
    from: fields.from ?? null,
    to: fields.to ?? null,
    score: fields.score ?? null,
    reason: fields.reason ?? null
  }
  return { ...body, prevHash: head.hash, hash: changeHash(head.hash, body) }
}

/** A new per-user salt (32 random bytes, base64url). */
export function newSalt (): string {
  return randomBytes(32).toString('base64url')
}

/** The user's pseudonym: HMAC-SHA256 of the user id under their salt (base64url). */
export function subjectFor (salt: string, userId: string): string {
  return createHmac('sha256', salt).update(userId).digest('base64url')
}

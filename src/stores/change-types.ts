import type { IdentityStatus } from './types.js'

/** The records of the change log and of the `onStatusChange` outbox (part of the storage contract). */

/** Kinds of change-log entries. */
export type ChangeType = 'linked' | 'status' | 'released' | 'expired' | 'step_up' | 'revoked' | 'erased'

/**
 * One entry of the change log: no personal data. `subject` is a pseudonym of the user
 * (an HMAC of the user id under a per-user random salt kept in the store). `hash` is
 * SHA-256 over the predecessor's hash and this entry's canonical content
 * (`changeHash`, changes/chain.ts), so editing, deleting, inserting or reordering
 * entries breaks the chain.
 */
export interface ChangeEntry {
  /** 1, 2, 3, … without gaps, in the order the changes were stored */
  seq: number
  /** a random unique id, stable forever */
  id: string
  at: number
  type: ChangeType
  subject: string
  identityId: string | null
  from: string | null
  to: string | null
  score: number | null
  reason: string | null
  /** hash of the predecessor (64 zeros for the first entry) */
  prevHash: string
  hash: string
}

/** A status transition waiting to be handed to `onStatusChange` (the outbox). */
export interface PendingChange {
  /** the change-log entry's id: the host's idempotency key */
  id: string
  seq: number
  at: number
  userId: string
  identityId: string
  from: IdentityStatus
  to: IdentityStatus
  score: number | null
  /** failed hand-overs so far */
  attempts: number
}

import { refusalOf as refusalOfState, type ConsumeRefusal } from '../consume.js'
import type { Challenge, ChangeEntry, ChangeType, IdentityStatus, PendingChange, VerificationRecord } from '../types.js'

/**
 * Rows as the drivers return them, and their mapping to the contract's records.
 * PostgreSQL returns BIGINT as a string, SQLite as a number: `num` takes either.
 */

type Int = number | string
/** a boolean column: PostgreSQL returns a boolean, SQLite 0 or 1 */
type Flag = boolean | number

export interface IdentityRow {
  identity_id: string
  user_id: string
  status: string
  score: number | null
  reason: string | null
  provider_updated: Int
  linked_at: Int
  expires_at: Int | null
}

export interface ChallengeRow {
  id: string
  user_id: string
  identity_id: string
  created_at: Int
  expires_at: Int
  action: string | null
  authenticated_at: Int | null
  conflicted: Flag
  closed_at: Int | null
}

/** What decides why a challenge was not consumed. */
export interface ChallengeStateRow {
  user_id: string
  used: Flag
  expires_at: Int
  authenticated_at: Int | null
  conflicted: Flag
  closed_at: Int | null
}

export interface ChangeRow {
  seq: Int
  id: string
  at: Int
  type: string
  subject: string
  identity_id: string | null
  from_status: string | null
  to_status: string | null
  score: number | null
  reason: string | null
  prev_hash: string
  hash: string
}

export interface OutboxRow {
  id: string
  seq: Int
  at: Int
  user_id: string
  identity_id: string
  from_status: string
  to_status: string
  score: number | null
  attempts: Int
}

export const IDENTITY_COLUMNS = 'identity_id, user_id, status, score, reason, provider_updated, linked_at, expires_at'
export const CHALLENGE_COLUMNS = 'id, user_id, identity_id, created_at, expires_at, action, authenticated_at, conflicted, closed_at'
export const CHANGE_COLUMNS = 'seq, id, at, type, subject, identity_id, from_status, to_status, score, reason, prev_hash, hash'
export const OUTBOX_COLUMNS = 'id, seq, at, user_id, identity_id, from_status, to_status, score, attempts'

export function num (value: Int): number {
  return typeof value === 'number' ? value : Number(value)
}

/** A caller's row limit as SQL takes it: a whole number, never negative. */
export function sqlLimit (limit: number): number {
  return Math.max(0, Math.floor(limit))
}

function numOrNull (value: Int | null): number | null {
  return value === null ? null : num(value)
}

export function flag (value: Flag): boolean {
  return value === true || value === 1
}

export function toRecord (row: IdentityRow): VerificationRecord {
  return {
    userId: row.user_id,
    identityId: row.identity_id,
    status: row.status as IdentityStatus,
    score: row.score,
    reason: row.reason,
    providerUpdated: num(row.provider_updated),
    linkedAt: num(row.linked_at),
    expiresAt: numOrNull(row.expires_at)
  }
}

export function toChallenge (row: ChallengeRow): Challenge {
  return {
    id: row.id,
    userId: row.user_id,
    identityId: row.identity_id,
    createdAt: num(row.created_at),
    expiresAt: num(row.expires_at),
    action: row.action,
    authenticatedAt: numOrNull(row.authenticated_at),
    conflicted: flag(row.conflicted),
    closedAt: numOrNull(row.closed_at)
  }
}

export function toEntry (row: ChangeRow): ChangeEntry {
  return {
    seq: num(row.seq),
    id: row.id,
    at: num(row.at),
    type: row.type as ChangeType,
    subject: row.subject,
    identityId: row.identity_id,
    from: row.from_status,
    to: row.to_status,
    score: row.score,
    reason: row.reason,
    prevHash: row.prev_hash,
    hash: row.hash
  }
}

export function toPending (row: OutboxRow): PendingChange {
  return {
    id: row.id,
    seq: num(row.seq),
    at: num(row.at),
    userId: row.user_id,
    identityId: row.identity_id,
    from: row.from_status as IdentityStatus,
    to: row.to_status as IdentityStatus,
    score: row.score,
    attempts: num(row.attempts)
  }
}

/** Why a challenge cannot be consumed, from its state as read (undefined: unknown id); null when it can be. */
export function refusalOf (row: ChallengeStateRow | undefined, userId: string, now: number): ConsumeRefusal | null {
  const state = row === undefined
    ? undefined
    : {
        userId: row.user_id,
        used: flag(row.used),
        expiresAt: num(row.expires_at),
        authenticatedAt: numOrNull(row.authenticated_at),
        conflicted: flag(row.conflicted),
        closedAt: numOrNull(row.closed_at)
      }
  return refusalOfState(state, userId, now)
}

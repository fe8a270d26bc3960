import type { IdentityStatus, VerificationRecord } from '../stores/types.js'

/** The local statuses (after policy), and what `GET /status` reports for a user without a link. */
export const LOCAL_STATUSES = ['created', 'processing', 'pending', 'approved', 'declined', 'expired'] as const satisfies readonly IdentityStatus[]
export type PublicStatusName = IdentityStatus | 'none'
export const PUBLIC_STATUSES = ['none', ...LOCAL_STATUSES] as const satisfies readonly PublicStatusName[]

/** The status a record has at `now`: an approval past its `expiresAt` reads as expired (checked per request, before any sweep). */
export function effectiveStatus (record: VerificationRecord, now: number): IdentityStatus {
  return record.status === 'approved' && record.expiresAt !== null && record.expiresAt <= now ? 'expired' : record.status
}

/** What `GET /status` and `POST /verifications` reveal of a record: ids, status, score, reason, times (no personal data). */
export interface PublicStatus {
  status: PublicStatusName
  identityId?: string
  score?: number | null
  reason?: string | null
  /** the provider's `updated` of the stored state, ISO 8601 */
  updatedAt?: string
  /** when an approval stops counting, ISO 8601 */
  expiresAt?: string
}

export function publicStatus (record: VerificationRecord | null, now: number): PublicStatus {
  if (record === null) return { status: 'none' }
  const status = effectiveStatus(record, now)
  const out: PublicStatus = {
    status,
    identityId: record.identityId,
    score: record.score,
    reason: status === 'expired' && record.status === 'approved' ? 'expired' : record.reason
  }
  if (record.providerUpdated > 0) out.updatedAt = new Date(record.providerUpdated * 1000).toISOString()
  if (status === 'approved' && record.expiresAt !== null) out.expiresAt = new Date(record.expiresAt).toISOString()
  return out
}

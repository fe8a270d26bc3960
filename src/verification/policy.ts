import type { Identity } from '../protocol/identity.js'
import { isBoundTo } from '../protocol/metadata.js'
import type { StatusUpdate } from '../stores/types.js'
import { approvalExpiry, type ExpiryPolicy } from './expiry.js'

export interface PolicyOptions {
  thresholds: { approveAt?: number, declineBelow?: number }
  /** whether the metadata binding is enforced (`metadataPrivateKey` is set) */
  bindMetadata: boolean
  watchlist: 'ignore' | 'decline'
  expiry: ExpiryPolicy
}

export interface PolicyDecision {
  update: StatusUpdate
  /** the identity's metadata does not name the linked user */
  mismatch: boolean
}

/**
 * The identity fetched from the API → the local status. Never looks at a webhook body:
 * the identity is the truth. In order: once the provider has a result, a metadata
 * binding that fails → declined ('metadata_mismatch'); a watchlist hit with `watchlist: 'decline'` → declined
 * ('watchlist'); once the provider has a result (pending, approved), a score below
 * `declineBelow` → declined; provider-approved below `approveAt` → pending (manual
 * review); an approval gets its `expiresAt` and is 'expired' when that has passed.
 */
export function decide (identity: Identity, linkedUserId: string, options: PolicyOptions, now: number): PolicyDecision {
  const { approveAt, declineBelow } = options.thresholds
  const score = identity.score
  const providerUpdated = identity.updated
  const result = (status: StatusUpdate['status'], reason: string | null, mismatch = false, expiresAt: number | null = null): PolicyDecision =>
    ({ update: { status, score, reason, providerUpdated, expiresAt }, mismatch })

  const settled = identity.status !== 'created' && identity.status !== 'processing'
  if (options.bindMetadata && settled && !isBoundTo(identity.metadata, linkedUserId)) return result('declined', 'metadata_mismatch', true)
  if (options.watchlist === 'decline' && identity.watchlist?.clean === false) return result('declined', 'watchlist')
  const hasResult = identity.status === 'pending' || identity.status === 'approved'
  if (hasResult && declineBelow !== undefined && score !== null && score < declineBelow) return result('declined', 'score_below_threshold')
  if (identity.status !== 'approved') return result(identity.status, null)
  if (approveAt !== undefined && (score === null || score < approveAt)) return result('pending', 'score_below_threshold')
  const expiresAt = approvalExpiry(identity, options.expiry)
  if (expiresAt !== null && expiresAt <= now) return result('expired', 'expired', false, expiresAt)
  return result('approved', null, false, expiresAt)
}

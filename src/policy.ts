import type { Identity } from './protocol/identity.js'
import type { StatusUpdate } from './stores/types.js'

export interface PolicyOptions {
  thresholds: { approveAt?: number, declineBelow?: number }
  /** whether the metadata binding is enforced (`metadataPrivateKey` is set) */
  bindMetadata: boolean
}

export type PolicyDecision = StatusUpdate & { mismatch: boolean }

/**
 * Identity fetched from the API → local status (DESIGN.md §4). Never looks at a
 * webhook body: the identity is the truth.
 */
export function decide (identity: Identity, linkedUserId: string, options: PolicyOptions): PolicyDecision {
  const { approveAt, declineBelow } = options.thresholds
  const score = identity.score
  const base = { score, providerUpdated: identity.updated, mismatch: false }
  const hasResult = identity.status === 'pending' || identity.status === 'approved'

  if (options.bindMetadata && identity.status !== 'created' && identity.status !== 'processing') {
    const bound = identity.metadata?.user_id
    if (typeof bound !== 'string' || bound !== linkedUserId) {
      return { ...base, status: 'declined', reason: 'metadata_mismatch', mismatch: true }
    }
  }
  if (hasResult && declineBelow !== undefined && score !== null && score < declineBelow) {
    return { ...base, status: 'declined', reason: 'score_below_threshold' }
  }
  if (identity.status === 'approved' && approveAt !== undefined && (score === null || score < approveAt)) {
    return { ...base, status: 'pending', reason: 'score_below_threshold' }
  }
  return { ...base, status: identity.status, reason: null }
}

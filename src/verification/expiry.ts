import type { Identity } from '../protocol/identity.js'

/** How long approvals count (the `expiry` option). */
export interface ExpiryPolicy {
  /** seconds after the provider's `updated` of the approving state */
  maxAge?: number
  /** also the earliest `date_of_expiry` among the identity's resources */
  documents: boolean
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** A YYYY-MM-DD date as the epoch ms of its start (00:00 UTC): a document expiring "on" that day no longer counts from then. */
export function startOfDay (value: unknown): number | null {
  if (typeof value !== 'string') return null
  const m = DATE.exec(value)
  if (m === null) return null
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  const d = new Date(ms)
  // reject dates that roll over (2027-02-31)
  return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]) ? ms : null
}

/** When an approval of `identity` stops counting (epoch ms), or null when it does not expire. */
export function approvalExpiry (identity: Pick<Identity, 'updated' | 'resources'>, policy: ExpiryPolicy): number | null {
  let at: number | null = policy.maxAge === undefined ? null : (identity.updated + policy.maxAge) * 1000
  if (policy.documents) {
    for (const resource of identity.resources) {
      const expires = startOfDay(resource.datapoints?.date_of_expiry)
      if (expires !== null && (at === null || expires < at)) at = expires
    }
  }
  return at
}

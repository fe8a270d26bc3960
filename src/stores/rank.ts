import type { IdentityStatus } from './types.js'

/**
 * How permissive a local status is, for the same-second tie rule of `applyUpdate`: an
 * update whose `providerUpdated` equals the stored one applies only when its rank is
 * lower (declined < created, processing, pending, expired < approved).
 */
export const STATUS_RANK: Readonly<Record<IdentityStatus, number>> = {
  declined: 0,
  created: 1,
  processing: 1,
  pending: 1,
  expired: 1,
  approved: 2
}

/** Whether `update` may replace `stored` (the monotonic rule every store enforces atomically). */
export function supersedes (update: { providerUpdated: number, status: IdentityStatus }, stored: { providerUpdated: number, status: IdentityStatus }): boolean {
  return update.providerUpdated > stored.providerUpdated ||
    (update.providerUpdated === stored.providerUpdated && STATUS_RANK[update.status] < STATUS_RANK[stored.status])
}

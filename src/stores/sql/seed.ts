/**
 * Bulk-loading linked users for benchmarks (not part of the public API). Users are
 * `${userPrefix}${n}` with one identity each, `${userPrefix}identity-${n}`; a share of
 * them approved (score 0.95, providerUpdated 1, no expiry), the rest `created`.
 *
 * The seed writes the identities only: no change-log entries, salts or pending changes
 * (a seeded store's log does not describe its links, which no benchmark reads). Never
 * seed a store that serves real users.
 */
export interface SeedOptions {
  /** share of the users whose identity is approved, 0..1; default 0.5 */
  approvedShare?: number
  /** `linkedAt` of every row; default 0 */
  now?: number
  /** default 'seed-user-' */
  userPrefix?: string
  /** the first n (to seed more later); default 0 */
  from?: number
}

export interface ResolvedSeed {
  approvedPerMille: number
  now: number
  userPrefix: string
  from: number
}

export function resolveSeed (options: SeedOptions = {}): ResolvedSeed {
  const share = options.approvedShare ?? 0.5
  if (!(share >= 0 && share <= 1)) throw new RangeError('seedLinks: approvedShare must be within 0..1')
  return { approvedPerMille: Math.round(share * 1000), now: options.now ?? 0, userPrefix: options.userPrefix ?? 'seed-user-', from: options.from ?? 0 }
}

/** The user id of the n-th seeded user. */
export function seededUser (n: number, options: SeedOptions = {}): string {
  return `${options.userPrefix ?? 'seed-user-'}${n}`
}

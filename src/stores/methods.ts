import type { CompleteStore, PassbaseStore } from './types.js'

/**
 * The store methods each feature needs (Auth.js-style): checked when the plugin
 * registers, so that a custom adapter that lacks one is refused with the missing names
 * instead of failing on the first request. Step-up methods are needed only with `reauth`.
 */
export const STORE_METHODS = {
  identities: ['link', 'getByIdentity', 'getByUser', 'applyUpdate', 'releaseLink', 'unsettledLinks', 'expireDue'],
  deliveries: ['hasEvent', 'markEvent'],
  changes: ['readChanges', 'subjectOf', 'claimChanges', 'ackChange', 'retryChange', 'pendingChanges', 'forget'],
  housekeeping: ['purgeExpired'],
  stepUp: ['createChallenge', 'getChallenge', 'cancelChallenge', 'recordAuthentication', 'consumeChallenge', 'revokeUser', 'revokedBefore', 'useToken']
} as const satisfies Record<string, ReadonlyArray<keyof CompleteStore>>

export type StoreFeature = keyof typeof STORE_METHODS
type Listed = (typeof STORE_METHODS)[StoreFeature][number]
/** Compile-time check: every method of the contract is listed (the optional lifecycle hooks aside). */
type Unlisted = Exclude<keyof CompleteStore, Listed | 'init' | 'close' | 'subscribe'>
const everyMethodListed: [Unlisted] extends [never] ? true : Unlisted = true
void everyMethodListed

/** The methods of `features` that `store` does not implement, by name. */
export function missingMethods (store: unknown, features: readonly StoreFeature[]): string[] {
  if (store === null || typeof store !== 'object') return features.flatMap((f) => [...STORE_METHODS[f]])
  const s = store as Record<string, unknown>
  return features.flatMap((f) => STORE_METHODS[f].filter((m) => typeof s[m] !== 'function'))
}

/** Narrowing after the register-time check. */
export function hasStepUp (store: PassbaseStore): store is CompleteStore {
  return missingMethods(store, ['stepUp']).length === 0
}

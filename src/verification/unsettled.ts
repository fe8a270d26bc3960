import type { PassbaseStore } from '../stores/types.js'
import type { VerificationService } from './service.js'

/** How often maintenance re-checks links never settled. */
export const UNSETTLED_CHECK_EVERY_MS = 5 * 60_000
/** A link younger than this is left to its own request and the provider's webhooks. */
export const UNSETTLED_MIN_AGE_MS = 5 * 60_000
/** A link the provider still cannot confirm this long after it was linked is released. */
export const UNSETTLED_RELEASE_AFTER_MS = 24 * 60 * 60_000
/** Links re-checked per run, oldest first (one provider call each, one after the other). */
const PER_RUN = 100

/**
 * Maintenance of links kept while the provider could not be asked (only without a
 * binding: with `metadataPrivateKey` such a link is refused). Each unsettled link older
 * than `UNSETTLED_MIN_AGE_MS` is asked again: the provider's answer settles it (404 or a
 * failed binding releases it at once); one still unconfirmed `UNSETTLED_RELEASE_AFTER_MS`
 * after linking is released, so a link nobody can confirm never holds an identity for
 * longer than a day. Resolves with how many links it released.
 */
export function createUnsettledSweep (deps: {
  store: Pick<PassbaseStore, 'unsettledLinks'>
  verification: Pick<VerificationService, 'recheck'>
  clock: { now: () => number }
}) {
  return async function settleUnsettled (): Promise<number> {
    const links = await deps.store.unsettledLinks(deps.clock.now() - UNSETTLED_MIN_AGE_MS, PER_RUN)
    let released = 0
    for (const link of links) {
      if (await deps.verification.recheck(link, UNSETTLED_RELEASE_AFTER_MS)) released++
    }
    return released
  }
}

import type { Clock } from '../clock.js'
import { VerificationRequiredError } from '../errors.js'
import type { IdentityStore, VerificationRecord } from '../stores/types.js'
import { effectiveStatus } from './status.js'

/** A refusal error whose body carries extra fields (the error handler merges `details`). */
export type DetailedError = Error & { details: Record<string, unknown> }

/**
 * The user's approved (and unexpired) record, read fresh from the store, for the routes
 * that need one (step-up start and complete); otherwise it throws the 403 refusal with
 * the user's status.
 */
export function approvedRecordReader (store: Pick<IdentityStore, 'getByUser'>, clock: Clock) {
  return async function approvedRecord (userId: string): Promise<VerificationRecord> {
    const now = clock.now()
    const record = await store.getByUser(userId, now)
    const status = record === null ? 'none' : effectiveStatus(record, now)
    if (record === null || status !== 'approved') {
      const refusal: DetailedError = Object.assign(new VerificationRequiredError(), { details: { status } })
      throw refusal
    }
    return record
  }
}

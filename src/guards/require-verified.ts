import type { FastifyReply, FastifyRequest } from 'fastify'
import { StoreUnavailableError, UnauthenticatedError, VerificationRequiredError } from '../errors.js'
import type { GetUserId } from '../options.js'
import { preparedError, sendPrepared } from '../reply.js'
import type { IdentityStatus, VerificationRecord } from '../store/types.js'
import type { RecordCache } from './cache.js'

const UNAUTHENTICATED = preparedError(new UnauthenticatedError())
const STORE_UNAVAILABLE = preparedError(new StoreUnavailableError())
const FORBIDDEN: Record<IdentityStatus | 'none', ReturnType<typeof preparedError>> = {
  none: preparedError(new VerificationRequiredError(), { status: 'none' }),
  created: preparedError(new VerificationRequiredError(), { status: 'created' }),
  processing: preparedError(new VerificationRequiredError(), { status: 'processing' }),
  pending: preparedError(new VerificationRequiredError(), { status: 'pending' }),
  approved: preparedError(new VerificationRequiredError(), { status: 'approved' }),
  declined: preparedError(new VerificationRequiredError(), { status: 'declined' })
}

export type Check =
  | { ok: true, userId: string, record: VerificationRecord }
  | { ok: false }

/**
 * The shared core of both guards: who is the user, and is their identity approved?
 * Answers the refusal itself (401 / 403 with the status / 503) and fails closed on
 * any error. Sets `request.verification`.
 */
export function createVerifiedCheck (getUserId: GetUserId, cache: RecordCache) {
  return async function check (request: FastifyRequest, reply: FastifyReply): Promise<Check> {
    let record: VerificationRecord | null | undefined
    let userId: string | null | undefined
    try {
      userId = await getUserId(request)
      if (typeof userId !== 'string' || userId === '') {
        sendPrepared(reply, UNAUTHENTICATED)
        return { ok: false }
      }
      record = cache.peek(userId, Date.now())
      if (record === undefined) record = await cache.load(userId)
    } catch (err) {
      request.log.error({ err }, 'passbase: cannot evaluate verification; failing closed')
      sendPrepared(reply, STORE_UNAVAILABLE)
      return { ok: false }
    }
    request.verification = record
    if (record === null || record.status !== 'approved') {
      sendPrepared(reply, FORBIDDEN[record === null ? 'none' : record.status])
      return { ok: false }
    }
    return { ok: true, userId, record }
  }
}

export function createRequireVerified (check: ReturnType<typeof createVerifiedCheck>) {
  return async function requireVerified (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    await check(request, reply)
  }
}

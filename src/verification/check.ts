import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Clock } from '../clock.js'
import { UnauthenticatedError, VerificationRequiredError } from '../errors.js'
import { INTERNAL, refusal, type Refusal, type SendRefusal } from '../http/reply.js'
import type { GetUserId } from '../options/types.js'
import type { IdentityStatus, VerificationRecord } from '../stores/types.js'
import { recordGuardRefusal } from '../telemetry/index.js'
import type { RecordCache } from './cache.js'
import { effectiveStatus } from './status.js'

/** The user's approved record (`record.userId` is the user), or null: refused, and the refusal was sent. */
export type Check = VerificationRecord | null

/** Which guard is asking (for the refusal metric). */
export type GuardName = 'requireVerified' | 'requireReauth'

/** True for a promise (or any thenable) a host's getUserId may return. */
export function isThenable<T> (value: T | PromiseLike<T>): value is PromiseLike<T> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function'
}

const UNAUTHENTICATED = refusal(new UnauthenticatedError())
const FORBIDDEN: Record<IdentityStatus | 'none', Refusal> = {
  none: refusal(new VerificationRequiredError(), { status: 'none' }),
  created: refusal(new VerificationRequiredError(), { status: 'created' }),
  processing: refusal(new VerificationRequiredError(), { status: 'processing' }),
  pending: refusal(new VerificationRequiredError(), { status: 'pending' }),
  approved: refusal(new VerificationRequiredError(), { status: 'approved' }),
  declined: refusal(new VerificationRequiredError(), { status: 'declined' }),
  expired: refusal(new VerificationRequiredError(), { status: 'expired' })
}

export interface CheckDeps {
  getUserId: GetUserId
  cache: RecordCache
  clock: Clock
  send: SendRefusal
  /** the store's classified failure (FST_PASSBASE_STORE_UNAVAILABLE) as a refusal */
  storeUnavailable: Refusal
}

/**
 * The shared core of both guards: who is the user, and is their identity approved (and
 * not expired at `now`)? Answers the refusal itself (401; 403 with the status; 503 when
 * the store fails; 500 when the host's getUserId throws) and fails closed on any error.
 * Sets `request.verification`. The common case (a synchronous getUserId and a cache hit)
 * answers synchronously, without a promise or a microtask.
 */
export function createVerifiedCheck (deps: CheckDeps, guard: GuardName) {
  const { getUserId, cache, clock, send, storeUnavailable } = deps

  function refuse (request: FastifyRequest, reply: FastifyReply, r: Refusal): null {
    recordGuardRefusal(guard, r.body.code)
    send(request, reply, r)
    return null
  }

  function failClosed (request: FastifyRequest, reply: FastifyReply, err: unknown, r: Refusal): Check {
    request.log.error({ err }, 'passbase: cannot evaluate verification; failing closed')
    return refuse(request, reply, r)
  }

  function judge (request: FastifyRequest, reply: FastifyReply, record: VerificationRecord | null, now: number): Check {
    request.verification = record
    if (record === null) return refuse(request, reply, FORBIDDEN.none)
    if (record.status !== 'approved' || (record.expiresAt !== null && record.expiresAt <= now)) {
      return refuse(request, reply, FORBIDDEN[effectiveStatus(record, now)])
    }
    return record
  }

  function withUser (request: FastifyRequest, reply: FastifyReply, userId: string | null | undefined, now: number): Check | Promise<Check> {
    if (typeof userId !== 'string' || userId === '') return refuse(request, reply, UNAUTHENTICATED)
    const hit = cache.peek(userId, now)
    if (hit !== undefined) return judge(request, reply, hit, now)
    return cache.load(userId, now).then(
      (record) => judge(request, reply, record, now),
      (err: unknown) => failClosed(request, reply, err, storeUnavailable))
  }

  /** `now` may be passed in by a caller that needs the same clock reading. */
  return function check (request: FastifyRequest, reply: FastifyReply, now = clock.now()): Check | Promise<Check> {
    let userId: ReturnType<GetUserId>
    try {
      userId = getUserId(request)
    } catch (err) {
      return failClosed(request, reply, err, INTERNAL)
    }
    if (!isThenable(userId)) return withUser(request, reply, userId, now)
    return Promise.resolve(userId).then(
      (id) => withUser(request, reply, id, clock.now()),
      (err: unknown) => failClosed(request, reply, err, INTERNAL))
  }
}

export type VerifiedCheck = ReturnType<typeof createVerifiedCheck>

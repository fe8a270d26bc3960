import type { FastifyReply, FastifyRequest } from 'fastify'
import { StoreUnavailableError, UnauthenticatedError, VerificationRequiredError } from '../errors.js'
import type { GetUserId } from '../options.js'
import { preparedError, sendPrepared } from '../reply.js'
import type { IdentityStatus, VerificationRecord } from '../stores/types.js'
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

/** The user's approved record (`record.userId` is the user), or null: refused, and the refusal was sent. */
export type Check = VerificationRecord | null

/** True for a promise (or any thenable) a host's getUserId may return. */
export function isThenable<T> (value: T | PromiseLike<T>): value is PromiseLike<T> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function'
}

/**
 * The shared core of both guards: who is the user, and is their identity approved?
 * Answers the refusal itself (401 / 403 with the status / 503) and fails closed on
 * any error. Sets `request.verification`.
 *
 * The common case (a synchronous getUserId and a guard-cache hit) answers
 * synchronously, without a promise or a microtask; otherwise it returns a promise.
 */
export function createVerifiedCheck (getUserId: GetUserId, cache: RecordCache) {
  function failClosed (request: FastifyRequest, reply: FastifyReply, err: unknown): Check {
    request.log.error({ err }, 'passbase: cannot evaluate verification; failing closed')
    sendPrepared(reply, STORE_UNAVAILABLE)
    return null
  }

  function judge (request: FastifyRequest, reply: FastifyReply, record: VerificationRecord | null): Check {
    request.verification = record
    if (record === null || record.status !== 'approved') {
      sendPrepared(reply, FORBIDDEN[record === null ? 'none' : record.status])
      return null
    }
    return record
  }

  function withUser (request: FastifyRequest, reply: FastifyReply, userId: string | null | undefined, now: number): Check | Promise<Check> {
    if (typeof userId !== 'string' || userId === '') {
      sendPrepared(reply, UNAUTHENTICATED)
      return null
    }
    const hit = cache.peek(userId, now)
    if (hit !== undefined) return judge(request, reply, hit)
    return cache.load(userId).then(
      (record) => judge(request, reply, record),
      (err: unknown) => failClosed(request, reply, err))
  }

  /** `now` (Date.now()) may be passed in by a caller that needs the same clock reading. */
  return function check (request: FastifyRequest, reply: FastifyReply, now = Date.now()): Check | Promise<Check> {
    let userId: ReturnType<GetUserId>
    try {
      userId = getUserId(request)
    } catch (err) {
      return failClosed(request, reply, err)
    }
    if (!isThenable(userId)) return withUser(request, reply, userId, now)
    return Promise.resolve(userId).then(
      (id) => withUser(request, reply, id, Date.now()),
      (err: unknown) => failClosed(request, reply, err))
  }
}

/** Fastify's `done` of a callback-style hook. */
export type HookDone = (err?: Error) => void

/**
 * A guard is a callback-style preHandler when it can answer synchronously: on the common
 * path (a cache hit) it calls `done()` at once, so Fastify's hook runner allocates no
 * promise and queues no microtask. When it must wait (a cache miss, an async getUserId)
 * it returns a promise instead, which Fastify awaits. A refusal has been sent: `done` is
 * not called. Called directly (`await app.requireVerified(request, reply)`, no `done`),
 * it behaves as an async function: check `reply.sent` afterwards.
 */
export function createRequireVerified (check: ReturnType<typeof createVerifiedCheck>) {
  return function requireVerified (request: FastifyRequest, reply: FastifyReply, done?: HookDone): Promise<void> | undefined {
    const verified = check(request, reply)
    if (isThenable(verified)) return Promise.resolve(verified).then(ignore)
    if (verified !== null) done?.()
    return undefined
  }
}

function ignore (): void {}

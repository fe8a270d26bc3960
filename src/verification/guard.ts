import type { FastifyReply, FastifyRequest } from 'fastify'
import { isThenable, type VerifiedCheck } from './check.js'

/** Fastify's `done` of a callback-style hook. */
export type HookDone = (err?: Error) => void

/**
 * `requireVerified`: a callback-style preHandler when it can answer synchronously (on a
 * cache hit it calls `done()` at once: no promise, no microtask); when it must wait (a
 * cache miss, an async getUserId) it returns a promise instead, which Fastify awaits. A
 * refusal has been sent: `done` is not called. Called directly (`await
 * app.requireVerified(request, reply)`, no `done`), check `reply.sent` afterwards.
 */
export function createRequireVerified (check: VerifiedCheck) {
  return function requireVerified (request: FastifyRequest, reply: FastifyReply, done?: HookDone): Promise<void> | undefined {
    const verified = check(request, reply)
    if (isThenable(verified)) return Promise.resolve(verified).then(ignore)
    if (verified !== null) done?.()
    return undefined
  }
}

function ignore (): void {}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { PassbaseReauthNotConfiguredError } from '../errors.js'
import { INTERNAL, type SendRefusal } from '../http/reply.js'

/** Without the `reauth` option: registering a route that uses `guard` (the fail-closed step-up guard) fails at startup, naming `reauth.secret`. */
export function refuseStepUpRoutes (fastify: FastifyInstance, guard: unknown): void {
  fastify.addHook('onRoute', (route) => {
    const handlers = [route.preHandler, route.onRequest, route.preValidation].flat()
    if (handlers.some((h) => h === guard)) {
      throw new PassbaseReauthNotConfiguredError(` (route ${route.method.toString()} ${route.url})`)
    }
  })
}

/** Only reachable when a host bypasses the startup check (e.g. calls the guard by hand): fail closed. */
export function notConfiguredGuard (send: SendRefusal) {
  return async function requireReauthNotConfigured (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    request.log.error('fastify-passbase: requireReauth used without the reauth option; refusing')
    send(request, reply, INTERNAL)
  }
}

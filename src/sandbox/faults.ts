import type { FastifyReply, FastifyRequest } from 'fastify'
import { sleep } from './clock.js'
import type { Random } from './prng.js'
import type { Faults } from './types.js'

/** Fault injection: the shape of `sandbox.faults` and the hook that applies the API faults. */

export function normalizeFaults (faults: Partial<Faults> | undefined): Faults {
  return { api: { ...faults?.api }, deliveries: { ...faults?.deliveries } }
}

export interface ApiFaultContext {
  faults: () => Faults
  random: Random
  /** aborted when the sandbox closes: ends latency waits and hangs */
  signal: AbortSignal
}

function hangUntil (signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve()
    else signal.addEventListener('abort', () => resolve(), { once: true })
  })
}

/** An onRequest hook for the provider API routes: latency, hang, forced status, random 500s. */
export function apiFaultHook (context: ApiFaultContext) {
  return async function applyApiFaults (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const api = context.faults().api ?? {}
    if (api.latencyMs !== undefined && api.latencyMs > 0) await sleep(api.latencyMs, context.signal)
    if (api.hang === true) {
      await hangUntil(context.signal)
      reply.hijack()
      request.raw.socket.destroy()
      return reply
    }
    if (api.status !== undefined) {
      if (api.retryAfter !== undefined) reply.header('retry-after', String(api.retryAfter))
      return reply.code(api.status).send({ message: `sandbox fault: forced status ${api.status}` })
    }
    if (api.failRate !== undefined && api.failRate > 0 && context.random() < api.failRate) {
      return reply.code(500).send({ message: 'sandbox fault: internal error' })
    }
    return undefined
  }
}

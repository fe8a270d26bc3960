import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { createSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js'
import fastifyPassbase, { type FastifyPassbaseOptions } from '../../src/index.js'

export const SECRET_API_KEY = 'sk_test_0123456789'
export const WEBHOOK_SECRET = 'abcdefghijklmnopqrstuvwxyz012345'
export const REAUTH_SECRET = 'reauth-secret-0123456789-0123456789'

export interface Harness {
  app: FastifyInstance
  sandbox: Sandbox
  url: string
  close: () => Promise<void>
}

/** The user id of a test request: the `x-user` header (the host's own auth, simplified). */
export const getUserId = (request: { headers: Record<string, unknown> }): string | null => {
  const user = request.headers['x-user']
  return typeof user === 'string' && user !== '' ? user : null
}

/**
 * A host app with the plugin and a guarded /profile route, listening on loopback,
 * wired to a fresh sandbox over real HTTP.
 */
export async function harness (opts: {
  plugin?: Partial<FastifyPassbaseOptions>
  sandbox?: Partial<SandboxOptions>
  routes?: (app: FastifyInstance) => void
  /** runs before the plugin is registered (host plugins registered first) */
  before?: (app: FastifyInstance) => Promise<void>
  /** the host's Fastify logger option (default: off) */
  logger?: FastifyServerOptions['logger']
  /** one clock for the plugin and the sandbox (tests move it instead of sleeping) */
  clock?: { now: () => number }
} = {}): Promise<Harness> {
  const sandbox = await createSandbox({
    secretApiKey: SECRET_API_KEY,
    webhookSecret: WEBHOOK_SECRET,
    retry: { attempts: 4, baseMs: 20 },
    processingDelayMs: 0,
    ...(opts.clock === undefined ? {} : { clock: opts.clock }),
    ...opts.sandbox
  })
  const app = Fastify({ logger: opts.logger ?? false })
  await opts.before?.(app)
  await app.register(fastifyPassbase, {
    secretApiKey: SECRET_API_KEY,
    webhookSecret: WEBHOOK_SECRET,
    apiBaseUrl: sandbox.apiBaseUrl,
    getUserId,
    api: { timeoutMs: 2000, retries: 1 },
    ...(opts.clock === undefined ? {} : { clock: opts.clock }),
    ...opts.plugin
  })
  app.get('/profile', { preHandler: app.requireVerified }, async (request) => ({ ok: true, identityId: request.verification?.identityId }))
  opts.routes?.(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const url = `http://127.0.0.1:${port}`
  sandbox.webhookUrl = `${url}/passbase/webhooks`
  return {
    app,
    sandbox,
    url,
    close: async () => {
      await app.close()
      await sandbox.close()
    }
  }
}

/** Link a new sandbox identity to `user` through the plugin's route; returns the identity id. */
export async function linkNew (h: Harness, user: string, fields: Parameters<Sandbox['createIdentity']>[0] = {}): Promise<string> {
  const identity = await h.sandbox.createIdentity({ status: 'processing', ...fields })
  const res = await h.app.inject({ method: 'POST', url: '/passbase/verifications', headers: { 'x-user': user }, payload: { identityAccessKey: identity.id } })
  if (res.statusCode !== 201) throw new Error(`link failed: ${res.statusCode} ${res.body}`)
  return identity.id
}

export async function statusOf (h: Harness, user: string): Promise<Record<string, unknown>> {
  const res = await h.app.inject({ method: 'GET', url: '/passbase/status', headers: { 'x-user': user } })
  return res.json()
}

import type { KeyObject } from 'node:crypto'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import { z } from 'zod'
import { buttonScript } from './button.js'
import type { IdentityRegistry } from './identities.js'
import { decryptMetadata, InvalidMetadataError } from './metadata.js'
import { renderFlowPage, type FlowView, type IntegrationType } from './pages.js'
import type { ReviewResult } from './types.js'

/** Browser-side routes: `GET /button.js`, `GET /flow` (the verifier page), `POST /flow/submit`. */

export interface FlowContext {
  publishableApiKey: string
  metadataKey: KeyObject | undefined
  identities: IdentityRegistry
  /** runs `job` after the processing delay, in the background */
  later: (job: () => Promise<unknown>) => void
  review: (id: string, result: ReviewResult) => Promise<unknown>
  authenticate: (id: string) => Promise<unknown>
}

const optionalText = (max: number) => z.string().trim().max(max).optional().transform((v) => v === '' ? undefined : v)

const submitSchema = z.object({
  key: z.string(),
  integrationType: z.enum(['signup', 'login']).default('signup'),
  metaData: z.string().nullish(),
  email: optionalText(320),
  firstName: optionalText(100),
  lastName: optionalText(100),
  decision: z.enum(['approved', 'declined', 'pending']).default('approved'),
  score: z.number().min(0).max(1).default(0.95),
  identityAccessKey: optionalText(200),
  result: z.enum(['pass', 'fail']).default('pass')
})

type Submission = z.output<typeof submitSchema>
type Query = Record<string, string | string[] | undefined>

class FlowError extends Error {
  constructor (readonly statusCode: number, readonly code: string, message: string) {
    super(message)
  }
}

function first (value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? ''
}

function parentOrigin (raw: string): string {
  try {
    const url = new URL(raw)
    return url.origin === raw ? raw : '*'
  } catch {
    return '*'
  }
}

function openMetadata (context: FlowContext, metaData: string | null | undefined, log: FastifyBaseLogger): Record<string, unknown> | null {
  if (metaData === undefined || metaData === null || metaData === '') return null
  if (context.metadataKey === undefined) {
    log.warn('sandbox: metaData ignored, no metadataPublicKey configured')
    return null
  }
  try {
    return decryptMetadata(context.metadataKey, metaData)
  } catch (err) {
    throw new FlowError(400, 'INVALID_METADATA', (err as InvalidMetadataError).message)
  }
}

function checkKey (context: FlowContext, key: string): void {
  if (key !== context.publishableApiKey) {
    throw new FlowError(401, 'INVALID_PUBLISHABLE_KEY', 'Unknown publishable API key')
  }
}

function signup (context: FlowContext, input: Submission, log: FastifyBaseLogger): { identityAccessKey: string, status: string } {
  const metadata = openMetadata(context, input.metaData, log)
  const identity = context.identities.create({
    status: 'processing',
    owner: { email: input.email, first_name: input.firstName, last_name: input.lastName },
    metadata
  })
  const result: ReviewResult = { status: input.decision, score: input.score }
  context.later(() => context.review(identity.id, result))
  return { identityAccessKey: identity.id, status: identity.status }
}

function login (context: FlowContext, input: Submission): { identityAccessKey: string, authenticated: true } {
  const identity = input.identityAccessKey !== undefined
    ? context.identities.get(input.identityAccessKey)
    : input.email !== undefined ? context.identities.findByEmail(input.email) : undefined
  if (identity === undefined) throw new FlowError(404, 'IDENTITY_NOT_FOUND', 'No identity for this access key or email')
  if (input.result === 'fail') {
    throw new FlowError(422, 'BIOMETRIC_AUTHENTICATION_FAILED', 'The face did not match the verified identity')
  }
  context.later(() => context.authenticate(identity.id))
  return { identityAccessKey: identity.id, authenticated: true }
}

export function flowRoutes (context: FlowContext) {
  return async function routes (app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', async (_request, reply) => {
      reply.header('access-control-allow-origin', '*')
    })

    app.setErrorHandler(async (err, request, reply) => {
      if (err instanceof FlowError) return reply.code(err.statusCode).send({ code: err.code, message: err.message })
      const status = (err as { statusCode?: number }).statusCode
      if (status !== undefined && status >= 400 && status < 500) {
        return reply.code(status).send({ code: 'INVALID_REQUEST', message: (err as Error).message })
      }
      request.log.error(err)
      return reply.code(500).send({ code: 'INTERNAL_ERROR', message: 'sandbox error' })
    })

    app.get('/button.js', async (request, reply) => {
      return reply
        .type('application/javascript; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(buttonScript(`${request.protocol}://${request.host}`))
    })

    app.get<{ Querystring: Query }>('/flow', async (request, reply) => {
      const q = request.query
      const view: FlowView = {
        key: first(q.key),
        integrationType: (first(q.integrationType) === 'login' ? 'login' : 'signup') satisfies IntegrationType,
        email: first(q.email),
        metaData: first(q.metaData),
        metadata: null,
        identityAccessKey: first(q.identityAccessKey),
        origin: parentOrigin(first(q.origin))
      }
      try {
        checkKey(context, view.key)
        if (view.integrationType === 'signup') view.metadata = openMetadata(context, view.metaData, request.log)
      } catch (err) {
        const flowError = err as FlowError
        view.error = { code: flowError.code, message: flowError.message }
      }
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderFlowPage(view))
    })

    app.options('/flow/submit', async (_request, reply) => {
      return reply
        .code(204)
        .header('access-control-allow-methods', 'POST, OPTIONS')
        .header('access-control-allow-headers', 'content-type')
        .header('access-control-max-age', '600')
        .send()
    })

    app.post('/flow/submit', async (request, reply) => {
      const parsed = submitSchema.safeParse(request.body)
      if (!parsed.success) {
        throw new FlowError(400, 'INVALID_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '))
      }
      const input = parsed.data
      checkKey(context, input.key)
      if (input.integrationType === 'login') return login(context, input)
      return reply.code(201).send(signup(context, input, request.log))
    })
  }
}

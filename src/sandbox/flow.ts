import type { KeyObject } from 'node:crypto'
import type { FastifyBaseLogger, FastifyInstance, FastifyReply } from 'fastify'
import { buttonScript } from './button.js'
import type { IntegrationType, OriginProblem } from './browser/protocol.js'
import { FlowError, submitSchema, type Submission } from './flow-input.js'
import type { IdentityRegistry } from './identities/registry.js'
import { decryptMetadata, InvalidMetadataError } from './metadata.js'
import { renderFlowPage, type FlowView } from './pages/flow.js'
import type { RenderedPage } from './pages/html.js'
import { renderIdentitiesPage } from './pages/identities.js'
import type { ReviewResult } from './types.js'

/**
 * Browser-side routes: `GET /button.js`, `GET /flow` (the verifier page), `POST
 * /flow/submit`, `GET /identities` (the identities page) and `GET /`.
 */

export interface FlowContext {
  publishableApiKey: string
  metadataKey: KeyObject | undefined
  identities: IdentityRegistry
  /** runs `job` after the processing delay, in the background */
  later: (job: () => Promise<unknown>) => void
  review: (id: string, result: ReviewResult) => Promise<unknown>
  authenticate: (id: string) => Promise<unknown>
  /** the JSON answer of `GET /` */
  home: () => Record<string, unknown>
}

type Query = Record<string, string | string[] | undefined>

/** the longest `summary` the login page shows */
const MAX_SUMMARY = 1000

function first (value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? ''
}

/** the host page's origin when `raw` is exactly an http(s) origin */
function hostOrigin (raw: string): { origin: string | null, problem: OriginProblem | null } {
  if (raw === '') return { origin: null, problem: 'missing' }
  try {
    const url = new URL(raw)
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === raw) return { origin: raw, problem: null }
  } catch {}
  return { origin: null, problem: 'invalid' }
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
    metadata,
    documentType: input.documentType,
    documentCountry: input.documentCountry,
    documentExpiry: input.documentExpiry
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

function sendPage (reply: FastifyReply, page: RenderedPage): FastifyReply {
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', page.csp)
    .header('x-content-type-options', 'nosniff')
    .send(page.html)
}

function flowView (context: FlowContext, q: Query, log: FastifyBaseLogger): FlowView {
  const integrationType: IntegrationType = first(q.integrationType) === 'login' ? 'login' : 'signup'
  const { origin, problem } = hostOrigin(first(q.origin))
  const view: FlowView = {
    key: first(q.key),
    integrationType,
    email: first(q.email),
    country: first(q.country),
    metaData: first(q.metaData),
    metadata: null,
    identityAccessKey: first(q.identityAccessKey),
    summary: integrationType === 'login' ? first(q.summary) : '',
    origin,
    originProblem: problem
  }
  try {
    checkKey(context, view.key)
    if (view.summary.length > MAX_SUMMARY) throw new FlowError(400, 'INVALID_SUMMARY', `summary is longer than ${MAX_SUMMARY} characters`)
    if (integrationType === 'signup') view.metadata = openMetadata(context, view.metaData, log)
  } catch (err) {
    const flowError = err as FlowError
    view.error = { code: flowError.code, message: flowError.message }
    view.summary = ''
  }
  return view
}

export function flowRoutes (context: FlowContext) {
  return async function routes (app: FastifyInstance): Promise<void> {
    // the button script and the flow's endpoints are used from the host page's origin
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

    app.get('/', async (request, reply) => {
      if (request.headers.accept?.startsWith('text/html') === true) return reply.redirect('/identities')
      return context.home()
    })

    app.get('/identities', async (_request, reply) => sendPage(reply, renderIdentitiesPage()))

    app.get('/button.js', async (request, reply) => {
      return reply
        .type('application/javascript; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(buttonScript(`${request.protocol}://${request.host}`))
    })

    app.get<{ Querystring: Query }>('/flow', async (request, reply) => {
      return sendPage(reply, renderFlowPage(flowView(context, request.query, request.log)))
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

import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import { randomUUID } from 'node:crypto'
// the plugin's own actionId: the stand-in names actions exactly as the real routes do
import { actionIdOf } from '../../src/step-up/action.js'

/**
 * A stand-in for the plugin's step-up routes as their contract reads (transaction-bound
 * step-up): what the browser helper sees over HTTP, nothing more. Users are named by the
 * `x-user` header. `POST /payout` is a bound route (`action` = type, amount, payee),
 * `GET /statement` an unbound one. `authenticate(user)` plays the provider's
 * `IDENTITY_AUTHENTICATED` webhook, with the challenge rule: a start while another of the
 * user's challenges is open conflicts them all; an authentication satisfies the only open
 * one when it is not conflicted, else closes them. The real plugin is exercised by test/e2e/.
 */

interface Challenge {
  id: string
  user: string
  actionId: string | null
  /** pending: open; closed: an authentication closed it without satisfying it */
  state: 'pending' | 'authenticated' | 'closed' | 'gone'
  /** started while another of the user's was open (or open when another started): never completes */
  conflicted: boolean
}

interface Token {
  user: string
  actionId: string | null
  used: boolean
}

type Details = Record<string, string | number>

const MAX_AGE = 300
const START = '/passbase/reauth/start'

function userOf (request: FastifyRequest): string {
  const user = request.headers['x-user']
  return typeof user === 'string' ? user : ''
}

function cookie (request: FastifyRequest, name: string): string | undefined {
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const [key, value] = pair.trim().split('=')
    if (key === name) return value
  }
  return undefined
}

export async function contractServer () {
  const challenges = new Map<string, Challenge>()
  const tokens = new Map<string, Token>()
  const actions = new Map<string, Details>()
  /** what the routes were sent, in order: `POST /passbase/reauth/start {"action":"…"} application/json` */
  const log: string[] = []
  /** the bodies `POST /reauth/start` was sent */
  const starts: unknown[] = []
  const app = Fastify()

  app.addHook('onRequest', async (request) => {
    const type = request.headers['content-type'] ?? ''
    log.push(`${request.method} ${request.url.split('?')[0] ?? ''}${type === '' ? '' : ' ' + type}`)
  })

  function requireJson (request: FastifyRequest, reply: FastifyReply): boolean {
    if ((request.headers['content-type'] ?? '').split(';')[0]?.trim() === 'application/json') return true
    void reply.code(415).send({ statusCode: 415, code: 'FST_PASSBASE_UNSUPPORTED_MEDIA_TYPE', error: 'Unsupported Media Type', message: 'JSON only' })
    return false
  }

  function refuse (reply: FastifyReply, bound?: { action: Details, actionId: string }): FastifyReply {
    const header = `PassbaseReauth error="insufficient_user_authentication", max_age=${MAX_AGE}` +
      (bound !== undefined ? `, action_id="${bound.actionId}"` : '')
    return reply.code(401).header('www-authenticate', header).send({
      statusCode: 401,
      code: 'FST_PASSBASE_REAUTH_REQUIRED',
      error: 'Unauthorized',
      message: 'A recent biometric re-authentication is required',
      maxAge: MAX_AGE,
      start: START,
      ...bound
    })
  }

  app.get('/passbase/config', async () => ({ publishableApiKey: 'pk_contract' }))
  app.get('/passbase/status', async (request) => ({ status: 'approved', identityId: `identity-of-${userOf(request)}` }))

  app.post<{ Body: { action?: string } | null }>('/passbase/reauth/start', async (request, reply) => {
    if (!requireJson(request, reply)) return reply
    starts.push(request.body)
    const user = userOf(request)
    const open = [...challenges.values()].filter((c) => c.user === user && c.state === 'pending')
    for (const c of open) c.conflicted = true
    const actionId = typeof request.body?.action === 'string' ? request.body.action : null
    const challenge: Challenge = { id: randomUUID(), user, actionId, state: 'pending', conflicted: open.length > 0 }
    challenges.set(challenge.id, challenge)
    const action = actionId === null ? undefined : actions.get(actionId)
    return { challengeId: challenge.id, expiresAt: new Date(Date.now() + 600_000).toISOString(), ...(action !== undefined ? { action } : {}) }
  })

  app.post<{ Body: { challengeId?: string } | null }>('/passbase/reauth/complete', async (request, reply) => {
    if (!requireJson(request, reply)) return reply
    const challenge = challenges.get(request.body?.challengeId ?? '')
    if (challenge === undefined || challenge.state === 'gone') {
      return reply.code(410).send({ statusCode: 410, code: 'FST_PASSBASE_CHALLENGE_GONE', error: 'Gone', message: 'gone' })
    }
    if (challenge.user !== userOf(request)) {
      return reply.code(403).send({ statusCode: 403, code: 'FST_PASSBASE_CHALLENGE_FORBIDDEN', error: 'Forbidden', message: 'not yours' })
    }
    if (challenge.conflicted) {
      return reply.code(410).send({ statusCode: 410, code: 'FST_PASSBASE_STEP_UP_CONFLICT', error: 'Gone', message: 'another step-up was started' })
    }
    if (challenge.state === 'closed') {
      return reply.code(410).send({ statusCode: 410, code: 'FST_PASSBASE_CHALLENGE_GONE', error: 'Gone', message: 'gone' })
    }
    if (challenge.state === 'pending') return reply.code(202).send({ pending: true })
    challenge.state = 'gone'
    const token = randomUUID()
    tokens.set(token, { user: challenge.user, actionId: challenge.actionId, used: false })
    const name = challenge.actionId === null ? 'passbase_reauth' : 'passbase_reauth_action'
    reply.header('set-cookie', `${name}=${token}; Path=/; HttpOnly; SameSite=Strict`)
    return { authTime: new Date().toISOString(), expiresAt: new Date(Date.now() + MAX_AGE * 1000).toISOString() }
  })

  app.post<{ Body: { challengeId?: string } | null }>('/passbase/reauth/cancel', async (request, reply) => {
    if (!requireJson(request, reply)) return reply
    const challenge = challenges.get(request.body?.challengeId ?? '')
    if (challenge?.user === userOf(request) && challenge.state === 'pending' && !challenge.conflicted) challenges.delete(challenge.id)
    return reply.code(204).send()
  })

  app.delete('/passbase/reauth', async (request, reply) => {
    for (const [id, token] of tokens) if (token.user === userOf(request)) tokens.delete(id)
    return reply.code(204).send()
  })

  // a bound route: each payout is confirmed with its own details
  app.post<{ Body: { amount: number, payee: string } }>('/payout', async (request, reply) => {
    const user = userOf(request)
    const action: Details = { type: 'payout', amount: `${request.body.amount.toFixed(2)} EUR`, payee: request.body.payee }
    const actionId = actionIdOf(action, user, 'POST /payout')
    actions.set(actionId, action)
    const token = tokens.get(cookie(request, 'passbase_reauth_action') ?? '')
    if (token === undefined || token.used || token.user !== user || token.actionId !== actionId) return refuse(reply, { action, actionId })
    token.used = true
    return { paid: true, ...request.body }
  })

  // an unbound route: a window of MAX_AGE seconds
  app.get('/statement', async (request, reply) => {
    const token = tokens.get(cookie(request, 'passbase_reauth') ?? '')
    if (token === undefined || token.user !== userOf(request) || token.actionId !== null) return refuse(reply)
    return { statement: [] }
  })

  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
  return {
    url,
    log,
    starts,
    challenges,
    /** the provider's authentication webhook for `user`: satisfies the only open challenge unless conflicted, else closes them */
    authenticate (user: string): void {
      const open = [...challenges.values()].filter((c) => c.user === user && c.state === 'pending')
      const only = open.length === 1 ? open[0] : undefined
      if (only !== undefined && !only.conflicted) only.state = 'authenticated'
      else for (const c of open) c.state = 'closed'
    },
    close: async () => { await app.close() }
  }
}

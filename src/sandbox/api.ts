import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteGenericInterface } from 'fastify'
import { apiFaultHook, type ApiFaultContext } from './faults.js'
import { parseLimit, MAX_LIMIT, type Page } from './identities/paging.js'
import type { IdentityRegistry } from './identities/registry.js'
import type { ApiCounters } from './stats.js'
import type { ApiKind } from './types.js'
import type { WirePage, WireSettings } from './wire.js'

/** The provider API (Passbase v2), served under `/verification/v2` with `X-API-KEY` checks. */

export const API_PREFIX = '/verification/v2'

export interface ApiContext {
  secretApiKey: string
  identities: IdentityRegistry
  counters: ApiCounters
  faults: ApiFaultContext
  settings: () => WireSettings
}

interface IdParams { id: string }
interface ResourceParams extends IdParams { resourceId: string }
interface FileParams extends ResourceParams { fileId: string }
interface ListQuery { limit?: string, cursor?: string }

const listSchema = {
  querystring: {
    type: 'object',
    properties: { limit: { type: 'string', maxLength: 8 }, cursor: { type: 'string', maxLength: 512 } }
  }
} as const

function digest (value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/** constant-time check of an X-API-KEY header against the digest of the secret key */
function keyMatches (header: string | string[] | undefined, expected: Buffer): boolean {
  return typeof header === 'string' && timingSafeEqual(digest(header), expected)
}

/** `onRequest` hook: 401 unless `X-API-KEY` is the secret API key (compared in constant time). */
export function apiKeyHook (secretApiKey: string) {
  const expected = digest(secretApiKey)
  return async function checkApiKey (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    if (!keyMatches(request.headers['x-api-key'], expected)) {
      return reply.code(401).send({ message: 'Unauthorized: missing or invalid X-API-KEY' })
    }
    return undefined
  }
}

function notFound (reply: FastifyReply, what: string): FastifyReply {
  return reply.code(404).send({ message: `${what} not found` })
}

/**
 * A page of a list as the API answers it: 400 for a bad `limit`, then 404 when `read`
 * finds no `what` to list (undefined), 400 for a cursor it does not know (null).
 */
function listAnswer<T> (reply: FastifyReply, query: ListQuery, what: string, read: (limit: number, cursor?: string) => Page<T> | null | undefined): FastifyReply | WirePage<T> {
  const limit = parseLimit(query.limit)
  if (limit === null) return reply.code(400).send({ message: `limit must be an integer in 1..${MAX_LIMIT}` })
  const page = read(limit, query.cursor)
  if (page === undefined) return notFound(reply, what)
  if (page === null) return reply.code(400).send({ message: 'invalid cursor' })
  return { cursor: { next: page.next }, data: page.data }
}

/** A route's config: which API operation it is (counted per operation). */
interface Counted { kind: ApiKind }

export function providerApi (context: ApiContext) {
  const { identities } = context

  return async function routes (app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', async (request: FastifyRequest) => {
      const kind = (request.routeOptions.config as Partial<Counted>).kind
      if (kind !== undefined) context.counters.count(kind, (request.params as Partial<IdParams>).id)
    })
    app.addHook('onRequest', apiFaultHook(context.faults))
    app.addHook('onRequest', apiKeyHook(context.secretApiKey))

    app.get<{ Params: IdParams }, Counted>('/identities/:id', { config: { kind: 'getIdentity' } }, async (request, reply) => {
      return identities.get(request.params.id) ?? notFound(reply, 'Identity')
    })

    app.get<{ Querystring: ListQuery }, Counted>('/identities', { config: { kind: 'listIdentities' }, schema: listSchema }, async (request, reply) => {
      return listAnswer(reply, request.query, 'Identity', (limit, cursor) => identities.page(limit, cursor))
    })

    app.get<{ Params: IdParams, Querystring: ListQuery }, Counted>('/identity/:id/resources', { config: { kind: 'listResources' }, schema: listSchema }, async (request, reply) => {
      return listAnswer(reply, request.query, 'Identity', (limit, cursor) => identities.resources(request.params.id, limit, cursor))
    })

    app.get<{ Params: ResourceParams }, Counted>('/identity/:id/resources/:resourceId', { config: { kind: 'getResource' } }, async (request, reply) => {
      return identities.resource(request.params.id, request.params.resourceId) ?? notFound(reply, 'Resource')
    })

    app.get<{ Params: FileParams }, Counted>(
      '/identity/:id/resources/:resourceId/resource_files/:fileId',
      { config: { kind: 'getResourceFile' } },
      async (request, reply) => {
        const { id, resourceId, fileId } = request.params
        const file = identities.file(id, resourceId, fileId)
        if (file === undefined) return notFound(reply, 'Resource file')
        return reply.type(file.contentType).send(file.bytes)
      })

    app.get<RouteGenericInterface, Counted>('/settings', { config: { kind: 'settings' } }, async () => context.settings())
  }
}

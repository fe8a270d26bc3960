import type { FastifyInstance, FastifyPluginOptions } from 'fastify'
import { createHash } from 'node:crypto'
import { script } from '../generated/browser-client.js'

/**
 * `GET /client.js`: the browser helper as a classic script (src/browser/client.iife.ts,
 * bundled by `npm run build`), defining `window.PassbaseClient`. The text is the same for
 * every prefix (the script reads its prefix from its own URL), so it is hashed once.
 * Public (no user needed), revalidated with an ETag.
 *
 *   fastify.register(clientScriptRoutes, { prefix })   // GET {prefix}/client.js
 */

export interface ClientScriptRouteOptions extends FastifyPluginOptions {
  /** where the route is mounted (Fastify's own register option) */
  prefix?: string
}

export const clientScriptEtag = `"${createHash('sha256').update(script).digest('base64url').slice(0, 32)}"`

function matches (header: string | undefined, etag: string): boolean {
  return header !== undefined && header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
}

export async function clientScriptRoutes (fastify: FastifyInstance, _options: ClientScriptRouteOptions): Promise<void> {
  fastify.get('/client.js', {
    schema: {
      summary: 'The browser helper (defines window.PassbaseClient)',
      response: {
        200: { description: 'The script (revalidated with its ETag)', content: { 'application/javascript': { schema: { type: 'string' } } } },
        304: { description: 'Not modified (the If-None-Match ETag matches)', type: 'null' }
      }
    }
  }, async function client (request, reply) {
    reply.header('cache-control', 'public, max-age=0, must-revalidate')
      .header('etag', clientScriptEtag)
      .header('x-content-type-options', 'nosniff')
    if (matches(request.headers['if-none-match'], clientScriptEtag)) return reply.code(304).send()
    return reply.type('application/javascript; charset=utf-8').send(script)
  })
}

import type { FastifyInstance } from 'fastify'
import { createHash } from 'node:crypto'
import { definePassbaseClient } from '../browser/runtime.js'
import type { PassbaseContext } from '../context.js'
import { routeSchema } from './schemas.js'

/**
 * The browser helper as a classic script: the source of `definePassbaseClient` (the
 * same function `fastify-passbase/client` exports, compiled with the plugin, so the
 * ESM and CJS builds and the TypeScript sources serve identical code, with nothing to
 * read from disk), called with this plugin's prefix; it defines `window.PassbaseClient`.
 */
export function clientScript (prefix: string): string {
  return `/*! fastify-passbase browser client: PassbaseClient.createPassbaseClient({ prefix, fetch, buttonScriptUrl }) */
(function () {
  'use strict'
  var define = ${definePassbaseClient.toString()}
  window.PassbaseClient = define(${JSON.stringify({ prefix })})
})()
`
}

/** `GET /client.js`: public (no user needed), revalidated with an ETag. */
export async function clientScriptRoutes (fastify: FastifyInstance, ctx: PassbaseContext): Promise<void> {
  const body = clientScript(ctx.options.prefix)
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`
  fastify.get('/client.js', {
    schema: routeSchema('The browser helper (defines window.PassbaseClient)', {})
  }, async function client (request, reply) {
    reply.header('cache-control', 'public, max-age=0, must-revalidate')
      .header('etag', etag)
      .header('x-content-type-options', 'nosniff')
    const match = request.headers['if-none-match']
    if (match !== undefined && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
      return reply.code(304).send()
    }
    return reply.type('application/javascript; charset=utf-8').send(body)
  })
}

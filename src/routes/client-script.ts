// TEMPORARY (until the browser lane's src/browser/route.ts is merged): serves the v0.1 helper.
import type { FastifyInstance } from 'fastify'
import { createHash } from 'node:crypto'
import { definePassbaseClient } from '../browser/runtime.js'
import { routeSchema } from '../http/schemas.js'

export function clientScript (prefix: string): string {
  return `/*! fastify-passbase browser client: PassbaseClient.createPassbaseClient({ prefix, fetch, buttonScriptUrl }) */
(function () {
  'use strict'
  var define = ${definePassbaseClient.toString()}
  window.PassbaseClient = define(${JSON.stringify({ prefix })})
})()
`
}

export async function clientScriptRoutes (fastify: FastifyInstance, opts: { prefix: string }): Promise<void> {
  const body = clientScript(opts.prefix)
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`
  fastify.get('/client.js', { schema: routeSchema('The browser helper (defines window.PassbaseClient)', {}) }, async function client (request, reply) {
    reply.header('cache-control', 'public, max-age=0, must-revalidate').header('etag', etag).header('x-content-type-options', 'nosniff')
    const match = request.headers['if-none-match']
    if (match !== undefined && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) return reply.code(304).send()
    return reply.type('application/javascript; charset=utf-8').send(body)
  })
}

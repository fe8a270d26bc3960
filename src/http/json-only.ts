import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { UnsupportedMediaTypeError } from '../errors.js'
import { mediaType } from './media-type.js'

/**
 * CSRF by construction: the plugin's state-changing POST routes accept only
 * `Content-Type: application/json` (also with an empty body), which a cross-site form
 * or a `no-cors` fetch cannot send, whatever body parsers the host registered.
 */

const BODY_LIMIT = 16 * 1024

/** In the plugin's own (encapsulated) context: only its JSON parser, where an empty body is `{}`. */
export function useJsonParserOnly (scope: FastifyInstance): void {
  const parse = scope.getDefaultJsonParser('error', 'error')
  scope.removeAllContentTypeParsers()
  scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (request, body, done) => {
    if ((body as string).trim() === '') {
      done(null, {})
      return
    }
    parse(request, body as string, done)
  })
}

/** `onRequest` hook of a JSON-only route: 415 unless the media type is application/json. */
export async function requireJson (request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (mediaType(request.headers['content-type']) !== 'application/json') throw new UnsupportedMediaTypeError()
}

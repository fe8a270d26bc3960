import { BadWebhookError, WebhookTooLargeError } from '../errors.js'
import { because, described, INTERNAL_FAILURE, PROVIDER_FAILURES, refusals, STORE_FAILURE } from '../http/openapi.js'

/** `POST {prefix}/webhooks`: what @fastify/swagger documents (the request body by content type, every answer). */
export const WEBHOOK_SCHEMA = {
  summary: 'Receive a webhook from the verification provider',
  description: 'Passbase delivers its events here, encrypted (text/plain). Every body that cannot be authenticated and read gets the same 400 after the same work. ' +
    'The body is a hint: the plugin fetches the identity from the provider\'s API before it changes anything.',
  body: {
    content: {
      'text/plain': { schema: { type: 'string', description: 'an encrypted event: base64 of the IV and the AES-256-CBC ciphertext of its JSON' } },
      'application/json': { schema: { type: 'object', additionalProperties: true, description: 'an unencrypted event, accepted only with allowUnencryptedWebhooks (local debugging)' } }
    }
  },
  response: {
    200: described('Handled, a duplicate, an identity nobody linked, or an event the plugin does not act on',
      { type: 'object', properties: { received: { type: 'boolean' } }, required: ['received'] }),
    ...refusals([
      because(new BadWebhookError(), 'any body that cannot be authenticated, decrypted or read: one identical answer'),
      because(new WebhookTooLargeError(), 'a body over 64 KiB'),
      INTERNAL_FAILURE,
      STORE_FAILURE,
      ...PROVIDER_FAILURES
    ])
  }
}

/** The webhook's body is never validated by schema: the provider module reads and authenticates it. */
export function acceptRawBody (): (body: unknown) => true {
  return () => true
}

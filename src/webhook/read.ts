import { mediaType } from '../http/media-type.js'
import { openWebhook } from '../protocol/crypto.js'
import { parseWebhookEvent, type WebhookEvent } from '../protocol/events.js'

export interface ReadOptions {
  keys: readonly Buffer[]
  allowUnencrypted: boolean
  /** the parse every body goes through (a seam for tests: it must run once per body, whatever went wrong) */
  parse?: (text: string) => WebhookEvent | null
}

/**
 * The event a delivery carries, or null. An encrypted (`text/plain`) body is opened under
 * every webhook secret and always goes through the same parse, whether its padding was
 * valid or not; only then is the padding verdict applied. So a bad padding and a good
 * padding over a bad plaintext cost the same work (no padding oracle, also by timing).
 */
export function readDelivery (contentType: string | undefined, body: string, opts: ReadOptions): WebhookEvent | null {
  const parse = opts.parse ?? parseWebhookEvent
  const type = mediaType(contentType)
  if (type === 'text/plain') {
    const opened = openWebhook(opts.keys, body)
    const event = parse(opened.text)
    return opened.ok ? event : null
  }
  if (type === 'application/json' && opts.allowUnencrypted) return parse(body)
  return null
}

import type { FastifyBaseLogger } from 'fastify'
import type { PassbaseStore } from '../stores/types.js'
import type { Sync } from '../sync.js'
import { deliveryKey, type WebhookEvent } from '../protocol/events.js'

export type HandleOutcome = 'applied' | 'unchanged' | 'duplicate' | 'unlinked' | 'ignored' | 'authenticated'

export interface HandlerDeps {
  store: PassbaseStore
  sync: Sync
  dedupTtlMs: number
  log: FastifyBaseLogger
}

/**
 * What a valid webhook does: de-duplicate (one effect per delivery identity), then
 * re-read the identity from the API and apply it. An IDENTITY_AUTHENTICATED for an
 * identity still approved records `receivedAt` as its authentication time.
 * On failure the de-duplication mark is released and the error propagates (5xx:
 * the provider retries and the retry is processed afresh).
 */
export function createWebhookHandler (deps: HandlerDeps) {
  const { store, sync } = deps

  async function process (event: WebhookEvent, receivedAt: number): Promise<HandleOutcome> {
    const result = await sync.syncIdentity(event.key)
    if (result.outcome === 'unlinked') return 'unlinked'
    if (event.event === 'IDENTITY_AUTHENTICATED') {
      // an authentication counts only when the provider reports it approved and the identity still is
      if (event.status !== 'approved' || result.record.status !== 'approved') return 'ignored'
      await store.recordAuthentication(event.key, receivedAt)
      return 'authenticated'
    }
    return result.outcome === 'applied' && result.changed ? 'applied' : 'unchanged'
  }

  return async function handle (event: WebhookEvent, receivedAt: number): Promise<HandleOutcome> {
    const key = deliveryKey(event)
    const first = await store.markEvent(key, receivedAt + deps.dedupTtlMs, receivedAt)
    if (!first) return 'duplicate'
    try {
      return await process(event, receivedAt)
    } catch (err) {
      await store.unmarkEvent(key).catch((unmarkErr: unknown) => {
        deps.log.error({ err: unmarkErr }, 'passbase: could not release a webhook de-duplication mark')
      })
      throw err
    }
  }
}

export type WebhookHandler = ReturnType<typeof createWebhookHandler>

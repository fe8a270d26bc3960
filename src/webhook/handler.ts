import type { Clock } from '../clock.js'
import { ApiNotFoundError } from '../errors.js'
import type { ProviderHint } from '../protocol/events.js'
import type { DeliveryStore, StepUpStore } from '../stores/types.js'
import type { VerificationService } from '../verification/service.js'
import { effectiveStatus } from '../verification/status.js'

export type HandleOutcome =
  | 'applied' | 'unchanged' | 'duplicate' | 'unlinked' | 'released' | 'ignored' | 'unknown_identity'
  | 'authenticated' | 'unmatched' | 'stale'

export interface HandlerDeps {
  store: DeliveryStore
  service: Pick<VerificationService, 'sync'>
  /** with `reauth`: where authentications go, and how old one may be at receipt (ms) */
  stepUp?: { store: Pick<StepUpStore, 'recordAuthentication'>, maxAgeMs: number }
  dedupTtlMs: number
  clock: Clock
}

/**
 * What a valid webhook does. Duplicates (by delivery identity) are answered without
 * work (a copy that arrives while the first is being processed here waits for it and
 * shares its result), but a de-duplication entry is written only once the delivery's effect is stored
 * (a delivery whose processing did not finish is processed again when redelivered; the
 * store's monotonic updates give concurrent duplicates one effect). An identity change
 * re-reads the identity from the API and applies it. An authentication counts only when
 * the provider reports success, it is recent (its `updated` at most `reauth.maxAge`
 * before receipt), and the identity is still approved; it then closes the user's open
 * step-up challenges created before it and satisfies the only one unless it is conflicted
 * (the store's challenge rule), atomically with its de-duplication entry.
 * Errors (API, store) propagate: the route answers 5xx and the provider retries.
 */
export function createWebhookHandler (deps: HandlerDeps) {
  const { store, service, stepUp, dedupTtlMs, clock } = deps

  async function authenticated (hint: Extract<ProviderHint, { kind: 'authenticated' }>, receivedAt: number): Promise<HandleOutcome> {
    if (stepUp === undefined || !hint.succeeded) return 'ignored'
    if (hint.providerTime === null || hint.providerTime < receivedAt - stepUp.maxAgeMs) return 'stale'
    const result = await service.sync(hint.identityId)
    if (result.outcome === 'unlinked' || result.outcome === 'released') return result.outcome
    if (effectiveStatus(result.record, clock.now()) !== 'approved') return 'ignored'
    const recorded = await stepUp.store.recordAuthentication(hint.identityId, receivedAt, hint.dedupKey, receivedAt + dedupTtlMs)
    return recorded === 'satisfied' ? 'authenticated' : recorded
  }

  async function changed (hint: ProviderHint): Promise<HandleOutcome> {
    const result = await service.sync(hint.identityId)
    if (result.outcome === 'applied') return result.changed ? 'applied' : 'unchanged'
    return result.outcome === 'stale' ? 'unchanged' : result.outcome
  }

  // deliveries being processed here: a concurrent duplicate waits for the first and shares its result
  const inFlight = new Map<string, Promise<HandleOutcome>>()

  async function process (hint: ProviderHint, receivedAt: number): Promise<HandleOutcome> {
    if (await store.hasEvent(hint.dedupKey, receivedAt)) return 'duplicate'
    let outcome: HandleOutcome
    try {
      outcome = hint.kind === 'authenticated' ? await authenticated(hint, receivedAt) : await changed(hint)
    } catch (err) {
      if (!(err instanceof ApiNotFoundError)) throw err
      outcome = 'unknown_identity'
    }
    // recordAuthentication wrote its own entry in the same atomic step as its effect
    if (outcome !== 'authenticated' && outcome !== 'unmatched' && outcome !== 'duplicate') {
      await store.markEvent(hint.dedupKey, receivedAt + dedupTtlMs, receivedAt)
    }
    return outcome
  }

  return async function handle (hint: ProviderHint, receivedAt: number): Promise<HandleOutcome> {
    const running = inFlight.get(hint.dedupKey)
    if (running !== undefined) {
      // fails when the first fails: the provider retries this copy too
      await running
      return 'duplicate'
    }
    const processing = process(hint, receivedAt)
    inFlight.set(hint.dedupKey, processing)
    try {
      return await processing
    } finally {
      inFlight.delete(hint.dedupKey)
    }
  }
}

export type WebhookHandler = ReturnType<typeof createWebhookHandler>

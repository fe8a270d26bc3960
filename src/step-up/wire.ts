import type { FastifyBaseLogger } from 'fastify'
import type { Clock } from '../clock.js'
import type { Refusal, SendRefusal } from '../http/reply.js'
import type { ResolvedReauth } from '../options/resolve.js'
import type { CompleteStore } from '../stores/types.js'
import type { CheckDeps } from '../verification/check.js'
import { createVerifiedCheck } from '../verification/check.js'
import { createStepUpGuards, notConfiguredGuards } from './guards.js'
import { RevocationCache } from './revocations.js'
import { createStepUpService, type StepUpService } from './service.js'
import { StepUpTokens } from './tokens.js'

export interface StepUpWiring {
  store: CompleteStore
  reauth: ResolvedReauth
  service: StepUpService
  tokens: StepUpTokens
  revocations: RevocationCache
}

/**
 * The step-up parts, built once: with `reauth` (and a store with the step-up methods),
 * the service, tokens, revocation cache and guards; without it, only the fail-closed
 * guard (the startup check refuses routes that use it).
 */
export function wireStepUp (deps: {
  reauth: ResolvedReauth | undefined
  store: CompleteStore | undefined
  checkDeps: CheckDeps
  clock: Clock
  send: SendRefusal
  storeUnavailable: Refusal
  prefix: string
  cacheTtlMs: number
  log: FastifyBaseLogger
}) {
  const { reauth, store, clock, send } = deps
  if (reauth === undefined || store === undefined) {
    return { wiring: undefined, guards: notConfiguredGuards(send) }
  }
  const tokens = new StepUpTokens()
  const revocations = new RevocationCache(store, deps.cacheTtlMs)
  const guards = createStepUpGuards({
    check: createVerifiedCheck(deps.checkDeps, 'requireReauth'),
    tokens,
    revocations,
    clock,
    send,
    storeUnavailable: deps.storeUnavailable,
    cookieName: reauth.cookieName,
    actionCookieName: reauth.actionCookieName,
    startUrl: `${deps.prefix}/reauth/start`,
    store,
    cookie: reauth.cookie
  }, reauth.maxAge)
  const service = createStepUpService({ store, tokens, revocations, clock, log: deps.log, maxAge: reauth.maxAge, challengeTtl: reauth.challengeTtl })
  const wiring: StepUpWiring = { store, reauth, service, tokens, revocations }
  return { wiring, guards }
}

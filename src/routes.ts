import type { FastifyInstance } from 'fastify'
import { createErrorHandler } from './http/error-handler.js'
import { useJsonParserOnly } from './http/json-only.js'
import { documentRoutes } from './http/openapi.js'
import type { SendRefusal } from './http/reply.js'
import type { ResolvedOptions } from './options/resolve.js'
import { webhookKey } from './protocol/crypto.js'
import { clientScriptRoutes } from './browser/route.js'
import { stepUpRoutes } from './step-up/routes.js'
import type { StepUpWiring } from './step-up/wire.js'
import type { PassbaseStore } from './stores/types.js'
import { approvedRecordReader } from './verification/approved.js'
import { configRoute } from './verification/config-route.js'
import { verificationRoutes } from './verification/routes.js'
import type { VerificationService } from './verification/service.js'
import { createWebhookHandler } from './webhook/handler.js'
import { webhookRoutes } from './webhook/route.js'

export interface RoutesDeps {
  options: ResolvedOptions
  store: PassbaseStore
  send: SendRefusal
  verification: VerificationService
  stepUp: StepUpWiring | undefined
}

/**
 * The plugin's routes under `prefix`: the webhook receiver in its own context (raw body,
 * one answer for every bad body), and the JSON API (verifications, status, config, the
 * browser helper, step-up) in another, with the plugin's error handler and JSON parser.
 */
export async function registerRoutes (fastify: FastifyInstance, deps: RoutesDeps): Promise<void> {
  const { options, store, verification, stepUp } = deps
  const { clock } = options
  const errorHandler = createErrorHandler(deps.send)
  const handle = createWebhookHandler({
    store,
    service: verification,
    stepUp: stepUp === undefined ? undefined : { store: stepUp.store, maxAgeMs: stepUp.reauth.maxAge * 1000 },
    dedupTtlMs: options.dedupTtl * 1000,
    clock
  })
  await fastify.register(async function passbaseRoutes (scope) {
    scope.addHook('onRoute', documentRoutes(options.openapi))
    const keys = options.webhookSecret.map(webhookKey)
    await scope.register(webhookRoutes, { read: { keys, allowUnencrypted: options.allowUnencryptedWebhooks }, handle, clock, errorHandler })
    await scope.register(async function passbaseApi (api) {
      api.setErrorHandler(errorHandler)
      useJsonParserOnly(api)
      await api.register(verificationRoutes, { getUserId: options.getUserId, service: verification, store, clock })
      await api.register(configRoute, {
        getUserId: options.getUserId,
        publishableApiKey: options.publishableApiKey,
        metadataPrivateKey: options.metadataPrivateKey,
        buttonScriptUrl: options.buttonScriptUrl
      })
      await api.register(clientScriptRoutes)
      if (stepUp !== undefined) {
        await api.register(stepUpRoutes, {
          service: stepUp.service,
          tokens: stepUp.tokens,
          secrets: stepUp.reauth.secret,
          getUserId: options.getUserId,
          approvedRecord: approvedRecordReader(store, clock),
          clock,
          cookieName: stepUp.reauth.cookieName,
          actionCookieName: stepUp.reauth.actionCookieName,
          cookie: stepUp.reauth.cookie
        })
      }
    })
  }, { prefix: options.prefix })
}

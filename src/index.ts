import fp from 'fastify-plugin'
import './decorator.js'
import { fastifyPassbasePlugin } from './plugin.js'

export const fastifyPassbase = fp(fastifyPassbasePlugin, { fastify: '5.x', name: 'fastify-passbase' })
export default fastifyPassbase

export type { PassbaseDecorator } from './decorator.js'
export type { MakeStepUpGuard, PassbaseGuard, RequireReauthOptions } from './step-up/guards.js'
export type { ActionDetails } from './step-up/action.js'
export type { ActionOf } from './step-up/bound-guard.js'
export type { Clock } from './clock.js'
export { systemClock } from './clock.js'
export type { MaintenanceResult } from './lifecycle.js'
export type {
  ApiOptions, ErrorResponseBuilder, ExpiryOptions, FastifyPassbaseOptions, GetUserId, OpenApiOptions, PassbaseErrorBody,
  ReauthCookieOptions, ReauthOptions, StatusChange
} from './options/types.js'
export * from './errors.js'
export { PassbaseClient } from './provider/client.js'
export type { PassbaseClientOptions } from './provider/client.js'
export type { Identity, IdentityList, Resource, Settings } from './protocol/identity.js'
export { decryptWebhook, encryptWebhook, webhookKey } from './protocol/crypto.js'
export type { WebhookEvent } from './protocol/events.js'
export type { PublicStatus, PublicStatusName } from './verification/status.js'
export { described, guardResponses, refusalResponse, refusalSchema } from './http/openapi.js'
export type { GuardKind, HeaderSchema, ResponseSchema } from './http/openapi.js'
export type { ReconcileOptions, ReconcileResult } from './verification/reconcile.js'
export type { Audit, AuditEntriesOptions } from './changes/audit.js'
export type { ChainVerdict } from './changes/verify.js'
export { verifyChain, readAllChanges } from './changes/verify.js'
export { GENESIS_HASH, canonicalChange, changeHash, nextChange, newSalt, subjectFor } from './changes/chain.js'
export type { ChainHead, ChangeFields } from './changes/chain.js'
export { STATUS_RANK, supersedes } from './stores/rank.js'
export { STORE_METHODS, missingMethods } from './stores/methods.js'
export type { StoreFeature } from './stores/methods.js'
export { MemoryStore } from './stores/memory/index.js'
export type { MemoryStoreOptions } from './stores/memory/index.js'
export type * from './stores/types.js'

import type { Audit } from './changes/audit.js'
import type { Clock } from './clock.js'
import type { MaintenanceResult } from './lifecycle.js'
import type { PassbaseClient } from './provider/client.js'
import type { MakeStepUpGuard, PassbaseGuard } from './step-up/guards.js'
import type { PassbaseStore, VerificationRecord } from './stores/types.js'
import type { ReconcileOptions, ReconcileResult } from './verification/reconcile.js'
import type { PublicStatusName } from './verification/status.js'

declare module 'fastify' {
  interface FastifyInstance {
    passbase: PassbaseDecorator
    requireVerified: PassbaseGuard
    requireReauth: PassbaseGuard
  }
  interface FastifyRequest {
    /** the user's verification record, set by the guards (null when none) */
    verification: VerificationRecord | null
  }
}

/** `fastify.passbase`. */
export interface PassbaseDecorator {
  /** the provider API client (e.g. personal data on demand: `client.getIdentity(id)`) */
  client: PassbaseClient
  /** the store the plugin uses (as passed in) */
  store: PassbaseStore
  /** the plugin's source of time */
  clock: Clock
  /** the route prefix, e.g. '/passbase' */
  prefix: string
  /** the user's status now ('none' when they linked no identity; 'expired' once an approval expired); rejects when the store does */
  statusOf: (userId: string) => Promise<PublicStatusName>
  /**
   * a `requireReauth` preHandler with a shorter window (seconds, ≤ `reauth.maxAge`), or bound to one action's details;
   * its generics are the route's (inferred where it is the route's `preHandler`), so `action(request)` sees the typed body
   */
  requireReauth: MakeStepUpGuard
  /** fetch the identity from the API and apply it now (what a webhook does); null when nobody linked it */
  refresh: (identityId: string) => Promise<VerificationRecord | null>
  /** page through the provider's identities and repair linked records whose webhook never arrived */
  reconcile: (options?: ReconcileOptions) => Promise<ReconcileResult>
  /** erase the user from the store (links, challenges, revocations, pending callbacks, pseudonym salt); logged as `erased` */
  forget: (userId: string) => Promise<{ links: number }>
  /** end every step-up window of the user on every instance (what `DELETE {prefix}/reauth` does for the current user) */
  endStepUp: (userId: string) => Promise<void>
  /** the tamper-evident change log */
  audit: Audit
  /** run the periodic jobs now (purge, expiry sweep, change delivery): for tests and cron-driven deployments */
  runMaintenance: () => Promise<MaintenanceResult>
}

import type { FastifyBaseLogger } from 'fastify'
import type { Identity } from './protocol/identity.js'
import type { StatusChange } from './options.js'
import { decide, type PolicyOptions } from './policy.js'
import type { PassbaseStore, VerificationRecord } from './stores/types.js'

export interface SyncDeps {
  getIdentity: (id: string) => Promise<Identity>
  store: PassbaseStore
  policy: PolicyOptions
  log: FastifyBaseLogger
  onStatusChange?: (change: StatusChange) => void | Promise<void>
  /** drop the user's cached guard state */
  invalidateUser: (userId: string) => void
}

export type SyncResult =
  | { outcome: 'unlinked' }
  | { outcome: 'stale', record: VerificationRecord }
  | { outcome: 'applied', record: VerificationRecord, changed: boolean }

/**
 * The one place where provider state becomes local state: identity from the API →
 * policy → monotonic conditional store update → one `onStatusChange` per real
 * transition. Errors (API, store) propagate so the caller can answer 5xx.
 */
export function createSync (deps: SyncDeps) {
  const { store, policy, log } = deps

  async function applyIdentity (identity: Identity, linked: VerificationRecord): Promise<SyncResult> {
    const decision = decide(identity, linked.userId, policy)
    if (decision.mismatch) {
      log.warn({ identityId: identity.id, userId: linked.userId }, 'passbase: identity metadata is not bound to the linked user; declined')
    }
    const { mismatch, ...update } = decision
    const result = await store.applyUpdate(identity.id, update)
    if (result.record === null) return { outcome: 'unlinked' }
    if (!result.applied) return { outcome: 'stale', record: result.record }
    const from = result.previous?.status ?? 'created'
    const record = result.record
    const changed = from !== record.status
    deps.invalidateUser(record.userId)
    if (changed) {
      log.info({ identityId: record.identityId, userId: record.userId, from, to: record.status }, 'passbase: status changed')
      if (deps.onStatusChange !== undefined) {
        try {
          await deps.onStatusChange({ userId: record.userId, identityId: record.identityId, from, to: record.status, score: record.score })
        } catch (err) {
          // the transition is stored; a failing host callback must not make the provider retry
          log.error({ err, identityId: record.identityId }, 'passbase: onStatusChange threw')
        }
      }
    }
    return { outcome: 'applied', record, changed }
  }

  /** Fetch the identity (authoritative) and apply it, when somebody linked it. */
  async function syncIdentity (identityId: string): Promise<SyncResult> {
    const linked = await store.getByIdentity(identityId)
    if (linked === null) return { outcome: 'unlinked' }
    const identity = await deps.getIdentity(identityId)
    return await applyIdentity(identity, linked)
  }

  return { syncIdentity, applyIdentity }
}

export type Sync = ReturnType<typeof createSync>

import type { WireIdentity, WireResource } from '../wire.js'
import type { StoredResource } from './fixtures.js'

/** In-memory identity state and its rendering to the provider's wire format (copies, always). */

/** What the wire shows of an identity, with its resources whole (files included), and what the wire does not show. */
export interface StoredIdentity extends Omit<WireIdentity, 'resources' | 'extra_field'> {
  /** the document first, then the face video */
  resources: StoredResource[]
  /** the `updated` of the last IDENTITY_AUTHENTICATED sent (never touches `updated`) */
  lastAuthenticated: number
}

export function clone<T> (value: T): T {
  return structuredClone(value)
}

export function identityToWire (i: StoredIdentity): WireIdentity {
  return {
    id: i.id,
    status: i.status,
    owner: { ...i.owner },
    score: i.score,
    created: i.created,
    updated: i.updated,
    resources: i.resources.map((r) => ({ type: r.type, datapoints: clone(r.datapoints) })),
    metadata: clone(i.metadata),
    watchlist: clone(i.watchlist),
    extra_field: 'clients must tolerate unknown fields'
  }
}

export function resourceToWire (r: StoredResource): WireResource {
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    created: r.created,
    updated: r.updated,
    datapoints: clone(r.datapoints),
    resource_files: r.files.map((f) => ({ id: f.id, type: f.type, page: f.page, created: f.created, updated: f.updated }))
  }
}

/** stable order of the identity list: created, then id */
export function compareIdentities (a: StoredIdentity, b: StoredIdentity): number {
  if (a.created !== b.created) return a.created - b.created
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

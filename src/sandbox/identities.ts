import { randomUUID } from 'node:crypto'
import { nextAfter, nowSeconds } from './clock.js'
import { defaultOwner, passportResource, type StoredFile, type StoredResource } from './fixtures.js'
import type {
  IdentityFields, IdentityPatch, IdentityStatus, WireIdentity, WireOwner, WireResource
} from './types.js'

/** In-memory identity state, rendered to the provider's wire format on every read. */

interface StoredIdentity {
  id: string
  status: IdentityStatus
  owner: WireOwner
  score: number
  created: number
  updated: number
  metadata: Record<string, unknown> | null
  watchlist?: Record<string, unknown>
  resources: StoredResource[]
  /** the `updated` of the last IDENTITY_AUTHENTICATED sent (never touches `updated`) */
  lastAuthenticated: number
}

export interface IdentityPage {
  next: string | null
  data: WireIdentity[]
}

const STATUSES: readonly IdentityStatus[] = ['created', 'processing', 'pending', 'approved', 'declined']
export const DEFAULT_SCORE: Record<IdentityStatus, number> = {
  created: 0, processing: 0, pending: 0.8, approved: 0.95, declined: 0.3
}

function checkStatus (status: IdentityStatus): IdentityStatus {
  if (!STATUSES.includes(status)) throw new TypeError(`sandbox: unknown identity status ${String(status)}`)
  return status
}

function checkScore (score: number): number {
  if (typeof score !== 'number' || !(score >= 0 && score <= 1)) throw new TypeError('sandbox: score must be a number in 0..1')
  return score
}

function clone<T> (value: T): T {
  return structuredClone(value)
}

function toWire (i: StoredIdentity): WireIdentity {
  const wire: WireIdentity = {
    id: i.id,
    status: i.status,
    owner: { ...i.owner },
    score: i.score,
    created: i.created,
    updated: i.updated,
    resources: i.resources.map((r) => ({ type: r.type, datapoints: clone(r.datapoints) })),
    metadata: clone(i.metadata),
    extra_field: 'clients must tolerate unknown fields'
  }
  if (i.watchlist !== undefined) wire.watchlist = clone(i.watchlist)
  return wire
}

function resourceToWire (r: StoredResource): WireResource {
  return {
    id: r.id,
    type: r.type,
    datapoints: clone(r.datapoints),
    resource_files: r.files.map((f) => ({ id: f.id })),
    created: r.created
  }
}

function compare (a: StoredIdentity, b: StoredIdentity): number {
  if (a.created !== b.created) return a.created - b.created
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

function encodeCursor (i: StoredIdentity): string {
  return Buffer.from(JSON.stringify([i.created, i.id])).toString('base64url')
}

function decodeCursor (cursor: string): { created: number, id: string } | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(parsed) && typeof parsed[0] === 'number' && typeof parsed[1] === 'string') {
      return { created: parsed[0], id: parsed[1] }
    }
  } catch {}
  return null
}

export class IdentityRegistry {
  readonly #items = new Map<string, StoredIdentity>()

  get size (): number {
    return this.#items.size
  }

  create (fields: IdentityFields = {}): WireIdentity {
    const id = fields.id ?? randomUUID()
    if (typeof id !== 'string' || id.length === 0) throw new TypeError('sandbox: identity id must be a non-empty string')
    if (this.#items.has(id)) throw new Error(`sandbox: identity ${id} already exists`)
    const status = checkStatus(fields.status ?? 'created')
    const score = checkScore(fields.score ?? DEFAULT_SCORE[status])
    const now = nowSeconds()
    const owner = defaultOwner(id, fields.owner)
    const identity: StoredIdentity = {
      id,
      status,
      owner,
      score,
      created: now,
      updated: now,
      metadata: fields.metadata === undefined ? null : clone(fields.metadata),
      resources: [passportResource(id, owner, now)],
      lastAuthenticated: 0
    }
    if (fields.watchlist !== undefined) identity.watchlist = clone(fields.watchlist)
    this.#items.set(id, identity)
    return toWire(identity)
  }

  get (id: string): WireIdentity | undefined {
    const identity = this.#items.get(id)
    return identity === undefined ? undefined : toWire(identity)
  }

  all (): WireIdentity[] {
    return [...this.#items.values()].sort(compare).map(toWire)
  }

  /** stable order by created, then id; the cursor names the last item of the page; null for a bad cursor */
  page (limit: number, cursor?: string): IdentityPage | null {
    const sorted = [...this.#items.values()].sort(compare)
    let start = 0
    if (cursor !== undefined && cursor !== '') {
      const after = decodeCursor(cursor)
      if (after === null) return null
      start = sorted.findIndex((i) => i.created > after.created || (i.created === after.created && i.id > after.id))
      if (start === -1) start = sorted.length
    }
    const items = sorted.slice(start, start + limit)
    const more = start + limit < sorted.length
    return { next: more ? encodeCursor(items[items.length - 1]) : null, data: items.map(toWire) }
  }

  findByEmail (email: string): WireIdentity | undefined {
    const wanted = email.toLowerCase()
    const matches = [...this.#items.values()].filter((i) => i.owner.email.toLowerCase() === wanted).sort(compare)
    const last = matches[matches.length - 1]
    return last === undefined ? undefined : toWire(last)
  }

  patch (id: string, patch: IdentityPatch): WireIdentity {
    const identity = this.#require(id)
    if (patch.status !== undefined) identity.status = checkStatus(patch.status)
    if (patch.score !== undefined) identity.score = checkScore(patch.score)
    if (patch.owner !== undefined) identity.owner = { ...identity.owner, ...patch.owner }
    if (patch.metadata !== undefined) identity.metadata = clone(patch.metadata)
    if (patch.watchlist !== undefined) identity.watchlist = clone(patch.watchlist)
    if (patch.created !== undefined) identity.created = patch.created
    identity.updated = patch.updated ?? nextAfter(identity.updated)
    return toWire(identity)
  }

  /** the `updated` of a new authentication: strictly increasing per identity, never stored as `updated` */
  nextAuthentication (id: string): { created: number, updated: number } {
    const identity = this.#require(id)
    identity.lastAuthenticated = nextAfter(identity.lastAuthenticated)
    return { created: identity.created, updated: identity.lastAuthenticated }
  }

  resources (id: string): WireResource[] | undefined {
    return this.#items.get(id)?.resources.map(resourceToWire)
  }

  resource (id: string, resourceId: string): WireResource | undefined {
    const resource = this.#items.get(id)?.resources.find((r) => r.id === resourceId)
    return resource === undefined ? undefined : resourceToWire(resource)
  }

  file (id: string, resourceId: string, fileId: string): StoredFile | undefined {
    return this.#items.get(id)?.resources.find((r) => r.id === resourceId)?.files.find((f) => f.id === fileId)
  }

  #require (id: string): StoredIdentity {
    const identity = this.#items.get(id)
    if (identity === undefined) throw new Error(`sandbox: unknown identity ${id}`)
    return identity
  }
}

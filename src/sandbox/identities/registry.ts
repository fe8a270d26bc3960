import { randomUUID } from 'node:crypto'
import { DECISION_SCORES } from '../browser/score.js'
import { nextAfter, seconds } from '../clock.js'
import type { IdentityFields, IdentityPatch, SandboxClock } from '../types.js'
import type { IdentityStatus, WireIdentity, WireResource, WireWatchlist } from '../wire.js'
import {
  DEFAULT_COUNTRY, defaultOwner, documentResource, faceVideoResource, resourceStatusOf, type StoredFile
} from './fixtures.js'
import { ownerFields, parseFields, parsePatch } from './input.js'
import { decodeCursor, slice, type Page } from './paging.js'
import { clone, compareIdentities, identityToWire, resourceToWire, type StoredIdentity } from './render.js'
import { cleanWatchlist } from './watchlist.js'

/** In-memory identities, rendered to the provider's wire format on every read. */

export const DEFAULT_SCORE: Record<IdentityStatus, number> = {
  created: 0,
  processing: 0,
  processed: 0,
  pending: DECISION_SCORES.pending,
  approved: DECISION_SCORES.approved,
  verified: DECISION_SCORES.approved,
  declined: DECISION_SCORES.declined,
  unverified: DECISION_SCORES.declined
}

export class IdentityRegistry {
  readonly #items = new Map<string, StoredIdentity>()
  readonly #clock: SandboxClock

  constructor (clock: SandboxClock) {
    this.#clock = clock
  }

  get size (): number {
    return this.#items.size
  }

  create (input?: IdentityFields): WireIdentity {
    const fields = parseFields(input)
    const id = fields.id ?? randomUUID()
    if (this.#items.has(id)) throw new Error(`sandbox: identity ${id} already exists`)
    const status = fields.status ?? 'created'
    const now = seconds(this.#clock)
    const owner = defaultOwner(id, ownerFields(fields.owner))
    const resourceStatus = resourceStatusOf(status)
    const document = { type: fields.documentType ?? 'PASSPORT', expiry: fields.documentExpiry, country: (fields.documentCountry ?? DEFAULT_COUNTRY).toUpperCase() }
    const identity: StoredIdentity = {
      id,
      status,
      owner,
      score: fields.score ?? DEFAULT_SCORE[status],
      created: now,
      updated: now,
      metadata: fields.metadata === undefined ? null : clone(fields.metadata),
      watchlist: { ...cleanWatchlist(), ...clone(fields.watchlist) },
      resources: [documentResource(id, owner, document, resourceStatus, now), faceVideoResource(resourceStatus, now)],
      lastAuthenticated: 0
    }
    this.#items.set(id, identity)
    return identityToWire(identity)
  }

  get (id: string): WireIdentity | undefined {
    const identity = this.#items.get(id)
    return identity === undefined ? undefined : identityToWire(identity)
  }

  all (): WireIdentity[] {
    return [...this.#items.values()].sort(compareIdentities).map(identityToWire)
  }

  /** stable order by created, then id; the cursor names the last item of the page; null for a bad cursor */
  page (limit: number, cursor?: string): Page<WireIdentity> | null {
    const sorted = [...this.#items.values()].sort(compareIdentities)
    let start = 0
    if (cursor !== undefined && cursor !== '') {
      const after = decodeCursor(cursor)
      if (after === null || after.length !== 2 || typeof after[0] !== 'number' || typeof after[1] !== 'string') return null
      const [created, id] = after as [number, string]
      start = sorted.findIndex((i) => i.created > created || (i.created === created && i.id > id))
      if (start === -1) start = sorted.length
    }
    return slice(sorted, start, limit, (i) => [i.created, i.id], identityToWire)
  }

  findByEmail (email: string): WireIdentity | undefined {
    const wanted = email.toLowerCase()
    const matches = [...this.#items.values()].filter((i) => i.owner.email.toLowerCase() === wanted).sort(compareIdentities)
    const last = matches[matches.length - 1]
    return last === undefined ? undefined : identityToWire(last)
  }

  patch (id: string, input: IdentityPatch): WireIdentity {
    const identity = this.#require(id)
    const patch = parsePatch(input)
    if (patch.status !== undefined) identity.status = patch.status
    if (patch.score !== undefined) identity.score = patch.score
    if (patch.owner !== undefined) identity.owner = { ...identity.owner, ...ownerFields(patch.owner) }
    if (patch.metadata !== undefined) identity.metadata = clone(patch.metadata)
    if (patch.watchlist !== undefined) identity.watchlist = { ...identity.watchlist, ...clone(patch.watchlist) }
    if (patch.created !== undefined) identity.created = patch.created
    identity.updated = patch.updated ?? nextAfter(this.#clock, identity.updated)
    const status = resourceStatusOf(identity.status)
    for (const resource of identity.resources) {
      const expiry = patch.documentExpiry !== undefined && 'date_of_expiry' in resource.datapoints
      if (expiry) resource.datapoints.date_of_expiry = patch.documentExpiry
      if (resource.status !== status || expiry) {
        resource.status = status
        resource.updated = identity.updated
      }
    }
    return identityToWire(identity)
  }

  /** replaces the watchlist result and bumps `updated` */
  setWatchlist (id: string, watchlist: WireWatchlist): WireIdentity {
    const identity = this.#require(id)
    identity.watchlist = clone(watchlist)
    identity.updated = nextAfter(this.#clock, identity.updated)
    return identityToWire(identity)
  }

  /** the `updated` of a new authentication: strictly increasing per identity, never stored as `updated` */
  nextAuthentication (id: string): { created: number, updated: number } {
    const identity = this.#require(id)
    identity.lastAuthenticated = nextAfter(this.#clock, identity.lastAuthenticated)
    return { created: identity.created, updated: identity.lastAuthenticated }
  }

  /** the identity's resources in order; undefined for an unknown identity, null for a bad cursor */
  resources (id: string, limit: number, cursor?: string): Page<WireResource> | null | undefined {
    const identity = this.#items.get(id)
    if (identity === undefined) return undefined
    let start = 0
    if (cursor !== undefined && cursor !== '') {
      const after = decodeCursor(cursor)
      if (after === null || after.length !== 2 || after[0] !== 'resource') return null
      const index = identity.resources.findIndex((r) => r.id === after[1])
      if (index === -1) return null
      start = index + 1
    }
    return slice(identity.resources, start, limit, (r) => ['resource', r.id], resourceToWire)
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

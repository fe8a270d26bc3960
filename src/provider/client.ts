import type { Readable } from 'node:stream'
import { ApiResponseError } from '../errors.js'
import {
  identityPageSchema,
  identitySchema,
  resourcePageSchema,
  resourceSchema,
  settingsSchema
} from '../protocol/identity.js'
import type { Identity, IdentityPage, Resource, ResourcePage, Settings } from '../protocol/identity.js'
import { withDetails } from './details.js'
import { parseProviderOptions } from './options.js'
import type { PassbaseClientOptions } from './options.js'
import { allItems, everyItem } from './paging.js'
import { segment, withPageQuery } from './path.js'
import type { PageQuery } from './path.js'
import { SingleFlight } from './single-flight.js'
import { Transport } from './transport.js'

export type { PassbaseClientOptions, ProviderApiOptions } from './options.js'
export type { ProviderErrorDetails } from './details.js'
export type { ProviderEndpoint } from './transport.js'

/**
 * PassbaseClient: the provider API (Passbase Verification API v2) — six GET
 * operations — over a keep-alive pool with per-attempt timeouts, retries with
 * jittered backoff and Retry-After, a FIFO concurrency limit with a bounded queue,
 * single-flight `getIdentity`, cursor paging and streamed resource files.
 * The errors it throws are listed in ./transport.ts and the docs.
 */

export type { PageQuery }

export interface ResourceFile {
  contentType: string | null
  /** The raw file bytes, streamed. The caller must consume or destroy it: it holds a connection and a concurrency slot until it closes. */
  body: Readable
}

export interface PassbaseClientStats {
  /** HTTP attempts sent since creation (retries count). */
  requests: number
  /** HTTP requests currently holding a concurrency slot. */
  inFlight: number
  /** Requests waiting for a concurrency slot. */
  queued: number
  /** Identity ids with a single-flight fetch running or a follow-up queued (0 when idle: nothing leaks). */
  coalescing: number
}

function resourcesPath (identityId: string): string {
  return `/identity/${segment(identityId, 'identityId')}/resources`
}

function resourcePath (identityId: string, resourceId: string): string {
  return `${resourcesPath(identityId)}/${segment(resourceId, 'resourceId')}`
}

export class PassbaseClient {
  readonly #transport: Transport
  readonly #identities = new SingleFlight<Identity>()

  /** Throws PassbaseOptionsError naming the first bad option (never its value). */
  constructor (options: PassbaseClientOptions) {
    this.#transport = new Transport(parseProviderOptions(options))
  }

  /**
   * GET /identities/{id}, single-flight per id. A webhook is a hint that the
   * identity changed, so every caller gets a state fetched *after* its call began:
   * with no fetch running, one starts; a fetch still waiting for a concurrency slot is
   * shared as is (it is sent after the call began); while one is on the wire, callers
   * share one follow-up fetch that starts when it settles. A burst thus costs at most 2
   * fetches per id, and a backlog behind the concurrency limit absorbs repeats.
   * An answer for another id (compared case-insensitively) is an ApiResponseError.
   */
  getIdentity (id: string): Promise<Identity> {
    let path: string
    try {
      path = `/identities/${segment(id, 'id')}`
    } catch (err) {
      return Promise.reject(err)
    }
    const check = (identity: Identity): void => {
      if (identity.id.toLowerCase() !== id.toLowerCase()) {
        throw withDetails(new ApiResponseError('getIdentity: the provider answered with another identity'), 200)
      }
    }
    return this.#identities.run(id, async (onSent) => await this.#transport.json('getIdentity', path, identitySchema, { onSent, check }))
  }

  /** GET /identities?limit=&cursor= → one page `{ next, data }` (`next` null on the last page). */
  async listIdentities (options: PageQuery = {}): Promise<IdentityPage> {
    return await this.#transport.json('listIdentities', withPageQuery('/identities', options), identityPageSchema)
  }

  /** Every identity, page by page (one page in memory at a time), following the cursor until it is null. */
  identities (options: { limit?: number } = {}): AsyncGenerator<Identity, void, undefined> {
    return everyItem('listIdentities', async (cursor) => await this.listIdentities({ limit: options.limit, cursor }))
  }

  /** GET /identity/{id}/resources?limit=&cursor= → one page `{ next, data }` (note the singular `identity`). */
  async listResourcesPage (identityId: string, options: PageQuery = {}): Promise<ResourcePage> {
    return await this.#transport.json('listResources', withPageQuery(resourcesPath(identityId), options), resourcePageSchema)
  }

  /** Every resource of the identity, page by page, following the cursor until it is null. */
  resources (identityId: string, options: { limit?: number } = {}): AsyncGenerator<Resource, void, undefined> {
    return everyItem('listResources', async (cursor) => await this.listResourcesPage(identityId, { limit: options.limit, cursor }))
  }

  /** Every resource of the identity, all pages in one array. */
  async listResources (identityId: string, options: { limit?: number } = {}): Promise<Resource[]> {
    return await allItems('listResources', async (cursor) => await this.listResourcesPage(identityId, { limit: options.limit, cursor }))
  }

  /** GET /identity/{id}/resources/{resourceId}. */
  async getResource (identityId: string, resourceId: string): Promise<Resource> {
    return await this.#transport.json('getResource', resourcePath(identityId, resourceId), resourceSchema)
  }

  /**
   * GET /identity/{id}/resources/{resourceId}/resource_files/{fileId}: binary, streamed,
   * never buffered (the provider grants this operation only with a special permission).
   */
  async getResourceFile (identityId: string, resourceId: string, fileId: string): Promise<ResourceFile> {
    const path = `${resourcePath(identityId, resourceId)}/resource_files/${segment(fileId, 'fileId')}`
    const res = await this.#transport.stream('getResourceFile', path)
    const type = res.headers['content-type']
    return { contentType: typeof type === 'string' ? type : null, body: res.body }
  }

  /** GET /settings: the project's settings. */
  async getSettings (): Promise<Settings> {
    return await this.#transport.json('getSettings', '/settings', settingsSchema)
  }

  stats (): PassbaseClientStats {
    return {
      requests: this.#transport.requests,
      inFlight: this.#transport.inFlight,
      queued: this.#transport.queued,
      coalescing: this.#identities.size
    }
  }

  /**
   * Closes the pool; idempotent. Requests waiting for a slot or sleeping before a
   * retry fail at once with ApiUnavailableError; requests on the wire finish
   * (bounded by timeoutMs), and so must any file body handed out (consume or destroy it).
   */
  close (): Promise<void> {
    return this.#transport.close()
  }
}

import type { FastifyRequest } from 'fastify'
import type { PassbaseClient } from './provider/client.js'
import { UnauthenticatedError } from './errors.js'
import type { RecordCache } from './guards/cache.js'
import type { ResolvedOptions } from './options.js'
import type { PassbaseStore } from './stores/types.js'
import type { Sync } from './sync.js'

/** What the plugin resolved at register time, shared by routes and guards. */
export interface PassbaseContext {
  options: ResolvedOptions
  store: PassbaseStore
  client: PassbaseClient
  cache: RecordCache
  sync: Sync
}

/** The current user's id, or a 401. */
export async function currentUser (ctx: PassbaseContext, request: FastifyRequest): Promise<string> {
  const userId = await ctx.options.getUserId(request)
  if (typeof userId !== 'string' || userId === '') throw new UnauthenticatedError()
  return userId
}

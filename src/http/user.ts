import type { FastifyRequest } from 'fastify'
import { UnauthenticatedError } from '../errors.js'
import type { GetUserId } from '../options/types.js'

/** The current user's id (the host's `getUserId`), or a 401. */
export async function currentUser (getUserId: GetUserId, request: FastifyRequest): Promise<string> {
  const userId = await getUserId(request)
  if (typeof userId !== 'string' || userId === '') throw new UnauthenticatedError()
  return userId
}

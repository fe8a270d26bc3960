import type { FastifyRequest } from 'fastify'

/**
 * The value of one cookie: `request.cookies` when the host registered
 * @fastify/cookie for this route, otherwise a scan of the Cookie header (no
 * allocation beyond the returned string).
 */
export function readCookie (request: FastifyRequest, name: string): string | undefined {
  const parsed = (request as { cookies?: Record<string, string | undefined> }).cookies
  if (parsed !== undefined) return parsed[name]
  const header = request.headers.cookie
  if (header === undefined) return undefined
  let from = 0
  while (from < header.length) {
    const at = header.indexOf(name, from)
    if (at === -1) return undefined
    const eq = at + name.length
    const startsPair = at === 0 || header.charCodeAt(at - 1) === 32 || header.charCodeAt(at - 1) === 59
    if (startsPair && header.charCodeAt(eq) === 61) {
      const end = header.indexOf(';', eq + 1)
      const value = header.slice(eq + 1, end === -1 ? header.length : end).trim()
      return value.charCodeAt(0) === 34 ? value.slice(1, -1) : value
    }
    from = eq
  }
  return undefined
}

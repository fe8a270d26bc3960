import type { FastifyRequest } from 'fastify'

/**
 * The value of one cookie: `request.cookies` when the host registered
 * @fastify/cookie for this route, otherwise a scan of the Cookie header that finds
 * what @fastify/cookie would (pairs split at ';' and the first '=', blanks around
 * names and values ignored, the first pair of a name wins) without building the
 * other pairs: no allocation beyond the returned string. Values are not
 * percent-decoded (a step-up token never contains '%').
 */
export function readCookie (request: FastifyRequest, name: string): string | undefined {
  const parsed = (request as { cookies?: Record<string, string | undefined> }).cookies
  if (parsed !== undefined) return parsed[name]
  const header = request.headers.cookie
  if (header === undefined) return undefined
  // find the name, then check that it is a whole key: only blanks between it and the
  // pair's start (the header's start or a ';') and between it and the '=' that follows
  let at = header.indexOf(name)
  while (at !== -1) {
    const before = trimEnd(header, 0, at)
    const eq = skipBlanks(header, at + name.length, header.length)
    if ((before === 0 || header.charCodeAt(before - 1) === 59) && header.charCodeAt(eq) === 61) {
      let end = header.indexOf(';', eq + 1)
      if (end === -1) end = header.length
      const start = skipBlanks(header, eq + 1, end)
      return header.slice(start, trimEnd(header, start, end))
    }
    at = header.indexOf(name, at + 1)
  }
  return undefined
}

/** The first index in [from, to) that is not a space or tab (`to` if none). */
function skipBlanks (text: string, from: number, to: number): number {
  while (from < to && isBlank(text.charCodeAt(from))) from++
  return from
}

/** The end of [from, to) without its trailing spaces and tabs. */
function trimEnd (text: string, from: number, to: number): number {
  while (to > from && isBlank(text.charCodeAt(to - 1))) to--
  return to
}

function isBlank (code: number): boolean {
  return code === 32 || code === 9
}

/**
 * The step-up cookies, read from the raw `Cookie` header and written as `Set-Cookie`
 * headers by the plugin itself: whatever the host's @fastify/cookie settings (no parse
 * hook, signed cookies by default, a custom encoder), the plugin finds its own cookie
 * and never signs it.
 */

export interface CookieAttributes {
  secure: boolean
  sameSite: 'strict' | 'lax' | 'none'
  path: string
  domain?: string | undefined
}

const SAME_SITE = { strict: 'Strict', lax: 'Lax', none: 'None' } as const

/** A `Set-Cookie` value: HttpOnly always; `maxAge` in seconds (0 clears the cookie). Values are base64url tokens: nothing to encode. */
export function serializeCookie (name: string, value: string, maxAge: number, attrs: CookieAttributes): string {
  let out = `${name}=${value}; Max-Age=${Math.max(0, Math.floor(maxAge))}; Path=${attrs.path}`
  if (attrs.domain !== undefined) out += `; Domain=${attrs.domain}`
  if (maxAge <= 0) out += '; Expires=Thu, 01 Jan 1970 00:00:00 GMT'
  out += '; HttpOnly'
  if (attrs.secure) out += '; Secure'
  return `${out}; SameSite=${SAME_SITE[attrs.sameSite]}`
}

/**
 * Where the value of the next pair named `name` starts in a Cookie header, at or after
 * `from`, or -1: pairs as @fastify/cookie finds them (split at ';' and the first '=',
 * blanks around names and values ignored). V8's native search finds the name; the
 * characters around it tell whether it is a whole key. Nothing is allocated.
 */
export function findCookie (header: string, name: string, from: number): number {
  let at = header.indexOf(name, from)
  while (at !== -1) {
    const before = trimEnd(header, 0, at)
    const eq = skipBlanks(header, at + name.length, header.length)
    if ((before === 0 || header.charCodeAt(before - 1) === 59) && header.charCodeAt(eq) === 61) {
      let end = header.indexOf(';', eq + 1)
      if (end === -1) end = header.length
      return skipBlanks(header, eq + 1, end)
    }
    at = header.indexOf(name, at + 1)
  }
  return -1
}

/** Where the value that starts at `start` ends (before its ';' and trailing blanks). */
export function cookieValueEnd (header: string, start: number): number {
  let end = header.indexOf(';', start)
  if (end === -1) end = header.length
  return trimEnd(header, start, end)
}

/** The first value of `name` (the hot path allocates nothing but the returned string). */
export function readCookie (header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  const start = findCookie(header, name, 0)
  return start === -1 ? undefined : header.slice(start, cookieValueEnd(header, start))
}

/** How many cookies of one name the guards try (a tossed or narrower-path one may come first). */
export const MAX_COOKIE_TRIES = 4

/**
 * The values of every pair named `name`, in order, up to `max`: a cookie set for a
 * narrower path or tossed by a sibling domain comes first; the guards try each.
 */
export function readCookies (header: string | undefined, name: string, max = MAX_COOKIE_TRIES): string[] {
  const out: string[] = []
  if (header === undefined) return out
  let start = findCookie(header, name, 0)
  while (start !== -1 && out.length < max) {
    const end = cookieValueEnd(header, start)
    out.push(header.slice(start, end))
    start = findCookie(header, name, end)
  }
  return out
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

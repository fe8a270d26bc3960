import fastifyCookie from '@fastify/cookie'
import fc from 'fast-check'
import Fastify from 'fastify'
import t from 'tap'
import { readCookie, readCookies, serializeCookie } from '../../src/step-up/cookie.js'

/**
 * The guards read the step-up cookie straight from the Cookie header, whatever the host's
 * @fastify/cookie settings. Whatever the header, that scan must find the value
 * @fastify/cookie would have parsed.
 */

const NAME = 'passbase_reauth'
const scan = (header: string | undefined, name = NAME): string | undefined => readCookie(header, name)

t.test('readCookie: the value of one cookie, as @fastify/cookie parses it', async (t) => {
  const app = Fastify()
  await app.register(fastifyCookie)
  await app.ready()
  t.teardown(async () => { await app.close() })
  const parse = (header: string): string | undefined => app.parseCookie(header)[NAME]

  const cases = [
    `${NAME}=abc`,
    `theme=dark; ${NAME}=abc.def.ghi`,
    `theme=dark;${NAME}=abc; other=1`,
    `${NAME}= abc `,
    `${NAME}=\tabc\t; x=1`,
    `${NAME}="abc"`,
    `${NAME}= "abc" ;x=1`,
    `${NAME}=""`,
    `${NAME}=`,
    `${NAME}=;x=1`,
    `x${NAME}=wrong; ${NAME}=right`,
    `${NAME}x=wrong; ${NAME}=right`,
    `a=${NAME}=wrong; ${NAME}=right`,
    `${NAME}=first; ${NAME}=second`,
    `${NAME}`,
    `${NAME};${NAME}=late`,
    'theme=dark'
  ]
  for (const header of cases) t.equal(scan(header), parse(header), header)
  t.equal(scan(undefined), undefined, 'no Cookie header')

  // and for generated headers: names around ours, blanks, quotes, separators
  const piece = fc.constantFrom(NAME, 'x', 'theme', '=', ';', '; ', ' ', '\t', '"', 'abc', 'a.b-c_d', 'é', '')
  await fc.assert(fc.property(fc.array(piece, { maxLength: 14 }), (pieces) => {
    const header = pieces.join('')
    if (header.trim() === '') return // Node never hands a blank Cookie header to a route
    t.equal(scan(header), parse(header), JSON.stringify(header))
  }), { seed: 20261126, numRuns: 3000 })
})

t.test('readCookies: every value of the name, in order, bounded (a tossed or narrower-path cookie may come first)', async (t) => {
  t.same(readCookies(`${NAME}=tossed; theme=dark; ${NAME}=real`, NAME), ['tossed', 'real'])
  t.same(readCookies(`x${NAME}=no; ${NAME}=only`, NAME), ['only'])
  t.same(readCookies(undefined, NAME), [])
  t.same(readCookies(Array.from({ length: 9 }, (_, i) => `${NAME}=v${i}`).join('; '), NAME), ['v0', 'v1', 'v2', 'v3'], 'at most 4')
})

t.test('serializeCookie: HttpOnly always, Secure and SameSite as configured, Max-Age 0 clears', async (t) => {
  t.equal(serializeCookie('__Host-a', 'tok', 300, { secure: true, sameSite: 'strict', path: '/' }),
    '__Host-a=tok; Max-Age=300; Path=/; HttpOnly; Secure; SameSite=Strict')
  t.equal(serializeCookie('a', '', 0, { secure: false, sameSite: 'lax', path: '/app', domain: 'example.com' }),
    'a=; Max-Age=0; Path=/app; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax')
  t.match(serializeCookie('a', 'b', 12.7, { secure: true, sameSite: 'none', path: '/' }), /Max-Age=12;.*SameSite=None$/)
})

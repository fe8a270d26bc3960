import fastifyCookie from '@fastify/cookie'
import fc from 'fast-check'
import Fastify, { type FastifyRequest } from 'fastify'
import t from 'tap'
import { readCookie } from '../src/reauth/cookie.js'

/**
 * The guards read the step-up cookie straight from the Cookie header when the host has
 * not registered @fastify/cookie. Whatever the header, that scan must find the value
 * @fastify/cookie would have parsed (the plugin's own routes use @fastify/cookie).
 */

const NAME = 'passbase_reauth'
const scan = (header: string | undefined, name = NAME): string | undefined =>
  readCookie({ headers: header === undefined ? {} : { cookie: header } } as unknown as FastifyRequest, name)

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

t.test('readCookie: @fastify/cookie\'s parsed cookies win when the host registered it', async (t) => {
  const request = { cookies: { [NAME]: 'parsed' }, headers: { cookie: `${NAME}=raw` } } as unknown as FastifyRequest
  t.equal(readCookie(request, NAME), 'parsed')
})

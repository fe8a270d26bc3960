import Fastify from 'fastify'
import { Script, createContext } from 'node:vm'
import t from 'tap'
import { prefixOfScript } from '../../src/browser/script-prefix.js'
import { clientScriptEtag, clientScriptRoutes } from '../../src/browser/route.js'
import type { PassbaseClientModule } from '../../src/browser/index.js'
import { script } from '../../src/generated/browser-client.js'

/**
 * `clientScriptRoutes`: `GET {prefix}/client.js` serves the bundled helper (the same text
 * for every prefix), revalidated with an ETag; the script defines `window.PassbaseClient`
 * and reads its default prefix from its own `<script src>`.
 */

t.test('GET {prefix}/client.js: the bundled script, ETag, 304, cache and sniffing headers', async (t) => {
  const app = Fastify()
  await app.register(clientScriptRoutes, { prefix: '/kyc' })
  t.teardown(() => app.close())
  const res = await app.inject('/kyc/client.js')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/javascript; charset=utf-8')
  t.equal(res.headers['cache-control'], 'public, max-age=0, must-revalidate')
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  t.equal(res.headers.etag, clientScriptEtag)
  t.match(clientScriptEtag, /^"[\w-]{32}"$/)
  t.equal(res.body, script, 'the script as built, not JSON-encoded by the response schema')
  t.match(script, /PassbaseClient/)

  for (const header of [clientScriptEtag, `W/"other", W/${clientScriptEtag}`, `"a",${clientScriptEtag}`]) {
    const cached = await app.inject({ url: '/kyc/client.js', headers: { 'if-none-match': header } })
    t.equal(cached.statusCode, 304, header)
    t.equal(cached.body, '')
    t.equal(cached.headers.etag, clientScriptEtag)
  }
  const stale = await app.inject({ url: '/kyc/client.js', headers: { 'if-none-match': '"other"' } })
  t.equal(stale.statusCode, 200)
  t.equal((await app.inject('/client.js')).statusCode, 404, 'only under the prefix')

  const route = app.printRoutes()
  t.match(route, /client\.js \(GET, HEAD\)/)
})

function run (source: string, globals: Record<string, unknown>): PassbaseClientModule {
  const window: { PassbaseClient?: PassbaseClientModule } = {}
  new Script(source).runInContext(createContext({ window, URL, ...globals }))
  if (window.PassbaseClient === undefined) throw new Error('window.PassbaseClient is not defined')
  return window.PassbaseClient
}

t.test('the served script takes its prefix from its own URL', async (t) => {
  const at = (src: string | null, origin = 'https://wallet.example') => run(script, {
    document: { currentScript: src === null ? null : { src } },
    location: { origin, href: `${origin}/account` }
  }).createPassbaseClient().prefix

  t.equal(at('https://wallet.example/passbase/client.js'), '/passbase')
  t.equal(at('https://wallet.example/api/kyc/client.js'), '/api/kyc')
  t.equal(at('https://wallet.example/client.js'), '', 'mounted at the root')
  t.equal(at('https://kyc.example/passbase/client.js'), 'https://kyc.example/passbase', 'another origin: an absolute prefix')
  t.equal(at('https://wallet.example/vendor/helper.js'), '/passbase', 'an unexpected name: the default')
  t.equal(at(null), '/passbase', 'no currentScript (a module or a copy): the default')
  t.equal(at(''), '/passbase')
  t.equal(run(script, {}).createPassbaseClient().prefix, '/passbase', 'no DOM at all')

  const helper = run(script, { document: { currentScript: { src: 'https://wallet.example/kyc/client.js' } }, location: { origin: 'https://wallet.example', href: 'https://wallet.example/' } })
  t.equal(helper.createPassbaseClient({ prefix: '/other/' }).prefix, '/other', 'an explicit prefix wins')
  t.notOk(helper.isPassbaseClientError(new Error('x')))
})

t.test('prefixOfScript in this realm (the module the IIFE uses)', async (t) => {
  const saved = { document: (globalThis as { document?: unknown }).document, location: (globalThis as { location?: unknown }).location }
  t.teardown(() => { Object.assign(globalThis, saved) })
  Object.assign(globalThis, { document: { currentScript: { src: 'not a url' } }, location: undefined })
  t.equal(prefixOfScript(), '/passbase', 'a relative src without a page URL cannot be resolved')
  Object.assign(globalThis, { document: { currentScript: { src: '/kyc/client.js' } }, location: { origin: 'http://localhost', href: 'http://localhost/' } })
  t.equal(prefixOfScript(), '/kyc', 'a relative src against the page')
})

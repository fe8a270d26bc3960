import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'

/**
 * The built package (npm test builds it first): ESM and CommonJS entry points of every
 * subpath load, and the .d.ts files type-check from an ESM and a CommonJS consumer.
 */
const root = join(import.meta.dirname, '..')
const run = promisify(execFile)
const require = createRequire(import.meta.url)

if (!existsSync(join(root, 'dist/index.js'))) {
  t.fail('dist/ is missing: run `npm run build` (npm test does)')
} else {
  const entries: Record<string, string[]> = {
    'fastify-passbase': ['default', 'fastifyPassbase', 'MemoryStore', 'PassbaseClient', 'BadWebhookError', 'StoreUnavailableError'],
    'fastify-passbase/sandbox': ['createSandbox'],
    'fastify-passbase/stores/sqlite': ['SqliteStore'],
    'fastify-passbase/stores/postgres': ['PostgresStore'],
    'fastify-passbase/testing': ['storeConformance', 'runStoreConformance']
  }

  t.test('ESM entry points', async (t) => {
    for (const [specifier, names] of Object.entries(entries)) {
      const mod = await import(specifier) as Record<string, unknown>
      for (const name of names) t.ok(mod[name], `${specifier} exports ${name}`)
    }
    const { default: plugin, fastifyPassbase } = await import('fastify-passbase')
    t.equal(plugin, fastifyPassbase)
    t.equal((plugin as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')], 'fastify-passbase')
  })

  t.test('CommonJS entry points', async (t) => {
    for (const [specifier, names] of Object.entries(entries)) {
      const mod = require(specifier) as Record<string, unknown>
      for (const name of names) t.ok(mod[name], `require('${specifier}').${name}`)
    }
    const Fastify = require('fastify') as typeof import('fastify')
    const { fastifyPassbase } = require('fastify-passbase') as typeof import('../src/index.js')
    const app = Fastify.fastify()
    await app.register(fastifyPassbase, { secretApiKey: 'k', webhookSecret: 'x'.repeat(32), getUserId: () => null, apiBaseUrl: 'http://127.0.0.1:9/v2' })
    t.equal((await app.inject({ url: '/passbase/status' })).statusCode, 401, 'the CJS build works in a host app')
    await app.close()
  })

  t.test('the .d.ts files work from ESM and CommonJS consumers (tsc, strict, no skipLibCheck)', async (t) => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc')
    await Promise.all(['tsconfig.json', 'tsconfig.cjs.json'].map(async (project) => {
      const result = await run(process.execPath, [tsc, '-p', join(root, 'test/fixtures/types', project)])
        .then(() => ({ ok: true, out: '' }), (err: { stdout?: string }) => ({ ok: false, out: err.stdout ?? String(err) }))
      t.ok(result.ok, `${project} type-checks${result.out === '' ? '' : `:\n${result.out}`}`)
    }))
  })

  t.test('the sandbox bin runs', async (t) => {
    const { stdout } = await run(process.execPath, [join(root, 'dist/sandbox/cli.js'), '--help'])
    t.match(stdout, /--webhook-url/)
  })
}

import { readFileSync, symlinkSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { packedConsumer, probe, run } from './helpers/packed.js'

/**
 * The packed package (npm test builds it first), installed in a consumer project: the ESM
 * and CommonJS builds of every entry of `exports` load and export what they should, the
 * CommonJS build works in a host app, importing an entry does nothing else (the package
 * says `sideEffects: false`), and the sandbox bin runs.
 */
const entries: Record<string, string[]> = {
  'fastify-passbase': ['default', 'fastifyPassbase', 'MemoryStore', 'PassbaseClient', 'BadWebhookError', 'StoreUnavailableError'],
  'fastify-passbase/sandbox': ['createSandbox'],
  'fastify-passbase/stores/sqlite': ['SqliteStore'],
  'fastify-passbase/stores/postgres': ['PostgresStore'],
  'fastify-passbase/testing': ['storeConformance', 'runStoreConformance'],
  'fastify-passbase/browser': ['createPassbaseClient', 'isPassbaseClientError'],
  'fastify-passbase/client': ['createPassbaseClient', 'isPassbaseClientError']
}
const specifiers = JSON.stringify(Object.keys(entries))

// each probe prints one JSON line: { [specifier]: { [export]: typeof value } } and a few facts
const probes = {
  'esm.mjs': `
    const out = { types: {} }
    for (const s of JSON.parse(process.argv[2])) {
      const mod = await import(s)
      out.types[s] = Object.fromEntries(Object.keys(mod).map((k) => [k, typeof mod[k]]))
    }
    const main = await import('fastify-passbase')
    out.defaultIsNamed = main.default === main.fastifyPassbase
    out.displayName = main.default[Symbol.for('fastify.display-name')]
    out.clientIsBrowser = (await import('fastify-passbase/client')) === (await import('fastify-passbase/browser'))
    out.resolved = import.meta.resolve('fastify-passbase')
    console.log(JSON.stringify(out))`,
  'cjs.cjs': `
    const out = { types: {} }
    for (const s of JSON.parse(process.argv[2])) {
      const mod = require(s)
      out.types[s] = Object.fromEntries(Object.keys(mod).map((k) => [k, typeof mod[k]]))
    }
    out.clientIsBrowser = require('fastify-passbase/client') === require('fastify-passbase/browser')
    out.resolved = require.resolve('fastify-passbase')
    const Fastify = require('fastify')
    const { fastifyPassbase } = require('fastify-passbase')
    const app = Fastify.fastify()
    app.register(fastifyPassbase, { secretApiKey: 'k', webhookSecret: 'x'.repeat(32), getUserId: () => null, apiBaseUrl: 'http://127.0.0.1:9/v2' })
    app.inject({ url: '/passbase/status' }).then(async (res) => {
      out.statusCode = res.statusCode
      await app.close()
      console.log(JSON.stringify(out))
    })`,
  // what importing one module changes in a fresh process: globals, process listeners, live handles,
  // output. The package's dependencies are loaded first: what they do on import (undici and zod
  // set globals) is theirs, and a bundler that drops our import drops theirs too.
  'side-effects.mjs': `
    import { createRequire } from 'node:module'
    const [how, target, deps] = process.argv.slice(2)
    const require = createRequire(process.cwd() + '/')
    for (const dep of JSON.parse(deps)) {
      if (how === 'import') await import(dep)
      else require(dep)
    }
    const snapshot = () => ({
      globals: Reflect.ownKeys(globalThis).map(String).sort(),
      listeners: process.eventNames().map((e) => String(e) + ':' + process.listenerCount(e)).sort(),
      resources: process.getActiveResourcesInfo().sort()
    })
    const write = process.stdout.write.bind(process.stdout)
    let written = ''
    process.stdout.write = process.stderr.write = (chunk) => { written += String(chunk); return true }
    const timers = ['setTimeout', 'setInterval', 'setImmediate']
    const originals = timers.map((name) => globalThis[name])
    let scheduled = 0
    timers.forEach((name, i) => { globalThis[name] = (...args) => { scheduled++; return originals[i](...args) } })
    const before = snapshot()
    if (how === 'import') await import(target)
    else require(target)
    timers.forEach((name, i) => { globalThis[name] = originals[i] })
    await new Promise((resolve) => setImmediate(resolve))
    const after = snapshot()
    const diff = (a, b) => b.filter((x) => !a.includes(x))
    write(JSON.stringify({ globals: diff(before.globals, after.globals), listeners: diff(before.listeners, after.listeners),
      resources: diff(before.resources, after.resources), timers: scheduled, written }) + '\\n')`
}

t.test('every entry of exports is tested here', async (t) => {
  const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { exports: Record<string, unknown> }
  const subpaths = Object.keys(manifest.exports).filter((s) => s !== './package.json')
  t.same(subpaths.map((s) => s === '.' ? 'fastify-passbase' : `fastify-passbase/${s.slice(2)}`).sort(), Object.keys(entries).sort())
})

t.test('the packed package', async (t) => {
  const consumer = await packedConsumer(t, probes)

  t.test('ESM entry points', async (t) => {
    const out = await probe<{ types: Record<string, Record<string, string>>, defaultIsNamed: boolean, displayName: string, clientIsBrowser: boolean, resolved: string }>(consumer.dir, 'esm.mjs', [specifiers])
    for (const [specifier, names] of Object.entries(entries)) {
      for (const name of names) t.equal(out.types[specifier]?.[name], 'function', `${specifier} exports ${name}`)
    }
    t.equal(out.defaultIsNamed, true, 'the default export is fastifyPassbase')
    t.equal(out.displayName, 'fastify-passbase')
    t.equal(out.clientIsBrowser, true, './client and ./browser are the same module')
    t.match(out.resolved, /\/node_modules\/fastify-passbase\/dist\/index\.js$/, 'loaded from the tarball')
  })

  t.test('CommonJS entry points', async (t) => {
    const out = await probe<{ types: Record<string, Record<string, string>>, clientIsBrowser: boolean, resolved: string, statusCode: number }>(consumer.dir, 'cjs.cjs', [specifiers])
    for (const [specifier, names] of Object.entries(entries)) {
      for (const name of names) t.equal(out.types[specifier]?.[name], 'function', `require('${specifier}').${name}`)
    }
    t.equal(out.clientIsBrowser, true, './client and ./browser are the same module')
    t.match(out.resolved, /\/node_modules\/fastify-passbase\/dist\/index\.cjs$/, 'loaded from the tarball')
    t.equal(out.statusCode, 401, 'the CJS build works in a host app')
  })

  t.test('importing an entry has no side effect (sideEffects: false)', async (t) => {
    t.equal(consumer.manifest.sideEffects, false)
    const cli = join(consumer.pkg, consumer.manifest.bin['fastify-passbase-sandbox'])
    const deps = JSON.stringify(Object.keys({ ...consumer.manifest.dependencies, ...consumer.manifest.peerDependencies }).filter((d) => !d.startsWith('@types/')))
    const audit = join(consumer.pkg, consumer.manifest.bin['fastify-passbase-audit'])
    const cases: Array<[string, string]> = [
      ...Object.keys(entries).flatMap((s): Array<[string, string]> => [['import', s], ['require', s]]),
      // the bins' modules too: they run only when they are the process entry
      ['import', cli],
      ['import', audit]
    ]
    for (const [how, target] of cases) {
      const out = await probe<{ globals: string[], listeners: string[], resources: string[], timers: number, written: string }>(consumer.dir, 'side-effects.mjs', [how, target, deps])
      t.same(out, { globals: [], listeners: [], resources: [], timers: 0, written: '' }, `${how} ${target.startsWith('/') ? target.slice(consumer.pkg.length + 1) : target}`)
    }
  })

  t.test('the sandbox bin runs', async (t) => {
    const bin = consumer.manifest.bin['fastify-passbase-sandbox']
    t.equal(bin, './dist/sandbox/cli.js')
    const file = join(consumer.pkg, bin)
    t.match(readFileSync(file, 'utf8'), /^#!\/usr\/bin\/env node\n/, 'it has a node shebang')
    const { stdout } = await run(process.execPath, [file, '--help'])
    t.match(stdout, /--webhook-url/)
    // npm installs a bin as a symlink in node_modules/.bin: it must still know it is the entry
    mkdirSync(join(consumer.dir, 'node_modules', '.bin'), { recursive: true })
    const link = join(consumer.dir, 'node_modules', '.bin', 'fastify-passbase-sandbox')
    symlinkSync(file, link)
    const viaLink = await run(process.execPath, [link, '--help'])
    t.equal(viaLink.stdout, stdout, 'through the node_modules/.bin symlink')
  })

  t.test('the audit bin runs', async (t) => {
    const bin = consumer.manifest.bin['fastify-passbase-audit']
    t.equal(bin, './dist/audit/cli.js')
    const file = join(consumer.pkg, bin)
    t.match(readFileSync(file, 'utf8'), /^#!\/usr\/bin\/env node\n/, 'it has a node shebang')
    const { stdout } = await run(process.execPath, [file, '--help'])
    t.match(stdout, /fastify-passbase-audit <verify\|export>/)
  })
})

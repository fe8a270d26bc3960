import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import t from 'tap'
import { packedConsumer, root, run } from './helpers/packed.js'

/**
 * The packed .d.ts files work for TypeScript consumers under every module resolution a
 * host may use: node10 (`moduleResolution: "node"`, through `typesVersions`), node16 from
 * an ES module and from a CommonJS module, and bundler. Each consumer imports every entry
 * of `exports` and is compiled with the installed TypeScript, strict and without
 * skipLibCheck (so the package's declarations themselves are checked, including what they
 * need from fastify and the optional peers' @types).
 */
const fixtures = join(import.meta.dirname, 'fixtures')
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')

interface Variant {
  module: string
  moduleResolution: string
  fixture: string
  file: string
  /** the declaration files TypeScript must pick for each entry */
  flavour: '.d.ts' | '.d.cts'
}
const variants: Record<string, Variant> = {
  node10: { module: 'commonjs', moduleResolution: 'node10', fixture: 'consumer.mts', file: 'index.ts', flavour: '.d.cts' },
  'node16 (ESM)': { module: 'node16', moduleResolution: 'node16', fixture: 'consumer.mts', file: 'index.mts', flavour: '.d.ts' },
  'node16 (CommonJS)': { module: 'node16', moduleResolution: 'node16', fixture: 'consumer.cts', file: 'index.cts', flavour: '.d.cts' },
  bundler: { module: 'esnext', moduleResolution: 'bundler', fixture: 'consumer.mts', file: 'index.ts', flavour: '.d.ts' }
}
// entry → its declarations in dist/, without the extension (./client is an alias of ./browser)
const declarations: Record<string, string> = {
  'fastify-passbase': 'dist/index',
  'fastify-passbase/sandbox': 'dist/sandbox/index',
  'fastify-passbase/stores/sqlite': 'dist/stores/sqlite',
  'fastify-passbase/stores/postgres': 'dist/stores/postgres',
  'fastify-passbase/testing': 'dist/testing',
  'fastify-passbase/browser': 'dist/browser',
  'fastify-passbase/client': 'dist/browser'
}

t.test('the .d.ts files work from consumers under node10, node16 (ESM and CommonJS) and bundler resolution', async (t) => {
  const consumer = await packedConsumer(t)
  t.same(Object.keys(declarations).sort(), Object.keys(consumer.manifest.exports).filter((s) => s !== './package.json')
    .map((s) => s === '.' ? 'fastify-passbase' : `fastify-passbase/${s.slice(2)}`).sort(), 'every entry is compiled')

  // one compiler at a time: the suite runs two test files at once on small machines
  for (const [name, v] of Object.entries(variants)) {
    const dir = join(consumer.dir, name.replace(/\W+/g, '-'))
    mkdirSync(dir)
    copyFileSync(join(fixtures, v.fixture), join(dir, v.file))
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: v.module,
        moduleResolution: v.moduleResolution,
        lib: ['ES2022', 'DOM'],
        types: ['node'],
        strict: true,
        esModuleInterop: true,
        skipLibCheck: false,
        noEmit: true
      },
      files: [v.file]
    }))
    const result = await run(process.execPath, [tsc, '-p', dir, '--listFiles', '--pretty', 'false'], { cwd: dir })
      .then(({ stdout }) => ({ ok: true, stdout }), (err: { stdout?: string }) => ({ ok: false, stdout: err.stdout ?? String(err) }))
    const lines = result.stdout.split('\n')
    const errors = lines.filter((l) => /error TS\d+/.test(l))
    t.ok(result.ok && errors.length === 0, `${name}: the consumer type-checks${errors.length === 0 ? '' : `:\n${errors.join('\n')}`}`)
    // which declarations TypeScript read: the tarball's, in the flavour of the resolution
    const listed = new Set(lines.filter((l) => l.startsWith(consumer.pkg + sep)).map((l) => relative(consumer.pkg, l).split(sep).join('/')))
    for (const [entry, base] of Object.entries(declarations)) {
      t.ok(listed.has(base + v.flavour), `${name}: ${entry} → ${base}${v.flavour}`)
    }
    const fromRepository = lines.filter((l) => l.startsWith(join(root, 'src') + sep) || l.startsWith(join(root, 'dist') + sep))
    t.same(fromRepository, [], `${name}: nothing read from the repository's src/ or dist/`)
  }
})

import { defineConfig } from 'tsup'

/**
 * One build, ESM (`.js` + `.d.ts`) and CommonJS (`.cjs` + `.d.cts`) of every entry, named
 * as `exports`, `typesVersions` (TypeScript's node10 resolution) and `bin` in package.json
 * name them. `./client` is an alias of `./browser` in package.json: same files, no second
 * build. The output names are the ones 0.1 had (bench/ and example/ import some of them).
 *
 * No source maps: the sources are not in the tarball, and a map pointing at files that
 * are not shipped is noise (publint and debuggers both complain).
 */
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'sandbox/index': 'src/sandbox/index.ts',
    'sandbox/cli': 'src/sandbox/cli.ts',
    'audit/cli': 'src/changes/cli.ts',
    'stores/sqlite': 'src/stores/sqlite/index.ts',
    'stores/postgres': 'src/stores/postgres/index.ts',
    testing: 'src/testing/index.ts',
    browser: 'src/browser/index.ts'
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: false,
  target: 'node20',
  splitting: true,
  external: ['better-sqlite3', 'pg'],
  removeNodeProtocol: false
})

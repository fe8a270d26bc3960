import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'sandbox/index': 'src/sandbox/index.ts',
    'sandbox/cli': 'src/sandbox/cli.ts',
    'stores/sqlite': 'src/stores/sqlite.ts',
    'stores/postgres': 'src/stores/postgres.ts',
    testing: 'src/testing/conformance.ts',
    client: 'src/browser/index.ts'
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  splitting: true,
  external: ['better-sqlite3', 'pg'],
  removeNodeProtocol: false
})

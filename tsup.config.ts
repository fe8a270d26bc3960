import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'sandbox/index': 'src/sandbox/index.ts',
    'sandbox/cli': 'src/sandbox/cli.ts',
    'stores/sqlite': 'src/store/sqlite.ts',
    'stores/postgres': 'src/store/postgres.ts',
    testing: 'src/store/conformance.ts',
    client: 'src/client/index.ts'
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

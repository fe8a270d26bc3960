import { readFileSync } from 'node:fs'
import t from 'tap'

/** The examples the docs show are files the suite compiles and runs: they must stay identical. */
const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')

t.test('docs/testing.md shows test/testing/readme-example.test.ts verbatim', async (t) => {
  t.ok(read('docs/testing.md').includes('```ts\n' + read('test/testing/readme-example.test.ts') + '```'))
})

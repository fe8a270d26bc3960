import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { test as nodeTest } from 'node:test'
import t from 'tap'
import { MemoryStore } from '../src/stores/memory.js'
import { conformanceCaseNames, runStoreConformance, storeConformance, type TestFn } from '../src/testing/conformance.js'
import type { PassbaseStore } from '../src/stores/types.js'
import { harness, linkNew } from './helpers/app.js'

storeConformance('MemoryStore conformance', () => new MemoryStore(), { test: t.test.bind(t) })

// compile-time: both frameworks' test functions fit the `test` option
const fits: TestFn[] = [nodeTest, t.test.bind(t)]
void fits

t.test('runStoreConformance resolves with every case for MemoryStore', async (t) => {
  const result = await runStoreConformance(() => new MemoryStore())
  t.same(result.failed, [])
  t.equal(result.passed.length + result.skipped.length, conformanceCaseNames.length)
  t.ok(result.skipped.every((name) => name.startsWith('shared:')), 'only the cross-instance case is skipped (MemoryStore is not shared)')
})

t.test('the suite catches a store that breaks the contract', async (t) => {
  // applyUpdate decides from a read made before an await: a read-then-write race
  class BrokenStore extends MemoryStore {
    override async applyUpdate (...[identityId, update]: Parameters<MemoryStore['applyUpdate']>): ReturnType<MemoryStore['applyUpdate']> {
      const before = await this.getByIdentity(identityId)
      await new Promise((resolve) => setImmediate(resolve))
      const result = await super.applyUpdate(identityId, update)
      const applied = before !== null && update.providerUpdated > before.providerUpdated
      return { ...result, applied, previous: before }
    }
  }
  const error = await runStoreConformance(() => new BrokenStore()).then(() => null, (err: unknown) => err)
  t.ok(error instanceof Error, 'rejects')
  t.equal((error as Error).name, 'AssertionError')
  t.match((error as Error).message, /concurrent: 20 identical applyUpdate calls, exactly one applies/)
  t.match((error as Error).message, /store conformance: \d+ of \d+ cases failed/)
})

t.test('each case gets a fresh store and closes it', async (t) => {
  let opened = 0
  let closed = 0
  const factory = (): PassbaseStore => {
    opened++
    const store = new MemoryStore()
    return Object.assign(store, { close: async () => { closed++ } })
  }
  const cleaned: PassbaseStore[] = []
  await runStoreConformance(factory, { cleanup: (s) => { cleaned.push(s) } })
  t.ok(opened >= conformanceCaseNames.length)
  t.equal(closed, opened)
  t.equal(cleaned.length, opened)
})

t.test('storeConformance works under node:test (its default)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'passbase-conformance-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const script = join(dir, 'memory.test.mjs')
  const conformance = pathToFileURL(fileURLToPath(new URL('../src/store/conformance.ts', import.meta.url))).href
  const memory = pathToFileURL(fileURLToPath(new URL('../src/store/memory.ts', import.meta.url))).href
  writeFileSync(script, [
    `import { storeConformance } from ${JSON.stringify(conformance)}`,
    `import { MemoryStore } from ${JSON.stringify(memory)}`,
    `storeConformance('memory under node:test', () => new MemoryStore())`,
    ''
  ].join('\n'))
  const loader = process.execArgv.filter((arg) => arg.includes('@tapjs/typescript'))
  const child = spawnSync(process.execPath, [...loader, '--test', '--test-reporter=tap', script], {
    encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_OPTIONS: '', TS_NODE_TRANSPILE_ONLY: '1' }
  })
  if (child.status !== 0) t.fail(`node --test failed (${String(child.status)})\n${child.stdout}\n${child.stderr}`)
  else t.pass('node --test exits 0')
  t.match(child.stdout, /ok \d+ - memory under node:test/)
  t.match(child.stdout, /ok \d+ - concurrent: 20 markEvent calls with one key, exactly one is new/)
  t.notMatch(child.stdout, /not ok/)
})

t.test('MemoryStore cacheTtlMs: how long the guards trust a cached read (default 1000 ms, 0: none)', async (t) => {
  t.equal(new MemoryStore().cacheTtlMs, 1000)
  for (const [cacheTtlMs, stale] of [[0, false], [60_000, true]] as const) {
    const store = new MemoryStore({ cacheTtlMs })
    const h = await harness({ plugin: { store } })
    t.teardown(h.close)
    const id = await linkNew(h, 'alice')
    await h.sandbox.review(id, { status: 'approved', score: 0.95 })
    const get = async (): Promise<number> => (await h.app.inject({ url: '/profile', headers: { 'x-user': 'alice' } })).statusCode
    t.equal(await get(), 200)
    // a write the plugin does not see (as another process's, without notifications)
    await store.applyUpdate(id, { status: 'declined', score: 0.1, reason: null, providerUpdated: Math.floor(Date.now() / 1000) + 60 })
    t.equal(await get(), stale ? 200 : 403, stale ? 'cached for cacheTtlMs' : 'no cache: the write is seen at once')
  }
})

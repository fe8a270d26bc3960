import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { test as nodeTest } from 'node:test'
import t from 'tap'
import { MemoryStore } from '../../src/stores/memory/index.js'
import type { StoreFeature } from '../../src/stores/methods.js'
import type { PassbaseStore } from '../../src/stores/types.js'
import { conformanceCaseNames, runStoreConformance, storeConformance, type TestFn } from '../../src/testing/index.js'
import { scaled } from '../helpers/time.js'

storeConformance('MemoryStore conformance', () => new MemoryStore(), { test: t.test.bind(t) })

// compile-time: both frameworks' test functions fit the `test` option
const fits: TestFn[] = [nodeTest, t.test.bind(t)]
void fits

const failureOf = async (run: Promise<unknown>): Promise<string> => {
  const error = await run.then(() => null, (err: unknown) => err)
  if (!(error instanceof Error)) throw new Error('expected the suite to reject')
  return error.message
}

t.test('runStoreConformance resolves with every case for MemoryStore', async (t) => {
  const result = await runStoreConformance(() => new MemoryStore())
  t.same(result.failed, [])
  t.equal(result.passed.length + result.skipped.length, conformanceCaseNames.length)
  t.ok(result.skipped.length > 0 && result.skipped.every((name) => name.startsWith('shared:')), 'only the cross-instance cases are skipped (MemoryStore is not shared)')
})

t.test('the suite catches a store that breaks the contract', async (t) => {
  // applyUpdate decides from a read made before an await: a read-then-write race
  class BrokenStore extends MemoryStore {
    override async applyUpdate (...[identityId, update, now]: Parameters<MemoryStore['applyUpdate']>): ReturnType<MemoryStore['applyUpdate']> {
      const before = await this.getByIdentity(identityId)
      await new Promise((resolve) => setImmediate(resolve))
      const result = await super.applyUpdate(identityId, update, now)
      const applied = before !== null && update.providerUpdated > before.providerUpdated
      return { ...result, applied, previous: before }
    }
  }
  const message = await failureOf(runStoreConformance(() => new BrokenStore()))
  t.match(message, /concurrent: 20 identical applyUpdate calls, exactly one applies/)
  t.match(message, /store conformance: \d+ of \d+ cases failed/)
})

t.test('the new cases fail on a store that breaks their guarantee', async (t) => {
  const broken: Array<[string, () => PassbaseStore, RegExp]> = [
    ['a forget that keeps the salt', () => Object.assign(new MemoryStore(), { subjectOf: async () => 'still-here' }), /forget removes every record/],
    ['a createChallenge that ends the user\'s earlier challenges (v0.2: the last start wins)', () => {
      const store = new MemoryStore()
      const challenges = (store as unknown as { challenges: { forgetUser: (userId: string) => void } }).challenges
      const create = store.createChallenge.bind(store)
      return Object.assign(store, {
        createChallenge: async (c: Parameters<MemoryStore['createChallenge']>[0]) => {
          challenges.forgetUser(c.userId)
          await create(c)
        }
      })
    }, /every open one and the new one are conflicted/],
    ['an authentication that satisfies the latest open challenge, conflicted or not', () => {
      const store = new MemoryStore()
      const record = store.recordAuthentication.bind(store)
      const internals = store as unknown as { challenges: { byId: Map<string, { identityId: string, createdAt: number, expiresAt: number, used: boolean, authenticatedAt: number | null, closedAt: number | null }> } }
      return Object.assign(store, {
        recordAuthentication: async (...[identityId, at, key, expiresAt]: Parameters<MemoryStore['recordAuthentication']>) => {
          const open = [...internals.challenges.byId.values()]
            .filter((c) => c.identityId === identityId && !c.used && c.authenticatedAt === null && c.closedAt === null && c.createdAt < at && at < c.expiresAt)
            .sort((x, y) => y.createdAt - x.createdAt)[0]
          const result = await record(identityId, at, key, expiresAt)
          if (result === 'unmatched' && open !== undefined) {
            open.authenticatedAt = at
            open.closedAt = null
            return 'satisfied' as const
          }
          return result
        }
      })
    }, /after a conflict closes every open challenge/],
    ['a claim that ignores leases', () => {
      const store = new MemoryStore()
      const claim = store.claimChanges.bind(store)
      return Object.assign(store, { claimChanges: async (owner: string, now: number, _lease: number, limit: number) => await claim(owner, now, 0, limit) })
    }, /leases a change to one owner/],
    ['a tie rule the wrong way round', () => {
      const store = new MemoryStore()
      const apply = store.applyUpdate.bind(store)
      return Object.assign(store, {
        applyUpdate: async (...[i, u, now]: Parameters<MemoryStore['applyUpdate']>) => await apply(i, { ...u, providerUpdated: u.providerUpdated + (u.status === 'approved' ? 1 : 0) }, now)
      })
    }, /same second/]
  ]
  for (const [what, factory, expected] of broken) t.match(await failureOf(runStoreConformance(factory)), expected, what)
})

t.test('features: an adapter without the step-up methods runs the rest', async (t) => {
  const withoutStepUp = (): PassbaseStore => {
    const store = new MemoryStore()
    const methods = ['createChallenge', 'getChallenge', 'recordAuthentication', 'consumeChallenge', 'revokeUser', 'revokedBefore', 'useToken']
    for (const m of methods) Object.defineProperty(store, m, { value: undefined })
    return store
  }
  const features: StoreFeature[] = ['identities', 'deliveries', 'changes', 'housekeeping']
  const result = await runStoreConformance(withoutStepUp, { features })
  t.same(result.failed, [])
  t.ok(result.passed.some((name) => name.startsWith('link creates')), 'the identity cases ran')
  t.ok(result.skipped.some((name) => name.startsWith('challenges are single use')), 'the step-up cases were skipped')
  t.match(await failureOf(runStoreConformance(withoutStepUp, { only: ['challenges are single use'] })), /lacks createChallenge/,
    'without the option, the missing methods are named')
})

t.test('shared: true runs the cross-instance cases (and they fail on instances that share nothing)', async (t) => {
  t.match(await failureOf(runStoreConformance(() => new MemoryStore(), { shared: true, only: ['shared:'] })),
    /a link made by one instance is seen by the other/)
  const common = Object.assign(new MemoryStore(), { close: async () => {} })
  const result = await runStoreConformance(() => common, { shared: true, only: ['shared:'] })
  t.equal(result.passed.length, conformanceCaseNames.filter((name) => name.startsWith('shared:')).length, 'one store handed out twice passes them')
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
  const testing = pathToFileURL(fileURLToPath(new URL('../../src/testing/index.ts', import.meta.url))).href
  const memory = pathToFileURL(fileURLToPath(new URL('../../src/stores/memory/index.ts', import.meta.url))).href
  writeFileSync(script, [
    `import { storeConformance } from ${JSON.stringify(testing)}`,
    `import { MemoryStore } from ${JSON.stringify(memory)}`,
    'storeConformance(\'memory under node:test\', () => new MemoryStore())',
    ''
  ].join('\n'))
  const loader = process.execArgv.filter((arg) => arg.includes('@tapjs/typescript'))
  const child = spawnSync(process.execPath, [...loader, '--test', '--test-reporter=tap', script], {
    encoding: 'utf8', timeout: scaled(120_000), env: { ...process.env, NODE_OPTIONS: '', TS_NODE_TRANSPILE_ONLY: '1' }
  })
  if (child.status !== 0) t.fail(`node --test failed (${String(child.status)})\n${child.stdout}\n${child.stderr}`)
  else t.pass('node --test exits 0')
  t.match(child.stdout, /ok \d+ - memory under node:test/)
  t.match(child.stdout, /ok \d+ - concurrent: 20 markEvent calls with one key, exactly one is new/)
  t.notMatch(child.stdout, /not ok/)
})

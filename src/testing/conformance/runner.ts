import { AssertionError } from 'node:assert'
import { randomUUID } from 'node:crypto'
import { test as nodeTest } from 'node:test'
import { missingMethods, STORE_METHODS, type StoreFeature } from '../../stores/methods.js'
import type { ChangeEntry, CompleteStore, PassbaseStore } from '../../stores/types.js'
import { changesAfter, lastSeq, type ConformanceCase, type Need, type StoreFactory } from './fixtures.js'

/**
 * A test-registering function: node:test's `test`, tap's `t.test.bind(t)`, or your own.
 * The callback's argument is the framework's test context; when it has a `test` method
 * (tap and node:test both do) each case becomes a subtest, otherwise the cases run in
 * one test that fails with every failure listed.
 */
export type TestFn = (name: string, fn: (context?: unknown) => Promise<void>) => unknown

export interface ConformanceOptions {
  /** Cleanup after each case, after `close()` (e.g. drop a per-case database). */
  cleanup?: (store: PassbaseStore) => void | Promise<void>
  /** Run only the cases whose name includes one of these strings. */
  only?: string[]
  /**
   * The features the adapter implements (the keys of `STORE_METHODS`); default all. Cases
   * that need another feature are skipped, e.g. `['identities', 'deliveries', 'changes',
   * 'housekeeping']` for an adapter without the step-up methods.
   */
  features?: readonly StoreFeature[]
  /**
   * Whether two instances from the factory share one database: runs the `shared:` cases.
   * Default: the store's own `shared` property when it has one (as v0.1 adapters did), else false.
   */
  shared?: boolean
}

export interface StoreConformanceOptions extends ConformanceOptions {
  /** Registers the test; default node:test's `test`. Under tap pass `t.test.bind(t)`. */
  test?: TestFn
}

export interface ConformanceResult {
  passed: string[]
  /** cases that do not apply to this store (a feature it lacks, or cross-instance cases of an unshared store) */
  skipped: string[]
  failed: Array<{ name: string, error: unknown }>
}

const ALL_FEATURES = Object.keys(STORE_METHODS) as StoreFeature[]

function selected (cases: readonly ConformanceCase[], options: ConformanceOptions): ConformanceCase[] {
  const only = options.only
  if (only === undefined || only.length === 0) return [...cases]
  return cases.filter((c) => only.some((part) => c.name.includes(part)))
}

/** Why the case does not apply, or null when it does. */
function skipReason (c: ConformanceCase, features: readonly Need[], store: PassbaseStore, options: ConformanceOptions): string | null {
  const lacking = c.needs.filter((need) => need !== 'shared' && !features.includes(need))
  if (lacking.length > 0) return `needs ${lacking.join(', ')}`
  const shared = options.shared ?? (store as { shared?: unknown }).shared === true
  if (c.needs.includes('shared') && !shared) return 'needs two instances sharing one database (option shared)'
  return null
}

/** Runs one case on fresh instances; resolves with a skip reason, or null when it ran and passed. */
async function runCase (c: ConformanceCase, factory: StoreFactory, options: ConformanceOptions): Promise<string | null> {
  const features = options.features ?? ALL_FEATURES
  const opened: PassbaseStore[] = []
  const open = async (): Promise<CompleteStore> => {
    const store = await factory()
    opened.push(store)
    await store.init?.()
    return store as CompleteStore
  }
  const logged = features.includes('changes')
  let skipped: string | null = null
  let failure: { error: unknown } | null = null
  try {
    const store = await open()
    skipped = skipReason(c, features, store, options)
    if (skipped === null) {
      const missing = missingMethods(store, c.needs.filter((n): n is StoreFeature => n !== 'shared'))
      if (missing.length > 0) throw new AssertionError({ message: `the store lacks ${missing.join(', ')} (pass the features it has as the option features)` })
      const startSeq = logged ? await lastSeq(store) : 0
      const tag = randomUUID().slice(0, 8)
      let n = 0
      const changes = async (): Promise<ChangeEntry[]> => logged ? await changesAfter(store, startSeq) : []
      try {
        await c.run({ store, tag, another: open, changes, id: (prefix) => `${prefix}-${tag}-${++n}-${randomUUID()}` })
      } catch (error) {
        failure = { error }
      }
      // leave no pending change of the case behind (the cases share one outbox)
      if (logged) {
        const own = (await changes()).filter((e) => (e.type === 'status' || e.type === 'expired') && e.identityId?.includes(tag) === true)
        for (const e of own) await store.ackChange(e.id)
      }
    }
  } catch (error) {
    failure ??= { error }
  }
  for (const store of opened.reverse()) {
    try {
      await store.close?.()
      await options.cleanup?.(store)
    } catch (error) {
      if (failure === null) failure = { error }
    }
  }
  if (failure !== null) {
    const error = failure.error
    if (error instanceof Error && !error.message.startsWith(`[${c.name}]`)) error.message = `[${c.name}] ${error.message}`
    throw error
  }
  return skipped
}

/**
 * Run every case once, one after the other. Resolves with the result when all pass;
 * rejects with an `AssertionError` naming every failed case otherwise.
 */
export async function runCases (cases: readonly ConformanceCase[], factory: StoreFactory, options: ConformanceOptions = {}): Promise<ConformanceResult> {
  const result: ConformanceResult = { passed: [], skipped: [], failed: [] }
  for (const c of selected(cases, options)) {
    try {
      if (await runCase(c, factory, options) === null) result.passed.push(c.name)
      else result.skipped.push(c.name)
    } catch (error) {
      result.failed.push({ name: c.name, error })
    }
  }
  if (result.failed.length > 0) {
    const details = result.failed.map(({ error }) => `  - ${error instanceof Error ? error.message : String(error)}`).join('\n')
    const error = new AssertionError({
      message: `store conformance: ${result.failed.length} of ${result.failed.length + result.passed.length} cases failed:\n${details}`
    })
    Object.assign(error, { result })
    throw error
  }
  return result
}

type SubtestFn = (name: string, fn: () => Promise<void>) => unknown

function subtestOf (context: unknown): SubtestFn | null {
  if (typeof context !== 'object' || context === null) return null
  const test = (context as { test?: unknown }).test
  if (typeof test !== 'function') return null
  return (name, fn) => (test as (this: unknown, name: string, fn: () => Promise<void>) => unknown).call(context, name, fn)
}

function note (context: unknown, message: string): void {
  const ctx = context as { comment?: unknown, diagnostic?: unknown } | null
  if (typeof ctx?.comment === 'function') (ctx.comment as (this: unknown, m: string) => void).call(ctx, message)
  else if (typeof ctx?.diagnostic === 'function') (ctx.diagnostic as (this: unknown, m: string) => void).call(ctx, message)
}

/** Registers `cases` as one test named `name` with a subtest per case (node:test by default, or `options.test`). */
export function registerCases (cases: readonly ConformanceCase[], name: string, factory: StoreFactory, options: StoreConformanceOptions = {}): Promise<void> {
  const register: TestFn = options.test ?? (nodeTest as unknown as TestFn)
  const registered = register(name, async (context?: unknown) => {
    const subtest = subtestOf(context)
    if (subtest === null) {
      const result = await runCases(cases, factory, options)
      if (result.skipped.length > 0) note(context, `skipped (not applicable): ${result.skipped.join('; ')}`)
      return
    }
    for (const c of selected(cases, options)) {
      await subtest(c.name, async () => {
        const skipped = await runCase(c, factory, options)
        if (skipped !== null) note(context, `${c.name}: skipped, ${skipped}`)
      })
    }
  })
  return Promise.resolve(registered).then(() => undefined, () => undefined)
}

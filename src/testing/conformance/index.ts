/**
 * The store conformance suite, composed from one file per concern (as keyv's
 * test-suite is): every `PassbaseStore` must pass it, the shipped ones included.
 *
 * ```ts
 * // node:test
 * import { storeConformance } from 'fastify-passbase/testing'
 * storeConformance('my store', () => new MyStore(...))
 *
 * // tap
 * import t from 'tap'
 * storeConformance('my store', () => new MyStore(...), { test: t.test.bind(t) })
 *
 * // anything else: one promise that rejects with an AssertionError listing the failures
 * await runStoreConformance(() => new MyStore(...))
 * ```
 *
 * Every case gets a fresh store from the factory, calls `init()` and finally `close()`.
 * Ids are random per case, so the cases can share one database and need no cleanup
 * (each acknowledges the pending changes it caused).
 */
import { authenticationCases } from './authentications.js'
import { challengeCases } from './challenges.js'
import { changeCases } from './changes.js'
import { deliveryCases } from './deliveries.js'
import { erasureCases } from './erasure.js'
import { expiryCases } from './expiry.js'
import type { ConformanceCase, StoreFactory } from './fixtures.js'
import { identityCases } from './identities.js'
import { lifecycleCases } from './lifecycle.js'
import { outboxCases } from './outbox.js'
import { revocationCases } from './revocations.js'
import { registerCases, runCases, type ConformanceOptions, type ConformanceResult, type StoreConformanceOptions } from './runner.js'
import { sharedCases } from './shared.js'
import { tokenCases } from './tokens.js'
import { updateCases } from './updates.js'

export type { StoreFactory } from './fixtures.js'
export type { ConformanceOptions, ConformanceResult, StoreConformanceOptions, TestFn } from './runner.js'

const isRace = (c: ConformanceCase): boolean => c.name.startsWith('concurrent:')

/** The groups whose races (`concurrent:` cases) run after every other case, as in v0.1. */
const groups = [identityCases, updateCases, deliveryCases, challengeCases, authenticationCases, revocationCases, tokenCases, expiryCases, changeCases]
const [initCase, ...purgeCases] = lifecycleCases

const cases: readonly ConformanceCase[] = [
  initCase!,
  ...groups.flatMap((group) => group.filter((c) => !isRace(c))),
  ...outboxCases,
  ...erasureCases,
  ...purgeCases,
  ...groups.flatMap((group) => group.filter(isRace)),
  ...sharedCases
]

/** The names of the conformance cases, in the order they run. */
export const conformanceCaseNames: readonly string[] = cases.map((c) => c.name)

/**
 * Run every case once, one after the other. Resolves with the result when all pass;
 * rejects with an `AssertionError` naming every failed case otherwise.
 */
export async function runStoreConformance (factory: StoreFactory, options: ConformanceOptions = {}): Promise<ConformanceResult> {
  return await runCases(cases, factory, options)
}

/**
 * Register the conformance suite as one test named `name` with a subtest per case.
 * Works with node:test (the default) and tap (`{ test: t.test.bind(t) }`).
 */
export function storeConformance (name: string, factory: StoreFactory, options: StoreConformanceOptions = {}): Promise<void> {
  return registerCases(cases, name, factory, options)
}

/**
 * `fastify-passbase/testing`: what adapter authors and host apps test with.
 * - the store conformance suite (`storeConformance`, `runStoreConformance`) and the
 *   change-log verifier its cases use;
 * - helpers for testing a host app's guarded routes (below).
 */
export { conformanceCaseNames, runStoreConformance, storeConformance } from './conformance/index.js'
export type { ConformanceOptions, ConformanceResult, StoreConformanceOptions, StoreFactory, TestFn } from './conformance/index.js'
export { readAllChanges, verifyChain } from '../changes/verify.js'
export type { ChainVerdict } from '../changes/verify.js'

// host-test helpers: put a user into a status, obtain a step-up proof, move time
export { createTestClock, setStatus, stepUpCookie, stepUpWithSandbox, verifyWithSandbox } from './host.js'
export type { AsUser, TestClock } from './host.js'
export type { ForceStatusOptions, StepUpProofOptions } from '../test-hooks.js'

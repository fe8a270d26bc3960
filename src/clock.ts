/**
 * The plugin's and the sandbox's source of time (epoch milliseconds). Every time
 * decision (tokens, challenges, expiry, de-duplication, purge, leases) reads it, so tests
 * move time instead of sleeping (`createTestClock` in `fastify-passbase/testing`).
 */
export interface Clock {
  now: () => number
}

export const systemClock: Clock = { now: Date.now }

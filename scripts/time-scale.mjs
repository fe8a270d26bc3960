// The one factor every deadline of the test suite is multiplied by, so that a loaded machine
// gives slow passes instead of failures: PASSBASE_TEST_TIME_SCALE when set (a number >= 1),
// otherwise the machine's load per core (1-minute load average / cores, rounded up),
// between 1 and 10. `node scripts/tap.mjs` computes it once and hands it to every test file.
import { availableParallelism, loadavg } from 'node:os'

export const MAX_TIME_SCALE = 10

/** @param {NodeJS.ProcessEnv} env */
export function timeScale (env = process.env) {
  const given = Number(env.PASSBASE_TEST_TIME_SCALE)
  if (env.PASSBASE_TEST_TIME_SCALE !== undefined && env.PASSBASE_TEST_TIME_SCALE !== '') {
    if (!Number.isFinite(given) || given < 1) throw new Error(`PASSBASE_TEST_TIME_SCALE must be a number >= 1 (got ${env.PASSBASE_TEST_TIME_SCALE})`)
    return given
  }
  return Math.min(MAX_TIME_SCALE, Math.max(1, Math.ceil(loadavg()[0] / availableParallelism())))
}

import { timeScale } from '../../scripts/time-scale.mjs'

/**
 * Deadlines scale with the machine: every timeout of the suite (a wait on a condition, a
 * child process's start, a browser's wait) is `scaled(ms)`, so a loaded machine gives slow
 * passes, not failures. The factor is PASSBASE_TEST_TIME_SCALE, which `npm test` and
 * `npm run test:unit` (scripts/tap.mjs) set once from the machine's load per core; a file
 * run alone with `npx tap` computes it the same way. Deadlines only: no test asserts a time.
 */
export const TIME_SCALE = timeScale()

export function scaled (ms: number): number {
  return Math.round(ms * TIME_SCALE)
}

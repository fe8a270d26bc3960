/** A clock for the plugin's `clock` option that tests move by hand. */
export interface ManualClock {
  now: () => number
  advance: (ms: number) => void
}

export function manualClock (start = Date.now()): ManualClock {
  let at = start
  return { now: () => at, advance: (ms) => { at += ms } }
}

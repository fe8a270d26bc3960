/**
 * Single-flight with freshness, per key: every caller gets a result fetched *after*
 * its call began, and a burst costs at most 2 fetches per key.
 * - no fetch running: one starts;
 * - a fetch still waiting to be sent (not yet `sent`) is shared as is: it is sent after the call began;
 * - a fetch on the wire: callers share one follow-up fetch that starts once it settles.
 * A failed fetch fails its own callers only; the follow-up fetches afresh.
 */

const noop = (): void => {}

/** Starts one fetch; it calls `markSent()` when the request goes on the wire (may be called again, e.g. per attempt). */
export type StartFetch<V> = (markSent: () => void) => Promise<V>

interface Running<V> {
  promise: Promise<V>
  sent: boolean
}

export class SingleFlight<V> {
  // invariant: a follow-up in #followUps has not started yet
  readonly #running = new Map<string, Running<V>>()
  readonly #followUps = new Map<string, Promise<V>>()

  /** Keys with a fetch running or a follow-up queued (0 when idle: nothing leaks). */
  get size (): number {
    let n = this.#running.size
    for (const key of this.#followUps.keys()) if (!this.#running.has(key)) n++
    return n
  }

  run (key: string, start: StartFetch<V>): Promise<V> {
    const queued = this.#followUps.get(key)
    if (queued) return queued
    const running = this.#running.get(key)
    if (!running) return this.#start(key, start)
    if (!running.sent) return running.promise
    // Runs after the #running cleanup (its reaction was registered first), and removes
    // the follow-up and starts it in one synchronous step, keeping the invariant.
    const followUp = running.promise.then(noop, noop).then(() => {
      this.#followUps.delete(key)
      return this.#start(key, start)
    })
    this.#followUps.set(key, followUp)
    return followUp
  }

  #start (key: string, start: StartFetch<V>): Promise<V> {
    const entry: Running<V> = { promise: undefined as unknown as Promise<V>, sent: false }
    const promise = start(() => { entry.sent = true })
    entry.promise = promise
    this.#running.set(key, entry)
    const cleanup = (): void => {
      if (this.#running.get(key) === entry) this.#running.delete(key)
    }
    promise.then(cleanup, cleanup)
    return promise
  }
}

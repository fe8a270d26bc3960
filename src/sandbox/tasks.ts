import { sleep } from './clock.js'

/** Keeps track of background work (deliveries, delayed flow jobs) so it can be awaited. */
export class TaskTracker {
  readonly #pending = new Set<Promise<unknown>>()

  track<T> (task: Promise<T>): Promise<T> {
    this.#pending.add(task)
    const forget = (): void => { this.#pending.delete(task) }
    task.then(forget, forget)
    return task
  }

  /** runs `job` after `ms` unless `signal` aborts first; the job counts as pending meanwhile */
  later (ms: number, signal: AbortSignal, job: () => Promise<unknown>): void {
    const run = async (): Promise<void> => {
      if (!(await sleep(ms, signal))) return
      try {
        await job()
      } catch {}
    }
    void this.track(run())
  }

  /** resolves once nothing is pending, including work started while waiting */
  async settled (): Promise<void> {
    while (this.#pending.size > 0) {
      await Promise.allSettled([...this.#pending])
    }
  }
}

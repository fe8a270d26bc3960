/**
 * A FIFO semaphore with a bounded queue: at most `concurrency` holders; up to
 * `maxQueue` callers wait in call order; beyond that `acquire()` fails at once.
 * A released slot is handed straight to the oldest waiter (no barging).
 */

interface Waiter {
  resolve: () => void
  reject: (err: Error) => void
}

export interface LimiterErrors {
  /** the error a caller gets when `maxQueue` callers are already waiting */
  full: () => Error
  /** the error every waiter, and every later caller, gets once closed */
  closed: () => Error
}

/** Compact the waiter array now and then instead of shift()ing on every release. */
const COMPACT_AFTER = 1024

export class Limiter {
  readonly #concurrency: number
  readonly #maxQueue: number
  readonly #errors: LimiterErrors
  #active = 0
  // waiting callers are #waiters[#head..]; released entries are set to undefined
  #waiters: Array<Waiter | undefined> = []
  #head = 0
  #closed = false

  constructor (concurrency: number, maxQueue: number, errors: LimiterErrors) {
    this.#concurrency = concurrency
    this.#maxQueue = maxQueue
    this.#errors = errors
  }

  /** Slots in use. */
  get active (): number {
    return this.#active
  }

  /** Callers waiting for a slot. */
  get queued (): number {
    return this.#waiters.length - this.#head
  }

  /** Resolves once the caller holds a slot; it must call `release()` exactly once afterwards. */
  acquire (): Promise<void> {
    if (this.#closed) return Promise.reject(this.#errors.closed())
    if (this.#active < this.#concurrency) {
      this.#active++
      return Promise.resolve()
    }
    if (this.queued >= this.#maxQueue) return Promise.reject(this.#errors.full())
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject })
    })
  }

  /** Hands the slot to the oldest waiter (FIFO), or frees it. */
  release (): void {
    if (this.#head < this.#waiters.length) {
      const next = this.#waiters[this.#head]
      this.#waiters[this.#head++] = undefined
      if (this.#head > COMPACT_AFTER && this.#head * 2 > this.#waiters.length) {
        this.#waiters = this.#waiters.slice(this.#head)
        this.#head = 0
      }
      next?.resolve()
      return
    }
    this.#active--
  }

  /** Fails every waiter and every later `acquire()`; holders keep their slots until they release them. */
  close (): void {
    if (this.#closed) return
    this.#closed = true
    const waiters = this.#waiters.slice(this.#head)
    this.#waiters = []
    this.#head = 0
    for (const w of waiters) w?.reject(this.#errors.closed())
  }
}

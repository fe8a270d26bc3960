import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { Clock } from '../clock.js'
import type { StatusChange } from '../options/types.js'
import type { ChangeStore, PendingChange } from '../stores/types.js'

export interface DelivererOptions {
  store: ChangeStore
  onStatusChange: ((change: StatusChange) => void | Promise<void>) | undefined
  clock: Clock
  log: FastifyBaseLogger
}

/**
 * leaseMs: how long a claimed change is this instance's to deliver; another instance takes
 * it over after. pollMs: how often the outbox is polled (changes stored by an instance that
 * died are picked up by the next poll after their lease). backoffMs: the first retry delay
 * after a callback threw, doubled per attempt up to maxBackoffMs.
 */
const DELIVERY = { leaseMs: 15_000, pollMs: 2_000, batch: 50, backoffMs: 1_000, maxBackoffMs: 5 * 60_000 } as const

/**
 * `onStatusChange`, at least once: status transitions are written to the store's outbox
 * in the same atomic write as the change; this deliverer leases due ones (each user's
 * oldest first, so a user's changes arrive in order), calls the host's callback, and
 * acknowledges it. A callback that throws is retried with backoff, never dropped; a
 * change whose instance died is taken over by another once its lease ends. Without a
 * callback the outbox is drained.
 */
export function createChangeDeliverer (options: DelivererOptions) {
  const { store, onStatusChange, clock, log } = options
  const { leaseMs, pollMs, batch, backoffMs, maxBackoffMs } = DELIVERY
  const owner = randomUUID()
  let timer: NodeJS.Timeout | undefined
  let running: Promise<number> | undefined
  let again = false
  let stopped = true

  async function deliver (change: PendingChange): Promise<void> {
    try {
      await onStatusChange?.({
        id: change.id, userId: change.userId, identityId: change.identityId, from: change.from, to: change.to, score: change.score, at: change.at
      })
    } catch (err) {
      const delay = Math.min(maxBackoffMs, backoffMs * 2 ** change.attempts)
      log.error({ err, changeId: change.id, attempts: change.attempts + 1, retryInMs: delay }, 'passbase: onStatusChange threw; it will be called again')
      await store.retryChange(change.id, clock.now() + delay)
      return
    }
    await store.ackChange(change.id)
  }

  /** Delivers what is due now; resolves with how many changes were handed over or retried. */
  async function runOnce (): Promise<number> {
    let total = 0
    for (;;) {
      const claimed = await store.claimChanges(owner, clock.now(), leaseMs, batch)
      // one per user per claim: delivering them concurrently keeps each user's order
      await Promise.all(claimed.map(deliver))
      total += claimed.length
      if (claimed.length < batch) return total
    }
  }

  function tick (): Promise<number> {
    if (running !== undefined) {
      again = true
      return running
    }
    running = runOnce().catch((err: unknown) => {
      log.warn({ err }, 'passbase: cannot deliver status changes now; retrying')
      return 0
    }).finally(() => {
      running = undefined
      if (again && !stopped) {
        again = false
        void tick()
      }
    })
    return running
  }

  function schedule (): void {
    if (stopped) return
    timer = setTimeout(() => { void tick().finally(schedule) }, pollMs)
    timer.unref()
  }

  return {
    start (): void {
      if (!stopped) return
      stopped = false
      schedule()
    },
    /** A change was just stored here: deliver it now rather than at the next poll. */
    kick (): void {
      if (!stopped) void tick()
    },
    /** Deliver everything due now (also when stopped); for `passbase.runMaintenance()` and tests. */
    async drain (): Promise<number> {
      let total = 0
      for (;;) {
        if (running !== undefined) await running
        const n = await runOnce()
        total += n
        if (n === 0) return total
      }
    },
    async stop (): Promise<void> {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
      await running
    }
  }
}

export type ChangeDeliverer = ReturnType<typeof createChangeDeliverer>

import { Agent, request } from 'undici'
import { encryptWebhook, webhookKey } from '../protocol/crypto.js'
import { sleep } from './clock.js'
import type { DeliveryFaults, DeliveryRecord, SandboxClock, SandboxStats, WebhookBody } from './types.js'

/**
 * The webhook dispatcher: encrypts like Passbase (text/plain base64 AES-256-CBC when a
 * secret is set, plain JSON otherwise), retries non-2xx and network errors with
 * exponential backoff, applies the delivery faults and keeps a bounded log.
 */

const MAX_RECORDS = 1000
const ATTEMPT_TIMEOUT_MS = 10_000
const MAX_BACKOFF_MS = 30_000

export interface DispatcherOptions {
  target: () => string | undefined
  secret?: string
  attempts: number
  baseMs: number
  faults: () => DeliveryFaults
  /** aborted on close: stops retries, delays and requests in flight */
  signal: AbortSignal
  /** stamps `deliveredAt` (backoff and delays are real time) */
  clock: SandboxClock
}

interface Waiter {
  predicate: (record: DeliveryRecord) => boolean
  resolve: (record: DeliveryRecord) => void
  reject: (error: Error) => void
}

type Outcome = Pick<DeliveryRecord, 'status' | 'attempts' | 'error'>

export class Dispatcher {
  readonly records: DeliveryRecord[] = []
  readonly counters: SandboxStats['deliveries'] = { total: 0, succeeded: 0, failed: 0, dropped: 0 }
  readonly #options: DispatcherOptions
  readonly #key: Buffer | undefined
  readonly #agent = new Agent({ keepAliveTimeout: 1000, connections: 128 })
  #seq = 0
  #waiters: Waiter[] = []

  constructor (options: DispatcherOptions) {
    this.#options = options
    this.#key = options.secret === undefined ? undefined : webhookKey(options.secret)
  }

  /** one delivery (plus its duplicates); resolves with the primary record */
  async deliver (body: WebhookBody): Promise<DeliveryRecord> {
    const faults = this.#options.faults() ?? {}
    if (faults.drop === true) return this.#record(body, false, { status: null, attempts: 0, error: 'dropped (fault)' }, true)
    if (faults.delayMs !== undefined && faults.delayMs > 0) await sleep(faults.delayMs, this.#options.signal)
    const copies = Math.max(0, Math.floor(faults.duplicate ?? 0))
    const sends = [this.#send(body, false)]
    for (let i = 0; i < copies; i++) sends.push(this.#send(body, true))
    const [primary] = await Promise.all(sends)
    return primary
  }

  /** several events in order (reversed by the `reorder` fault), each awaited before the next */
  async deliverInOrder (bodies: WebhookBody[]): Promise<DeliveryRecord[]> {
    const ordered = this.#options.faults()?.reorder === true ? [...bodies].reverse() : bodies
    const records: DeliveryRecord[] = []
    for (const body of ordered) records.push(await this.deliver(body))
    return records
  }

  waitFor (predicate: (record: DeliveryRecord) => boolean, timeoutMs: number): Promise<DeliveryRecord> {
    const found = this.records.find(predicate)
    if (found !== undefined) return Promise.resolve(found)
    if (this.#options.signal.aborted) return Promise.reject(new Error('sandbox: closed'))
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (record) => {
          clearTimeout(timer)
          resolve(record)
        },
        reject: (error) => {
          clearTimeout(timer)
          this.#waiters = this.#waiters.filter((w) => w !== waiter)
          reject(error)
        }
      }
      const timer = setTimeout(() => waiter.reject(new Error(`sandbox: no matching delivery within ${timeoutMs} ms`)), timeoutMs)
      this.#waiters.push(waiter)
    })
  }

  resetCounters (): void {
    Object.assign(this.counters, { total: 0, succeeded: 0, failed: 0, dropped: 0 })
  }

  async close (): Promise<void> {
    for (const waiter of [...this.#waiters]) waiter.reject(new Error('sandbox: closed'))
    await this.#agent.destroy()
  }

  async #send (body: WebhookBody, duplicate: boolean): Promise<DeliveryRecord> {
    const url = this.#options.target()
    if (url === undefined || url === '') {
      return this.#record(body, duplicate, { status: null, attempts: 0, error: 'no webhook URL set' })
    }
    const json = JSON.stringify(body)
    const payload = this.#key === undefined ? json : encryptWebhook(this.#key, json)
    const contentType = this.#key === undefined ? 'application/json' : 'text/plain'
    const outcome: Outcome = { status: null, attempts: 0 }
    const { attempts, baseMs, signal } = this.#options
    while (outcome.attempts < attempts && !signal.aborted) {
      if (outcome.attempts > 0) {
        const backoff = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (outcome.attempts - 1))
        if (!(await sleep(backoff, signal))) break
      }
      outcome.attempts++
      // read per attempt: a retry goes where deliveries go now (a test may move them to another instance)
      const target = this.#options.target() ?? url
      try {
        const res = await request(target, {
          method: 'POST',
          body: payload,
          headers: { 'content-type': contentType, 'user-agent': 'passbase-sandbox' },
          dispatcher: this.#agent,
          signal,
          headersTimeout: ATTEMPT_TIMEOUT_MS,
          bodyTimeout: ATTEMPT_TIMEOUT_MS
        })
        await res.body.dump()
        outcome.status = res.statusCode
        outcome.error = undefined
        if (res.statusCode >= 200 && res.statusCode < 300) break
        outcome.error = `HTTP ${res.statusCode}`
      } catch (err) {
        outcome.status = null
        outcome.error = err instanceof Error ? err.message : String(err)
      }
    }
    if (outcome.attempts === 0) outcome.error = 'sandbox closed'
    return this.#record(body, duplicate, outcome)
  }

  #record (body: WebhookBody, duplicate: boolean, outcome: Outcome, dropped = false): DeliveryRecord {
    const record: DeliveryRecord = {
      seq: ++this.#seq,
      event: String(body.event),
      key: String(body.key),
      body,
      status: outcome.status,
      attempts: outcome.attempts,
      deliveredAt: this.#options.clock.now(),
      duplicate,
      dropped
    }
    if (outcome.error !== undefined) record.error = outcome.error
    this.counters.total++
    if (dropped) this.counters.dropped++
    else if (record.status !== null && record.status >= 200 && record.status < 300) this.counters.succeeded++
    else this.counters.failed++
    this.records.push(record)
    if (this.records.length > MAX_RECORDS) this.records.splice(0, this.records.length - MAX_RECORDS)
    const ready = this.#waiters.filter((w) => w.predicate(record))
    this.#waiters = this.#waiters.filter((w) => !ready.includes(w))
    for (const w of ready) w.resolve(record)
    return record
  }
}

import pg from 'pg'
import type { Invalidation } from '../types.js'

const BACKOFF_MIN_MS = 100
const BACKOFF_MAX_MS = 10_000
/** How long the LISTEN connection may take to say goodbye before its socket is destroyed. */
const END_GRACE_MS = 1000

/**
 * Ends a client, politely first: a peer that never answers the goodbye (a server that
 * stopped responding, a SYN into the void) would keep `end()` waiting forever, so the
 * socket is destroyed after END_GRACE_MS.
 */
async function endClient (client: pg.Client): Promise<void> {
  const force = setTimeout(() => { client.connection.stream.destroy() }, END_GRACE_MS)
  try {
    await client.end()
  } catch {
  } finally {
    clearTimeout(force)
  }
}

function parseInvalidation (payload: string | undefined): Invalidation | null {
  if (payload === undefined) return null
  let value: unknown
  try {
    value = JSON.parse(payload)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const v = value as Record<string, unknown>
  if (v.kind === 'user' && typeof v.userId === 'string') return { kind: 'user', userId: v.userId }
  if (v.kind === 'all') return { kind: 'all' }
  return null
}

/** A thrown value as an Error (pg and sockets may throw anything). */
export function toError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

function deferred (): { promise: Promise<void>, resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((_resolve) => { resolve = _resolve })
  return { promise, resolve }
}

/**
 * The LISTEN side of the invalidations: one dedicated connection (never one of the
 * pool's), started by the first subscriber, reconnecting with backoff. Notifications
 * sent while it is down are lost, so after a reconnect listeners get `{ kind: 'all' }`.
 * `close()` never waits on the network longer than END_GRACE_MS, also while connecting.
 */
export class InvalidationListener {
  private readonly listeners = new Set<(event: Invalidation) => void>()
  private loop: Promise<void> | null = null
  private client: pg.Client | null = null
  private ready = deferred()
  private wake: (() => void) | null = null
  private closed = false

  constructor (private readonly config: pg.ClientConfig, private readonly channel: string, private readonly onError: (err: Error) => void) {}

  subscribe (listener: (event: Invalidation) => void): () => void {
    if (this.closed) return () => {}
    this.listeners.add(listener)
    this.start()
    return () => { this.listeners.delete(listener) }
  }

  /** Resolves once the LISTEN connection is established (starting it when needed), or once closed. */
  async listening (): Promise<void> {
    if (this.closed) return
    this.start()
    await this.ready.promise
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.wake?.()
    const client = this.client
    if (client !== null) await endClient(client)
    if (this.loop !== null) await this.loop
    this.listeners.clear()
  }

  private start (): void {
    if (this.loop !== null || this.closed) return
    this.loop = this.run().catch((err) => { this.onError(toError(err)) })
  }

  private async run (): Promise<void> {
    let backoff = BACKOFF_MIN_MS
    let listenedBefore = false
    while (!this.closed) {
      const client = new pg.Client({
        ...this.config,
        keepAlive: true,
        application_name: this.config.application_name ?? 'fastify-passbase-listen'
      })
      let dropped!: () => void
      const gone = new Promise<void>((resolve) => { dropped = resolve })
      client.on('error', (err) => { this.onError(err); dropped() })
      client.on('end', () => { dropped() })
      client.on('notification', (message) => {
        if (message.channel !== this.channel) return
        const event = parseInvalidation(message.payload)
        if (event !== null) this.dispatch(event)
      })
      this.client = client // so that close() can end it while it connects
      try {
        // pg never settles connect() when end() is called while it connects and the
        // socket closes before the server answers: the connection's end settles it here
        const connecting = client.connect()
        connecting.catch(() => {})
        await Promise.race([connecting, gone.then(() => { throw new Error('the LISTEN connection closed while connecting') })])
        if (!this.closed) await client.query(`LISTEN "${this.channel}"`)
      } catch (err) {
        this.client = null
        await endClient(client)
        if (this.closed) break
        this.onError(toError(err))
        await this.sleep(backoff)
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS)
        continue
      }
      if (this.closed) {
        this.client = null
        await endClient(client)
        break
      }
      backoff = BACKOFF_MIN_MS
      // notifications sent while the connection was down are lost: caches drop everything
      if (listenedBefore) this.dispatch({ kind: 'all' })
      listenedBefore = true
      this.ready.resolve()
      await gone
      this.client = null
      await endClient(client)
      if (this.closed) break
      this.ready = deferred()
      await this.sleep(backoff)
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS)
    }
    this.ready.resolve()
  }

  private dispatch (event: Invalidation): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch (err) {
        this.onError(toError(err))
      }
    }
  }

  private async sleep (ms: number): Promise<void> {
    if (this.closed) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { this.wake = null; resolve() }, ms)
      this.wake = () => { clearTimeout(timer); this.wake = null; resolve() }
    })
  }
}

/**
 * A host app process for test/multiprocess/*.test.ts: Fastify + the plugin on a
 * PostgresStore (the database, table prefix and NOTIFY channel given by the parent) or a
 * SqliteStore on a file shared with other processes,
 * listening on 127.0.0.1 on a random port. It talks to the parent over IPC:
 *
 * - sends `{ type: 'ready', url }` once it listens AND its LISTEN connection is up;
 * - sends `{ type: 'statusChange', change }` for every `onStatusChange` call;
 * - answers `{ type: 'stats', id }` with `{ type: 'stats', id, getByUser, changes }`
 *   (IPC is ordered, so every earlier `statusChange` has reached the parent by then);
 * - on `{ type: 'close' }` (or when the parent goes away) closes the app and exits.
 *
 * Routes besides the plugin's: `GET /profile` (requireVerified), `GET /withdraw` (requireReauth),
 * `POST /payout { amount }` (requireReauth bound to the amount).
 */
import Fastify from 'fastify'
import fastifyPassbase, { type StatusChange } from '../../src/index.js'
import { PostgresStore } from '../../src/stores/postgres/index.js'
import { SqliteStore } from '../../src/stores/sqlite/index.js'
import type { VerificationRecord } from '../../src/stores/types.js'

export interface HostWorkerConfig {
  name: string
  /** a SqliteStore on this file instead of the PostgresStore */
  sqliteFile?: string
  /** onStatusChange tells the parent, then never returns (the parent kills the process there) */
  stallOnStatusChange?: boolean
  connectionString: string
  tablePrefix: string
  channel: string
  cacheTtlMs: number
  apiBaseUrl: string
  /** passed in rather than imported from ./helpers/app.js: that would compile the whole sandbox in each worker */
  secretApiKey: string
  webhookSecret: string
  reauthSecret: string
}

export type WorkerMessage =
  | { type: 'ready', name: string, url: string }
  | { type: 'statusChange', name: string, change: StatusChange }
  | { type: 'stalled', name: string, change: StatusChange }
  | { type: 'stats', id: number, name: string, getByUser: number, changes: number }
  | { type: 'fatal', name: string, error: string }

export type ParentMessage =
  | { type: 'stats', id: number }
  | { type: 'close' }

/** Counts store reads of the guards, so the parent can tell a cache hit from a miss. */
class CountingPostgresStore extends PostgresStore {
  getByUserCalls = 0

  override async getByUser (userId: string, now: number): Promise<VerificationRecord | null> {
    this.getByUserCalls++
    return await super.getByUser(userId, now)
  }
}

/** The host's own authentication, simplified: the `x-user` header. */
function getUserId (request: { headers: Record<string, unknown> }): string | null {
  const user = request.headers['x-user']
  return typeof user === 'string' && user !== '' ? user : null
}

function send (message: WorkerMessage): void {
  process.send?.(message)
}

async function main (): Promise<void> {
  const config = JSON.parse(process.argv[2] as string) as HostWorkerConfig
  const { name } = config
  const store = config.sqliteFile !== undefined
    ? Object.assign(new SqliteStore({ filename: config.sqliteFile }), { getByUserCalls: 0, listening: async () => {} })
    : new CountingPostgresStore({
      connectionString: config.connectionString,
      tablePrefix: config.tablePrefix,
      channel: config.channel,
      poolConfig: { max: 12 }
    })
  let changes = 0
  const app = Fastify({ logger: false, forceCloseConnections: true })
  await app.register(fastifyPassbase, {
    secretApiKey: config.secretApiKey,
    webhookSecret: config.webhookSecret,
    apiBaseUrl: config.apiBaseUrl,
    getUserId,
    store,
    ...(config.cacheTtlMs === undefined ? {} : { cacheTtlMs: config.cacheTtlMs }),
    api: { timeoutMs: 5000, retries: 1 },
    reauth: { secret: config.reauthSecret, cookie: { secure: false } },
    async onStatusChange (change) {
      if (config.stallOnStatusChange === true) {
        send({ type: 'stalled', name, change })
        await new Promise(() => {})
      }
      changes++
      send({ type: 'statusChange', name, change })
    }
  })
  app.get('/profile', { preHandler: app.requireVerified }, async (request) => ({ ok: true, host: name, identityId: request.verification?.identityId }))
  app.get('/withdraw', { preHandler: app.requireReauth }, async () => ({ ok: true, host: name }))
  app.post('/payout', {
    preHandler: app.passbase.requireReauth({ action: (request) => ({ amount: String((request.body as { amount?: unknown } | undefined)?.amount ?? '') }) })
  }, async () => ({ paid: true, host: name }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  // notifications sent before LISTEN is up would be lost: only report ready once it is
  await store.listening()
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0

  let closing: Promise<void> | null = null
  const shutdown = async (): Promise<void> => {
    closing ??= (async () => {
      await app.close().catch(() => {})
      process.disconnect?.()
    })()
    await closing
  }
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stats') {
      send({ type: 'stats', id: message.id, name, getByUser: store.getByUserCalls, changes })
    } else if (message.type === 'close') {
      void shutdown()
    }
  })
  // the parent died or closed the channel: do not linger
  process.once('disconnect', () => { void shutdown() })
  send({ type: 'ready', name, url: `http://127.0.0.1:${port}` })
}

if (process.argv[1] !== undefined && /multiprocess[/\\]host-worker\.[cm]?[tj]s$/.test(process.argv[1])) {
  main().catch((err: unknown) => {
    console.error(err)
    send({ type: 'fatal', name: 'worker', error: String(err instanceof Error ? err.stack : err) })
    process.exitCode = 1
    process.disconnect?.()
  })
}

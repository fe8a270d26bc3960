import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import { Agent, request } from 'undici'
import fastifyPassbase, { type StatusChange } from '../../src/index.js'
import type { ReviewStatus } from '../../src/sandbox/index.js'
import { PostgresStore } from '../../src/stores/postgres/index.js'
import { encryptWebhook, webhookKey } from '../../src/protocol/crypto.js'
import { getUserId, harness, SECRET_API_KEY, WEBHOOK_SECRET } from '../helpers/app.js'
import { postgresForTap, uniquePrefix } from '../helpers/postgres.js'
import { scaled } from '../helpers/time.js'

/**
 * A bounded load test on PostgreSQL, over loopback HTTP only. Two plugin instances
 * share one database; the sandbox delivers to instance A (every delivery duplicated),
 * and the test replays every delivery to instance B at the same time. Meanwhile
 * guarded requests, status reads, new links and link races run concurrently. The
 * work is a fixed amount, so it stops by itself.
 *
 * Checked: no error (no 5xx, no unexpected status, no failed delivery), and per
 * identity exactly the transitions the provider made, in order, each once (counted
 * by onStatusChange across both instances).
 */

const IDENTITIES = 40
const SEQUENCE: ReviewStatus[] = ['pending', 'approved', 'declined', 'approved']
const SCORE: Record<ReviewStatus, number> = { pending: 0.8, approved: 0.95, declined: 0.3 }
const GUARD_WORKERS = 12
const MIN_GUARDED = 4000
const MAX_GUARDED = 20_000
const key = webhookKey(WEBHOOK_SECRET)

const server = await postgresForTap(t)
if (server !== null) {
  t.test('mixed traffic with concurrent webhooks on PostgreSQL: zero errors, zero lost or duplicated transitions', { timeout: scaled(120_000) }, async (t) => {
    const tablePrefix = uniquePrefix('load')
    const changes: StatusChange[] = []
    const errors: string[] = []
    const onStatusChange = (c: StatusChange): void => { changes.push(c) }
    const count5xx = (app: FastifyInstance, name: string): void => {
      app.addHook('onResponse', async (request, reply) => {
        if (reply.statusCode >= 500) errors.push(`${name}: ${request.method} ${request.url} → ${reply.statusCode}`)
      })
    }

    const storeA = new PostgresStore({ connectionString: server.connectionString, tablePrefix, poolConfig: { max: 10 } })
    const h = await harness({
      plugin: { store: storeA, onStatusChange, api: { timeoutMs: 5000, retries: 2 } },
      sandbox: { retry: { attempts: 6, baseMs: 50 }, faults: { deliveries: { duplicate: 1 } } },
      before: async (app) => { count5xx(app, 'A') }
    })
    t.teardown(h.close)

    // instance B: same database, its own store, cache and API client
    const storeB = new PostgresStore({ connectionString: server.connectionString, tablePrefix, poolConfig: { max: 10 } })
    const b = Fastify({ logger: false })
    count5xx(b, 'B')
    await b.register(fastifyPassbase, { secretApiKey: SECRET_API_KEY, webhookSecret: WEBHOOK_SECRET, apiBaseUrl: h.sandbox.apiBaseUrl, getUserId, store: storeB, onStatusChange })
    b.get('/profile', { preHandler: b.requireVerified }, async () => ({ ok: true }))
    await b.listen({ port: 0, host: '127.0.0.1' })
    t.teardown(async () => { await b.close() })
    const address = b.server.address()
    const urlB = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`

    const agent = new Agent({ connections: 32 })
    t.teardown(async () => { await agent.close() })
    const call = async (base: string, method: 'GET' | 'POST', path: string, opts: { user?: string, json?: unknown, text?: string } = {}): Promise<{ status: number, body: string }> => {
      const headers: Record<string, string> = {}
      if (opts.user !== undefined) headers['x-user'] = opts.user
      let body: string | undefined
      if (opts.json !== undefined) { headers['content-type'] = 'application/json'; body = JSON.stringify(opts.json) }
      if (opts.text !== undefined) { headers['content-type'] = 'text/plain'; body = opts.text }
      const res = await request(base + path, { method, headers, body, dispatcher: agent })
      return { status: res.statusCode, body: await res.body.text() }
    }
    const expect = (what: string, status: number, allowed: number[]): void => {
      if (!allowed.includes(status)) errors.push(`${what}: unexpected ${status}`)
    }

    // link the identities that will be reviewed (concurrently, over HTTP)
    const users = Array.from({ length: IDENTITIES }, (_, i) => `load-user-${i}`)
    const ids: string[] = []
    for (let i = 0; i < IDENTITIES; i++) ids.push((await h.sandbox.createIdentity({ status: 'processing' })).id)
    await Promise.all(ids.map(async (id, i) => {
      const res = await call(h.url, 'POST', '/passbase/verifications', { user: users[i], json: { identityAccessKey: id } })
      expect('link', res.status, [201])
    }))

    // set by the reviewers' promise while the guard workers loop (an object: the loop reads it across awaits)
    const reviews = { running: true }
    let guarded = 0
    const replays: Array<Promise<void>> = []

    // guarded requests and status reads on both instances, until the reviews are done (and at least MIN_GUARDED ran)
    const guardWorker = async (w: number): Promise<void> => {
      let n = 0
      while ((reviews.running || guarded < MIN_GUARDED) && guarded < MAX_GUARDED) {
        guarded++
        const user = users[(w * 7 + n++) % users.length]!
        const base = n % 2 === 0 ? h.url : urlB
        const res = await call(base, 'GET', '/profile', { user })
        expect('guarded', res.status, [200, 403])
        if (n % 10 === 0) expect('status', (await call(h.url, 'GET', '/passbase/status', { user })).status, [200])
      }
    }

    // each identity goes through SEQUENCE; each review's deliveries are also replayed to B
    const reviewer = async (id: string): Promise<void> => {
      for (const status of SEQUENCE) {
        const records = await h.sandbox.review(id, { status, score: SCORE[status] })
        for (const r of records) {
          if (r.status !== 200) errors.push(`delivery ${r.event} ${id}: ${String(r.status)} after ${r.attempts} attempts`)
          replays.push(call(urlB, 'POST', '/passbase/webhooks', { text: encryptWebhook(key, JSON.stringify(r.body)) })
            .then((res) => { expect('replay to B', res.status, [200]) }))
        }
      }
    }

    // new links during the load, including races of two users for one identity
    const linker = async (): Promise<number> => {
      let races = 0
      for (let i = 0; i < 15; i++) {
        const identity = await h.sandbox.createIdentity({ status: 'processing' })
        const [x, y] = await Promise.all([
          call(h.url, 'POST', '/passbase/verifications', { user: `racer-a-${i}`, json: { identityAccessKey: identity.id } }),
          call(urlB, 'POST', '/passbase/verifications', { user: `racer-b-${i}`, json: { identityAccessKey: identity.id } })
        ])
        const statuses = [x.status, y.status].sort()
        if (statuses.join() === '201,409') races++
        else errors.push(`link race ${i}: ${statuses.join()}`)
      }
      return races
    }

    const guards = Array.from({ length: GUARD_WORKERS }, async (_, w) => await guardWorker(w))
    const [races] = await Promise.all([
      linker(),
      Promise.all(ids.map(reviewer)).finally(() => { reviews.running = false }),
      ...guards
    ])
    await Promise.all(replays)
    await h.sandbox.settled()

    t.same(errors, [], 'zero errors')
    t.equal(races, 15, 'every link race: exactly one 201 and one 409')
    t.ok(guarded > 0, `${guarded} guarded requests ran alongside`)
    const deliveries = h.sandbox.stats().deliveries
    t.equal(deliveries.failed, 0, 'no delivery failed')
    // a review is VERIFICATION_COMPLETED + VERIFICATION_REVIEWED; a manual review (pending) only COMPLETED
    const events = SEQUENCE.reduce((n, s) => n + (s === 'pending' ? 1 : 2), 0)
    t.equal(deliveries.succeeded, IDENTITIES * events * 2, 'every delivery (and its duplicate) answered 200')

    // exactly the provider's transitions, in order, once each, across both instances
    const expected = ['created>processing', ...SEQUENCE.map((s, i) => `${i === 0 ? 'processing' : SEQUENCE[i - 1]}>${s}`)]
    let wrong = 0
    for (const id of ids) {
      const seen = changes.filter((c) => c.identityId === id).map((c) => `${c.from}>${c.to}`)
      if (seen.join() !== expected.join()) {
        wrong++
        t.comment(`${id}: ${seen.join(' ')}`)
      }
    }
    t.equal(wrong, 0, `every identity: ${expected.join(' ')} (no lost, no duplicated transition)`)
    for (const [i, id] of ids.entries()) {
      const record = await storeB.getByIdentity(id)
      if (record?.status !== SEQUENCE[SEQUENCE.length - 1] || record.userId !== users[i]) wrong++
    }
    t.equal(wrong, 0, 'final state in the database is the provider\'s')
    t.comment(`guarded requests: ${guarded}, webhooks: ${deliveries.total} to A + ${replays.length} replays to B, transitions: ${changes.length}`)
  })
}

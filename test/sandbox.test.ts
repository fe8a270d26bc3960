import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { createSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox/index.js'
import { decryptWebhook, webhookKey } from '../src/protocol/crypto.js'

const SECRET_API_KEY = 'sk_test_secret'
const WEBHOOK_SECRET = 'abcdefghijklmnopqrstuvwxyz012345'

interface Received {
  headers: IncomingHttpHeaders
  raw: string
  body: Record<string, unknown>
}

/** a webhook receiver: answers with `statuses` in turn (then 200); -1 destroys the socket */
async function receiver (statuses: number[] = [], secret: string | null = WEBHOOK_SECRET) {
  const received: Received[] = []
  const queue = [...statuses]
  const server = createServer((req, res) => {
    let raw = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => { raw += chunk })
    req.on('end', () => {
      const status = queue.shift() ?? 200
      if (status === -1) {
        req.socket.destroy()
        return
      }
      const text = secret === null ? raw : decryptWebhook(webhookKey(secret), raw)
      received.push({ headers: req.headers, raw, body: JSON.parse(text ?? 'null') })
      res.statusCode = status
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/passbase/webhooks`,
    received,
    queue,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  }
}

async function sandboxFor (t: Test, options: Partial<SandboxOptions> = {}): Promise<Sandbox> {
  const sandbox = await createSandbox({
    secretApiKey: SECRET_API_KEY,
    webhookSecret: WEBHOOK_SECRET,
    retry: { attempts: 3, baseMs: 5 },
    ...options
  })
  t.teardown(() => sandbox.close())
  return sandbox
}

async function api (sandbox: Sandbox, path: string, key: string | null = SECRET_API_KEY, init: RequestInit = {}) {
  const headers: Record<string, string> = key === null ? {} : { 'x-api-key': key }
  return await fetch(sandbox.apiBaseUrl + path, { ...init, headers })
}

t.test('createSandbox starts a server and validates its options', async (t) => {
  const sandbox = await sandboxFor(t)
  t.match(sandbox.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.equal(sandbox.apiBaseUrl, sandbox.url + '/verification/v2')
  t.equal(sandbox.buttonUrl, sandbox.url + '/button.js')
  t.match(sandbox.publishableApiKey, /^pk_sandbox_/)
  t.equal(sandbox.secretApiKey, SECRET_API_KEY)
  t.equal(sandbox.webhookSecret, WEBHOOK_SECRET)
  t.equal(sandbox.webhookUrl, undefined)
  const home = await (await fetch(sandbox.url + '/')).json()
  t.match(home, { name: 'passbase-sandbox', apiBaseUrl: sandbox.apiBaseUrl, identities: 0 })

  await t.rejects(createSandbox({ secretApiKey: '' }), /secretApiKey is required/)
  await t.rejects(createSandbox({ secretApiKey: 'k', webhookSecret: 'short' }), /32 ASCII/)
  await t.rejects(createSandbox({ secretApiKey: 'k', processingDelayMs: -1 }), /processingDelayMs/)
  await t.rejects(createSandbox({ secretApiKey: 'k', retry: { baseMs: Number.NaN } }), /retry.baseMs/)
  const port = Number(new URL(sandbox.url).port)
  await t.rejects(createSandbox({ secretApiKey: 'k', port }), /EADDRINUSE/)
})

t.test('the API checks X-API-KEY', async (t) => {
  const sandbox = await sandboxFor(t)
  const identity = await sandbox.createIdentity()
  for (const key of [null, 'wrong', '']) {
    const res = await api(sandbox, `/identities/${identity.id}`, key)
    t.equal(res.status, 401, `key ${String(key)}`)
    t.match(await res.json(), { message: /X-API-KEY/ })
  }
  t.equal((await api(sandbox, '/identities')).status, 200)
  t.equal((await api(sandbox, '/settings', 'nope')).status, 401)
})

t.test('identities have the wire format', async (t) => {
  const sandbox = await sandboxFor(t)
  const before = Math.floor(Date.now() / 1000)
  const identity = await sandbox.createIdentity()
  t.match(identity.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  t.equal(identity.status, 'created')
  t.equal(identity.score, 0)
  t.equal(identity.metadata, null)
  t.ok(identity.created >= before && identity.updated === identity.created)
  t.match(identity.owner, { email: /@example\.com$/, first_name: String, last_name: String })
  t.match(identity.resources, [{ type: 'PASSPORT', datapoints: { document_number: /^P\d{8}$/, date_of_birth: /^\d{4}-\d{2}-\d{2}$/ } }])
  t.equal(identity.extra_field, 'clients must tolerate unknown fields')
  t.notOk('watchlist' in identity)

  const res = await api(sandbox, `/identities/${identity.id}`)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /application\/json/)
  t.same(await res.json(), identity)
  t.same(sandbox.getIdentity(identity.id), identity)
  t.equal(sandbox.getIdentity('nope'), undefined)

  const missing = await api(sandbox, '/identities/00000000-0000-4000-8000-000000000000')
  t.equal(missing.status, 404)
  t.match(await missing.json(), { message: 'Identity not found' })

  const custom = await sandbox.createIdentity({
    id: 'custom-id',
    status: 'approved',
    owner: { email: 'ada@example.org', first_name: 'Ada' },
    metadata: { user_id: 'u1' },
    watchlist: { status: 'clear' }
  })
  t.match(custom, { id: 'custom-id', status: 'approved', score: 0.95, metadata: { user_id: 'u1' }, watchlist: { status: 'clear' } })
  t.match(custom.owner, { email: 'ada@example.org', first_name: 'Ada', last_name: String })
  t.equal(custom.resources[0].datapoints.first_name, 'Ada')
  t.equal((await sandbox.createIdentity({ status: 'declined' })).score, 0.3)
  t.equal((await sandbox.createIdentity({ status: 'pending', score: 0.5 })).score, 0.5)
  await t.rejects(sandbox.createIdentity({ id: 'custom-id' }), /already exists/)
  await t.rejects(sandbox.createIdentity({ id: '' }), /non-empty/)
  await t.rejects(sandbox.createIdentity({ score: 2 }), /score/)
  // @ts-expect-error an invalid status
  await t.rejects(sandbox.createIdentity({ status: 'weird' }), /unknown identity status/)

  // the returned objects are copies
  custom.metadata!.user_id = 'changed'
  t.same(sandbox.getIdentity('custom-id')?.metadata, { user_id: 'u1' })
  t.equal(sandbox.listIdentities().length, 4)
})

t.test('setIdentity changes without delivering and bumps updated', async (t) => {
  const rx = await receiver()
  t.teardown(rx.close)
  const sandbox = await sandboxFor(t, { webhookUrl: rx.url })
  const identity = await sandbox.createIdentity()
  const a = sandbox.setIdentity(identity.id, { status: 'processing', owner: { email: 'x@example.com' } })
  t.equal(a.status, 'processing')
  t.equal(a.owner.email, 'x@example.com')
  t.equal(a.owner.first_name, identity.owner.first_name)
  t.ok(a.updated > identity.updated)
  const b = sandbox.setIdentity(identity.id, { score: 0.4, metadata: null, watchlist: { hits: 1 } })
  t.ok(b.updated > a.updated)
  t.match(b, { score: 0.4, metadata: null, watchlist: { hits: 1 } })
  const c = sandbox.setIdentity(identity.id, { created: 100, updated: 200 })
  t.match(c, { created: 100, updated: 200 })
  t.throws(() => sandbox.setIdentity('nope', { status: 'approved' }), /unknown identity/)
  t.throws(() => sandbox.setIdentity(identity.id, { score: -1 }), /score/)
  t.equal(sandbox.deliveries.length, 0)
  t.equal(rx.received.length, 0)
})

t.test('GET /identities pages in a stable order with an opaque cursor', async (t) => {
  const sandbox = await sandboxFor(t)
  const ids: string[] = []
  for (let i = 0; i < 7; i++) ids.push((await sandbox.createIdentity()).id)
  sandbox.setIdentity(ids[6], { created: 1 }) // oldest by created
  const expected = sandbox.listIdentities().map((i) => i.id)
  t.equal(expected[0], ids[6])
  t.same([...expected.slice(1)].sort(), expected.slice(1), 'same created: ordered by id')

  const seen: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const query: string = `?limit=3${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`
    const res = await api(sandbox, `/identities${query}`)
    t.equal(res.status, 200)
    const page = await res.json() as { cursor: { next: string | null }, data: Array<{ id: string }> }
    seen.push(...page.data.map((i) => i.id))
    cursor = page.cursor.next
    pages++
  } while (cursor !== null)
  t.equal(pages, 3)
  t.same(seen, expected)

  const all = await (await api(sandbox, '/identities')).json() as { cursor: { next: null }, data: unknown[] }
  t.equal(all.data.length, 7)
  t.equal(all.cursor.next, null)

  const exact = await (await api(sandbox, '/identities?limit=7')).json() as { cursor: { next: null } }
  t.equal(exact.cursor.next, null, 'no next cursor when the page ends the list')

  for (const bad of ['0', '101', 'x', '-1']) {
    t.equal((await api(sandbox, `/identities?limit=${bad}`)).status, 400, `limit ${bad}`)
  }
  const badCursor = await api(sandbox, '/identities?cursor=not-a-cursor')
  t.equal(badCursor.status, 400)
  t.match(await badCursor.json(), { message: 'invalid cursor' })
  const past = Buffer.from(JSON.stringify([9999999999, 'z'])).toString('base64url')
  t.same((await (await api(sandbox, `/identities?cursor=${past}`)).json()), { cursor: { next: null }, data: [] })
})

t.test('resources, resource files and settings', async (t) => {
  const sandbox = await sandboxFor(t)
  const identity = await sandbox.createIdentity({ owner: { first_name: 'Grace', last_name: 'Hopper' } })
  const list = await api(sandbox, `/identity/${identity.id}/resources`)
  t.equal(list.status, 200)
  const { data } = await list.json() as { data: Array<{ id: string, type: string, datapoints: Record<string, unknown>, resource_files: Array<{ id: string }> }> }
  t.equal(data.length, 1)
  const [resource] = data
  t.match(resource, { id: String, type: 'PASSPORT', datapoints: { first_name: 'Grace', last_name: 'Hopper', nationality: 'DEU' } })
  t.equal(resource.resource_files.length, 1)

  const one = await api(sandbox, `/identity/${identity.id}/resources/${resource.id}`)
  t.same(await one.json(), resource)

  const file = await api(sandbox, `/identity/${identity.id}/resources/${resource.id}/resource_files/${resource.resource_files[0].id}`)
  t.equal(file.status, 200)
  t.equal(file.headers.get('content-type'), 'image/png')
  const bytes = Buffer.from(await file.arrayBuffer())
  t.same([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

  t.equal((await api(sandbox, '/identity/nope/resources')).status, 404)
  t.equal((await api(sandbox, `/identity/${identity.id}/resources/nope`)).status, 404)
  const noFile = await api(sandbox, `/identity/${identity.id}/resources/${resource.id}/resource_files/nope`)
  t.equal(noFile.status, 404)
  t.match(await noFile.json(), { message: 'Resource file not found' })

  const settings = await (await api(sandbox, '/settings')).json()
  t.match(settings, { project: { environment: 'sandbox' }, webhooks: { url: null, encrypted: true } })
})

t.test('review delivers VERIFICATION_COMPLETED then VERIFICATION_REVIEWED, encrypted', async (t) => {
  const rx = await receiver()
  t.teardown(rx.close)
  const sandbox = await sandboxFor(t)
  sandbox.webhookUrl = rx.url // set after start, like a host app that listens later
  const identity = await sandbox.createIdentity({ status: 'processing' })

  const records = await sandbox.review(identity.id, { status: 'approved', score: 0.91 })
  const after = sandbox.getIdentity(identity.id)!
  t.match(after, { status: 'approved', score: 0.91 })
  t.ok(after.updated > identity.updated, 'updated strictly increases')

  t.equal(rx.received.length, 2)
  for (const r of rx.received) {
    t.equal(r.headers['content-type'], 'text/plain')
    t.match(r.raw, /^[A-Za-z0-9+/]+=*$/)
  }
  const [completed, reviewed] = rx.received.map((r) => r.body)
  t.match(completed, { event: 'VERIFICATION_COMPLETED', key: identity.id, status: 'pending', created: identity.created, updated: after.updated })
  t.same(Object.keys(reviewed).sort(), ['created', 'event', 'key', 'processed', 'status', 'updated'])
  t.match(reviewed, { event: 'VERIFICATION_REVIEWED', key: identity.id, status: 'approved', created: identity.created, updated: after.updated })
  t.type(reviewed.processed, 'number')

  t.equal(records.length, 2)
  t.match(records[1], { event: 'VERIFICATION_REVIEWED', key: identity.id, status: 200, attempts: 1, duplicate: false, dropped: false })
  t.same(records[1].body, reviewed)
  t.same(sandbox.deliveries.map((d) => d.event), ['VERIFICATION_COMPLETED', 'VERIFICATION_REVIEWED'])

  // a second review in the same second still moves updated forward
  await sandbox.review(identity.id, { status: 'declined' })
  const again = sandbox.getIdentity(identity.id)!
  t.ok(again.updated > after.updated)
  t.equal(again.score, 0.91, 'score kept when the review gives none')
  t.equal(rx.received[3].body.updated, again.updated)
  t.equal(rx.received[3].body.status, 'declined')

  // an unscored identity gets a default score for its review
  const fresh = await sandbox.createIdentity({ status: 'processing' })
  await sandbox.review(fresh.id, { status: 'pending' })
  t.equal(sandbox.getIdentity(fresh.id)?.score, 0.8)

  await t.rejects(sandbox.review('nope', { status: 'approved' }), /unknown identity/)
  // @ts-expect-error an invalid review status
  await t.rejects(sandbox.review(identity.id, { status: 'processing' }), /review status/)
})

t.test('without a webhook secret deliveries are plain JSON', async (t) => {
  const rx = await receiver([], null)
  t.teardown(rx.close)
  const sandbox = await sandboxFor(t, { webhookSecret: undefined, webhookUrl: rx.url })
  t.equal(sandbox.webhookSecret, undefined)
  const identity = await sandbox.createIdentity()
  await sandbox.review(identity.id, { status: 'approved' })
  t.equal(rx.received[0].headers['content-type'], 'application/json')
  t.match(rx.received[1].body, { event: 'VERIFICATION_REVIEWED', key: identity.id })
  t.match(await (await api(sandbox, '/settings')).json(), { webhooks: { url: rx.url, encrypted: false } })
})

t.test('deliveries retry non-2xx answers and network errors with backoff', async (t) => {
  const rx = await receiver([500, -1, 202])
  t.teardown(rx.close)
  const sandbox = await sandboxFor(t, { webhookUrl: rx.url, retry: { attempts: 4, baseMs: 20 } })
  const started = Date.now()
  const record = await sandbox.deliver({ event: 'DATAPOINT_UPDATED', key: 'k1', resource_key: 'r', type: 'email', value: 'x' })
  t.ok(Date.now() - started >= 20 + 40, 'exponential backoff')
  t.match(record, { event: 'DATAPOINT_UPDATED', key: 'k1', status: 202, attempts: 3 })
  t.notOk('error' in record)
  t.equal(rx.received.length, 2, 'the destroyed attempt was not received')

  rx.queue.push(503, 503, 503, 503)
  const failed = await sandbox.deliver({ event: 'VERIFICATION_REVIEWED', key: 'k2', status: 'approved' })
  t.match(failed, { status: 503, attempts: 4, error: 'HTTP 503' })

  rx.queue.push(-1, -1, -1, -1)
  const network = await sandbox.deliver({ event: 'VERIFICATION_REVIEWED', key: 'k3' })
  t.match(network, { status: null, attempts: 4, error: String })

  t.match(sandbox.stats().deliveries, { total: 3, succeeded: 1, failed: 2, dropped: 0 })
})

t.test('a sandbox without a webhook URL records deliveries as not sent', async (t) => {
  const sandbox = await sandboxFor(t)
  const identity = await sandbox.createIdentity()
  const records = await sandbox.review(identity.id, { status: 'approved' })
  t.match(records, [{ status: null, attempts: 0, error: 'no webhook URL set' }, { status: null, attempts: 0 }])
})

t.test('authenticate delivers IDENTITY_AUTHENTICATED without touching the identity', async (t) => {
  const rx = await receiver()
  t.teardown(rx.close)
  const sandbox = await sandboxFor(t, { webhookUrl: rx.url })
  const identity = await sandbox.createIdentity({ status: 'approved' })
  const first = await sandbox.authenticate(identity.id)
  const second = await sandbox.authenticate(identity.id)
  const failed = await sandbox.authenticate(identity.id, { success: false })
  t.same(sandbox.getIdentity(identity.id), identity, 'identity unchanged')
  t.match(first.body, { event: 'IDENTITY_AUTHENTICATED', key: identity.id, status: 'approved', created: identity.created })
  t.ok(Math.abs(Number(first.body.updated) - Date.now() / 1000) < 5, 'updated is now')
  t.ok(Number(second.body.updated) > Number(first.body.updated), 'two logins never share an updated')
  t.equal(failed.body.status, 'declined')
  t.same(rx.received.map((r) => r.body), [first.body, second.body, failed.body])
  await t.rejects(sandbox.authenticate('nope'), /unknown identity/)
})

t.test('API faults: forced status, Retry-After, seeded failRate, latency, hang', async (t) => {
  const sandbox = await sandboxFor(t, { faults: { api: { status: 503 } } })
  const identity = await sandbox.createIdentity()
  const forced = await api(sandbox, `/identities/${identity.id}`)
  t.equal(forced.status, 503)
  t.match(await forced.json(), { message: /forced status 503/ })
  t.equal(forced.headers.get('retry-after'), null)

  sandbox.faults.api = { status: 429, retryAfter: 7 }
  const limited = await api(sandbox, `/identities/${identity.id}`, null)
  t.equal(limited.status, 429, 'faults apply before authentication')
  t.equal(limited.headers.get('retry-after'), '7')

  sandbox.faults.api = {}
  t.equal((await api(sandbox, `/identities/${identity.id}`)).status, 200)

  const rates = async (seed: number): Promise<number[]> => {
    const s = await sandboxFor(t, { seed, faults: { api: { failRate: 0.5 } } })
    const statuses: number[] = []
    for (let i = 0; i < 40; i++) statuses.push((await api(s, '/settings')).status)
    return statuses
  }
  const a = await rates(7)
  const b = await rates(7)
  t.same(a, b, 'same seed, same faults')
  const failures = a.filter((s) => s === 500).length
  t.ok(failures > 8 && failures < 32, `about half fail (${failures}/40)`)
  t.same([...new Set(a)].sort(), [200, 500])

  sandbox.faults = { api: { failRate: 1 } }
  t.equal((await api(sandbox, '/settings')).status, 500)
  t.same(sandbox.faults.deliveries, {}, 'assigning faults fills in the missing part')

  sandbox.faults = { api: { latencyMs: 120 } }
  const started = Date.now()
  t.equal((await api(sandbox, '/settings')).status, 200)
  t.ok(Date.now() - started >= 110, 'latency added')

  sandbox.faults.api = { hang: true }
  await t.rejects(api(sandbox, '/settings', SECRET_API_KEY, { signal: AbortSignal.timeout(150) }), /aborted/)
  sandbox.faults.api = {}
  t.equal((await api(sandbox, '/settings')).status, 200)
})

t.test('a burst of slow answers raises no MaxListenersExceededWarning (regression)', async (t) => {
  const sandbox = await sandboxFor(t, { faults: { api: { latencyMs: 30 } } })
  const warnings: string[] = []
  const onWarning = (w: Error): void => { warnings.push(w.name) }
  process.on('warning', onWarning)
  t.teardown(() => { process.off('warning', onWarning) })
  // each slow answer waits on the sandbox's closing signal (default limit: 10 listeners)
  const statuses = await Promise.all(Array.from({ length: 40 }, async () => (await api(sandbox, '/settings')).status))
  t.same(new Set(statuses), new Set([200]))
  await new Promise((resolve) => setImmediate(resolve)) // warnings are emitted on the next tick
  t.same(warnings.filter((name) => name === 'MaxListenersExceededWarning'), [])
})

t.test('close ends hanging API requests', async (t) => {
  const sandbox = await createSandbox({ secretApiKey: SECRET_API_KEY, faults: { api: { hang: true } } })
  const pending = api(sandbox, '/settings').then(() => 'answered', () => 'failed')
  await new Promise((resolve) => setTimeout(resolve, 50))
  await sandbox.close()
  t.equal(await pending, 'failed')
  await sandbox.close() // idempotent
})

t.test('delivery faults: duplicate, reorder, drop, delay', async (t) => {
  const rx = await receiver()
  t.teardown(rx.close)
  const sandbox = await sandboxFor(t, { webhookUrl: rx.url, faults: { deliveries: { duplicate: 2 } } })
  const identity = await sandbox.createIdentity()

  const records = await sandbox.review(identity.id, { status: 'approved' })
  t.equal(rx.received.length, 6, 'each event three times')
  t.equal(sandbox.deliveries.length, 6)
  t.equal(sandbox.deliveries.filter((d) => d.duplicate).length, 4)
  t.same(records.map((r) => r.duplicate), [false, false])
  t.same(rx.received.slice(0, 3).map((r) => r.body.event), Array(3).fill('VERIFICATION_COMPLETED'), 'the next event waits for all copies')

  rx.received.length = 0
  sandbox.faults.deliveries = { reorder: true }
  await sandbox.review(identity.id, { status: 'declined' })
  t.same(rx.received.map((r) => r.body.event), ['VERIFICATION_REVIEWED', 'VERIFICATION_COMPLETED'])

  rx.received.length = 0
  sandbox.faults.deliveries = { drop: true }
  const dropped = await sandbox.review(identity.id, { status: 'approved' })
  t.equal(rx.received.length, 0)
  t.match(dropped, [{ status: null, attempts: 0, dropped: true }, { status: null, dropped: true }])
  t.equal(sandbox.stats().deliveries.dropped, 2)

  sandbox.faults.deliveries = { delayMs: 80 }
  const started = Date.now()
  await sandbox.deliver({ event: 'VERIFICATION_REVIEWED', key: identity.id })
  t.ok(Date.now() - started >= 75, 'delayed')
  t.equal(rx.received.length, 1)
})

t.test('stats count API requests per kind and per identity', async (t) => {
  const sandbox = await sandboxFor(t)
  const a = await sandbox.createIdentity()
  const b = await sandbox.createIdentity()
  const listed = await (await api(sandbox, `/identity/${a.id}/resources`)).json() as { data: Array<{ id: string, resource_files: Array<{ id: string }> }> }
  const [resource] = listed.data
  await api(sandbox, `/identities/${a.id}`)
  await api(sandbox, `/identities/${a.id}`, 'wrong')
  await api(sandbox, `/identities/${b.id}`)
  await api(sandbox, '/identities')
  await api(sandbox, `/identity/${a.id}/resources/${resource.id}`)
  await api(sandbox, `/identity/${a.id}/resources/${resource.id}/resource_files/${resource.resource_files[0].id}`)
  await api(sandbox, '/settings')
  await api(sandbox, '/unknown-route')
  t.equal(sandbox.apiRequests, 8)
  t.same(sandbox.stats().api, {
    total: 8,
    byKind: { getIdentity: 3, listIdentities: 1, listResources: 1, getResource: 1, getResourceFile: 1, settings: 1 },
    byIdentity: { [a.id]: 5, [b.id]: 1 }
  })
  sandbox.resetStats()
  t.same(sandbox.stats(), {
    api: { total: 0, byKind: { getIdentity: 0, listIdentities: 0, listResources: 0, getResource: 0, getResourceFile: 0, settings: 0 }, byIdentity: {} },
    deliveries: { total: 0, succeeded: 0, failed: 0, dropped: 0 }
  })
})

t.test('waitForDelivery, settled and a bounded delivery log', async (t) => {
  const rx = await receiver()
  t.teardown(rx.close)
  const sandbox = await sandboxFor(t, { webhookUrl: rx.url })
  const identity = await sandbox.createIdentity()
  const waiting = sandbox.waitForDelivery((d) => d.event === 'VERIFICATION_REVIEWED')
  void sandbox.review(identity.id, { status: 'approved' })
  t.match(await waiting, { event: 'VERIFICATION_REVIEWED', key: identity.id, status: 200 })
  await sandbox.settled()
  t.equal(rx.received.length, 2)
  t.match(await sandbox.waitForDelivery(), { event: 'VERIFICATION_COMPLETED' }, 'an existing record matches at once')
  await t.rejects(sandbox.waitForDelivery((d) => d.key === 'never', 30), /no matching delivery within 30 ms/)

  sandbox.faults.deliveries.drop = true
  for (let i = 0; i < 1005; i++) void sandbox.deliver({ event: 'X', key: String(i) })
  await sandbox.settled()
  t.equal(sandbox.deliveries.length, 1000)
  t.equal(sandbox.deliveries[999].key, '1004')
  t.ok(sandbox.deliveries[0].seq < sandbox.deliveries[999].seq)
})

t.test('close gives up retries in flight and rejects waiters', async (t) => {
  const rx = await receiver([500, 500, 500, 500, 500])
  t.teardown(rx.close)
  const sandbox = await createSandbox({ secretApiKey: SECRET_API_KEY, webhookUrl: rx.url, retry: { attempts: 5, baseMs: 10_000 } })
  const identity = await sandbox.createIdentity()
  const review = sandbox.review(identity.id, { status: 'approved' })
  const waiter = sandbox.waitForDelivery((d) => d.key === 'never').then(() => 'resolved', (err: Error) => err.message)
  await new Promise((resolve) => setTimeout(resolve, 50))
  await sandbox.close()
  const records = await review
  t.match(records[0], { status: 500, attempts: 1 })
  t.equal(records.length, 2)
  t.match(records[1], { status: null, attempts: 0, error: 'sandbox closed' })
  t.equal(await waiter, 'sandbox: closed')
  await t.rejects(sandbox.waitForDelivery((d) => d.key === 'never'), /closed/)
})

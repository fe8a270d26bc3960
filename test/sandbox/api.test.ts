import t from 'tap'
import { createSandbox } from '../../src/sandbox/index.js'
import { api, SECRET_API_KEY, WEBHOOK_SECRET, sandboxFor } from './helpers.js'
import { until } from '../helpers/wait.js'

/** The server: options, X-API-KEY, API faults, close, request statistics. */

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

t.test('createSandbox names the option it refuses', async (t) => {
  const loose = (value: Record<string, unknown>): never => value as never
  await t.rejects(createSandbox(loose({ secretApiKey: 'k', webhookURL: 'http://x' })), /^sandbox: unknown option\(s\) webhookURL$/)
  await t.rejects(createSandbox(loose({ secretApiKey: 'k', clock: { now: 5 } })), /sandbox: clock must be an object with a now\(\) method/)
  await t.rejects(createSandbox(loose({ secretApiKey: 'k', port: 70000 })), /sandbox: port/)
  await t.rejects(createSandbox(loose({ secretApiKey: 'k', retry: { attempt: 2 } })), /unknown option\(s\) attempt/)
  await t.rejects(createSandbox(loose({ secretApiKey: 'k', metadataPublicKey: 42 })), /sandbox: metadataPublicKey/)
  await t.rejects(createSandbox(loose({})), /secretApiKey is required/)
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
  await until(() => sandbox.apiRequests === 1, 'the request reached the sandbox (and hangs)')
  await sandbox.close()
  t.equal(await pending, 'failed')
  await sandbox.close() // idempotent
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

/**
 * Crashes with real processes: two host apps on one SQLite file, one killed with SIGKILL
 * at the worst moment, the other carrying on.
 *
 * (1) Killed mid-delivery (the API fetch under way): the provider's redelivery to the other
 *     instance is processed — v0.1 wrote the de-duplication mark first, so it was answered
 *     as a duplicate and the decline was lost.
 * (2) Killed between the store write and onStatusChange: the other instance hands the
 *     change over once the dead one's lease ends (within 30 s).
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createSandbox } from '../../src/sandbox/index.js'
import { REAUTH_SECRET, SECRET_API_KEY, WEBHOOK_SECRET } from '../helpers/app.js'
import { until } from '../helpers/wait.js'
import { changes, children, stalled, startHost, stopHost, type Host } from './hosts.js'

const dir = mkdtempSync(join(tmpdir(), 'passbase-crash-'))
const sqliteFile = join(dir, 'store.db')
const sandbox = await createSandbox({ secretApiKey: SECRET_API_KEY, webhookSecret: WEBHOOK_SECRET, retry: { attempts: 6, baseMs: 300 }, processingDelayMs: 0 })
t.teardown(async () => {
  await Promise.all(children.map(stopHost))
  await sandbox.close()
  rmSync(dir, { recursive: true, force: true })
})

async function host (name: string, extra: { stallOnStatusChange?: boolean } = {}): Promise<Host> {
  return await startHost({
    name,
    sqliteFile,
    ...extra,
    connectionString: '',
    tablePrefix: 'passbase_',
    channel: 'none',
    cacheTtlMs: 100,
    apiBaseUrl: sandbox.apiBaseUrl,
    secretApiKey: SECRET_API_KEY,
    webhookSecret: WEBHOOK_SECRET,
    reauthSecret: REAUTH_SECRET
  })
}

function killed (h: Host): Promise<void> {
  return new Promise((resolve) => {
    if (h.child.exitCode !== null || h.child.signalCode !== null) resolve()
    else h.child.once('exit', () => { resolve() })
  })
}

async function link (h: Host, user: string): Promise<string> {
  const id = (await sandbox.createIdentity({ status: 'processing' })).id
  const res = await h.request('/passbase/verifications', { method: 'POST', user, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identityAccessKey: id }) })
  if (res.status !== 201) throw new Error(`link: ${res.status} ${await res.text()}`)
  return id
}

const statusOn = async (h: Host, user: string): Promise<string> => ((await (await h.request('/passbase/status', { user })).json()) as { status: string }).status

t.test('(1) killed (SIGKILL) mid-delivery: the redelivery to the other instance applies', async (t) => {
  const [A, B] = await Promise.all([host('A1'), host('B1')])
  const user = `crash-${randomUUID()}`
  const id = await link(A, user)
  await sandbox.review(id, { status: 'approved', score: 0.95 }).catch(() => {})
  sandbox.webhookUrl = `${A.url}/passbase/webhooks`
  t.equal(await statusOn(B, user), 'processing', '(no webhook URL was set during the link: still processing)')
  // the decline: A receives it and hangs on the provider's API; it is killed right there
  sandbox.setIdentity(id, { status: 'declined', score: 0.1 })
  sandbox.faults = { api: { latencyMs: 60_000 } }
  const before = sandbox.stats().api.byIdentity[id] ?? 0
  const delivery = sandbox.deliver({ event: 'VERIFICATION_REVIEWED', key: id, status: 'declined', updated: sandbox.getIdentity(id)!.updated })
  await until(() => (sandbox.stats().api.byIdentity[id] ?? 0) > before, 'A is fetching the identity')
  A.child.kill('SIGKILL')
  await killed(A)
  // the provider retries (A's connection died): this time it reaches B
  sandbox.faults = { api: {} }
  sandbox.webhookUrl = `${B.url}/passbase/webhooks`
  const record = await delivery
  t.equal(record.status, 200, `the redelivery was answered 200 by B after ${record.attempts} attempts`)
  t.equal(await statusOn(B, user), 'declined', 'the decline applied: it was not taken for a duplicate')
  t.equal((await B.request('/profile', { user })).status, 403)
  await stopHost(B)
})

t.test('(2) killed (SIGKILL) between the store write and onStatusChange: the other instance delivers it', async (t) => {
  const [A, B] = await Promise.all([host('A2', { stallOnStatusChange: true }), host('B2')])
  const user = `callback-${randomUUID()}`
  // A links: created→processing is stored by A, whose callback stalls; A is killed there
  const id = await link(A, user)
  await until(() => stalled.some((c) => c.identityId === id), "A's onStatusChange started")
  const change = stalled.find((c) => c.identityId === id)!
  A.child.kill('SIGKILL')
  await killed(A)
  const killedAt = Date.now()
  await until(async () => {
    await B.stats()
    return changes.some((c) => c.id === change.id)
  }, 'B hands the change over', 30_000)
  const delivered = changes.filter((c) => c.id === change.id)
  t.equal(delivered.length, 1, 'delivered once, by B')
  t.match(delivered[0], { host: 'B2', userId: user, identityId: id, from: 'created', to: 'processing' })
  t.ok(Date.now() - killedAt <= 30_000, `within 30 s of the crash (${Date.now() - killedAt} ms)`)
  await stopHost(B)
})

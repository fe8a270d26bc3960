import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { readAllChanges, verifyChain } from '../../src/changes/verify.js'
import { SqliteStore } from '../../src/stores/sqlite/index.js'
import { CHALLENGES, EVENTS, EXPIRING, IDENTITIES, NOW, type WorkerReport } from './sqlite-worker.js'

const dir = mkdtempSync(join(tmpdir(), 'passbase-sqlite-mp-'))
t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })

/** Starts `workers` processes on `filename`, releases them at one moment, and collects their reports. */
async function race (filename: string, workers: number): Promise<WorkerReport[]> {
  const script = fileURLToPath(new URL('./sqlite-worker.ts', import.meta.url))
  const loader = process.execArgv.filter((arg) => arg.includes('@tapjs/typescript'))
  const children = Array.from({ length: workers }, (_, w) => spawn(process.execPath, [...loader, script, filename, String(w), String(workers)], {
    stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '', TS_NODE_TRANSPILE_ONLY: '1' }
  }))
  const outputs = children.map((child) => {
    let out = ''
    child.stdout.setEncoding('utf8')
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        out += chunk
        if (out.includes('ready\n')) resolve()
      })
      child.once('exit', (code) => { reject(new Error(`worker exited early (${String(code)})`)) })
    })
    const done = new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => { code === 0 ? resolve(out) : reject(new Error(`worker failed (${String(code)}): ${out}`)) })
    })
    return { ready, done }
  })
  await Promise.all(outputs.map(async (o) => { await o.ready }))
  const startAt = Date.now() + 300
  for (const child of children) child.stdin.end(`go ${startAt}\n`)
  return (await Promise.all(outputs.map(async (o) => await o.done)))
    .map((out) => JSON.parse(out.slice(out.indexOf('ready\n') + 6).trim()) as WorkerReport)
}

t.test('several processes race on one file', async (t) => {
  const filename = join(dir, 'multiprocess.db')
  const setup = new SqliteStore({ filename })
  await setup.init()
  await setup.link('mp-shared-user', 'mp-shared-identity', NOW)
  for (let k = 0; k < CHALLENGES; k++) {
    await setup.link(`mp-owner-${k}`, `mp-owner-identity-${k}`, NOW)
    await setup.createChallenge({ id: `mp-challenge-${k}`, userId: `mp-owner-${k}`, identityId: `mp-owner-identity-${k}`, createdAt: NOW, expiresAt: NOW + 60_000, action: null })
    await setup.recordAuthentication(`mp-owner-identity-${k}`, NOW + 1, `mp-auth-${k}`, NOW + 60_000)
  }
  for (let k = 0; k < EXPIRING; k++) {
    await setup.link(`mp-expiring-user-${k}`, `mp-expiring-${k}`, NOW)
    await setup.applyUpdate(`mp-expiring-${k}`, { status: 'approved', score: 0.9, reason: null, providerUpdated: 10, expiresAt: NOW + 5 }, NOW)
  }
  const pendingBefore = await setup.pendingChanges()
  await setup.close()

  const workers = 4
  const reports = await race(filename, workers)
  const check = new SqliteStore({ filename })
  t.teardown(async () => { await check.close() })

  // one identity, one user
  for (let k = 0; k < IDENTITIES; k++) {
    const identity = `mp-identity-${k}`
    const attempts = reports.flatMap((r) => r.links.filter((l) => l.identity === identity).map((l) => ({ ...l, worker: r.worker })))
    const winners = attempts.filter((a) => a.ok)
    if (winners.length !== 1) t.fail(`${identity}: ${winners.length} winners`)
    const stored = await check.getByIdentity(identity)
    if (stored?.userId !== `mp-user-${winners[0]?.worker ?? -1}`) t.fail(`${identity} stored for ${String(stored?.userId)}`)
    if (!attempts.every((a) => a.ok || a.reason === 'identity_taken')) t.fail(`${identity}: unexpected refusal`)
  }
  t.pass(`each of ${IDENTITIES} identities linked exactly once across ${workers} processes`)

  // one new delivery per key
  for (let k = 0; k < EVENTS; k++) {
    const key = `mp-event-${k}`
    const news = reports.flatMap((r) => r.marks.filter((m) => m.key === key && m.isNew))
    if (news.length !== 1) t.fail(`${key}: ${news.length} processes saw it as new`)
  }
  t.pass(`each of ${EVENTS} events de-duplicated across processes`)

  // one use per challenge
  for (let k = 0; k < CHALLENGES; k++) {
    const id = `mp-challenge-${k}`
    const attempts = reports.flatMap((r) => r.consumes.filter((c) => c.id === id))
    if (attempts.filter((c) => c.ok).length !== 1) t.fail(`${id}: not consumed exactly once`)
    if (!attempts.every((c) => c.ok || c.reason === 'used')) t.fail(`${id}: unexpected refusal`)
  }
  t.pass(`each of ${CHALLENGES} challenges consumed exactly once`)

  // monotonic updates: the applied writes form one chain, as if run one after the other
  const updates = reports.flatMap((r) => r.updates)
  const applied = updates.filter((u) => u.applied).sort((a, b) => a.providerUpdated - b.providerUpdated)
  let last = 0
  let chain = true
  for (const u of applied) {
    if (u.previous !== last || u.record !== u.providerUpdated) chain = false
    last = u.providerUpdated
  }
  t.ok(chain, `${applied.length} applied updates form one chain (each saw the previous write)`)
  t.equal(applied.filter((u) => u.providerUpdated === 1_000_000).length, 1, 'the value every process sent applied once')
  const appliedBy = reports.map((r) => r.updates.filter((u) => u.applied).length)
  const linkedBy = reports.map((r) => r.links.filter((l) => l.ok).length)
  t.comment(`interleaving: applied updates per process ${appliedBy.join('/')}, links won per process ${linkedBy.join('/')}`)
  t.ok(updates.filter((u) => !u.applied).every((u) => (u.record ?? 0) >= u.providerUpdated), 'every refused update met a newer state')
  t.equal((await check.getByIdentity('mp-shared-identity'))?.providerUpdated, 1_000_000, 'the newest state is stored')

  // one expirer per record
  const expired = reports.flatMap((r) => r.expired).sort()
  t.same(expired, Array.from({ length: EXPIRING }, (_, k) => `mp-expiring-${k}`).sort(), `each of ${EXPIRING} approvals expired by exactly one process`)
  t.comment(`expiries per process ${reports.map((r) => r.expired.length).join('/')}`)

  // one claimer per pending change (leases outlive the run, so nothing is handed out twice)
  const claimed = reports.flatMap((r) => r.claimed)
  t.equal(new Set(claimed).size, claimed.length, `no pending change was leased to two processes (${claimed.length} claimed)`)
  t.comment(`claims per process ${reports.map((r) => r.claimed.length).join('/')}`)
  // before: the approvals; during: the shared identity's first transition and every expiry
  t.equal(claimed.length + await check.pendingChanges(), pendingBefore + 1 + EXPIRING, 'every pending change was claimed once or is still pending')

  // the change log: every process appended to one gap-free chain
  const verdict = await verifyChain(readAllChanges(check))
  t.ok(verdict.ok, `the change log verifies after the race (${JSON.stringify(verdict)})`)
})

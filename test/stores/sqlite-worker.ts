/**
 * A worker process for test/stores/sqlite.test.ts: opens the SQLite file given as
 * argv[2], prints "ready", waits for "go <epoch ms>" on stdin and that moment, then races
 * the other workers and prints one JSON line with what it observed.
 */
import { createInterface } from 'node:readline'
import { SqliteStore } from '../../src/stores/sqlite/index.js'

export interface WorkerReport {
  worker: number
  links: Array<{ identity: string, ok: boolean, reason?: string }>
  updates: Array<{ providerUpdated: number, applied: boolean, previous: number | null, record: number | null }>
  marks: Array<{ key: string, isNew: boolean }>
  consumes: Array<{ id: string, ok: boolean, reason?: string }>
  /** identities this worker expired */
  expired: string[]
  /** pending changes this worker leased (and acknowledged) */
  claimed: string[]
}

export const IDENTITIES = 300
export const EVENTS = 400
export const CHALLENGES = 100
export const EXPIRING = 60
export const UPDATES_PER_WORKER = 300
export const NOW = 4_100_000_000_000

async function main (): Promise<void> {
  const [filename, workerArg, workersArg] = process.argv.slice(2)
  if (filename === undefined) return // run without arguments (e.g. by `tap test/stores/`): nothing to do
  const worker = Number(workerArg)
  const workers = Number(workersArg)
  const store = new SqliteStore({ filename })
  await store.init()
  const lines = createInterface({ input: process.stdin })
  process.stdout.write('ready\n')
  const go = await new Promise<string>((resolve) => { lines.once('line', resolve) })
  lines.close()
  const startAt = Number(go.split(' ')[1])
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())))
  while (Date.now() < startAt) { /* spin the last millisecond */ }

  // ascending distinct values per worker, then one value every worker sends: which
  // of them apply depends on how the processes interleave
  const values = Array.from({ length: UPDATES_PER_WORKER }, (_, j) => 1 + worker + workers * j)
  values.push(1_000_000)

  const report: WorkerReport = { worker, links: [], updates: [], marks: [], consumes: [], expired: [], claimed: [] }
  const rounds = Math.max(IDENTITIES, EVENTS, CHALLENGES, values.length)
  for (let k = 0; k < rounds; k++) {
    // start each kind of work at a different offset per worker, so they collide in every order
    if (k < IDENTITIES) {
      const identity = `mp-identity-${(k + worker * 7) % IDENTITIES}`
      const r = await store.link(`mp-user-${worker}`, identity, NOW + k)
      report.links.push(r.ok ? { identity, ok: true } : { identity, ok: false, reason: r.reason })
    }
    if (k < values.length) {
      const providerUpdated = values[k] as number
      const r = await store.applyUpdate('mp-shared-identity', { status: 'pending', score: providerUpdated / 100_000, reason: `w${worker}`, providerUpdated, expiresAt: null }, NOW + k)
      report.updates.push({ providerUpdated, applied: r.applied, previous: r.previous?.providerUpdated ?? null, record: r.record?.providerUpdated ?? null })
    }
    if (k < EVENTS) {
      const key = `mp-event-${(k + worker * 11) % EVENTS}`
      report.marks.push({ key, isNew: await store.markEvent(key, NOW + 60_000, NOW) })
    }
    if (k < CHALLENGES) {
      const c = (k + worker * 3) % CHALLENGES
      const id = `mp-challenge-${c}`
      const r = await store.consumeChallenge(id, `mp-owner-${c}`, NOW + 2)
      report.consumes.push(r.ok ? { id, ok: true } : { id, ok: false, reason: r.reason })
    }
    report.expired.push(...(await store.expireDue(NOW + 10, 2)).map((r) => r.identityId))
    for (const change of await store.claimChanges(`worker-${worker}`, NOW + 10, 600_000, 2)) {
      report.claimed.push(change.id)
      await store.ackChange(change.id)
    }
  }
  await store.close()
  process.stdout.write(JSON.stringify(report) + '\n')
}

if (process.argv[1] !== undefined && /sqlite-worker\.[cm]?[tj]s$/.test(process.argv[1])) {
  main().catch((err: unknown) => {
    console.error(err)
    process.exit(1)
  })
}

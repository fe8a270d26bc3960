// A burst of 10,000 deliveries for 1,000 identities, all sent at once to a host app in its
// own process, with the sandbox in a third. Counts the provider API fetches per identity
// (sandbox stats) and checks every identity ends approved, with one transition each.
// Prints one JSON line.
import { Agent, request } from 'undici'
import { encryptWebhook, webhookKey } from '../dist/index.js'
import { startChild, WEBHOOK_SECRET } from './lib.js'

const IDENTITIES = Number(process.env.BENCH_BURST_IDENTITIES ?? 1000)
const PER_IDENTITY = 10
const IN_FLIGHT = 250
const key = webhookKey(WEBHOOK_SECRET)

/**
 * The deliveries, in groups sent together. grouped: one group per identity (its ten
 * events fired at once, as a provider sends an identity's events); interleaved: one delivery per
 * group, identities round-robin, so that one identity's deliveries are spread out in time.
 */
function deliveries (ids, updated, order) {
  const groups = new Map()
  for (let k = 0; k < PER_IDENTITY; k++) {
    for (const id of ids) {
      const base = { key: id, created: updated - 60, updated, processed: updated }
      const body = k === 0
        ? { event: 'VERIFICATION_COMPLETED', ...base, status: 'pending' }
        : k === 1
          ? { event: 'VERIFICATION_REVIEWED', ...base, status: 'approved' }
          : k === PER_IDENTITY - 1
            ? { event: 'WATCHLIST_MONITORING', ...base, status: 'approved' }
            : { event: 'DATAPOINT_UPDATED', ...base, status: 'approved', resource_key: `r${k}`, type: 'NAME', value: 'x' }
      const encrypted = encryptWebhook(key, JSON.stringify(body))
      const group = order === 'grouped' ? id : `${k}:${id}`
      groups.set(group, [...(groups.get(group) ?? []), encrypted])
    }
  }
  return [...groups.values()]
}

/** Sends the groups through `lanes` concurrent lanes; a lane fires a whole group at once. */
async function send (groups, lanes, url, agent) {
  const statuses = []
  let next = 0
  await Promise.all(Array.from({ length: lanes }, async () => {
    while (next < groups.length) {
      const group = groups[next++]
      statuses.push(...await Promise.all(group.map(async (body) => {
        const res = await request(url, { method: 'POST', body, headers: { 'content-type': 'text/plain' }, dispatcher: agent })
        await res.body.dump()
        return res.statusCode
      })))
    }
  }))
  return statuses
}

export async function runBurst ({ latencyMs = 0, order = 'grouped' } = {}) {
  const sandbox = await startChild('./sandbox.js')
  const ids = await sandbox.call('create', { n: IDENTITIES, status: 'processing' })
  const [benchId] = await sandbox.call('create', { n: 1 })
  const server = await startChild('./server.js', {
    env: { BENCH_CONFIG: JSON.stringify({ store: 'memory', apiBaseUrl: sandbox.info.apiBaseUrl, identityId: benchId, webhookIdentities: ids, countTransitions: true }) }
  })
  try {
    const approved = await sandbox.call('review', { ids, status: 'approved', score: 0.95 })
    const groups = deliveries(ids, approved, order)
    const total = groups.reduce((n, g) => n + g.length, 0)
    await sandbox.call('resetStats')
    await sandbox.call('faults', { faults: { api: { latencyMs } } })
    const agent = new Agent({ connections: IN_FLIGHT })
    const url = `${server.info.url}/passbase/webhooks`
    let maxInFlight = 0
    const sampler = setInterval(async () => {
      try { maxInFlight = Math.max(maxInFlight, (await server.call('sizes')).client.inFlight) } catch {}
    }, 20)
    const t0 = Date.now()
    // about IN_FLIGHT deliveries in flight at any time, whatever the grouping
    const statuses = await send(groups, Math.max(1, Math.floor(IN_FLIGHT / groups[0].length)), url, agent)
    const elapsedMs = Date.now() - t0
    clearInterval(sampler)
    await agent.close()
    const stats = await sandbox.call('stats')
    const fetches = ids.map((id) => stats.api.byIdentity[id] ?? 0)
    const transitions = await server.call('transitions', { ids })
    const statusesByUser = await server.call('statuses', { users: ids.map((_, i) => `wh-${i}`) })
    return {
      order,
      inFlight: IN_FLIGHT,
      deliveries: total,
      identities: ids.length,
      providerLatencyMs: latencyMs,
      elapsedMs,
      non200: statuses.filter((s) => s !== 200).length,
      apiFetches: fetches.reduce((a, b) => a + b, 0),
      maxFetchesPerIdentity: Math.max(...fetches),
      meanFetchesPerIdentity: fetches.reduce((a, b) => a + b, 0) / fetches.length,
      maxInFlightToProvider: maxInFlight,
      approved: statusesByUser.filter((s) => s === 'approved').length,
      transitionsToApproved: transitions.approved,
      duplicateTransitions: transitions.duplicates
    }
  } finally {
    await server.stop()
    await sandbox.stop()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = []
  for (const order of (process.env.BENCH_BURST_ORDERS ?? 'grouped,interleaved').split(',')) {
    for (const latencyMs of (process.env.BENCH_BURST_LATENCIES ?? '0,50').split(',').map(Number)) {
      results.push(await runBurst({ latencyMs, order }))
    }
  }
  process.stdout.write(JSON.stringify(results) + '\n')
}

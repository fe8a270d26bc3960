// A burst of 10,000 deliveries for 1,000 identities, all sent at once to a host app in its
// own process, with the sandbox in a third. Counts the provider API fetches per identity
// (sandbox stats) and checks every identity ends approved, with one transition each.
// Prints one JSON line.
import { Agent, request } from 'undici'
import { encryptWebhook, webhookKey } from '../dist/index.js'
import { startChild, WEBHOOK_SECRET } from './lib.js'

const IDENTITIES = Number(process.env.BENCH_BURST_IDENTITIES ?? 1000)
const PER_IDENTITY = 10
const key = webhookKey(WEBHOOK_SECRET)

function deliveries (ids, updated, order) {
  const bodies = []
  // grouped: the deliveries of one identity are sent together (a burst per identity);
  // interleaved: they are IDENTITIES apart in the stream (spread out in time)
  const pairs = []
  for (let k = 0; k < PER_IDENTITY; k++) for (const id of ids) pairs.push([k, id])
  if (order === 'grouped') pairs.sort((a, b) => a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[0] - b[0])
  for (const [k, id] of pairs) {
    {
      const base = { key: id, created: updated - 60, updated, processed: updated }
      const body = k === 0
        ? { event: 'VERIFICATION_COMPLETED', ...base, status: 'pending' }
        : k === 1
          ? { event: 'VERIFICATION_REVIEWED', ...base, status: 'approved' }
          : k === PER_IDENTITY - 1
            ? { event: 'WATCHLIST_MONITORING', ...base, status: 'approved' }
            : { event: 'DATAPOINT_UPDATED', ...base, status: 'approved', resource_key: `r${k}`, type: 'NAME', value: 'x' }
      bodies.push(encryptWebhook(key, JSON.stringify(body)))
    }
  }
  return bodies
}

export async function runBurst ({ latencyMs = 0, order = 'grouped', connections = 256 } = {}) {
  const sandbox = await startChild('./sandbox.js')
  const ids = await sandbox.call('create', { n: IDENTITIES, status: 'processing' })
  const [benchId] = await sandbox.call('create', { n: 1 })
  const server = await startChild('./server.js', {
    env: { BENCH_CONFIG: JSON.stringify({ store: 'memory', apiBaseUrl: sandbox.info.apiBaseUrl, identityId: benchId, webhookIdentities: ids, countTransitions: true }) }
  })
  try {
    const approved = await sandbox.call('review', { ids, status: 'approved', score: 0.95 })
    const bodies = deliveries(ids, approved, order)
    await sandbox.call('resetStats')
    await sandbox.call('faults', { faults: { api: { latencyMs } } })
    const agent = new Agent({ connections })
    const url = `${server.info.url}/passbase/webhooks`
    let maxInFlight = 0
    const sampler = setInterval(async () => {
      try { maxInFlight = Math.max(maxInFlight, (await server.call('sizes')).client.inFlight) } catch {}
    }, 20)
    const t0 = Date.now()
    const statuses = await Promise.all(bodies.map(async (body) => {
      const res = await request(url, { method: 'POST', body, headers: { 'content-type': 'text/plain' }, dispatcher: agent })
      await res.body.dump()
      return res.statusCode
    }))
    const elapsedMs = Date.now() - t0
    clearInterval(sampler)
    await agent.close()
    const stats = await sandbox.call('stats')
    const fetches = ids.map((id) => stats.api.byIdentity[id] ?? 0)
    const transitions = await server.call('transitions', { ids })
    const statusesByUser = await server.call('statuses', { users: ids.map((_, i) => `wh-${i}`) })
    return {
      order,
      senderConnections: connections,
      deliveries: bodies.length,
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
      results.push(await runBurst({ latencyMs, order, connections: Number(process.env.BENCH_BURST_CONNECTIONS ?? 256) }))
    }
  }
  process.stdout.write(JSON.stringify(results) + '\n')
}

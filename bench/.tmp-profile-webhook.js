import autocannon from 'autocannon'
import { encryptWebhook, webhookKey } from '../dist/index.js'
import { startChild, WEBHOOK_SECRET } from './lib.js'
const key = webhookKey(WEBHOOK_SECRET)
const sandbox = await startChild('./sandbox.js')
const [benchId] = await sandbox.call('create', { n: 1 })
const ids = await sandbox.call('create', { n: 1000 })
const server = await startChild('./server.js', { execArgv: ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'], env: { BENCH_CONFIG: JSON.stringify({ store: 'memory', apiBaseUrl: sandbox.info.apiBaseUrl, identityId: benchId, webhookIdentities: ids }) } })
let seq = 0
const created = Math.floor(Date.now() / 1000)
const route = process.argv[2] ?? 'webhook'
const opts = route === 'webhook'
  ? { url: server.info.url, requests: [{ method: 'POST', path: '/passbase/webhooks', headers: { 'content-type': 'text/plain' }, setupRequest (req) { const n = seq++; req.body = encryptWebhook(key, JSON.stringify({ event: 'VERIFICATION_COMPLETED', key: ids[n % 1000], status: 'approved', created, updated: created + 1 + n })); return req } }] }
  : { url: server.info.url, requests: [{ method: 'GET', setupRequest (req) { req.path = `/bare/${ids[seq++ % 1000]}`; return req } }] }
const u0 = await server.call('usage')
const r = await autocannon({ ...opts, connections: 10, duration: 8 })
const u1 = await server.call('usage')
console.log(route, r.requests.total / 8, 'req/s', (u1.cpuMicros - u0.cpuMicros) / r.requests.total, 'µs/req', 'errors', r.errors, r.non2xx)
await server.stop(); await sandbox.stop()

// Where a route's extra instructions go: callgrind's per-function counts for a route and
// for a baseline route on the same host app (bench/server.js, MemoryStore), their
// difference per request, largest first. JIT-compiled JavaScript functions are named from
// V8's perf map (node --perf-basic-prof); builtins and C++ come named from the binary.
//
//   npm run build && node bench/ir-profile.js [route=/reauth] [baseline=/unguarded] [top=30]
//
// Same method as bench/instructions.js (its warm-up, then 300 requests per run, several
// rounds); each route's run with the fewest instructions is compared (the steady state).
// `*name` is optimised code, `^name` baseline (Sparkplug), `~name` the interpreter.
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { CACHE_TTL_MS, startCounted, warmUp } from './instructions.js'
import { startChild, which } from './lib.js'

const [route = '/reauth', baseline = '/unguarded', top = '30'] = process.argv.slice(2)
const ROUNDS = 3
const REQUESTS = 300
const WARM_ROUTES = ['/unguarded', '/noop', '/verified', '/reauth']

/** `callgrind_annotate`'s self cost per function: Map<name, instructions>. */
function selfCosts (dump) {
  const out = execFileSync('callgrind_annotate', ['--threshold=100', dump], { encoding: 'utf8', maxBuffer: 64 << 20 })
  const costs = new Map()
  for (const line of out.split('\n')) {
    const m = /^\s*([\d,]+) \([^)]*\)\s+(.+)$/.exec(line)
    if (m === null || m[2].startsWith('PROGRAM TOTALS')) continue
    const name = m[2].replace(/ \[[^\]]*\]$/, '')
    costs.set(name, (costs.get(name) ?? 0) + Number(m[1].replaceAll(',', '')))
  }
  return costs
}

/** Names JIT code addresses (`???:0x…`) from /tmp/perf-<pid>.map (the last entry covering the address wins). */
function jitNamer (pid) {
  let entries = []
  try {
    entries = readFileSync(`/tmp/perf-${pid}.map`, 'utf8').trim().split('\n').map((line) => {
      const [start, size, ...name] = line.split(' ')
      return { start: parseInt(start, 16), end: parseInt(start, 16) + parseInt(size, 16), name: name.join(' ') }
    })
  } catch {}
  return (name) => {
    const m = /^\?\?\?:0x([0-9a-f]+)$/.exec(name)
    if (m === null) return name.replace(/^\?\?\?:/, '')
    const address = parseInt(m[1], 16)
    let found = null
    for (const e of entries) if (address >= e.start && address < e.end) found = e.name
    return found === null ? `JIT code at 0x${m[1]}` : found.replace(/^JS:/, '')
  }
}

if (which('valgrind') === null || which('callgrind_annotate') === null) {
  console.error('valgrind (callgrind) not found')
  process.exit(1)
}
const sandbox = await startChild('./sandbox.js')
const [identityId] = await sandbox.call('create', { n: 1 })
const host = await startCounted('ir-profile', { store: 'memory', apiBaseUrl: sandbox.info.apiBaseUrl, identityId, cacheTtlMs: CACHE_TTL_MS },
  { keepDumps: true })
try {
  // warm every route the instruction counts warm on this host, as they do (their shared
  // code, e.g. Fastify's hook runner calling three different preHandlers, is compiled for all)
  await warmUp([...new Set([...WARM_ROUTES, baseline, route])].map((path) => [host, path]))
  host.instrument()
  const best = { [baseline]: { perRequest: Infinity, dump: null }, [route]: { perRequest: Infinity, dump: null } }
  for (let r = 0; r < ROUNDS; r++) {
    for (const path of r % 2 === 0 ? [baseline, route] : [route, baseline]) {
      const perRequest = await host.count(path, REQUESTS)
      if (perRequest < best[path].perRequest) best[path] = { perRequest, dump: host.lastDump }
    }
  }
  const name = jitNamer(host.pid)
  const [base, other] = [selfCosts(best[baseline].dump), selfCosts(best[route].dump)]
  const delta = new Map()
  for (const key of new Set([...base.keys(), ...other.keys()])) {
    const label = name(key)
    delta.set(label, (delta.get(label) ?? 0) + ((other.get(key) ?? 0) - (base.get(key) ?? 0)) / REQUESTS)
  }
  const rows = [...delta].filter(([, d]) => Math.abs(d) >= 1).sort((a, b) => b[1] - a[1])
  console.log(`${route} ${Math.round(best[route].perRequest)} vs ${baseline} ${Math.round(best[baseline].perRequest)} instructions per request: ` +
    `${Math.round(best[route].perRequest - best[baseline].perRequest)} more (ratio ${(best[baseline].perRequest / best[route].perRequest).toFixed(4)})`)
  console.log('instructions per request (self cost, route − baseline), largest first:')
  for (const [label, d] of rows.slice(0, Number(top))) console.log(`${d.toFixed(0).padStart(8)}  ${label.slice(0, 150)}`)
  const rest = rows.slice(Number(top)).reduce((sum, [, d]) => sum + d, 0)
  console.log(`${rest.toFixed(0).padStart(8)}  (the other ${Math.max(0, rows.length - Number(top))} functions)`)
} finally {
  await host.stop()
  await sandbox.stop()
  rmSync(`/tmp/perf-${host.pid}.map`, { force: true })
  if (host.lastDump !== null) rmSync(dirname(host.lastDump), { recursive: true, force: true })
}

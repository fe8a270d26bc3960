// Instructions per request, counted by valgrind's callgrind: the guard ratios without the
// machine's noise. CPU time per request on a shared 2-core machine swings by ±30 % between
// identical runs (the A/A control of the HTTP benchmark); the number of instructions the
// server executes for a request does not depend on what else the machine is doing.
//
// Each host app (bench/server.js: MemoryStore, SqliteStore, PostgresStore when available)
// runs under `valgrind --tool=callgrind`; requests go one at a time over one keep-alive
// connection (so that every request costs the same wake-ups, whatever the timing). For
// each run: zero the counters, send REQUESTS requests, dump, and divide the dump's total
// (user-space instructions of every thread: JIT code, GC, libuv, the HTTP parser) by the
// number of requests. Routes are interleaved in ROUNDS rounds, in a rotating order, with
// the unguarded route measured twice (A/A control).
//
// Exported as `runInstructionCounts()` for bench/run.js; `node bench/instructions.js`
// runs it alone and prints its JSON. Environment: BENCH_IR_ROUNDS (7), BENCH_IR_REQUESTS
// (300 per run), BENCH_IR_WARMUP (5000 per route, uncounted and uninstrumented: V8 optimises the routes).
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { Pool } from 'undici'
import { BENCH_USER, here, median, round, startChild, which } from './lib.js'
import { startPostgres } from './pg.js'

const ROUNDS = Math.max(7, Number(process.env.BENCH_IR_ROUNDS ?? 7))
const REQUESTS = Number(process.env.BENCH_IR_REQUESTS ?? 300)
const WARMUP = Number(process.env.BENCH_IR_WARMUP ?? 5000)
const PRELUDE = 20 // uncounted requests before each run
const KEEP = process.env.BENCH_IR_KEEP === '1' // keep the dumps (bench/.tmp/callgrind/<host>/) for callgrind_annotate
const TMP = here('./.tmp/callgrind')
// The guard caches trust a read for 1 s of wall-clock time. Under valgrind a request takes
// milliseconds, not microseconds, so 1 s would end every few hundred requests and the
// counts would include store reads (queries, for PostgreSQL) that a real server makes once
// per thousands of requests. The hosts here get a TTL longer than the whole measurement;
// the warm-up empties the caches itself (see warmUp), so the miss paths are still compiled.
export const CACHE_TTL_MS = 60 * 60_000

const log = (line) => process.stderr.write(`[bench:ir] ${line}\n`)

/**
 * A host app under callgrind. Every request carries the same headers (the user and its
 * step-up cookie), so that only the guard differs between routes. `count(path, n)`
 * answers the server's instructions per request; with `keepDumps` the dumps stay on disk
 * (`lastDump`: bench/ir-profile.js) and V8 writes a perf map naming its JIT code.
 */
export async function startCounted (name, config, { keepDumps = false } = {}) {
  const out = `${TMP}/${name}`
  rmSync(out, { recursive: true, force: true })
  mkdirSync(out, { recursive: true })
  const server = await startChild('./server.js', {
    execPath: which('valgrind'),
    execArgv: [
      '--tool=callgrind', '--quiet', `--callgrind-out-file=${out}/cg.%p`,
      // no instrumentation (valgrind's fast path) until the warm-up is over
      '--instr-atstart=no',
      // JIT code is written to the heap: have valgrind notice code that changes
      '--smc-check=all-non-file',
      '--dump-line=no', '--compress-strings=no',
      process.execPath,
      // no V8 helper threads (concurrent compilation and GC): their work would land in
      // whichever run happens to be counting when they wake; no GC driven by the clock (the
      // memory reducer runs after idle time, as between runs); no bytecode flushing (it
      // makes V8 compile the same functions again)
      '--single-threaded', '--no-memory-reducer', '--no-flush-bytecode',
      // a scavenge before each run (uncounted): every run starts with an empty young
      // generation, so the same requests meet the same collections in every run (a full
      // GC would not do: it throws away optimised code, which is then compiled again)
      '--expose-gc',
      // kept dumps get names for JIT code: V8's perf map, /tmp/perf-<pid>.map (its log aside)
      ...(keepDumps ? ['--perf-basic-prof', '--no-logfile-per-isolate', `--logfile=${out}/v8.log`] : [])
    ],
    env: { BENCH_CONFIG: JSON.stringify(config) }
  })
  const headers = { 'x-user': BENCH_USER, cookie: `theme=dark; ${server.info.cookie}` }
  // one connection for the whole measurement (undici would close it after 4 s idle)
  const pool = new Pool(server.info.url, { connections: 1, pipelining: 1, keepAliveTimeout: 30 * 60_000, keepAliveMaxTimeout: 30 * 60_000 })
  const send = async (path, n) => {
    for (let i = 0; i < n; i++) {
      const res = await pool.request({ method: 'GET', path, headers })
      await res.body.dump()
      if (res.statusCode !== 200) throw new Error(`${name} ${path}: ${res.statusCode}`)
    }
  }
  const control = (...flags) => execFileSync('callgrind_control', [...flags, String(server.pid)], { stdio: 'pipe' })
  let dumps = 0
  return {
    pid: server.pid,
    lastDump: null,
    send,
    /** empty the host's guard caches (their TTL is stretched here; see CACHE_TTL_MS) */
    async expire () { await server.call('expire') },
    instrument () { control('-i', 'on') },
    async count (path, n) {
      // wake the host up uncounted (timers due while it idled, cold paths after idle), then
      // empty its young generation
      await send(path, PRELUDE)
      if (!await server.call('scavenge')) throw new Error(`${name}: no gc() (see --expose-gc above)`)
      control('-z')
      await send(path, n)
      control('-d')
      // callgrind writes cg.<pid>.<dump number>; its `totals:` line sums every function
      const file = `${out}/cg.${server.pid}.${++dumps}`
      const totals = /^totals:\s*(\d+)/m.exec(readFileSync(file, 'utf8'))
      if (totals === null) throw new Error(`${name}: no totals in ${file}`)
      if (keepDumps) {
        this.lastDump = file
        if (KEEP) log(`kept ${file}: ${name} ${path}, ${Math.round(Number(totals[1]) / n)} per request`)
      } else rmSync(file)
      return Number(totals[1]) / n
    },
    async stop () {
      await pool.close()
      await server.stop()
      if (!keepDumps) rmSync(out, { recursive: true, force: true })
    }
  }
}

/**
 * Uncounted warm-up of `[host, path]` pairs: WARMUP requests each, in slices, all routes in
 * turn, the guard caches emptied after each slice. V8 then optimises the routes with their
 * cache-miss paths seen, as in a server running at full speed (whose 1 s TTL ends thousands
 * of times before its code settles); without it the first miss in a counted run would send
 * the guards back to unoptimised code for the rest of the measurement.
 */
export async function warmUp (targets) {
  const slices = 20
  const hosts = new Set(targets.map(([host]) => host))
  for (let slice = 0; slice < slices; slice++) {
    for (const [host, path] of targets) await host.send(path, Math.ceil(WARMUP / slices))
    for (const host of hosts) await host.expire()
  }
}

/** `{ skipped }` when valgrind is missing; otherwise instructions per request and the ratios. */
export async function runInstructionCounts () {
  if (which('valgrind') === null || which('callgrind_control') === null) return { skipped: 'valgrind (callgrind) not found' }
  mkdirSync(TMP, { recursive: true })
  const sandbox = await startChild('./sandbox.js')
  const [memId, sqliteId, pgId] = await sandbox.call('create', { n: 3 })
  const apiBaseUrl = sandbox.info.apiBaseUrl
  const pg = startPostgres()
  const sqliteFile = `${TMP}/bench-${process.pid}.sqlite`
  const hosts = {}
  try {
    log('starting the host apps under callgrind (valgrind runs node some 50× slower)')
    hosts.memory = await startCounted('memory', { store: 'memory', apiBaseUrl, identityId: memId, cacheTtlMs: CACHE_TTL_MS }, { keepDumps: KEEP })
    hosts.sqlite = await startCounted('sqlite', { store: 'sqlite', apiBaseUrl, filename: sqliteFile, identityId: sqliteId, cacheTtlMs: CACHE_TTL_MS }, { keepDumps: KEEP })
    if (pg.skipped === undefined) {
      hosts.postgres = await startCounted('postgres', { store: 'postgres', apiBaseUrl, connectionString: pg.connectionString, tablePrefix: `bench_ir_${process.pid}_`, identityId: pgId, cacheTtlMs: CACHE_TTL_MS }, { keepDumps: KEEP })
    } else {
      log(`PostgreSQL skipped: ${pg.skipped}`)
    }
    const runs = {
      'unguarded (A)': [hosts.memory, '/unguarded'],
      'unguarded (A′)': [hosts.memory, '/unguarded'],
      'empty preHandler · memory': [hosts.memory, '/noop'],
      'requireVerified · memory': [hosts.memory, '/verified'],
      'requireReauth · memory': [hosts.memory, '/reauth'],
      'unguarded · sqlite': [hosts.sqlite, '/unguarded'],
      'requireVerified · sqlite': [hosts.sqlite, '/verified'],
      ...(hosts.postgres === undefined
        ? {}
        : { 'unguarded · postgres': [hosts.postgres, '/unguarded'], 'requireVerified · postgres': [hosts.postgres, '/verified'] })
    }
    const names = Object.keys(runs)
    log(`warm-up: ${WARMUP} requests per route`)
    await warmUp(names.filter((n) => n !== 'unguarded (A′)').map((n) => runs[n]))
    for (const host of Object.values(hosts)) host.instrument()
    const perRequest = Object.fromEntries(names.map((n) => [n, []]))
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + r) % names.length]
        const [host, path] = runs[name]
        perRequest[name].push(await host.count(path, REQUESTS))
      }
      log(`round ${r + 1}/${ROUNDS} done`)
    }
    // Even warm, V8 now and then optimises or deoptimises a function again; a run in which
    // its compiler works counts thousands of extra instructions per request (seen in the
    // dumps: v8::internal::compiler::* in some runs, none in the others). The steady state
    // is the fewest instructions per request over the rounds: the ratio is baseline ÷ route
    // on those minima (1 = free); the medians are shown beside them.
    const min = (name) => Math.min(...perRequest[name])
    const ratio = (route, baseline) => {
      if (perRequest[route] === undefined || perRequest[baseline] === undefined) return null
      return {
        ratio: round(min(baseline) / min(route), 4),
        deltaPerRequest: Math.round(min(route) - min(baseline)),
        medianRatio: round(median(perRequest[baseline]) / median(perRequest[route]), 4)
      }
    }
    return {
      method: { rounds: ROUNDS, requestsPerRun: REQUESTS, warmupPerRoute: WARMUP, guardCacheTtlMs: CACHE_TTL_MS, connection: 'one keep-alive connection, one request at a time' },
      perRequest: Object.fromEntries(names.map((n) => [n, { min: Math.round(min(n)), median: Math.round(median(perRequest[n])), runs: perRequest[n].map(Math.round) }])),
      ratios: {
        'A/A control (unguarded ÷ unguarded)': ratio('unguarded (A′)', 'unguarded (A)'),
        'requireVerified ÷ unguarded · memory': ratio('requireVerified · memory', 'unguarded (A)'),
        // Fastify's own cost of dispatching a preHandler, and the guards against that
        'empty preHandler ÷ unguarded · memory': ratio('empty preHandler · memory', 'unguarded (A)'),
        'requireVerified ÷ empty preHandler · memory': ratio('requireVerified · memory', 'empty preHandler · memory'),
        'requireReauth ÷ empty preHandler · memory': ratio('requireReauth · memory', 'empty preHandler · memory'),
        'requireReauth ÷ unguarded · memory': ratio('requireReauth · memory', 'unguarded (A)'),
        'requireVerified ÷ unguarded · sqlite': ratio('requireVerified · sqlite', 'unguarded · sqlite'),
        'requireVerified ÷ unguarded · postgres': ratio('requireVerified · postgres', 'unguarded · postgres')
      },
      postgres: pg.skipped ?? 'measured'
    }
  } finally {
    for (const host of Object.values(hosts)) await host.stop().catch(() => {})
    await sandbox.stop()
    pg.stop?.()
    for (const suffix of ['', '-wal', '-shm']) rmSync(sqliteFile + suffix, { force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(JSON.stringify(await runInstructionCounts()) + '\n')
}

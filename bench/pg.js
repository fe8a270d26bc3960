// A throwaway PostgreSQL for the benchmark (same approach as test/helpers/postgres.ts):
// PASSBASE_BENCH_PG_URL / PASSBASE_TEST_PG_URL when set, otherwise initdb + pg_ctl on a
// unix socket in a temp dir (as the `postgres` user when running as root), or null.
import { execFileSync } from 'node:child_process'
import { chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { executable, pathDirs } from './lib.js'

function findBin () {
  const dirs = pathDirs()
  try {
    for (const v of readdirSync('/usr/lib/postgresql').filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a))) {
      dirs.push(join('/usr/lib/postgresql', v, 'bin'))
    }
  } catch {}
  return dirs.find((dir) => executable(join(dir, 'initdb')) && executable(join(dir, 'pg_ctl'))) ?? null
}

/** `{ connectionString, stop() }`, or `{ skipped: reason }`. */
export function startPostgres () {
  const external = process.env.PASSBASE_BENCH_PG_URL || process.env.PASSBASE_TEST_PG_URL
  if (external) return { connectionString: external, stop () {} }
  if (process.env.PASSBASE_TEST_PG === 'off') return { skipped: 'PASSBASE_TEST_PG=off' }
  const bin = findBin()
  if (bin === null) return { skipped: 'no initdb/pg_ctl found (set PASSBASE_BENCH_PG_URL to use a server)' }
  const asRoot = process.getuid?.() === 0
  const dir = mkdtempSync(join(tmpdir(), 'passbase-bench-pg-'))
  const data = join(dir, 'data')
  mkdirSync(data, { mode: 0o700 })
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
    chownSync(dir, uid, gid)
    chownSync(data, uid, gid)
  }
  const run = (tool, args) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args]
    execFileSync(file, argv, { stdio: 'ignore', timeout: 120_000 })
  }
  let stopped = false
  const stop = () => {
    if (stopped) return
    stopped = true
    try { run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']) } catch {}
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'])
    const options = `-c listen_addresses='' -c unix_socket_directories='${dir}' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100`
    run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', options, 'start'])
  } catch (err) {
    stop()
    return { skipped: `could not start PostgreSQL: ${err.message}` }
  }
  process.on('exit', stop)
  return { connectionString: `postgresql://postgres@/postgres?host=${encodeURIComponent(dir)}`, stop }
}

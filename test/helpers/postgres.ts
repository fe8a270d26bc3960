/**
 * A throwaway PostgreSQL server for tests.
 *
 * - `PASSBASE_TEST_PG_URL` set → that server is used (never stopped by the tests).
 * - otherwise `initdb`/`pg_ctl` are looked up on PATH and in /usr/lib/postgresql/<v>/bin;
 *   a cluster is created in a temp dir (as the `postgres` user when running as root),
 *   listening only on a unix socket in that dir, with trust auth and fsync off.
 * - no binaries (or `PASSBASE_TEST_PG=off`) → `null`: the caller must skip, loudly (`announceSkip`).
 *
 * `sharedPostgres()` starts one server per test process (per test file under tap) and
 * stops it at exit. A detached watchdog also stops it if the process is killed.
 */
import { execFile, execFileSync, spawn } from 'node:child_process'
import { accessSync, constants, readdirSync, rmSync } from 'node:fs'
import { chown, mkdir, mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'

const run = promisify(execFile)

export interface TestPostgres {
  /** e.g. `postgresql://postgres@/passbase_test?host=%2Ftmp%2Fpassbase-pg-x` */
  connectionString: string
  /** true when the server came from PASSBASE_TEST_PG_URL (stop() leaves it running) */
  external: boolean
  /** stop the server and remove its directory (idempotent) */
  stop: () => Promise<void>
}

export const PG_URL_ENV = 'PASSBASE_TEST_PG_URL'

function executable (file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The directory holding `initdb` and `pg_ctl`, or null. */
export function findPostgresBin (): string | null {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '')
  try {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
    for (const v of versions) dirs.push(join('/usr/lib/postgresql', v, 'bin'))
  } catch {}
  for (const dir of dirs) {
    if (executable(join(dir, 'initdb')) && executable(join(dir, 'pg_ctl')) && executable(join(dir, 'postgres'))) return dir
  }
  // a PATH entry may hold symlinks to initdb/pg_ctl only (postgres lives next to the real files)
  for (const dir of dirs) {
    if (executable(join(dir, 'initdb')) && executable(join(dir, 'pg_ctl'))) return dir
  }
  return null
}

/** Why PostgreSQL tests cannot run here, or null when they can. */
export function postgresUnavailableReason (): string | null {
  if (process.env.PASSBASE_TEST_PG === 'off') return 'PASSBASE_TEST_PG=off'
  if (process.env[PG_URL_ENV] !== undefined && process.env[PG_URL_ENV] !== '') return null
  if (findPostgresBin() === null) {
    return `PostgreSQL is not available: no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin and ${PG_URL_ENV} is not set`
  }
  return null
}

/** Print a banner nobody can miss (skipped PostgreSQL tests must not look like passes). */
export function announceSkip (reason: string): void {
  const line = '!'.repeat(78)
  console.error(`\n${line}\n!!! SKIPPING POSTGRESQL TESTS\n!!! ${reason}\n!!! Install PostgreSQL or set ${PG_URL_ENV}=postgresql://... to run them.\n${line}\n`)
}

function quote (arg: string): string {
  return `'${arg.replace(/'/g, '\'\\\'\'')}'`
}

/** Start a fresh server (or use PASSBASE_TEST_PG_URL). null when PostgreSQL is not available. */
export async function startPostgres (options: { database?: string } = {}): Promise<TestPostgres | null> {
  if (process.env.PASSBASE_TEST_PG === 'off') return null
  const external = process.env[PG_URL_ENV]
  if (external !== undefined && external !== '') {
    return { connectionString: external, external: true, stop: async () => {} }
  }
  const bin = findPostgresBin()
  if (bin === null) return null

  const database = options.database ?? 'passbase_test'
  const asRoot = process.getuid?.() === 0
  const dir = await mkdtemp(join(tmpdir(), 'passbase-pg-'))
  const data = join(dir, 'data')
  await mkdir(data, { mode: 0o700 })
  let owner: { uid: number, gid: number } | null = null
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
    owner = { uid, gid }
    await chown(dir, uid, gid)
    await chown(data, uid, gid)
  }
  const command = (tool: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args]
  const log = join(dir, 'postgres.log')

  let stopped = false
  let watchdog: ReturnType<typeof spawn> | null = null
  const stopSync = (): void => {
    if (stopped) return
    stopped = true
    try {
      const [file, args] = command('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
      execFileSync(file, args, { stdio: 'ignore', timeout: 30_000 })
    } catch {}
    try { rmSync(dir, { recursive: true, force: true }) } catch {}
    if (watchdog?.pid !== undefined) {
      try { process.kill(watchdog.pid) } catch {}
    }
  }
  const onExit = (): void => { stopSync() }

  try {
    const [initFile, initArgs] = command('initdb', [
      '-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'
    ])
    await run(initFile, initArgs, { timeout: 120_000 })
    if (owner !== null) {
      // the log file lives in our dir; pg_ctl (as postgres) must be able to create it
      await chown(dir, owner.uid, owner.gid)
    }
    const serverOptions = [
      '-c', 'listen_addresses=\'\'',
      '-c', `unix_socket_directories=${quote(dir)}`,
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off',
      '-c', 'max_connections=300'
    ].join(' ')
    const [ctlFile, ctlArgs] = command('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', serverOptions, 'start'])
    process.on('exit', onExit)
    await run(ctlFile, ctlArgs, { timeout: 90_000 })

    // stop the server even when this process is killed (SIGKILL, tap timeout)
    const [stopFile, stopArgs] = command('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
    const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ` +
      `${[stopFile, ...stopArgs].map(quote).join(' ')} >/dev/null 2>&1; rm -rf ${quote(dir)}`
    watchdog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' })
    watchdog.unref()

    const admin = new pg.Client({ host: dir, user: 'postgres', database: 'postgres' })
    await admin.connect()
    try {
      await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`)
    } finally {
      await admin.end()
    }
  } catch (err) {
    let detail = ''
    try { detail = (await readFile(log, 'utf8')).slice(-2000) } catch {}
    stopSync()
    process.removeListener('exit', onExit)
    const message = err instanceof Error ? err.message : String(err)
    throw new Error(`could not start a test PostgreSQL in ${dir}: ${message}${detail === '' ? '' : `\n--- server log ---\n${detail}`}`)
  }

  return {
    connectionString: `postgresql://postgres@/${encodeURIComponent(database)}?host=${encodeURIComponent(dir)}`,
    external: false,
    stop: async () => {
      stopSync()
      process.removeListener('exit', onExit)
    }
  }
}

let shared: Promise<TestPostgres | null> | null = null

/** One server per test process, started on first call and stopped when the process exits. */
export async function sharedPostgres (): Promise<TestPostgres | null> {
  if (shared === null) shared = startPostgres()
  return await shared
}

/** A random table prefix, so that tests sharing one server never see each other's rows. */
export function uniquePrefix (label = 't'): string {
  return `${label.replace(/[^A-Za-z0-9_]/g, '_')}_${Math.random().toString(36).slice(2, 10)}_`
}

/**
 * For a tap test file: the shared server, or null after registering a loud skip.
 * ```ts
 * const server = await postgresForTap(t)
 * if (server !== null) { t.test(...) }
 * ```
 */
export async function postgresForTap (t: { skip: (name: string, fn: () => void) => unknown }): Promise<TestPostgres | null> {
  const reason = postgresUnavailableReason()
  const server = reason === null ? await sharedPostgres() : null
  if (server === null) {
    const why = reason ?? 'no PostgreSQL server could be started'
    announceSkip(why)
    t.skip(`PostgreSQL tests: ${why}`, () => {})
  }
  return server
}

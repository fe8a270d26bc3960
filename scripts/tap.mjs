#!/usr/bin/env node
// Runs tap with its per-file timeout (.taprc) scaled by the suite's time factor
// (scripts/time-scale.mjs), which every test file receives as PASSBASE_TEST_TIME_SCALE.
//   node scripts/tap.mjs [tap arguments]   the full suite (npm test), or the files given
//   node scripts/tap.mjs --unit [...]      the fast loop (npm run test:unit): test/unit.txt, no coverage
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { timeScale } from './time-scale.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
const unit = args[0] === '--unit'
if (unit) args.shift()

const scale = timeScale()
const base = Number(/^timeout:\s*(\d+)/m.exec(readFileSync(join(root, '.taprc'), 'utf8'))?.[1] ?? 30)
const timeout = Math.round(base * scale)
console.log(`# time scale ${scale} (load ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores): per-file timeout ${timeout} s`)

/** test/unit.txt: one test file or folder per line (a folder: its *.test.ts), `#` comments. */
function unitFiles () {
  const entries = readFileSync(join(root, 'test', 'unit.txt'), 'utf8').split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean)
  return entries.flatMap((entry) => entry.endsWith('.ts')
    ? [entry]
    : readdirSync(join(root, entry), { recursive: true }).map(String).filter((f) => f.endsWith('.test.ts')).map((f) => relative(root, join(root, entry, f)).split(sep).join('/')).sort())
}

const tapArgs = [`--timeout=${timeout}`, ...(unit ? ['--disable-coverage', ...unitFiles()] : []), ...args]
const tap = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'tap.cmd' : 'tap')
const result = spawnSync(tap, tapArgs, { cwd: root, stdio: 'inherit', env: { ...process.env, PASSBASE_TEST_TIME_SCALE: String(scale) } })
process.exit(result.status ?? 1)

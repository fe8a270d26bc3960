#!/usr/bin/env node
// The published package, checked as a user receives it: `npm pack` into a temporary
// folder, then
//   1. the tarball's contents: package.json, README.md, LICENSE, CHANGELOG.md and dist/
//      only (no sources, tests, benchmarks); every file package.json points at is there;
//      no source map unless the sources it names are packed too;
//   2. publint: no message at any level;
//   3. arethetypeswrong (@arethetypeswrong/cli, on the tarball, every resolution: node10,
//      node16 from CommonJS and from ESM, bundler): every entry of `exports` resolves to
//      JavaScript and types, and no problem is reported.
// Nothing here uses the network.
//
// Usage: node scripts/check-package.mjs [--dir <package folder>] [--no-build] [--json]
//   --dir       the package to check (default: this repository)
//   --no-build  pack with --ignore-scripts: check the dist/ that is there instead of
//               letting `prepack` rebuild it (what the test suite does, as other tests
//               read dist/ at the same time)
//   --json      print the report as JSON on stdout instead of text
// Exit code: 0 when every check passes, 1 when one fails, 2 on a usage or packing error.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, posix, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)

/** Top-level files the tarball must hold (npm adds package.json, README and LICENSE itself; the rest come from `files`). */
export const REQUIRED_FILES = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']
/** Everything in the tarball is one of REQUIRED_FILES or under one of these folders. */
export const ALLOWED_DIRS = ['dist/']
/** The resolutions arethetypeswrong checks (its "strict" profile: all of them). */
export const RESOLUTIONS = ['node10', 'node16-cjs', 'node16-esm', 'bundler']

function sh (command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options })
}

/** `npm pack` of `dir` into a new temporary folder; `build: false` skips the lifecycle scripts (prepack). */
export function pack (dir, { build = true } = {}) {
  const dest = mkdtempSync(join(tmpdir(), 'passbase-pack-'))
  const args = ['pack', '--loglevel=error', '--pack-destination', dest, ...(build ? [] : ['--ignore-scripts'])]
  // npm's and the build's output go to stderr: stdout stays free for the report
  sh('npm', args, { cwd: dir, stdio: ['ignore', 2, 2] })
  const tarballs = readdirSync(dest).filter((f) => f.endsWith('.tgz'))
  if (tarballs.length !== 1) throw new Error(`npm pack wrote ${tarballs.length} tarballs to ${dest}`)
  return { dest, tarball: join(dest, tarballs[0]) }
}

/** The file paths in a tarball, relative to its `package/` root, sorted. */
export function listTarball (tarball) {
  return sh('tar', ['-tzf', tarball]).split('\n').filter((line) => line !== '' && !line.endsWith('/'))
    .map((line) => line.replace(/^package\//, '')).sort()
}

/** Unpacks a tarball into `into` (its files end up under `into/package/`). */
export function unpack (tarball, into) {
  sh('tar', ['-xzf', tarball, '-C', into])
  return join(into, 'package')
}

function targets (value, out = []) {
  if (typeof value === 'string') out.push(value)
  else if (Array.isArray(value)) for (const v of value) targets(v, out)
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) targets(v, out)
  return out
}

/** Every file that package.json points at: main, module, types, exports, typesVersions, bin. */
export function referencedFiles (manifest) {
  const bin = typeof manifest.bin === 'string' ? [manifest.bin] : targets(manifest.bin ?? {})
  const all = [manifest.main, manifest.module, manifest.types, manifest.typings, ...targets(manifest.exports ?? {}),
    ...targets(manifest.typesVersions ?? {}), ...bin]
  return [...new Set(all.filter((f) => typeof f === 'string' && !f.includes('*')).map((f) => posix.normalize(f)))].sort()
}

/**
 * Problems with the tarball's contents (strings, one per problem). `read(path)` returns a
 * packed file's text; it is used to follow source maps.
 */
export function contentsProblems (files, manifest, read) {
  const problems = []
  const packed = new Set(files)
  for (const file of REQUIRED_FILES) {
    if (!packed.has(file)) problems.push(`${file} is missing from the tarball`)
  }
  for (const file of files) {
    if (REQUIRED_FILES.includes(file)) continue
    if (!ALLOWED_DIRS.some((dir) => file.startsWith(dir))) {
      problems.push(`${file} must not be packed (only ${[...REQUIRED_FILES, ...ALLOWED_DIRS].join(', ')})`)
    } else if (/\.(?:ts|mts|cts|tsx)$/.test(file) && !/\.d\.(?:ts|mts|cts)$/.test(file)) {
      problems.push(`${file} is a source file: sources are not packed`)
    }
  }
  for (const file of referencedFiles(manifest)) {
    if (file !== 'package.json' && !packed.has(file)) problems.push(`package.json points at ${file}, which is not in the tarball`)
  }
  // a source map is fine only when every source it names is packed too
  const unpackedSources = (map, dir) => (map.sources ?? [])
    .map((s) => posix.normalize(posix.join(dir, map.sourceRoot ?? '', s))).filter((s) => !packed.has(s))
  const listed = (missing) => `${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}`
  for (const file of files) {
    if (file.endsWith('.map')) {
      try {
        const missing = unpackedSources(JSON.parse(read(file)), posix.dirname(file))
        if (missing.length > 0) problems.push(`${file} is a source map of sources that are not packed (${listed(missing)})`)
      } catch (err) {
        problems.push(`${file}: not a readable source map (${err.message})`)
      }
    } else if (/\.[cm]?js$/.test(file)) {
      const match = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(read(file))
      if (match === null) continue
      const inline = /^data:application\/json(?:;charset=[^;,]+)?;base64,(.*)$/.exec(match[1])
      if (inline !== null) {
        const missing = unpackedSources(JSON.parse(Buffer.from(inline[1], 'base64').toString('utf8')), posix.dirname(file))
        if (missing.length > 0) problems.push(`${file} has an inline source map of sources that are not packed (${listed(missing)})`)
      } else {
        const map = posix.normalize(posix.join(posix.dirname(file), match[1]))
        if (!packed.has(map)) problems.push(`${file} names a source map ${map} that is not packed`)
      }
    }
  }
  return problems
}

/** publint on the tarball: every message (error, warning or suggestion), formatted. */
export async function publintProblems (tarball) {
  const { publint } = await import('publint')
  const { formatMessage } = await import('publint/utils')
  const data = readFileSync(tarball)
  const { messages, pkg } = await publint({ pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) }, level: 'suggestion' })
  return messages.map((m) => `${m.type}: ${formatMessage(m, pkg, { color: false }) ?? m.code}`)
}

function attwCli () {
  const cliPackage = require.resolve('@arethetypeswrong/cli/package.json')
  return { dir: dirname(cliPackage), bin: JSON.parse(readFileSync(cliPackage, 'utf8')).bin.attw }
}

/** The arethetypeswrong CLI on the tarball, as JSON (every resolution; no network: the tarball has its own types). */
export function runAttw (tarball) {
  const cli = attwCli()
  let out
  try {
    out = sh(process.execPath, [join(cli.dir, cli.bin), tarball, '--format', 'json', '--profile', 'strict', '--no-color'], { stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    // exit code 1 means "problems found"; the JSON report is still on stdout
    if (typeof err.stdout !== 'string' || !err.stdout.trimStart().startsWith('{')) throw new Error(`attw failed: ${err.stderr ?? err.message}`)
    out = err.stdout
  }
  return JSON.parse(out)
}

/** attw's own titles of its problem kinds (from its core package), or {} when they cannot be read. */
async function attwProblemTitles () {
  try {
    const path = createRequire(join(attwCli().dir, 'package.json')).resolve('@arethetypeswrong/core/problems')
    return (await import(pathToFileURL(path).href)).problemKindInfo ?? {}
  } catch {
    return {}
  }
}

/** Problems in an attw report: its own problems, and any entry/resolution without JavaScript or types. */
export function attwProblems (report, manifest, titles = {}) {
  const analysis = report.analysis
  const problems = []
  if (analysis.types === false) return ['the package has no types']
  for (const p of analysis.problems ?? []) {
    const where = [p.entrypoint, p.resolutionKind].filter(Boolean).join(' under ')
    const info = titles[p.kind]
    problems.push(`${p.kind}${where === '' ? '' : ` (${where})`}${info === undefined ? '' : `: ${info.title}. ${info.description}`}`)
  }
  const expected = Object.keys(manifest.exports ?? { '.': null })
  for (const entry of expected) {
    const checked = analysis.entrypoints[entry]
    if (checked === undefined) {
      problems.push(`${entry}: not checked by attw`)
      continue
    }
    for (const kind of RESOLUTIONS) {
      const r = checked.resolutions[kind]
      if (r === undefined) problems.push(`${entry} under ${kind}: not checked`)
      else if (r.resolution?.fileName === undefined) problems.push(`${entry} under ${kind}: types do not resolve`)
      else if (entry !== './package.json' && r.implementationResolution?.fileName === undefined) problems.push(`${entry} under ${kind}: JavaScript does not resolve`)
    }
  }
  return problems
}

/** Packs `dir` and runs every check; returns the report (nothing thrown for failed checks). */
export async function checkPackage (dir, { build = true } = {}) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const { dest, tarball } = pack(dir, { build })
  try {
    const files = listTarball(tarball)
    const root = unpack(tarball, dest)
    const contents = contentsProblems(files, manifest, (path) => readFileSync(join(root, path), 'utf8'))
    const publint = await publintProblems(tarball)
    const attwReport = runAttw(tarball)
    const attw = attwProblems(attwReport, manifest, await attwProblemTitles())
    const resolutions = Object.fromEntries(Object.entries(attwReport.analysis.entrypoints).map(([entry, e]) => [entry,
      Object.fromEntries(Object.entries(e.resolutions).map(([kind, r]) => [kind, { types: r.resolution?.fileName ?? null, js: r.implementationResolution?.fileName ?? null }]))]))
    return { name: manifest.name, version: manifest.version, tarball: tarball.slice(dest.length + 1), files, resolutions, problems: { contents, publint, attw } }
  } finally {
    rmSync(dest, { recursive: true, force: true })
  }
}

function formatReport (report) {
  const lines = [`${report.name}@${report.version}: ${report.tarball}, ${report.files.length} files`]
  for (const file of report.files) lines.push(`  ${file}`)
  for (const [check, problems] of Object.entries(report.problems)) {
    if (problems.length === 0) lines.push(`✔ ${check}: no problem`)
    else {
      lines.push(`✘ ${check}: ${problems.length} problem(s)`)
      for (const p of problems) lines.push(`    - ${p}`)
    }
  }
  return lines.join('\n')
}

async function main () {
  let values
  try {
    values = parseArgs({ options: { dir: { type: 'string' }, 'no-build': { type: 'boolean' }, json: { type: 'boolean' } }, strict: true }).values
  } catch (err) {
    console.error(`check-package: ${err.message}`)
    return 2
  }
  const dir = resolve(values.dir ?? join(here, '..'))
  let report
  try {
    report = await checkPackage(dir, { build: values['no-build'] !== true })
  } catch (err) {
    console.error(`check-package: cannot pack or check ${dir}: ${err.stderr ?? err.message}`)
    return 2
  }
  const failed = Object.values(report.problems).some((p) => p.length > 0)
  if (values.json === true) process.stdout.write(JSON.stringify(report, null, 2) + '\n')
  else (failed ? console.error : console.log)(formatReport(report))
  return failed ? 1 : 0
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main()
}

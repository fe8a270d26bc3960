import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import t from 'tap'
import { root, run } from './helpers/packed.js'

/**
 * `scripts/check-package.mjs`, the packaging checks: on a fresh copy of the repository's
 * sources (what a clone holds: no dist/, no src/generated/), `npm pack` builds first and
 * the tarball passes every check (contents, publint, arethetypeswrong on every entry and
 * resolution); on a package made to be wrong, every check fails and says why.
 */
const script = join(root, 'scripts', 'check-package.mjs')

interface Report {
  files: string[]
  resolutions: Record<string, Record<string, { types: string | null, js: string | null }>>
  problems: { contents: string[], publint: string[], attw: string[] }
}

async function check (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  return await run(process.execPath, [script, ...args], { maxBuffer: 64 * 1024 * 1024 })
    .then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code?: number, stdout?: string, stderr?: string }) => ({ code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }))
}

t.test('a fresh copy of the sources packs: prepack builds, and every check passes', async (t) => {
  const copy = t.testdir({})
  // what a clone of this work tree holds: tracked and untracked files that are not ignored
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\0').filter((f) => f !== '' && existsSync(join(root, f)))
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true })
    cpSync(join(root, file), join(copy, file))
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'))
  t.notOk(existsSync(join(copy, 'dist')), 'the copy has no dist/')
  t.notOk(existsSync(join(copy, 'src', 'generated')), 'the copy has no src/generated/')

  const result = await check(['--dir', copy, '--json'])
  t.equal(result.code, 0, `check-package passes${result.code === 0 ? '' : `:\n${result.stderr}\n${result.stdout}`}`)
  t.ok(existsSync(join(copy, 'dist', 'index.js')), 'npm pack ran prepack: dist/ was built')
  const report = JSON.parse(result.stdout) as Report
  t.same(report.problems, { contents: [], publint: [], attw: [] }, 'no problem reported')

  t.same(report.files.filter((f) => !f.startsWith('dist/')), ['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json'], 'only dist/ and the four top-level files')
  t.same(report.files.filter((f) => f.endsWith('.map')), [], 'no source maps')
  t.same(report.files.filter((f) => /\.[cm]?ts$/.test(f) && !/\.d\.c?ts$/.test(f)), [], 'no sources')
  for (const file of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/sandbox/cli.js']) {
    t.ok(report.files.includes(file), `${file} is packed`)
  }
  // attw resolved JavaScript and types for every entry under every resolution
  for (const entry of ['.', './sandbox', './stores/sqlite', './stores/postgres', './testing', './browser', './client']) {
    for (const kind of ['node10', 'node16-cjs', 'node16-esm', 'bundler']) {
      const r = report.resolutions[entry]?.[kind]
      t.ok(r?.types !== null && r?.types !== undefined && r.js !== null, `${entry} under ${kind}: types ${r?.types ?? 'none'}`)
    }
  }
})

t.test('a package made to be wrong fails every check, with reasons', async (t) => {
  const dir = t.testdir({
    'package.json': JSON.stringify({
      name: 'passbase-bad-package',
      version: '1.0.0',
      type: 'module',
      main: './dist/index.cjs',
      types: './dist/index.d.ts',
      exports: {
        '.': { import: './dist/index.js', require: './dist/index.cjs' },
        './missing': './dist/missing.js'
      },
      files: ['dist', 'bench']
    }),
    dist: {
      'index.js': 'export const x = 1\n//# sourceMappingURL=index.js.map\n',
      'index.js.map': JSON.stringify({ version: 3, sources: ['../src/index.ts'], mappings: '' }),
      'index.cjs': 'exports.x = 1\n',
      'index.d.ts': 'export declare const x: number\n',
      'helper.ts': 'export const y = 2\n',
      'inline.js': 'export const z = 3\n//# sourceMappingURL=data:application/json;base64,' +
        Buffer.from(JSON.stringify({ version: 3, sources: ['../src/inline.ts'], mappings: '' })).toString('base64') + '\n'
    },
    bench: { 'run.js': 'console.log(1)\n' }
  })

  const result = await check(['--dir', dir, '--no-build', '--json'])
  t.equal(result.code, 1, 'exit code 1')
  const { problems } = JSON.parse(result.stdout) as Report
  for (const expected of [
    /^README\.md is missing/, /^LICENSE is missing/, /^CHANGELOG\.md is missing/,
    /^bench\/run\.js must not be packed/, /^dist\/helper\.ts is a source file/,
    /^dist\/index\.js\.map is a source map of sources that are not packed \(src\/index\.ts\)/,
    /^dist\/inline\.js has an inline source map of sources that are not packed \(src\/inline\.ts\)/,
    /^package\.json points at dist\/missing\.js/
  ]) {
    t.ok(problems.contents.some((p) => expected.test(p)), `contents: ${expected.source}`)
  }
  t.ok(problems.publint.some((p) => /^error: .*dist\/missing\.js/.test(p)), `publint names the missing file: ${problems.publint.join('; ')}`)
  t.ok(problems.attw.some((p) => /^\.\/missing under node16-esm: types do not resolve$/.test(p)), `attw: ${problems.attw.join('; ')}`)
  t.ok(problems.attw.some((p) => /^UntypedResolution \(\. under node16-cjs\): Could not find types/.test(p)), 'attw: the CommonJS entry has no types')

  // and the text report is readable
  const text = await check(['--dir', dir, '--no-build'])
  t.equal(text.code, 1)
  t.match(text.stderr, /✘ contents: \d+ problem\(s\)\n {4}- README\.md is missing from the tarball/)
  t.match(text.stderr, /✘ publint: \d+ problem\(s\)/)
  t.match(text.stderr, /✘ attw: \d+ problem\(s\)/)
})

t.test('usage errors exit with 2', async (t) => {
  const result = await check(['--frobnicate'])
  t.equal(result.code, 2)
  t.match(result.stderr, /check-package: .*frobnicate/)
  const missing = await check(['--dir', join(t.testdir({}), 'nowhere'), '--no-build'])
  t.equal(missing.code, 2)
  t.match(missing.stderr, /check-package: cannot pack or check/)
})

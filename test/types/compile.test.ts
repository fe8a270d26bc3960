import { execFile } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'

/**
 * The type tests (`test/types/*.test-d.ts`, expect-type assertions on the public surface)
 * are compiled by `npm test`'s typecheck (`tsc --noEmit -p .`). Here they are compiled on
 * their own, so that their result shows in the tap summary, next to a control: the same
 * kind of assertion made wrong must fail to compile, or the type tests could not fail.
 */
const run = promisify(execFile)
const root = join(import.meta.dirname, '..', '..')
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
const typeTests = readdirSync(import.meta.dirname).filter((f) => f.endsWith('.test-d.ts')).sort()

async function compile (dir: string, files: string[]): Promise<{ ok: boolean, errors: string[] }> {
  const config = join(dir, 'tsconfig.json')
  writeFileSync(config, JSON.stringify({ extends: join(root, 'tsconfig.json'), include: [], files }))
  return await run(process.execPath, [tsc, '-p', config, '--pretty', 'false'], { cwd: root })
    .then(() => ({ ok: true, errors: [] }), (err: { stdout?: string }) => ({
      ok: false,
      errors: (err.stdout ?? String(err)).split('\n').filter((l) => /error TS\d+/.test(l))
    }))
}

t.test('the type tests compile', async (t) => {
  t.same(typeTests, ['decorators.test-d.ts', 'errors.test-d.ts', 'options.test-d.ts'], 'the type test files')
  const result = await compile(t.testdir({}), typeTests.map((f) => join(import.meta.dirname, f)))
  t.ok(result.ok, `tsc: no error${result.ok ? '' : `:\n${result.errors.join('\n')}`}`)
})

t.test('a wrong type assertion fails to compile (control)', async (t) => {
  const dir = t.testdir({})
  const src = relative(dir, join(root, 'src', 'index.js')).split(sep).join('/')
  const file = join(dir, 'wrong.test-d.ts')
  writeFileSync(file, [
    "import type { FastifyRequest } from 'fastify'",
    "import { expectTypeOf } from 'expect-type'",
    `import { UnauthenticatedError, type FastifyPassbaseOptions, type VerificationRecord } from '${src}'`,
    '// wrong: request.verification is VerificationRecord | null',
    "expectTypeOf<FastifyRequest['verification']>().toEqualTypeOf<VerificationRecord>()",
    '// wrong: the code is a literal type, not string',
    'expectTypeOf(new UnauthenticatedError().code).toEqualTypeOf<string>()',
    '// wrong: getUserId is required',
    'expectTypeOf<{ secretApiKey: string, webhookSecret: string }>().toExtend<FastifyPassbaseOptions>()',
    ''
  ].join('\n'))
  const result = await compile(dir, [file])
  t.notOk(result.ok, 'tsc fails')
  for (const line of [5, 7, 9]) {
    t.ok(result.errors.some((e) => e.includes(`wrong.test-d.ts(${line},`)), `line ${line} is an error`)
  }
})

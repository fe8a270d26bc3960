/**
 * The package as a user installs it: `npm pack` of this repository (without lifecycle
 * scripts: `npm test` built dist/ already, and other test files read it meanwhile),
 * unpacked into `<dir>/node_modules/fastify-passbase` of a consumer project in a tap
 * test directory. The test directory lies inside this repository (.tap/fixtures), so
 * the consumer finds fastify, typescript and @types/* in the repository's node_modules,
 * while `fastify-passbase` itself can only come from the tarball (the consumer has its
 * own package.json, so no self-reference to the repository).
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Test } from 'tap'
import { scaled } from '../../helpers/time.js'

export const root = join(import.meta.dirname, '..', '..', '..')
export const run = promisify(execFile)

export interface Consumer {
  /** the consumer project */
  dir: string
  /** the unpacked package: `<dir>/node_modules/fastify-passbase` */
  pkg: string
  /** its package.json */
  manifest: { exports: Record<string, unknown>, bin: Record<string, string>, dependencies: Record<string, string>, peerDependencies: Record<string, string>, sideEffects?: unknown }
}

function requireBuild (): void {
  if (!existsSync(join(root, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)')
}

export async function packedConsumer (t: Test, files: Record<string, string> = {}): Promise<Consumer> {
  requireBuild()
  const dir = t.testdir({
    'package.json': JSON.stringify({ name: 'passbase-consumer', version: '0.0.0', private: true }),
    node_modules: { 'fastify-passbase': {} },
    tarball: {},
    ...files
  })
  await run('npm', ['pack', '--ignore-scripts', '--loglevel=error', '--pack-destination', join(dir, 'tarball')], { cwd: root })
  const [tarball] = readdirSync(join(dir, 'tarball')).filter((f) => f.endsWith('.tgz'))
  if (tarball === undefined) throw new Error('npm pack wrote no tarball')
  const pkg = join(dir, 'node_modules', 'fastify-passbase')
  await run('tar', ['-xzf', join(dir, 'tarball', tarball), '-C', pkg, '--strip-components=1'])
  return { dir, pkg, manifest: JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) }
}

/** Runs a Node.js script in the consumer and parses the JSON it prints on its last line. */
export async function probe<T> (dir: string, file: string, args: string[] = []): Promise<T> {
  const { stdout } = await run(process.execPath, [join(dir, file), ...args], { cwd: dir, timeout: scaled(60_000) })
  return JSON.parse(stdout.trim().split('\n').pop() ?? 'null') as T
}

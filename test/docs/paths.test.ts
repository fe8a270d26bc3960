import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { documents, fences, proseLines, read, root } from './markdown.js'

/**
 * Every path of the repository that README.md, CONTRIBUTING.md or docs/*.md names exists:
 * in inline code (`test/http/routes.test.ts`, `src/step-up/`) and in shell blocks
 * (`npx tap test/package/*.test.ts`). A glob must match a file; a `<placeholder>` counts as
 * a glob. Build and run output that git ignores (dist/, src/generated/, bench/.tmp/, ...)
 * is not checked: a fresh clone does not have it. Renaming a file without its docs fails here.
 */
const FOLDERS = ['src', 'test', 'docs', 'bench', 'example', 'scripts', '.ci', 'dist', 'coverage', '.tap', 'node_modules']
const PATH = new RegExp(`^(?:\\./)?((?:${FOLDERS.map((f) => f.replace('.', '\\.')).join('|')})/[^\\s\`'"]*)$`)
const SHELL = new Set(['sh', 'bash', 'shell', 'console', ''])

export interface Named { file: string, line: number, path: string }

/** The repository paths a document names, with their lines. */
export function namedPaths (file: string, markdown: string): Named[] {
  const out: Named[] = []
  const add = (line: number, token: string): void => {
    // no quotes or brackets around it, no `#anchor`, no `:line:column` after it
    const cleaned = token.replace(/^[([{"']+/, '').replace(/[)\]},;:.'"]+$/, '').replace(/#.*$/, '').replace(/(:\d+)+$/, '')
    const m = PATH.exec(cleaned)
    if (m !== null) out.push({ file, line, path: m[1]! })
  }
  proseLines(markdown).forEach((line, i) => {
    for (const code of line.matchAll(/`([^`]+)`/g)) for (const token of code[1]!.split(/\s+/)) add(i + 1, token)
  })
  for (const block of fences(file, markdown)) {
    if (!SHELL.has(block.lang)) continue
    block.text.split('\n').forEach((text, j) => { for (const token of text.split(/\s+/)) add(block.line + j, token) })
  }
  return out
}

function git (args: string[], input?: string): string[] {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', input }).split('\n').filter((l) => l !== '')
}

function globRegExp (pattern: string): RegExp {
  let out = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '*' && pattern[i + 1] === '*') { out += '.*'; i++; if (pattern[i + 1] === '/') i++ } else if (c === '*') out += '[^/]*'
    else if (c === '?') out += '[^/]'
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${out}$`)
}

/** The named paths that do not exist (ignored build output aside), as `file:line: path` messages. */
export function missing (named: Named[], exists: (path: string) => boolean, files: string[], ignored: (paths: string[]) => Set<string>): string[] {
  const patterns = named.map((n) => ({ ...n, pattern: n.path.replace(/<[^>/]+>/g, '*') }))
  const skip = ignored(patterns.map((p) => p.pattern.replace(/\*.*$/, '')).filter((p) => p !== ''))
  const out: string[] = []
  for (const p of patterns) {
    const base = p.pattern.replace(/\*.*$/, '')
    if (skip.has(base)) continue
    if (p.pattern.includes('*')) {
      const re = globRegExp(p.pattern)
      if (!files.some((f) => re.test(f))) out.push(`${p.file}:${p.line}: ${p.path} matches no file`)
    } else if (!exists(p.pattern)) {
      out.push(`${p.file}:${p.line}: ${p.path} does not exist`)
    }
  }
  return out
}

const files = git(['ls-files', '--cached', '--others', '--exclude-standard'])
const ignoredOf = (paths: string[]): Set<string> => {
  if (paths.length === 0) return new Set()
  // exit 1 when none is ignored
  try {
    return new Set(git(['check-ignore', '--no-index', '--stdin'], paths.join('\n') + '\n'))
  } catch (err) {
    if ((err as { status?: number }).status === 1) return new Set()
    throw err
  }
}

t.test('every path the docs name exists', async (t) => {
  const named = documents().flatMap((file) => namedPaths(file, read(file)))
  t.ok(named.length > 50, `paths were found (${named.length})`)
  t.ok(named.some((n) => n.file === 'CONTRIBUTING.md' && n.path.startsWith('test/')), 'CONTRIBUTING.md names test files')
  const problems = missing(named, (p) => existsSync(join(root, p)), files, ignoredOf)
  t.same(problems, [], problems.length === 0 ? 'none missing' : `missing:\n${problems.join('\n')}`)
})

t.test('a missing path, a glob that matches nothing and a renamed folder are reported; build output is not (control)', async (t) => {
  const doc = [
    'Run `npx tap test/http/routes.test.ts` or `test/routes.test.ts`, (`src/guards/`), `test/http/routes.test.ts:12:3`.',
    'Globs: `test/package/*.test.ts`, `test/nothing/*.test.ts`, `src/generated/<path>.ts`, `dist/index.js`.',
    '',
    '```sh',
    'npx tap test/docs/*.test.ts test/gone.test.ts --disable-coverage',
    '```',
    '',
    '```ts',
    "import x from 'test/in-typescript-is-not-a-path.ts'",
    '```'
  ].join('\n')
  const named = namedPaths('doc.md', doc)
  t.same(named.map((n) => `${n.line} ${n.path}`), [
    '1 test/http/routes.test.ts', '1 test/routes.test.ts', '1 src/guards/', '1 test/http/routes.test.ts',
    '2 test/package/*.test.ts', '2 test/nothing/*.test.ts', '2 src/generated/<path>.ts', '2 dist/index.js',
    '5 test/docs/*.test.ts', '5 test/gone.test.ts'
  ])
  t.same(missing(named, (p) => existsSync(join(root, p)), files, ignoredOf), [
    'doc.md:1: test/routes.test.ts does not exist',
    'doc.md:1: src/guards/ does not exist',
    'doc.md:2: test/nothing/*.test.ts matches no file',
    'doc.md:5: test/gone.test.ts does not exist'
  ])
})

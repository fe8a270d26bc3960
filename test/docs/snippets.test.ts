import { execFile } from 'node:child_process'
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { documents, fences, read, root, type Fence } from './markdown.js'

/**
 * Every ```ts block of README.md, CONTRIBUTING.md and docs/*.md compiles under --strict
 * against the package's built types, as a host app would import them (`fastify-passbase`
 * resolves to dist/: run `npm run build` first). Each block is a module of its own; a
 * fragment may use the names test/docs/harness/globals.ts declares (the host's `app`,
 * `handler`, `options`, ...). A block that is not TypeScript must say so with another info
 * string (```text, ```js, ...). A failure names the document and its line.
 */
const run = promisify(execFile)
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
const harness = join(root, 'test', 'docs', 'harness', 'globals.ts')
const TYPESCRIPT = new Set(['ts', 'typescript', 'mts', 'cts'])

/** Compiles the blocks in one program; answers each block's errors as `file:line: message`. */
async function compile (dir: string, blocks: Fence[]): Promise<{ perBlock: string[][], other: string[] }> {
  const files = blocks.map((block, i) => {
    const file = join(dir, `snippet-${i}.ts`)
    // `export {}`: a module of its own (top-level await, no name clashes between blocks), on a line after the block
    writeFileSync(file, `${block.text}\nexport {}\n`)
    return file
  })
  const config = join(dir, 'tsconfig.json')
  writeFileSync(config, JSON.stringify({ extends: join(root, 'tsconfig.json'), include: [], files: [harness, ...files] }))
  const output = await run(process.execPath, [tsc, '-p', config, '--pretty', 'false'], { cwd: root, maxBuffer: 16 * 1024 * 1024 })
    .then(() => '', (err: { stdout?: string }) => err.stdout ?? String(err))
  const perBlock: string[][] = blocks.map(() => [])
  const other: string[] = []
  let last: string[] = other
  for (const line of output.split('\n').filter((l) => l.trim() !== '')) {
    const m = /^(.*)\((\d+),(\d+)\): (error TS\d+: .*)$/.exec(line)
    if (m === null && /^\s/.test(line) && last.length > 0) {
      last[last.length - 1] += `\n${line}` // a message's continuation line
      continue
    }
    const index = m === null ? -1 : files.indexOf(join(root, m[1]!))
    if (m === null || index === -1) { other.push(line); last = other; continue }
    const block = blocks[index]!
    perBlock[index]!.push(`${block.file}:${block.line + Number(m[2]) - 1}:${m[3]}: ${m[4]}`)
    last = perBlock[index]!
  }
  return { perBlock, other }
}

/** True when a file of src/ changed after dist/ was built (the blocks would see old types). */
function distIsStale (): boolean {
  const built = statSync(join(root, 'dist', 'index.d.ts')).mtimeMs
  return readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })
    .some((e) => e.isFile() && !e.parentPath.includes(`${sep}generated`) && statSync(join(e.parentPath, e.name)).mtimeMs > built)
}

function typescriptBlocks (file: string, markdown: string): Fence[] {
  return fences(file, markdown).filter((f) => TYPESCRIPT.has(f.lang))
}

t.test('every TypeScript block of the docs compiles under --strict', async (t) => {
  if (!existsSync(join(root, 'dist', 'index.d.ts'))) {
    t.fail('dist/ is missing: run `npm run build` first (the blocks import the built package, as a host does)')
    return
  }
  const blocks = documents().flatMap((file) => typescriptBlocks(file, read(file)))
  t.ok(blocks.some((b) => b.file === 'README.md') && blocks.some((b) => b.file.startsWith('docs/')), 'README.md and docs/ have TypeScript blocks')
  const { perBlock, other } = await compile(t.testdir({}), blocks)
  const hint = distIsStale() ? '\n(dist/ is older than src/: run `npm run build` and try again)' : ''
  t.same(other, [], `no error outside the blocks (the harness, the package types)${other.length === 0 ? '' : hint}`)
  blocks.forEach((block, i) => {
    const errors = perBlock[i]!
    t.same(errors, [], `${block.file}:${block.line} compiles${errors.length === 0 ? '' : `:\n${errors.join('\n')}${hint}`}`)
  })
})

t.test('a block that does not compile is reported at its document and line (control)', async (t) => {
  const markdown = [
    '# A document',
    '',
    '```ts',
    "const prefix: string = app.prefix // the harness's app",
    'const wrong: number = app.prefix',
    '```',
    '',
    '```text',
    'not TypeScript: never compiled',
    '```',
    '',
    '  ```typescript',
    '  app.post<{ Body: { amount: string } }>(\'/payout\', {',
    '    preHandler: app.passbase.requireReauth({ action: (req) => ({ amount: req.body.amount }) })',
    '  }, handler)',
    '  app.post(\'/untyped\', { preHandler: app.passbase.requireReauth({ action: (req) => ({ amount: req.body.amount }) }) }, handler)',
    '  ```',
    ''
  ].join('\n')
  const blocks = typescriptBlocks('control.md', markdown)
  t.same(blocks.map((b) => b.line), [4, 13], 'the TypeScript blocks and where they start')
  const dir = t.testdir({})
  const { perBlock } = await compile(dir, blocks)
  t.equal(perBlock[0]!.length, 1, 'one error in the first block')
  t.match(perBlock[0]![0], /^control\.md:5:\d+: error TS2322: /, 'reported at control.md line 5')
  t.equal(perBlock[1]!.length, 1, 'one error in the second block: the untyped route')
  t.match(perBlock[1]![0], /^control\.md:16:\d+: error TS18046: 'req\.body' is of type 'unknown'/, 'reported at control.md line 16')
  t.equal(relative(root, dir).split(sep)[0], '.tap', 'compiled inside the package, where `fastify-passbase` resolves to itself')
})

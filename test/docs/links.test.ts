import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative, sep } from 'node:path'
import t from 'tap'
import { anchors, documents, links, read, references, root, type Link } from './markdown.js'

/**
 * Every link of the docs leads somewhere. README.md is also the package's npm page, where
 * a relative link does not resolve: its links into the repository are absolute, to the
 * repository package.json names (`<repository>/blob/main/<path>`, images from
 * raw.githubusercontent.com), and they must name files that exist here. The other
 * documents are read in the repository: their relative links must resolve. Anchors
 * (`#section`) must name a heading of their document. External links are not fetched.
 */
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { repository: { url: string } }
const repository = pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '')
const slug = new URL(repository).pathname.slice(1)
const BLOB = `${repository}/blob/main/`
const TREE = `${repository}/tree/main/`
const RAW = `https://raw.githubusercontent.com/${slug}/main/`

type Read = (file: string) => string | undefined

function readIfThere (file: string): string | undefined {
  return existsSync(join(root, file)) ? readFileSync(join(root, file), 'utf8') : undefined
}

/** What is wrong with a link of `file` (a path relative to the root), or null. */
export function problemOf (file: string, link: Link, absolute: boolean, readDoc: Read = readIfThere): string | null {
  const where = `${file}:${link.line}: ${link.target}`
  const [path = '', anchor] = link.target.split('#', 2) as [string, string | undefined]
  const checkAnchor = (doc: string): string | null => {
    if (anchor === undefined || !doc.endsWith('.md')) return null
    const text = readDoc(doc)
    return text !== undefined && anchors(text).has(decodeURIComponent(anchor)) ? null : `${where}: no heading #${anchor} in ${doc}`
  }
  if (path === '') return checkAnchor(file)
  if (/^mailto:/i.test(path)) return null
  if (/^https?:\/\//i.test(path)) {
    const prefix = [BLOB, TREE, RAW].find((p) => path.startsWith(p))
    if (prefix === undefined) return null // external (or the repository's other pages): not fetched
    const target = decodeURIComponent(path.slice(prefix.length)).replace(/\/$/, '')
    if (readDoc(target) === undefined && !existsSync(join(root, target))) return `${where}: ${target} does not exist in the repository`
    return checkAnchor(target)
  }
  const target = relative(root, normalize(join(root, dirname(file), decodeURIComponent(path)))).split(sep).join('/')
  if (target.startsWith('..')) return `${where}: leaves the repository`
  if (absolute) {
    return `${where}: a relative link does not resolve on the npm page; use ${link.image ? RAW : BLOB}${target}${anchor === undefined ? '' : `#${anchor}`}`
  }
  if (readDoc(target) === undefined && !existsSync(join(root, target))) return `${where}: ${target} does not exist`
  return checkAnchor(target)
}

t.test('every link of README.md and the docs leads somewhere', async (t) => {
  let count = 0
  for (const file of documents()) {
    for (const link of links(read(file))) {
      count++
      const problem = problemOf(file, link, file === 'README.md')
      t.equal(problem, null, problem ?? `${file}:${link.line}: ${link.target}`)
    }
  }
  t.ok(count > 50, `the links were found (${count})`)
  for (const file of documents()) {
    for (const ref of references(read(file))) t.ok(ref.defined, `${file}:${ref.line}: [${ref.name}] has its definition`)
  }
  t.ok(links(read('README.md')).some((l) => l.target.startsWith(BLOB + 'docs/')), 'the README links into docs/ absolutely')
  t.ok(references(read('README.md')).length > 10, 'the README uses reference links')
})

t.test('a relative README link, a missing file and a missing anchor are reported (control)', async (t) => {
  const readme = [
    '# Title',
    '',
    '## Quick start',
    '',
    'See [step-up](docs/step-up.md), [gone](' + BLOB + 'docs/gone.md), [here](#quick-start), [nowhere](#nowhere),',
    '![shot](docs/example.png), [ok](' + BLOB + 'docs/step-up.md#the-flow), [bad](' + BLOB + 'docs/step-up.md#no-such-part)',
    '[external](https://example.com/x), `[not a link](docs/none.md)`',
    '',
    '```md',
    '[in code](docs/none.md)',
    '```'
  ].join('\n')
  const read: Read = (f) => f === 'README.md' ? readme : readIfThere(f)
  const problems = links(readme).map((l) => problemOf('README.md', l, true, read))
  t.same(problems.map((p) => p === null ? null : p.replace(/:.*?: /, ': ').split(': ')[0]), [
    'README.md', 'README.md', null, 'README.md', 'README.md', null, 'README.md', null
  ], 'which links are wrong (code spans and code blocks are not links)')
  t.match(problems[0], `README.md:5: docs/step-up.md: a relative link does not resolve on the npm page; use ${BLOB}docs/step-up.md`)
  t.match(problems[1], /docs\/gone\.md does not exist/)
  t.match(problems[3], /no heading #nowhere in README\.md/)
  t.match(problems[4], `use ${RAW}docs/example.png`)
  t.match(problems[6], /no heading #no-such-part in docs\/step-up\.md/)
  t.equal(problemOf('docs/security.md', { line: 1, target: '../README.md#options', image: false }, false), null, 'a relative link of docs/ resolves')
  t.match(problemOf('docs/security.md', { line: 1, target: 'gone.md', image: false }, false), /docs\/gone\.md does not exist/)
  t.same(references('[a][one] [two][] [b][three]\n\n[one]: https://x.test\n[TWO]: https://y.test\n').map((r) => r.defined), [true, true, false],
    'a reference without its definition is found')
})

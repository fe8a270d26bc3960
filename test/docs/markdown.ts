import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The repository's root. */
export const root = join(import.meta.dirname, '..', '..')

/** The documents a reader of the repository (or of the npm page) sees, relative to the root. */
export function documents (): string[] {
  const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)
  return ['README.md', 'CONTRIBUTING.md', ...docs]
}

export interface Fence {
  /** the document, relative to the root */
  file: string
  /** the info string's first word after the opening fence (`ts`, `sh`, ...), lower case */
  lang: string
  /** 1-based line of the block's first content line in the document (the opening fence is the line before) */
  line: number
  /** 1-based line of the closing fence (the document's last line when the block is not closed) */
  end: number
  /** the content, without the fences (the opening fence's indentation removed) */
  text: string
}

/** Every fenced code block of a Markdown text, with where its content starts. */
export function fences (file: string, markdown: string): Fence[] {
  const lines = markdown.split('\n')
  const out: Fence[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)/.exec(lines[i]!)
    if (open === null) continue
    const indent = open[1]!
    const marker = open[2]!
    const closing = new RegExp(`^ {0,3}${marker.charAt(0) === '`' ? '`' : '~'}{${marker.length},}\\s*$`)
    const body: string[] = []
    let j = i + 1
    for (; j < lines.length && !closing.test(lines[j]!); j++) {
      const line = lines[j]!
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart())
    }
    out.push({ file, lang: open[3]!.toLowerCase(), line: i + 2, end: Math.min(j + 1, lines.length), text: body.join('\n') })
    i = j
  }
  return out
}

/** A document's text. */
export function read (file: string): string {
  return readFileSync(join(root, file), 'utf8')
}

/** The document's lines with every fenced block blanked (same line numbers): the prose and its inline code. */
export function proseLines (markdown: string): string[] {
  const lines = markdown.split('\n')
  for (const fence of fences('', markdown)) {
    for (let l = fence.line - 2; l < fence.end; l++) lines[l] = ''
  }
  return lines
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens (duplicates get -1, -2, ...). */
export function anchors (markdown: string): Set<string> {
  const out = new Set<string>()
  const seen = new Map<string, number>()
  for (const line of proseLines(markdown)) {
    const explicit = line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)
    for (const m of explicit) out.add(m[1]!)
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (heading === null) continue
    const text = heading[1]!.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, '').replace(/[`*]/g, '')
    const slug = text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')
    const n = seen.get(slug) ?? 0
    seen.set(slug, n + 1)
    out.add(n === 0 ? slug : `${slug}-${n}`)
  }
  return out
}

export interface Link {
  /** 1-based line in the document */
  line: number
  /** the link's target as written */
  target: string
  /** an image (`![...](...)`, `<img src>`) */
  image: boolean
}

/** Every link and image of the document's prose (inline, reference definitions, HTML `href`/`src`), not those in code. */
export function links (markdown: string): Link[] {
  const out: Link[] = []
  proseLines(markdown).forEach((raw, i) => {
    const line = raw.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length))
    for (const m of line.matchAll(/(!?)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ line: i + 1, target: m[2]!, image: m[1] === '!' })
    const definition = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/.exec(line)
    if (definition !== null) out.push({ line: i + 1, target: definition[1]!, image: false })
    for (const m of line.matchAll(/<(a|img)\s[^>]*?(href|src)="([^"]+)"/g)) out.push({ line: i + 1, target: m[3]!, image: m[1] === 'img' })
  })
  return out
}

/** The reference links of the prose (`[text][name]`, `[name][]`) and whether each has its definition (`[name]: url`). */
export function references (markdown: string): Array<{ line: number, name: string, defined: boolean }> {
  const lines = proseLines(markdown).map((raw) => raw.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length)))
  const defined = new Set<string>()
  for (const line of lines) {
    const m = /^ {0,3}\[([^\]]+)\]:\s*\S/.exec(line)
    if (m !== null) defined.add(m[1]!.toLowerCase())
  }
  const out: Array<{ line: number, name: string, defined: boolean }> = []
  lines.forEach((line, i) => {
    for (const m of line.matchAll(/\[([^\]]*)\]\[([^\]]*)\]/g)) {
      const name = (m[2] === '' ? m[1]! : m[2]!).toLowerCase()
      out.push({ line: i + 1, name, defined: defined.has(name) })
    }
  })
  return out
}

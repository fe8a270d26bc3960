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

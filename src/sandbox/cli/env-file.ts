import { closeSync, fchmodSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'

/**
 * The CLI's secrets file: `NAME=value` lines, mode 0600, readable by dotenv, Node's
 * `--env-file` and a POSIX shell. Plain values are written bare, others single-quoted,
 * or as a JSON string when they contain a single quote.
 */

export const DEFAULT_ENV_FILE = '.passbase-sandbox.env'

function quote (value: string): string {
  if (/^[A-Za-z0-9_\-.:/@+=]*$/.test(value)) return value
  if (!value.includes("'") && !/[\r\n]/.test(value)) return `'${value}'`
  return JSON.stringify(value)
}

/** writes `values` to `path` with mode 0600 (a new file renamed over the old one) */
export function writeEnvFile (path: string, header: string, values: Record<string, string | undefined>): void {
  const lines = [...header.split('\n').map((line) => `# ${line}`)]
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined) lines.push(`${name}=${quote(value)}`)
  }
  const temporary = `${path}.${process.pid}.tmp`
  const fd = openSync(temporary, 'wx', 0o600)
  try {
    fchmodSync(fd, 0o600)
    writeSync(fd, lines.join('\n') + '\n')
  } finally {
    closeSync(fd)
  }
  try {
    renameSync(temporary, path)
  } catch (err) {
    rmSync(temporary, { force: true })
    throw err
  }
}

export function parseEnv (text: string): Record<string, string> {
  const values: Record<string, string> = {}
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line)
    if (match === null) continue
    const [, name, raw] = match
    if (raw.startsWith('"')) {
      try {
        values[name] = JSON.parse(raw) as string
      } catch {
        values[name] = raw.slice(1, -1)
      }
    } else if (raw.startsWith("'") && raw.endsWith("'") && raw.length >= 2) {
      values[name] = raw.slice(1, -1)
    } else {
      values[name] = raw
    }
  }
  return values
}

/** the file's values; undefined when it does not exist */
export function readEnvFile (path: string): Record<string, string> | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  return parseEnv(text)
}

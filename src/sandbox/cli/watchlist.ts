import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { CONTROL_PREFIX } from '../control.js'
import { DEFAULT_ENV_FILE, readEnvFile } from './env-file.js'
import { argvWarning, PROGRAM, UsageError, type CliIO, type CliResult } from './io.js'

/**
 * `fastify-passbase-sandbox watchlist <identityId>`: flags (or, with --clear, clears) an
 * identity on a running sandbox's watchlist through its control API.
 */

const OPTIONS = {
  url: { type: 'string' },
  clear: { type: 'boolean' },
  type: { type: 'string', multiple: true },
  source: { type: 'string', multiple: true },
  'env-file': { type: 'string' },
  'secret-api-key': { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const

const TIMEOUT_MS = 30_000

interface Request {
  id: string
  url: string
  key: string
  clear: boolean
  body: { types?: string[], sources?: string[] }
}

function plan (argv: string[], io: CliIO, warnings: string[]): Request | 'help' {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const { values, positionals } = parsed
  if (values.help === true) return 'help'
  if (positionals.length !== 1 || positionals[0] === '') throw new UsageError('watchlist takes exactly one identity id')
  const explicit = values['env-file'] ?? (io.env.PASSBASE_SANDBOX_ENV_FILE || undefined)
  const path = resolve(io.cwd, explicit ?? DEFAULT_ENV_FILE)
  const file = readEnvFile(path)
  if (file === undefined && explicit !== undefined) throw new UsageError(`the env file ${path} does not exist`)
  const url = values.url ?? (io.env.PASSBASE_SANDBOX_URL || undefined) ?? file?.PASSBASE_SANDBOX_URL
  if (url === undefined) throw new UsageError('no sandbox URL: pass --url, set PASSBASE_SANDBOX_URL or give the env file')
  if (values['secret-api-key'] !== undefined) warnings.push(argvWarning('--secret-api-key', 'PASSBASE_SECRET_API_KEY'))
  const key = values['secret-api-key'] ?? (io.env.PASSBASE_SECRET_API_KEY || undefined) ?? file?.PASSBASE_SECRET_API_KEY
  if (key === undefined) throw new UsageError('no secret API key: set PASSBASE_SECRET_API_KEY or give the env file')
  if (values.clear === true && (values.type !== undefined || values.source !== undefined)) {
    throw new UsageError('--clear takes no --type or --source')
  }
  const body: Request['body'] = {}
  if (values.type !== undefined) body.types = values.type
  if (values.source !== undefined) body.sources = values.source
  return { id: positionals[0], url: url.replace(/\/+$/, ''), key, clear: values.clear === true, body }
}

interface Answer {
  message?: string
  identity?: { watchlist?: { types?: string[] } }
  delivery?: { status: number | null, error?: string }
}

export async function watchlist (argv: string[], io: CliIO, usage: string): Promise<CliResult> {
  const warnings: string[] = []
  let request: Request | 'help'
  try {
    request = plan(argv, io, warnings)
  } catch (error) {
    io.err(`${PROGRAM}: ${(error as Error).message}\n\n${usage}`)
    return { code: 2 }
  }
  if (request === 'help') {
    io.out(usage)
    return { code: 0 }
  }
  for (const warning of warnings) io.err(warning)
  let status: number
  let answer: Answer
  try {
    const res = await fetch(`${request.url}${CONTROL_PREFIX}/identities/${encodeURIComponent(request.id)}/watchlist`, {
      method: request.clear ? 'DELETE' : 'POST',
      headers: request.clear ? { 'x-api-key': request.key } : { 'x-api-key': request.key, 'content-type': 'application/json' },
      body: request.clear ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(TIMEOUT_MS)
    })
    status = res.status
    answer = await res.json().catch(() => ({})) as Answer
  } catch (error) {
    io.err(`${PROGRAM}: watchlist: cannot reach the sandbox at ${request.url}: ${(error as Error).message}`)
    return { code: 1 }
  }
  if (status < 200 || status > 299) {
    io.err(`${PROGRAM}: watchlist: HTTP ${status}: ${answer.message ?? 'request failed'}`)
    return { code: 1 }
  }
  const what = request.clear ? 'cleared' : `flagged (${(answer.identity?.watchlist?.types ?? []).join(', ')})`
  const delivery = answer.delivery
  const sent = delivery?.status === null || delivery === undefined
    ? `not delivered: ${delivery?.error ?? 'unknown'}`
    : `delivered, HTTP ${delivery.status}`
  io.out(`Identity ${request.id}: watchlist ${what}; WATCHLIST_MONITORING ${sent}`)
  return { code: 0 }
}

#!/usr/bin/env node
import { randomBytes } from 'node:crypto'
import { readFileSync, realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createSandbox } from './index.js'
import type { Sandbox, SandboxOptions } from './types.js'

/** `fastify-passbase-sandbox`: runs the provider sandbox until SIGINT/SIGTERM. */

export interface CliIO {
  out: (line: string) => void
  err: (line: string) => void
  env: Record<string, string | undefined>
}

export interface CliResult {
  /** process exit code: 0 when started (or --help), 1 on a start failure, 2 on bad arguments */
  code: number
  sandbox?: Sandbox
  /** removes the signal handlers and closes the sandbox */
  stop?: () => Promise<void>
}

export const USAGE = `Usage: fastify-passbase-sandbox [options]

A local, wire-faithful Passbase provider: API, webhooks, button.js and a verification page.

Options:
  --port <n>                    port to listen on (default 0: a random free port)
  --host <host>                 interface to listen on (default 127.0.0.1)
  --webhook-url <url>           where webhooks are delivered      (env PASSBASE_WEBHOOK_URL)
  --secret-api-key <key>        the X-API-KEY the API expects     (env PASSBASE_SECRET_API_KEY)
  --publishable-api-key <key>   the button's publishable key      (env PASSBASE_PUBLISHABLE_API_KEY)
  --webhook-secret <secret>     32 ASCII characters to encrypt webhooks (env PASSBASE_WEBHOOK_SECRET)
  --plain-webhooks              send webhooks as plain JSON, unencrypted (the host must allow it)
  --metadata-public-key <file>  RSA public key (PEM) that decrypts the button's metaData
  --processing-delay <ms>       delay before browser-flow webhooks (default 3000)
  --verbose                     log requests
  --help                        show this help

Keys that are not given are generated and printed.`

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'webhook-url': { type: 'string' },
  'secret-api-key': { type: 'string' },
  'publishable-api-key': { type: 'string' },
  'webhook-secret': { type: 'string' },
  'plain-webhooks': { type: 'boolean' },
  'metadata-public-key': { type: 'string' },
  'processing-delay': { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const

class UsageError extends Error {}

function integer (raw: string | undefined, name: string, max: number): number | undefined {
  if (raw === undefined) return undefined
  if (!/^\d+$/.test(raw) || Number(raw) > max) throw new UsageError(`--${name} must be an integer in 0..${max}`)
  return Number(raw)
}

function randomKey (prefix: string): string {
  return `${prefix}${randomBytes(18).toString('base64url')}`
}

function resolveOptions (argv: string[], env: CliIO['env']): SandboxOptions | 'help' {
  let values
  try {
    values = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  if (values.help === true) return 'help'
  const keyFile = values['metadata-public-key']
  let metadataPublicKey: string | undefined
  if (keyFile !== undefined) {
    try {
      metadataPublicKey = readFileSync(keyFile, 'utf8')
    } catch (err) {
      throw new UsageError(`--metadata-public-key: cannot read ${keyFile}: ${(err as Error).message}`)
    }
  }
  return {
    port: integer(values.port, 'port', 65535) ?? 0,
    host: values.host ?? '127.0.0.1',
    webhookUrl: values['webhook-url'] ?? env.PASSBASE_WEBHOOK_URL,
    secretApiKey: values['secret-api-key'] ?? env.PASSBASE_SECRET_API_KEY ?? randomKey('sk_sandbox_'),
    publishableApiKey: values['publishable-api-key'] ?? env.PASSBASE_PUBLISHABLE_API_KEY ?? randomKey('pk_sandbox_'),
    webhookSecret: values['plain-webhooks'] === true
      ? undefined
      : values['webhook-secret'] ?? env.PASSBASE_WEBHOOK_SECRET ?? randomBytes(24).toString('base64url'),
    metadataPublicKey,
    processingDelayMs: integer(values['processing-delay'], 'processing-delay', 3_600_000),
    logger: values.verbose === true
  }
}

function banner (sandbox: Sandbox, options: SandboxOptions): string {
  return [
    `Passbase sandbox listening on ${sandbox.url}`,
    `  API base URL:         ${sandbox.apiBaseUrl}`,
    `  button.js:            ${sandbox.buttonUrl}`,
    `  secret API key:       ${sandbox.secretApiKey}`,
    `  publishable API key:  ${sandbox.publishableApiKey}`,
    `  webhook secret:       ${sandbox.webhookSecret ?? '(none: plain JSON webhooks)'}`,
    `  webhook URL:          ${sandbox.webhookUrl ?? '(not set: deliveries are recorded, not sent)'}`,
    `  metadata public key:  ${options.metadataPublicKey === undefined ? '(not set: metaData is ignored)' : 'loaded'}`,
    'Press Ctrl+C to stop.'
  ].join('\n')
}

export async function main (argv: string[] = process.argv.slice(2), io: Partial<CliIO> = {}): Promise<CliResult> {
  const out = io.out ?? ((line: string) => { process.stdout.write(line + '\n') })
  const err = io.err ?? ((line: string) => { process.stderr.write(line + '\n') })
  let options: SandboxOptions | 'help'
  try {
    options = resolveOptions(argv, io.env ?? process.env)
  } catch (error) {
    err(`fastify-passbase-sandbox: ${(error as Error).message}\n\n${USAGE}`)
    return { code: 2 }
  }
  if (options === 'help') {
    out(USAGE)
    return { code: 0 }
  }
  let sandbox: Sandbox
  try {
    sandbox = await createSandbox(options)
  } catch (error) {
    err(`fastify-passbase-sandbox: cannot start: ${(error as Error).message}`)
    return { code: 1 }
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    out(`Received ${signal}, closing.`)
    void stop()
  }
  const stop = async (): Promise<void> => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await sandbox.close()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  out(banner(sandbox, options))
  return { code: 0, sandbox, stop }
}

/** true when this file is the process entry (the bin, possibly through a symlink) */
export function isEntry (entry: string | undefined, moduleUrl: string | undefined): boolean {
  if (entry === undefined || moduleUrl === undefined) return false
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl))
  } catch {
    return false
  }
}

/* c8 ignore start */
if (isEntry(process.argv[1], import.meta.url)) {
  main().then((result) => {
    if (result.sandbox === undefined) process.exitCode = result.code
  }, (error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}
/* c8 ignore stop */

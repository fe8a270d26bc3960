import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { CONTROL_PREFIX } from '../control.js'
import { createSandbox } from '../index.js'
import { randomKey } from '../options.js'
import type { Sandbox, SandboxOptions } from '../types.js'
import { DEFAULT_ENV_FILE, writeEnvFile } from './env-file.js'
import { argvWarning, PROGRAM, UsageError, type CliIO, type CliResult } from './io.js'

/** `fastify-passbase-sandbox [serve]`: runs the provider sandbox until SIGINT/SIGTERM. */

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
  'env-file': { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const

type Source = 'generated' | `from ${string}`

interface Secret {
  value: string
  source: Source
}

interface ServePlan {
  options: SandboxOptions
  secretApiKey: Secret
  webhookSecret: Secret | undefined
  /** absolute path of the secrets file to write, if any */
  envFile: string | undefined
  warnings: string[]
}

function integer (raw: string | undefined, name: string, max: number): number | undefined {
  if (raw === undefined) return undefined
  if (!/^\d+$/.test(raw) || Number(raw) > max) throw new UsageError(`--${name} must be an integer in 0..${max}`)
  return Number(raw)
}

function secret (flag: string | undefined, flagName: string, env: CliIO['env'], variable: string, generate: () => string, warnings: string[]): Secret {
  if (flag !== undefined) {
    warnings.push(argvWarning(`--${flagName}`, variable))
    return { value: flag, source: `from --${flagName}` }
  }
  const fromEnv = env[variable]
  if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: `from ${variable}` }
  return { value: generate(), source: 'generated' }
}

function plan (argv: string[], io: CliIO): ServePlan | 'help' {
  let values
  try {
    values = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  if (values.help === true) return 'help'
  const { env } = io
  const keyFile = values['metadata-public-key']
  let metadataPublicKey: string | undefined
  if (keyFile !== undefined) {
    try {
      metadataPublicKey = readFileSync(resolve(io.cwd, keyFile), 'utf8')
    } catch (err) {
      throw new UsageError(`--metadata-public-key: cannot read ${keyFile}: ${(err as Error).message}`)
    }
  }
  const warnings: string[] = []
  const secretApiKey = secret(values['secret-api-key'], 'secret-api-key', env, 'PASSBASE_SECRET_API_KEY',
    () => randomKey('sk_sandbox_'), warnings)
  const webhookSecret = values['plain-webhooks'] === true
    ? undefined
    : secret(values['webhook-secret'], 'webhook-secret', env, 'PASSBASE_WEBHOOK_SECRET', () => randomBytes(24).toString('base64url'), warnings)
  const generated = secretApiKey.source === 'generated' || webhookSecret?.source === 'generated'
  const envFile = values['env-file'] ?? (env.PASSBASE_SANDBOX_ENV_FILE || undefined) ?? (generated ? DEFAULT_ENV_FILE : undefined)
  return {
    options: {
      // createSandbox's defaults: port 0, host 127.0.0.1, a random publishable key
      port: integer(values.port, 'port', 65535),
      host: values.host,
      webhookUrl: values['webhook-url'] ?? (env.PASSBASE_WEBHOOK_URL || undefined),
      secretApiKey: secretApiKey.value,
      publishableApiKey: values['publishable-api-key'] ?? (env.PASSBASE_PUBLISHABLE_API_KEY || undefined),
      webhookSecret: webhookSecret?.value,
      metadataPublicKey,
      processingDelayMs: integer(values['processing-delay'], 'processing-delay', 3_600_000),
      logger: values.verbose === true
    },
    secretApiKey,
    webhookSecret,
    envFile: envFile === undefined ? undefined : resolve(io.cwd, envFile),
    warnings
  }
}

function secretLine (secret: Secret | undefined, envFile: string | undefined): string {
  if (secret === undefined) return '(none: plain JSON webhooks)'
  return secret.source === 'generated' ? `set (generated, in ${String(envFile)})` : `set (${secret.source})`
}

function banner (sandbox: Sandbox, p: ServePlan): string {
  return [
    `Passbase sandbox listening on ${sandbox.url}`,
    `  API base URL:         ${sandbox.apiBaseUrl}`,
    `  button.js:            ${sandbox.buttonUrl}`,
    `  identities page:      ${sandbox.url}/identities`,
    `  control API:          ${sandbox.url}${CONTROL_PREFIX} (X-API-KEY: the secret API key)`,
    `  secret API key:       ${secretLine(p.secretApiKey, p.envFile)}`,
    `  publishable API key:  ${sandbox.publishableApiKey}`,
    `  webhook secret:       ${secretLine(p.webhookSecret, p.envFile)}`,
    `  webhook URL:          ${sandbox.webhookUrl ?? '(not set: deliveries are recorded, not sent)'}`,
    `  metadata public key:  ${p.options.metadataPublicKey === undefined ? '(not set: metaData is ignored)' : 'loaded'}`,
    `  env file:             ${p.envFile === undefined ? '(none)' : `${p.envFile} (mode 0600, holds the secrets)`}`,
    'Press Ctrl+C to stop.'
  ].join('\n')
}

function writeConfiguration (sandbox: Sandbox, path: string): void {
  writeEnvFile(path, `${PROGRAM} at ${sandbox.url}, written ${new Date().toISOString()}.\nHolds secrets: keep it private, do not commit it.`, {
    PASSBASE_SANDBOX_URL: sandbox.url,
    PASSBASE_API_BASE_URL: sandbox.apiBaseUrl,
    PASSBASE_BUTTON_URL: sandbox.buttonUrl,
    PASSBASE_SECRET_API_KEY: sandbox.secretApiKey,
    PASSBASE_PUBLISHABLE_API_KEY: sandbox.publishableApiKey,
    PASSBASE_WEBHOOK_SECRET: sandbox.webhookSecret
  })
}

export async function serve (argv: string[], io: CliIO, usage: string): Promise<CliResult> {
  let p: ServePlan | 'help'
  try {
    p = plan(argv, io)
  } catch (error) {
    io.err(`${PROGRAM}: ${(error as Error).message}\n\n${usage}`)
    return { code: 2 }
  }
  if (p === 'help') {
    io.out(usage)
    return { code: 0 }
  }
  for (const warning of p.warnings) io.err(warning)
  let sandbox: Sandbox
  try {
    sandbox = await createSandbox(p.options)
  } catch (error) {
    io.err(`${PROGRAM}: cannot start: ${(error as Error).message}`)
    return { code: 1 }
  }
  if (p.envFile !== undefined) {
    try {
      writeConfiguration(sandbox, p.envFile)
    } catch (error) {
      await sandbox.close()
      io.err(`${PROGRAM}: cannot write the env file ${p.envFile}: ${(error as Error).message}`)
      return { code: 1 }
    }
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    io.out(`Received ${signal}, closing.`)
    void stop()
  }
  const stop = async (): Promise<void> => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await sandbox.close()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  io.out(banner(sandbox, p))
  return { code: 0, sandbox, stop }
}

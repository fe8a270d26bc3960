import type { Sandbox } from '../types.js'

/** What the CLI's commands share: their I/O, their result and the usage text. */

export interface CliIO {
  out: (line: string) => void
  err: (line: string) => void
  env: Record<string, string | undefined>
  /** where relative paths (the secrets file) are resolved, default process.cwd() */
  cwd: string
}

export interface CliResult {
  /** process exit code: 0 when started (or --help, or a command that succeeded), 1 on a failure, 2 on bad arguments */
  code: number
  sandbox?: Sandbox
  /** removes the signal handlers and closes the sandbox */
  stop?: () => Promise<void>
}

export class UsageError extends Error {}

export const PROGRAM = 'fastify-passbase-sandbox'

export const USAGE = `Usage: ${PROGRAM} [serve] [options]
       ${PROGRAM} watchlist <identityId> [--clear] [--type <type>]... [--source <source>]... [options]

A local, wire-faithful Passbase provider: API, webhooks, button.js, a verification page,
an identities page (/identities) and a control API (/sandbox).

serve (the default) options:
  --port <n>                    port to listen on (default 0: a random free port)
  --host <host>                 interface to listen on (default 127.0.0.1)
  --webhook-url <url>           where webhooks are delivered          (env PASSBASE_WEBHOOK_URL)
  --publishable-api-key <key>   the button's publishable key          (env PASSBASE_PUBLISHABLE_API_KEY)
  --plain-webhooks              send webhooks as plain JSON, unencrypted (the host must allow it)
  --metadata-public-key <file>  RSA public key (PEM) that decrypts the button's metaData
  --processing-delay <ms>       delay before browser-flow webhooks (default 3000)
  --env-file <path>             write the configuration, secrets included, to this file (mode 0600)
                                (env PASSBASE_SANDBOX_ENV_FILE; default ./.passbase-sandbox.env when a secret is generated)
  --verbose                     log requests
  --help                        show this help

Secrets come from the environment: PASSBASE_SECRET_API_KEY (the X-API-KEY the API expects) and
PASSBASE_WEBHOOK_SECRET (32 ASCII characters that encrypt webhooks). Missing ones are generated
and written to the env file; they are never printed. --secret-api-key <key> and
--webhook-secret <secret> are accepted too, with a warning: arguments are visible in ps.

watchlist: puts an identity on the watchlist of a running sandbox (or clears it, --clear),
which delivers WATCHLIST_MONITORING. Options:
  --url <url>                   the sandbox (env PASSBASE_SANDBOX_URL, or the env file)
  --type <type>                 a hit type, repeatable: sanction (default), pep, adverse-media, warning
  --source <source>             a list the hit comes from, repeatable (default: one per type)
  --env-file <path>             where to read PASSBASE_SANDBOX_URL and PASSBASE_SECRET_API_KEY
                                (env PASSBASE_SANDBOX_ENV_FILE, default ./.passbase-sandbox.env)
The secret API key comes from PASSBASE_SECRET_API_KEY or the env file (--secret-api-key: with a warning).`

export function argvWarning (flag: string, variable: string): string {
  return `${PROGRAM}: warning: ${flag} puts a secret in the process list (visible with ps); set ${variable} instead`
}

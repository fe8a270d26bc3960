#!/usr/bin/env node
import { isEntry } from '../cli-entry.js'
import { USAGE, type CliIO, type CliResult } from './cli/io.js'
import { serve } from './cli/serve.js'
import { watchlist } from './cli/watchlist.js'

/**
 * `fastify-passbase-sandbox`: `serve` (the default) runs the provider sandbox until
 * SIGINT/SIGTERM; `watchlist <identityId>` flags an identity on a running one.
 */

export { USAGE, type CliIO, type CliResult }

export async function main (argv: string[] = process.argv.slice(2), io: Partial<CliIO> = {}): Promise<CliResult> {
  const full: CliIO = {
    out: io.out ?? ((line) => { process.stdout.write(line + '\n') }),
    err: io.err ?? ((line) => { process.stderr.write(line + '\n') }),
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd()
  }
  const [command, ...rest] = argv
  if (command === 'watchlist') return await watchlist(rest, full, USAGE)
  if (command === 'serve') return await serve(rest, full, USAGE)
  return await serve(argv, full, USAGE)
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

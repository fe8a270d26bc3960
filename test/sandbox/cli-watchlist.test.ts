import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { main } from '../../src/sandbox/cli.js'
import { parseEnv } from '../../src/sandbox/cli/env-file.js'
import { receiver, SECRET_API_KEY, sandboxFor } from './helpers.js'

/** `fastify-passbase-sandbox watchlist <identityId>`: through main(), and as two real processes. */

const CLI = fileURLToPath(new URL('../../src/sandbox/cli.ts', import.meta.url))

function io (env: Record<string, string | undefined> = {}, cwd = mkdtempSync(join(tmpdir(), 'passbase-wl-'))) {
  const out: string[] = []
  const err: string[] = []
  return { out, err, cwd, io: { out: (l: string) => { out.push(l) }, err: (l: string) => { err.push(l) }, env, cwd } }
}

t.test('watchlist flags and clears an identity of a running sandbox', async (t) => {
  const rx = await receiver()
  t.teardown(rx.close)
  const sandbox = await sandboxFor(t, { webhookUrl: rx.url })
  const identity = await sandbox.createIdentity({ status: 'approved' })
  const env = { PASSBASE_SANDBOX_URL: sandbox.url + '/', PASSBASE_SECRET_API_KEY: SECRET_API_KEY }

  const flag = io(env)
  t.same(await main(['watchlist', identity.id, '--type', 'pep', '--type', 'sanction'], flag.io), { code: 0 })
  t.same(flag.out, [`Identity ${identity.id}: watchlist flagged (pep, sanction); WATCHLIST_MONITORING delivered, HTTP 200`])
  t.same(flag.err, [])
  t.match(sandbox.getIdentity(identity.id)!.watchlist, { clean: false, types: ['pep', 'sanction'], sources: ['pep-class-1', 'ofac-sdn-list'] })
  t.match(rx.received.at(-1)?.body, { event: 'WATCHLIST_MONITORING', key: identity.id })

  const sourced = io(env)
  t.same(await main(['watchlist', identity.id, '--source', 'eu-sanctions'], sourced.io), { code: 0 })
  t.match(sandbox.getIdentity(identity.id)!.watchlist, { types: ['sanction'], sources: ['eu-sanctions'] })

  const clear = io(env)
  t.same(await main(['watchlist', identity.id, '--clear'], clear.io), { code: 0 })
  t.same(clear.out, [`Identity ${identity.id}: watchlist cleared; WATCHLIST_MONITORING delivered, HTTP 200`])
  t.equal(sandbox.getIdentity(identity.id)!.watchlist.clean, true)

  sandbox.webhookUrl = undefined
  const unsent = io(env)
  t.same(await main(['watchlist', identity.id], unsent.io), { code: 0 })
  t.match(unsent.out[0], 'WATCHLIST_MONITORING not delivered: no webhook URL set')

  // the key from a flag works, with a warning
  const flagged = io({ PASSBASE_SANDBOX_URL: sandbox.url })
  t.same(await main(['watchlist', identity.id, '--secret-api-key', SECRET_API_KEY], flagged.io), { code: 0 })
  t.match(flagged.err, [/warning: --secret-api-key puts a secret in the process list/])

  // the env file gives both, unless the environment or a flag says otherwise
  const file = io()
  writeFileSync(join(file.cwd, '.passbase-sandbox.env'), `PASSBASE_SANDBOX_URL=${sandbox.url}\nPASSBASE_SECRET_API_KEY=${SECRET_API_KEY}\n`)
  t.same(await main(['watchlist', identity.id, '--clear'], file.io), { code: 0 })
  const override = io({ PASSBASE_SECRET_API_KEY: 'wrong' }, file.cwd)
  t.same(await main(['watchlist', identity.id], override.io), { code: 1 })
  t.match(override.err, [/watchlist: HTTP 401: Unauthorized/])
})

t.test('watchlist errors: usage (2), refused or unreachable (1)', async (t) => {
  const sandbox = await sandboxFor(t)
  const identity = await sandbox.createIdentity()
  const env = { PASSBASE_SANDBOX_URL: sandbox.url, PASSBASE_SECRET_API_KEY: SECRET_API_KEY }
  const usage: Array<[string[], Record<string, string>, RegExp]> = [
    [['watchlist'], env, /exactly one identity id/],
    [['watchlist', 'a', 'b'], env, /exactly one identity id/],
    [['watchlist', identity.id, '--bogus'], env, /Unknown option '--bogus'/],
    [['watchlist', identity.id], { PASSBASE_SECRET_API_KEY: SECRET_API_KEY }, /no sandbox URL/],
    [['watchlist', identity.id], { PASSBASE_SANDBOX_URL: sandbox.url }, /no secret API key/],
    [['watchlist', identity.id, '--clear', '--type', 'pep'], env, /--clear takes no --type or --source/],
    [['watchlist', identity.id, '--env-file', 'nope.env'], env, /the env file .*nope\.env does not exist/]
  ]
  for (const [argv, vars, message] of usage) {
    const c = io(vars)
    t.same(await main(argv, c.io), { code: 2 }, argv.join(' '))
    t.match(c.err.join('\n'), message)
    t.match(c.err.join('\n'), /\n\nUsage:/)
  }
  const help = io()
  t.same(await main(['watchlist', '--help'], help.io), { code: 0 })
  t.match(help.out.join('\n'), 'watchlist <identityId>')

  const unknown = io(env)
  t.same(await main(['watchlist', 'no-such-identity'], unknown.io), { code: 1 })
  t.match(unknown.err, [/watchlist: HTTP 404: Identity not found/])
  const bad = io(env)
  t.same(await main(['watchlist', identity.id, '--type', 'x'.repeat(101)], bad.io), { code: 1 })
  t.match(bad.err, [/watchlist: HTTP 400: sandbox: flagWatchlist: types\.0/])

  const closed = await sandboxFor(t)
  const url = closed.url
  await closed.close()
  const down = io({ PASSBASE_SANDBOX_URL: url, PASSBASE_SECRET_API_KEY: SECRET_API_KEY })
  t.same(await main(['watchlist', identity.id], down.io), { code: 1 })
  t.match(down.err, [new RegExp(`cannot reach the sandbox at ${url.replace(/[.]/g, '\\.')}`)])
})

t.test('two processes: serve writes the env file, watchlist reads it; no secret on any output', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'passbase-wl-child-'))
  const env = { ...process.env, PASSBASE_SECRET_API_KEY: undefined, PASSBASE_WEBHOOK_SECRET: undefined, PASSBASE_SANDBOX_URL: undefined }
  const server = spawn(process.execPath, [...process.execArgv, CLI, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], cwd, env })
  let out = ''
  let err = ''
  server.stdout.setEncoding('utf8')
  server.stderr.setEncoding('utf8')
  server.stderr.on('data', (chunk: string) => { err += chunk })
  const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)))
  t.teardown(() => { server.kill('SIGTERM') })
  await new Promise<void>((resolve, reject) => {
    server.stdout.on('data', (chunk: string) => {
      out += chunk
      if (out.includes('Press Ctrl+C to stop.')) resolve()
    })
    server.once('exit', (code) => reject(new Error(`exited ${String(code)}: ${out}${err}`)))
  })
  const values = parseEnv(readFileSync(join(cwd, '.passbase-sandbox.env'), 'utf8'))
  t.match(values, { PASSBASE_SANDBOX_URL: /^http:\/\/127\.0\.0\.1:\d+$/, PASSBASE_SECRET_API_KEY: /^sk_sandbox_/, PASSBASE_WEBHOOK_SECRET: /^.{32}$/ })
  t.notMatch(out + err, values.PASSBASE_SECRET_API_KEY, 'the secret API key is not printed')
  t.notMatch(out + err, values.PASSBASE_WEBHOOK_SECRET, 'the webhook secret is not printed')
  t.equal(err, '')

  // an identity made through the flow, as a browser would
  const made = await fetch(`${values.PASSBASE_SANDBOX_URL}/flow/submit`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: values.PASSBASE_PUBLISHABLE_API_KEY })
  })
  const { identityAccessKey } = await made.json() as { identityAccessKey: string }

  const cli = spawn(process.execPath, [...process.execArgv, CLI, 'watchlist', identityAccessKey, '--type', 'warning'], {
    stdio: ['ignore', 'pipe', 'pipe'], cwd, env
  })
  let cliOut = ''
  let cliErr = ''
  cli.stdout.setEncoding('utf8').on('data', (chunk: string) => { cliOut += chunk })
  cli.stderr.setEncoding('utf8').on('data', (chunk: string) => { cliErr += chunk })
  const code = await new Promise<number | null>((resolve) => cli.once('exit', (c) => resolve(c)))
  t.equal(code, 0, cliErr)
  t.equal(cliOut, `Identity ${identityAccessKey}: watchlist flagged (warning); WATCHLIST_MONITORING not delivered: no webhook URL set\n`)
  t.equal(cliErr, '')
  const identity = await (await fetch(`${values.PASSBASE_API_BASE_URL}/identities/${identityAccessKey}`, {
    headers: { 'x-api-key': values.PASSBASE_SECRET_API_KEY }
  })).json() as { watchlist: { clean: boolean, types: string[] } }
  t.match(identity.watchlist, { clean: false, types: ['warning'] })

  server.kill('SIGTERM')
  t.equal(await exited, 0)
})

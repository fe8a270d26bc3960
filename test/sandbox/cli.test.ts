import { spawn } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import t from 'tap'
import { isEntry } from '../../src/cli-entry.js'
import { main, USAGE } from '../../src/sandbox/cli.js'
import { parseEnv } from '../../src/sandbox/cli/env-file.js'

/** The CLI: `serve` (main() and a spawned process), secrets handling, the env file. */

const CLI = fileURLToPath(new URL('../../src/sandbox/cli.ts', import.meta.url))

/** the CLI's I/O, with a fresh working directory (where the env file goes by default) */
function io (env: Record<string, string | undefined> = {}) {
  const out: string[] = []
  const err: string[] = []
  const cwd = mkdtempSync(join(tmpdir(), 'passbase-cli-cwd-'))
  return { out, err, cwd, io: { out: (l: string) => { out.push(l) }, err: (l: string) => { err.push(l) }, env, cwd } }
}

t.test('--help prints the usage', async (t) => {
  const c = io()
  t.same(await main(['--help'], c.io), { code: 0 })
  t.equal(c.out.join('\n'), USAGE)
  t.match(USAGE, '--metadata-public-key <file>')
})

t.test('bad arguments exit 2 with a message and the usage', async (t) => {
  for (const argv of [['--bogus'], ['--port', 'x'], ['--port', '70000'], ['--processing-delay', '-5'], ['extra'], ['--metadata-public-key', '/nonexistent/key.pem']]) {
    const c = io()
    t.same(await main(argv, c.io), { code: 2 }, argv.join(' '))
    t.match(c.err.join('\n'), /^fastify-passbase-sandbox: [^]+\n\nUsage:/)
  }
})

t.test('a start failure exits 1', async (t) => {
  const c = io()
  t.same(await main(['--webhook-secret', 'too short'], c.io), { code: 1 })
  // v0.2: the message names the option
  t.match(c.err.join('\n'), /cannot start: sandbox: webhookSecret must be exactly 32 ASCII characters/)
})

t.test('without keys it generates them, writes them to a 0600 env file and never prints them', async (t) => {
  const c = io()
  const result = await main([], c.io)
  t.equal(result.code, 0)
  const sandbox = result.sandbox!
  t.teardown(() => result.stop?.())
  const out = c.out.join('\n')
  t.match(sandbox.secretApiKey, /^sk_sandbox_/)
  t.match(sandbox.publishableApiKey, /^pk_sandbox_/)
  t.equal(sandbox.webhookSecret?.length, 32)
  for (const text of [sandbox.url, sandbox.apiBaseUrl, sandbox.buttonUrl, sandbox.publishableApiKey]) {
    t.match(out, text)
  }
  // v0.2: secrets are no longer printed
  t.notMatch(out + c.err.join('\n'), sandbox.secretApiKey)
  t.notMatch(out + c.err.join('\n'), sandbox.webhookSecret!)
  const file = join(c.cwd, '.passbase-sandbox.env')
  t.match(out, `secret API key:       set (generated, in ${file})`)
  t.match(out, `webhook secret:       set (generated, in ${file})`)
  t.match(out, `env file:             ${file} (mode 0600, holds the secrets)`)
  t.equal(statSync(file).mode & 0o777, 0o600)
  t.same(parseEnv(readFileSync(file, 'utf8')), {
    PASSBASE_SANDBOX_URL: sandbox.url,
    PASSBASE_API_BASE_URL: sandbox.apiBaseUrl,
    PASSBASE_BUTTON_URL: sandbox.buttonUrl,
    PASSBASE_SECRET_API_KEY: sandbox.secretApiKey,
    PASSBASE_PUBLISHABLE_API_KEY: sandbox.publishableApiKey,
    PASSBASE_WEBHOOK_SECRET: sandbox.webhookSecret
  })
  t.same(c.err, [], 'no warning')
  t.match(out, '(not set: deliveries are recorded, not sent)')
  t.match(out, '(not set: metaData is ignored)')
  const res = await fetch(sandbox.apiBaseUrl + '/settings', { headers: { 'x-api-key': sandbox.secretApiKey } })
  t.equal(res.status, 200)
})

t.test('flags win over the environment, which wins over generated keys', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'passbase-cli-'))
  const pem = join(dir, 'public.pem')
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  writeFileSync(pem, publicKey.export({ type: 'spki', format: 'pem' }))
  const env = {
    PASSBASE_SECRET_API_KEY: 'sk_env',
    PASSBASE_PUBLISHABLE_API_KEY: 'pk_env',
    PASSBASE_WEBHOOK_SECRET: 'E'.repeat(32),
    PASSBASE_WEBHOOK_URL: 'http://127.0.0.1:9/env'
  }
  const fromEnv = io(env)
  const a = await main(['--processing-delay', '10'], fromEnv.io)
  t.teardown(() => a.stop?.())
  t.match(a.sandbox, { secretApiKey: 'sk_env', publishableApiKey: 'pk_env', webhookSecret: 'E'.repeat(32), webhookUrl: 'http://127.0.0.1:9/env' })
  const envOut = fromEnv.out.join('\n')
  t.match(envOut, /secret API key: +set \(from PASSBASE_SECRET_API_KEY\)/)
  t.match(envOut, /webhook secret: +set \(from PASSBASE_WEBHOOK_SECRET\)/)
  t.match(envOut, /env file: +\(none\)/)
  t.notMatch(envOut, 'sk_env')
  t.notMatch(envOut, 'E'.repeat(32))
  t.same(fromEnv.err, [])
  t.notOk(existsSync(join(fromEnv.cwd, '.passbase-sandbox.env')), 'nothing generated: no env file unless asked')

  const fromFlags = io(env)
  const b = await main([
    '--port', '0', '--host', '127.0.0.1', '--secret-api-key', 'sk_flag', '--publishable-api-key', 'pk_flag',
    '--webhook-secret', 'F'.repeat(32), '--webhook-url', 'http://127.0.0.1:9/flag', '--metadata-public-key', pem, '--verbose'
  ], fromFlags.io)
  t.teardown(() => b.stop?.())
  t.match(b.sandbox, { secretApiKey: 'sk_flag', publishableApiKey: 'pk_flag', webhookSecret: 'F'.repeat(32), webhookUrl: 'http://127.0.0.1:9/flag' })
  t.match(fromFlags.out.join('\n'), /metadata public key: +loaded/)
  t.match(fromFlags.out.join('\n'), /secret API key: +set \(from --secret-api-key\)/)
  t.notMatch(fromFlags.out.join('\n'), 'sk_flag')
  t.same(fromFlags.err, [
    'fastify-passbase-sandbox: warning: --secret-api-key puts a secret in the process list (visible with ps); set PASSBASE_SECRET_API_KEY instead',
    'fastify-passbase-sandbox: warning: --webhook-secret puts a secret in the process list (visible with ps); set PASSBASE_WEBHOOK_SECRET instead'
  ])

  const plain = io(env)
  const c = await main(['--plain-webhooks'], plain.io)
  t.teardown(() => c.stop?.())
  t.equal(c.sandbox?.webhookSecret, undefined)
  t.match(plain.out.join('\n'), /webhook secret: +\(none: plain JSON webhooks\)/)
})

t.test('SIGINT/SIGTERM close the sandbox and remove the handlers', async (t) => {
  const before = process.listenerCount('SIGTERM')
  const beforeInt = process.listenerCount('SIGINT')
  const c = io()
  const result = await main([], c.io)
  t.equal(process.listenerCount('SIGTERM'), before + 1)
  t.equal(process.listenerCount('SIGINT'), beforeInt + 1)
  process.emit('SIGTERM', 'SIGTERM')
  await result.sandbox!.settled()
  await result.sandbox!.close() // waits for the close the signal started
  t.equal(process.listenerCount('SIGTERM'), before)
  t.equal(process.listenerCount('SIGINT'), beforeInt)
  t.match(c.out.join('\n'), 'Received SIGTERM, closing.')
  await t.rejects(fetch(result.sandbox!.url))
})

t.test('isEntry recognises the bin, also through a symlink', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'passbase-bin-'))
  const link = join(dir, 'fastify-passbase-sandbox')
  symlinkSync(CLI, link)
  const url = pathToFileURL(CLI).href
  t.equal(isEntry(CLI, url), true)
  t.equal(isEntry(link, url), true)
  t.equal(isEntry(join(dir, 'missing'), url), false)
  t.equal(isEntry(fileURLToPath(import.meta.url), url), false)
  t.equal(isEntry(undefined, url), false)
  t.equal(isEntry(CLI, undefined), false)
})

t.test('run as a program it serves until SIGTERM', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'passbase-cli-child-'))
  const child = spawn(process.execPath, [...process.execArgv, CLI, '--port', '0', '--secret-api-key', 'sk_child'], {
    stdio: ['ignore', 'pipe', 'pipe'], cwd
  })
  let out = ''
  child.stdout.setEncoding('utf8')
  const apiBase = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      out += chunk
      const match = /API base URL: +(\S+)/.exec(out)
      if (match !== null) resolve(match[1])
    })
    child.once('exit', (code) => reject(new Error(`exited ${String(code)}: ${out}`)))
  })
  const res = await fetch(apiBase + '/settings', { headers: { 'x-api-key': 'sk_child' } })
  t.equal(res.status, 200)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  child.kill('SIGTERM')
  t.equal(await exited, 0)
  t.match(out, 'Received SIGTERM, closing.')
})

t.test('--env-file: written 0600 over an older file; a file that cannot be written stops the start', async (t) => {
  const odd = 'it\'s "q" #!$`\\ '.padEnd(32, 'x')
  const c = io({ PASSBASE_SECRET_API_KEY: 'sk from env with spaces', PASSBASE_WEBHOOK_SECRET: odd })
  const path = join(c.cwd, 'sandbox.env')
  writeFileSync(path, 'OLD=1\n', { mode: 0o644 })
  const result = await main(['--env-file', 'sandbox.env'], c.io)
  t.teardown(() => result.stop?.())
  t.equal(result.code, 0, c.err.join('\n'))
  t.equal(statSync(path).mode & 0o777, 0o600, 'mode 0600, whatever the old file had')
  const values = parseEnv(readFileSync(path, 'utf8'))
  t.equal(values.OLD, undefined, 'replaced, not appended')
  t.equal(values.PASSBASE_SECRET_API_KEY, 'sk from env with spaces')
  t.equal(values.PASSBASE_WEBHOOK_SECRET, odd, 'a value with quotes survives the round trip')
  t.match(c.out.join('\n'), /secret API key: +set \(from PASSBASE_SECRET_API_KEY\)/)
  t.match(c.out.join('\n'), `env file:             ${path} (mode 0600`)

  const viaEnv = io({ PASSBASE_SANDBOX_ENV_FILE: 'from-env.env' })
  const second = await main(['--plain-webhooks'], viaEnv.io)
  t.teardown(() => second.stop?.())
  t.notOk('PASSBASE_WEBHOOK_SECRET' in parseEnv(readFileSync(join(viaEnv.cwd, 'from-env.env'), 'utf8')), 'plain webhooks: no webhook secret')

  const broken = io()
  const failed = await main(['--env-file', 'missing-dir/x.env'], broken.io)
  t.equal(failed.code, 1)
  t.match(broken.err.join('\n'), /cannot write the env file .*missing-dir\/x\.env/)
  t.equal(failed.sandbox, undefined)
})

t.test('parseEnv reads what writeEnvFile writes, and common dotenv forms', async (t) => {
  t.same(parseEnv([
    '# comment', '', 'A=plain', "B='single quoted # not a comment'", 'C="json \\"quoted\\""', 'export D=exported', 'not a line', 'E = spaced '
  ].join('\n')), { A: 'plain', B: 'single quoted # not a comment', C: 'json "quoted"', D: 'exported', E: 'spaced' })
})

import { spawn } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import t from 'tap'
import { isEntry, main, USAGE } from '../src/sandbox/cli.js'

const CLI = fileURLToPath(new URL('../src/sandbox/cli.ts', import.meta.url))

function io (env: Record<string, string | undefined> = {}) {
  const out: string[] = []
  const err: string[] = []
  return { out, err, io: { out: (l: string) => { out.push(l) }, err: (l: string) => { err.push(l) }, env } }
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
  t.match(c.err.join('\n'), /cannot start: webhook secret must be exactly 32 ASCII characters/)
})

t.test('without keys it generates and prints them', async (t) => {
  const c = io()
  const result = await main([], c.io)
  t.equal(result.code, 0)
  const sandbox = result.sandbox!
  t.teardown(() => result.stop?.())
  const out = c.out.join('\n')
  t.match(sandbox.secretApiKey, /^sk_sandbox_/)
  t.match(sandbox.publishableApiKey, /^pk_sandbox_/)
  t.equal(sandbox.webhookSecret?.length, 32)
  for (const text of [sandbox.url, sandbox.apiBaseUrl, sandbox.buttonUrl, sandbox.secretApiKey, sandbox.publishableApiKey, sandbox.webhookSecret!]) {
    t.match(out, text)
  }
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

  const fromFlags = io(env)
  const b = await main([
    '--port', '0', '--host', '127.0.0.1', '--secret-api-key', 'sk_flag', '--publishable-api-key', 'pk_flag',
    '--webhook-secret', 'F'.repeat(32), '--webhook-url', 'http://127.0.0.1:9/flag', '--metadata-public-key', pem, '--verbose'
  ], fromFlags.io)
  t.teardown(() => b.stop?.())
  t.match(b.sandbox, { secretApiKey: 'sk_flag', publishableApiKey: 'pk_flag', webhookSecret: 'F'.repeat(32), webhookUrl: 'http://127.0.0.1:9/flag' })
  t.match(fromFlags.out.join('\n'), /metadata public key: +loaded/)

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
  const child = spawn(process.execPath, [...process.execArgv, CLI, '--port', '0', '--secret-api-key', 'sk_child'], {
    stdio: ['ignore', 'pipe', 'pipe']
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

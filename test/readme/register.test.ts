import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

/**
 * The README's registration snippet is example/register.ts, verbatim: `tsc -p .` compiles
 * it (it imports the built package by its name), and this test runs it and talks to it.
 */
const root = fileURLToPath(new URL('../../', import.meta.url))
const file = join(root, 'example', 'register.ts')

t.test('the README shows example/register.ts verbatim', async (t) => {
  t.ok(readFileSync(join(root, 'README.md'), 'utf8').includes('```ts\n' + readFileSync(file, 'utf8') + '```'))
})

t.test('example/register.ts runs: guards answer, the sandbox is wired', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'passbase-readme-'))
  const loader = process.execArgv.filter((arg) => arg.includes('@tapjs/typescript'))
  const child = spawn(process.execPath, [...loader, file], {
    env: { ...process.env, PORT: '0', PASSBASE_DB: join(dir, 'db.sqlite'), NODE_OPTIONS: '', TS_NODE_TRANSPILE_ONLY: '1' },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  t.teardown(() => { child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }) })
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = ''
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const m = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(buffered)
      if (m !== null) resolve(m[1]!)
    })
    child.once('exit', (code) => { reject(new Error(`exited (${String(code)}): ${buffered}`)) })
  })
  t.equal((await fetch(`${url}/profile`)).status, 401, 'anonymous: 401')
  const none = await fetch(`${url}/profile`, { headers: { 'x-user-id': 'ada' } })
  t.equal(none.status, 403)
  t.match(await none.json(), { status: 'none' })
  t.equal((await fetch(`${url}/payout`, { method: 'POST', headers: { 'x-user-id': 'ada', 'content-type': 'application/json' }, body: '{"amount":"1.00 EUR","iban":"DE89"}' })).status, 403)
  t.equal((await fetch(`${url}/passbase/config`, { headers: { 'x-user-id': 'ada' } })).status, 200)
})

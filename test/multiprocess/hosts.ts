/**
 * Host app processes for the multi-process tests (test/multiprocess/host-worker.ts), and
 * how the tests talk to them: requests, encrypted webhooks, stats, the onStatusChange
 * calls they report.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { StatusChange } from '../../src/index.js'
import { encryptWebhook, webhookKey } from '../../src/protocol/crypto.js'
import { WEBHOOK_SECRET } from '../helpers/app.js'
import { sleep } from '../helpers/wait.js'
import type { HostWorkerConfig, ParentMessage, WorkerMessage } from './host-worker.js'
import { scaled } from '../helpers/time.js'

export const POLL_MS = 50

const KEY = webhookKey(WEBHOOK_SECRET)

export interface Host {
  name: string
  url: string
  child: ChildProcess
  request: (path: string, init?: RequestInit & { user?: string, cookie?: string }) => Promise<Response>
  webhook: (body: Record<string, unknown>) => Promise<Response>
  stats: () => Promise<{ getByUser: number, changes: number }>
}

export const changes: Array<StatusChange & { host: string }> = []
/** onStatusChange calls that hung on purpose (`stallOnStatusChange`) */
export const stalled: Array<StatusChange & { host: string }> = []
/** every child spawned, from the moment it is spawned (so that teardown stops one that failed to start) */
export const children: Array<{ name: string, child: ChildProcess }> = []

export async function startHost (config: HostWorkerConfig): Promise<Host> {
  const script = fileURLToPath(new URL('./host-worker.ts', import.meta.url))
  const loader = process.execArgv.filter((arg) => arg.includes('@tapjs/typescript'))
  const child = spawn(process.execPath, [...loader, script, JSON.stringify(config)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_OPTIONS: '', TS_NODE_TRANSPILE_ONLY: '1' }
  })
  children.push({ name: config.name, child })
  const pending = new Map<number, (m: { getByUser: number, changes: number }) => void>()
  let nextId = 1
  child.on('message', (message: WorkerMessage) => {
    if (message.type === 'statusChange') changes.push({ ...message.change, host: message.name })
    else if (message.type === 'stalled') stalled.push({ ...message.change, host: message.name })
    else if (message.type === 'stats') pending.get(message.id)?.(message)
  })
  const url = await new Promise<string>((resolve, reject) => {
    // ts-node compiles src/ in each child: ~4 s alone, more while other test files run
    const timer = setTimeout(() => { reject(new Error(`host ${config.name} did not start within ${scaled(60_000) / 1000} s`)) }, scaled(60_000))
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') { clearTimeout(timer); resolve(message.url) }
      if (message.type === 'fatal') { clearTimeout(timer); reject(new Error(`host ${config.name} failed: ${message.error}`)) }
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`host ${config.name} exited early (${String(code)})`)) })
  })
  const host: Host = {
    name: config.name,
    url,
    child,
    async request (path, init = {}) {
      const { user, cookie, ...rest } = init
      const headers: Record<string, string> = { ...(rest.headers as Record<string, string> | undefined) }
      if (user !== undefined) headers['x-user'] = user
      if (cookie !== undefined) headers.cookie = cookie
      return await fetch(url + path, { ...rest, headers })
    },
    async webhook (body) {
      return await fetch(url + '/passbase/webhooks', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: encryptWebhook(KEY, JSON.stringify(body))
      })
    },
    async stats () {
      const id = nextId++
      return await new Promise((resolve, reject) => {
        const timer = setTimeout(() => { reject(new Error(`host ${config.name}: no stats answer`)) }, scaled(5000))
        pending.set(id, (m) => { clearTimeout(timer); pending.delete(id); resolve({ getByUser: m.getByUser, changes: m.changes }) })
        child.send({ type: 'stats', id } satisfies ParentMessage)
      })
    }
  }
  return host
}

export async function stopHost ({ name, child }: { name: string, child: ChildProcess }): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => { child.once('exit', () => { resolve() }) })
  if (child.connected) child.send({ type: 'close' } satisfies ParentMessage)
  const timer = setTimeout(() => {
    console.error(`multiprocess-postgres: host ${name} did not exit ${scaled(5000) / 1000} s after close; killing it`)
    child.kill('SIGKILL')
  }, scaled(5000))
  await exited
  clearTimeout(timer)
}

/** Poll `probe` every POLL_MS (first probe at once) until it returns true; the delay since `since`, or null past `limitMs` (scaled). */
export async function pollUntil (probe: () => Promise<boolean>, since: number, limitMs: number): Promise<number | null> {
  limitMs = scaled(limitMs)
  for (;;) {
    const started = Date.now()
    if (await probe()) return Date.now() - since
    if (Date.now() - since > limitMs) return null
    await sleep(Math.max(0, POLL_MS - (Date.now() - started)))
  }
}

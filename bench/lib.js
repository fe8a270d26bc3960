// Shared helpers of the benchmark scripts (plain ESM JavaScript, run on the built dist/).
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

export const SECRET_API_KEY = 'sk_bench_0123456789'
export const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789a'
export const REAUTH_SECRET = 'bench-reauth-secret-0123456789-0123456789'
export const BENCH_USER = 'bench-user'

export const here = (file) => fileURLToPath(new URL(file, import.meta.url))

export function median (values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export const round = (value, digits = 3) => Number(value.toFixed(digits))

/** Whether `file` exists and may be executed. */
export function executable (file) {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The directories of PATH. */
export const pathDirs = () => (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '')

/** The full path of an executable on PATH, or null. */
export function which (file) {
  const dir = pathDirs().find((d) => executable(join(d, file)))
  return dir === undefined ? null : join(dir, file)
}

/** The user id of a request: the `x-user` header (stands in for the host's own authentication). */
let authentications = 0

/**
 * A step-up through the plugin's own routes: start, the biometric authentication (recorded
 * in the store as an IDENTITY_AUTHENTICATED delivery does, after `pauseMs` so that it is
 * later than the challenge), complete. Resolves with the proof's `name=value` cookie.
 */
export async function stepUpThroughRoutes (app, user, identityId, pauseMs = 5) {
  const headers = { 'x-user': user }
  const start = await app.inject({ method: 'POST', url: '/passbase/reauth/start', headers, payload: {} })
  if (start.statusCode !== 200) throw new Error(`step-up start: ${start.statusCode} ${start.body}`)
  await sleep(pauseMs)
  const at = Date.now()
  await app.passbase.store.recordAuthentication(identityId, at, `bench-auth-${process.pid}-${++authentications}`, at + 86_400_000)
  const done = await app.inject({ method: 'POST', url: '/passbase/reauth/complete', headers, payload: { challengeId: start.json().challengeId } })
  if (done.statusCode !== 200) throw new Error(`step-up: ${done.statusCode} ${done.body}`)
  return String(done.headers['set-cookie']).split(';')[0]
}

export function getUserId (request) {
  const user = request.headers['x-user']
  return typeof user === 'string' && user !== '' ? user : null
}

/**
 * A child process speaking a tiny request/answer protocol over IPC:
 * the child sends `{ ready: true, ...info }` once, then answers `{ id, cmd, ... }` with `{ id, result | error }`.
 */
export async function startChild (file, { args = [], env = {}, execArgv = [], execPath } = {}) {
  // `execPath` runs node through a wrapper (valgrind): `execPath ...execArgv file ...args`
  const child = fork(here(file), args, { env: { ...process.env, ...env }, execArgv, execPath, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const pending = new Map()
  let nextId = 0
  child.on('message', (message) => {
    if (message?.ready === true) return
    const waiter = pending.get(message?.id)
    if (waiter === undefined) return
    pending.delete(message.id)
    if (message.error !== undefined) waiter.reject(new Error(`${file}: ${message.error}`))
    else waiter.resolve(message.result)
  })
  const exited = once(child, 'exit')
  const ready = new Promise((resolve, reject) => {
    child.on('message', (message) => { if (message?.ready === true) resolve(message) })
    exited.then(([code]) => reject(new Error(`${file} exited (${code}) before it was ready`)))
  })
  const info = await ready
  exited.then(([code, signal]) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${file} exited (${code ?? signal})`))
    pending.clear()
  })
  return {
    info,
    pid: child.pid,
    async call (cmd, payload = {}) {
      const id = ++nextId
      const answer = new Promise((resolve, reject) => pending.set(id, { resolve, reject }))
      child.send({ id, cmd, ...payload })
      return await answer
    },
    async stop () {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.send({ id: ++nextId, cmd: 'stop' })
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
    }
  }
}

/** The child side of `startChild`: `handlers[cmd](message)`; `stop` runs `onStop` and exits. */
export function serveParent (info, handlers, onStop) {
  process.on('message', async (message) => {
    const { id, cmd } = message
    if (cmd === 'stop') {
      try { await onStop?.() } catch {}
      process.disconnect?.()
      process.exit(0)
    }
    try {
      const handler = handlers[cmd]
      if (handler === undefined) throw new Error(`unknown command ${cmd}`)
      process.send({ id, result: await handler(message) })
    } catch (err) {
      process.send({ id, error: err instanceof Error ? err.stack ?? err.message : String(err) })
    }
  })
  process.send({ ready: true, ...info })
}

/** CPU time (µs: user + system, and user alone) and memory of this process. */
export function usage () {
  const { user, system } = process.cpuUsage()
  return { cpuMicros: user + system, userMicros: user, rss: process.memoryUsage().rss }
}

/** Heap in use after a full GC (needs --expose-gc), in MB. */
export function heapAfterGc () {
  global.gc?.()
  global.gc?.()
  return Math.round(process.memoryUsage().heapUsed / 2 ** 20 * 10) / 10
}

export function formatTable (rows, columns) {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)))
  const line = (cells) => cells.map((cell, i) => String(cell ?? '').padEnd(widths[i])).join('  ')
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => r[c])))].join('\n')
}

import { runInNewContext } from 'node:vm'
import type { Test } from 'tap'
import type { Sandbox } from '../../src/sandbox/index.js'

/**
 * Runs the flow page's script in a VM against the HTML the sandbox really serves (its
 * elements rebuilt from the markup), with the focus, the keyboard and the host page's
 * messages: what the page posts, to which origin, what it submits. Shared by the flow
 * page's tests.
 */

type Listener = (event: Record<string, unknown>) => void

export interface PageEvent { defaultPrevented: boolean, [key: string]: unknown }

function event (fields: Record<string, unknown>): PageEvent {
  const e: PageEvent = { defaultPrevented: false, ...fields }
  e.preventDefault = () => { e.defaultPrevented = true }
  return e
}

export class FakeElement {
  textContent = ''
  disabled = false
  checked = false
  hidden = false
  validationMessage = ''
  /** set by a test to play the browser's number parsing */
  validity: { badInput: boolean } | undefined
  readonly attributes = new Map<string, string>()
  readonly listeners = new Map<string, Listener[]>()
  constructor (readonly tag: string, readonly id: string, public value = '', private readonly focus_: (el: FakeElement) => void = () => {},
    private readonly afterEvent: () => void = () => {}) {}

  setAttribute (name: string, value: string): void { this.attributes.set(name, value) }
  getAttribute (name: string): string | null { return this.attributes.get(name) ?? null }
  removeAttribute (name: string): void { this.attributes.delete(name) }
  setCustomValidity (message: string): void { this.validationMessage = message }
  focus (): void { if (!this.disabled) this.focus_(this) }
  addEventListener (type: string, listener: Listener): void { this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]) }
  fire (type: string): PageEvent {
    const e = event({ target: this })
    for (const l of this.listeners.get(type) ?? []) l(e)
    this.afterEvent()
    return e
  }
}

export interface Posted { message: Record<string, unknown>, targetOrigin: string, to: string }
export type Answer = { status: number, body: Record<string, unknown> } | 'network-error'

export async function run (t: Test, sandbox: Sandbox, query: Record<string, string>, frame: { parent?: boolean, opener?: boolean }, answers: Answer[] = []) {
  const html = await (await fetch(`${sandbox.url}/flow?${new URLSearchParams(query).toString()}`)).text()
  const state: { focused: FakeElement | null } = { focused: null }
  // the page's timers: those of 0 ms run as "the next task", after every event; the others on elapse()
  const timers: Array<{ fn: () => void, ms: number, id: number }> = []
  let timerIds = 0
  const flush = (all = false): void => {
    for (let due = timers.filter((x) => all || x.ms === 0); due.length > 0; due = timers.filter((x) => all || x.ms === 0)) {
      for (const timer of due) {
        timers.splice(timers.indexOf(timer), 1)
        timer.fn()
      }
    }
  }
  const elements = new Map<string, FakeElement>()
  for (const match of html.matchAll(/<(button|input|select|form|p|pre)\b([^>]*)>/g)) {
    const id = /\bid="([^"]+)"/.exec(match[2])?.[1]
    if (id === undefined) continue
    const el = new FakeElement(match[1], id, /\bvalue="([^"]*)"/.exec(match[2])?.[1] ?? '', (focused) => { state.focused = focused }, () => { flush() })
    el.checked = /\bchecked\b/.test(match[2])
    el.hidden = /\bhidden\b/.test(match[2])
    // a <select>'s value is its first option's
    if (match[1] === 'select') el.value = /^<option value="([^"]+)"/.exec(html.slice((match.index ?? 0) + match[0].length))?.[1] ?? ''
    el.setAttribute('name', /\bname="([^"]+)"/.exec(match[2])?.[1] ?? '')
    const type = /\btype="([^"]+)"/.exec(match[2])?.[1]
    if (type !== undefined) el.setAttribute('type', type)
    elements.set(id, el)
  }
  const data = /<script type="application\/json" id="flow-data">(.*?)<\/script>/s.exec(html)![1]
  elements.set('flow-data', Object.assign(new FakeElement('script', 'flow-data'), { textContent: data }))
  const script = /<script nonce="[^"]+">(.*?)<\/script>/s.exec(html)![1]

  const posted: Posted[] = []
  const requests: Array<{ url: string, body: Record<string, unknown> }> = []
  const target = (to: string) => ({ postMessage: (message: Record<string, unknown>, targetOrigin: string) => { posted.push({ message, targetOrigin, to }) } })
  const listeners = { keydown: [] as Listener[], keyup: [] as Listener[], message: [] as Listener[], blur: [] as Listener[] }
  const window: Record<string, unknown> = {
    addEventListener: (type: string, listener: Listener) => { if (type === 'message' || type === 'blur') listeners[type].push(listener) }
  }
  window.parent = frame.parent === true ? target('parent') : window
  window.opener = frame.opener === true ? target('opener') : null
  const document = {
    getElementById: (id: string) => elements.get(id) ?? null,
    querySelectorAll: (selector: string) => {
      t.equal(selector, 'button, input, select')
      return [...elements.values()].filter((e) => ['button', 'input', 'select'].includes(e.tag))
    },
    querySelector: (selector: string) => {
      // no layout here: the page's card is not found, so the page reports no size
      if (selector === 'main') return null
      t.equal(selector, 'input[name=decision]:checked')
      return [...elements.values()].find((e) => e.getAttribute('name') === 'decision' && e.checked) ?? null
    },
    addEventListener: (type: string, listener: Listener) => { if (type === 'keydown' || type === 'keyup') listeners[type].push(listener) }
  }
  const fetchStub = async (url: string, init: { body: string }) => {
    requests.push({ url, body: JSON.parse(init.body) })
    const answer = answers.shift() ?? { status: 201, body: { identityAccessKey: 'id-1', status: 'processing' } }
    if (answer === 'network-error') throw new TypeError('fetch failed')
    return { ok: answer.status < 300, status: answer.status, json: async () => answer.body }
  }
  const setTimeout = (fn: () => void, ms = 0): number => {
    timers.push({ fn, ms, id: ++timerIds })
    return timerIds
  }
  const clearTimeout = (id: number): void => {
    const index = timers.findIndex((x) => x.id === id)
    if (index >= 0) timers.splice(index, 1)
  }
  runInNewContext(script, { window, document, fetch: fetchStub, console, setTimeout, clearTimeout })
  flush()
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => setImmediate(resolve))
      flush()
    }
  }
  const el = (id: string): FakeElement => elements.get(id)!
  /** the key goes down (or up) where the focus is; then the tasks it deferred run */
  const keyEvent = (type: 'keydown' | 'keyup', fields: { key: string, shiftKey?: boolean }): PageEvent => {
    const e = event({ target: state.focused, shiftKey: false, ...fields })
    for (const l of listeners[type]) l(e)
    flush()
    return e
  }
  const keyDown = (fields: { key: string, shiftKey?: boolean }): PageEvent => keyEvent('keydown', fields)
  const keyUp = (fields: { key: string, shiftKey?: boolean }): PageEvent => keyEvent('keyup', fields)
  /** a key pressed and released; returns the keydown event */
  const key = (fields: { key: string, shiftKey?: boolean }): PageEvent => {
    const down = keyDown(fields)
    keyUp(fields)
    return down
  }
  /** a message to the page, by default from its parent */
  const receive = (message: unknown, origin: string, source: unknown = window.parent): void => {
    for (const l of listeners.message) l({ data: message, origin, source })
    flush()
  }
  /** the page loses the focus (to the host page) */
  const blur = (): void => {
    for (const l of listeners.blur) l({})
    flush()
  }
  /** the timers that are not "the next task" run (time passes) */
  const elapse = (): void => { flush(true) }
  /** the tester picks a decision (the radios' change event) */
  const decide = (id: string): void => {
    for (const other of ['decision-approve', 'decision-decline', 'decision-pending']) el(other).checked = other === id
    el(id).fire('change')
  }
  /** the tester types into a field */
  const type = (id: string, value: string): void => {
    el(id).value = value
    el(id).fire('input')
  }
  return { posted, requests, el, settle, key, keyDown, keyUp, receive, blur, elapse, decide, type, focused: () => state.focused?.id ?? null }
}

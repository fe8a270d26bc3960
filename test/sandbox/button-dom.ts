import { runInNewContext } from 'node:vm'
import { buttonScript } from '../../src/sandbox/button.js'

/**
 * A minimal fake DOM to run button.js in: elements with children, attributes, listeners,
 * `inert` and the focus (document.activeElement; removing the focused element leaves the
 * focus on body, an inert element cannot take it), and the window's messages. Shared by the
 * button's tests.
 */

export type Listener = (event: Record<string, unknown>) => void

/** an event with the methods the script calls; `defaultPrevented` tells what it did */
export function event (fields: Record<string, unknown>): Record<string, unknown> {
  const e: Record<string, unknown> = { defaultPrevented: false, propagationStopped: false, ...fields }
  e.preventDefault = () => { e.defaultPrevented = true }
  e.stopPropagation = () => { e.propagationStopped = true }
  return e
}

export interface FocusState { activeElement: FakeElement | null, body: FakeElement | null }

export class FakeElement {
  readonly attributes = new Map<string, string>()
  readonly children: FakeElement[] = []
  readonly listeners = new Map<string, Listener[]>()
  parent: FakeElement | null = null
  textContent = ''
  className = ''
  id = ''
  type = ''
  name = ''
  title = ''
  src = ''
  inert = false
  readonly style: Record<string, string> = {}
  readonly posted: Array<{ message: Record<string, unknown>, targetOrigin: string }> = []
  readonly contentWindow = {
    frame: true,
    postMessage: (message: Record<string, unknown>, targetOrigin: string) => { this.posted.push({ message, targetOrigin }) }
  }

  constructor (readonly tagName: string, readonly focusState: FocusState = { activeElement: null, body: null }) {}
  setAttribute (name: string, value: string): void { this.attributes.set(name, value) }
  getAttribute (name: string): string | null { return this.attributes.get(name) ?? null }
  removeAttribute (name: string): void { this.attributes.delete(name) }
  tabIndex = 0
  appendChild (child: FakeElement): FakeElement {
    child.parent = this
    this.children.push(child)
    return child
  }

  replaceChildren (...children: FakeElement[]): void {
    for (const child of this.children) child.parent = null
    this.children.length = 0
    for (const child of children) this.appendChild(child)
  }

  remove (): void {
    if (this.parent === null) return
    const active = this.focusState.activeElement
    if (active !== null && this.contains(active)) this.focusState.activeElement = this.focusState.body
    this.parent.children.splice(this.parent.children.indexOf(this), 1)
    this.parent = null
  }

  contains (other: unknown): boolean {
    for (let node = other as FakeElement | null; node !== null && node !== undefined; node = node.parent) {
      if (node === this) return true
    }
    return false
  }

  get isConnected (): boolean {
    return this.focusState.body !== null && this.focusState.body.contains(this)
  }

  focus (): void {
    for (let node: FakeElement | null = this; node !== null; node = node.parent) if (node.inert) return
    if (this.isConnected) this.focusState.activeElement = this
  }

  addEventListener (type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener])
  }

  removeEventListener (type: string, listener: Listener): void {
    this.listeners.set(type, (this.listeners.get(type) ?? []).filter((l) => l !== listener))
  }

  fire (type: string, fields: Record<string, unknown> = {}): void {
    for (const listener of this.listeners.get(type) ?? []) listener(event(fields))
  }

  click (): void { this.fire('click') }

  find (testId: string): FakeElement | undefined {
    if (this.getAttribute('data-testid') === testId) return this
    for (const child of this.children) {
      const found = child.find(testId)
      if (found !== undefined) return found
    }
    return undefined
  }
}

export class Target {
  readonly listeners = new Map<string, Set<Listener>>()
  addEventListener (type: string, listener: Listener): void {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set())
    this.listeners.get(type)!.add(listener)
  }

  removeEventListener (type: string, listener: Listener): void { this.listeners.get(type)?.delete(listener) }
  /** runs the listeners; returns the event (see `defaultPrevented`) */
  dispatch (type: string, fields: Record<string, unknown>): Record<string, unknown> {
    const e = event(fields)
    for (const listener of [...(this.listeners.get(type) ?? [])]) listener(e)
    return e
  }
}

export const SANDBOX = 'http://127.0.0.1:4010'

export interface ButtonHandle { button: FakeElement | null, open: () => void, close: () => void }

/** `moveBefore`: the body has Element.moveBefore (a move that keeps an iframe's document) */
export function load (currentScript: { src: string } | null = { src: `${SANDBOX}/button.js` }, deferred: Array<() => void> = [], moveBefore = false) {
  const focusState: FocusState = { activeElement: null, body: null }
  const head = new FakeElement('head', focusState)
  const body = new FakeElement('body', focusState)
  if (moveBefore) {
    Object.assign(body, {
      moveBefore: (node: FakeElement, child: FakeElement | null) => {
        if (child !== null) throw new Error('the fake moves to the end only')
        node.parent?.children.splice(node.parent.children.indexOf(node), 1)
        body.appendChild(node)
      }
    })
  }
  focusState.body = body
  focusState.activeElement = body
  const document = Object.assign(new Target(), {
    head,
    body,
    currentScript,
    createElement: (tag: string) => new FakeElement(tag, focusState),
    getElementById: (id: string) => head.children.find((c) => c.id === id) ?? null,
    querySelector: (selector: string) => selector === '#verify' ? body.find('host') ?? null : null
  })
  Object.defineProperty(document, 'activeElement', { get: () => focusState.activeElement })
  const doc = document as typeof document & { readonly activeElement: FakeElement | null }
  const window = Object.assign(new Target(), { location: { origin: 'http://localhost:3000' } }) as Target & {
    location: { origin: string }
    Passbase?: {
      renderButton: (el: unknown, key: string, options?: Record<string, unknown>) => ButtonHandle
      start: (key?: string, options?: Record<string, unknown>) => void
    }
  }
  const setTimeout = (fn: () => void): void => { deferred.push(fn) }
  runInNewContext(buttonScript('http://fallback.test:1'), { window, document, URL, URLSearchParams, setTimeout })
  const host = body.appendChild(new FakeElement('div', focusState))
  host.setAttribute('data-testid', 'host')
  /** a message from the overlay's frame (or from `source`) at `origin` */
  const message = (data: unknown, origin = SANDBOX, source: unknown = body.find('passbase-frame')?.contentWindow): void => {
    window.dispatch('message', { origin, source, data })
  }
  return { window, document: doc, head, body, host, focusState, message, Passbase: window.Passbase! }
}

export function recorder () {
  const calls: unknown[][] = []
  const options = {
    onStart: () => { calls.push(['start', undefined]) },
    onSubmitted: (key: unknown) => { calls.push(['submitted', key]) },
    onFinish: (key: unknown) => { calls.push(['finish', key]) },
    onError: (code: unknown, context: unknown) => { calls.push(['error', code, context]) }
  }
  return { calls, options }
}

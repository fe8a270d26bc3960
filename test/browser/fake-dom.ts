import type { PassbaseButtonApi, PassbaseButtonOptions } from '../../src/browser/index.js'

/**
 * Just enough DOM for the browser helper to run under Node (the real browser run is
 * test/e2e/): elements with attributes, children, listeners, focus and `inert`, simple
 * selectors, a document with `activeElement`, keyboard events whose Tab moves focus in
 * document order unless a listener prevents it, <script> elements that "load" from a
 * table of URLs, and a scriptable `window.Passbase` that records every `renderButton`
 * call and renders a real (fake) <button> like the sandbox's.
 */

export interface FakeEvent {
  type: string
  target: FakeElement | null
  key?: string
  shiftKey?: boolean
  defaultPrevented: boolean
  preventDefault: () => void
  stopPropagation: () => void
}

type Listener = (event: FakeEvent) => void

function event (type: string, target: FakeElement | null, extra: Partial<FakeEvent> = {}): FakeEvent {
  const e: FakeEvent = {
    type,
    target,
    defaultPrevented: false,
    preventDefault () { e.defaultPrevented = true },
    stopPropagation () {},
    ...extra
  }
  return e
}

class Listeners {
  readonly map = new Map<string, Listener[]>()

  add (type: string, listener: Listener): void {
    this.map.set(type, [...(this.map.get(type) ?? []), listener])
  }

  remove (type: string, listener: Listener): void {
    this.map.set(type, (this.map.get(type) ?? []).filter((l) => l !== listener))
  }

  fire (e: FakeEvent): void {
    for (const listener of [...(this.map.get(e.type) ?? [])]) listener(e)
  }

  count (type: string): number {
    return this.map.get(type)?.length ?? 0
  }
}

const NATIVELY_FOCUSABLE = new Set(['button', 'input', 'select', 'textarea', 'iframe'])

/** `tag`, `#id`, `.class`, `[attr]`, `[attr=value]` and combinations, comma-separated */
function matches (el: FakeElement, selector: string): boolean {
  return selector.split(',').some((part) => {
    const simple = part.trim()
    const tag = /^[a-z][a-z0-9-]*/i.exec(simple)?.[0]
    if (tag !== undefined && tag.toLowerCase() !== el.tagName) return false
    for (const [, kind, name] of simple.matchAll(/([#.])([\w-]+)/g)) {
      if (kind === '#' && el.id !== name) return false
      if (kind === '.' && !(el.getAttribute('class') ?? el.className).split(/\s+/).includes(name ?? '')) return false
    }
    for (const [, name, value] of simple.matchAll(/\[([\w-]+)(?:=["']?([^"'\]]*)["']?)?\]/g)) {
      const actual = name === 'href' ? el.getAttribute('href') : el.getAttribute(name ?? '')
      if (actual === null || (value !== undefined && actual !== value)) return false
    }
    return true
  })
}

export class FakeElement {
  id = ''
  className = ''
  textContent = ''
  type = ''
  src = ''
  async = false
  hidden = false
  inert = false
  disabled = false
  parent: FakeElement | null = null
  readonly children: FakeElement[] = []
  readonly attributes = new Map<string, string>()
  readonly events = new Listeners()

  constructor (readonly tagName: string, readonly document: FakeDocument) {}

  setAttribute (name: string, value: string): void {
    if (name === 'id') this.id = String(value)
    this.attributes.set(name, String(value))
  }

  getAttribute (name: string): string | null {
    if (name === 'id') return this.id === '' ? null : this.id
    return this.attributes.get(name) ?? null
  }

  removeAttribute (name: string): void {
    this.attributes.delete(name)
  }

  appendChild (child: FakeElement): FakeElement {
    child.remove()
    child.parent = this
    this.children.push(child)
    this.document.appended(child)
    return child
  }

  replaceChildren (...nodes: FakeElement[]): void {
    for (const child of [...this.children]) child.remove()
    for (const node of nodes) this.appendChild(node)
  }

  remove (): void {
    if (this.parent === null) return
    this.parent.children.splice(this.parent.children.indexOf(this), 1)
    this.parent = null
    if (this.contains(this.document.activeElement)) this.document.activeElement = this.document.body
  }

  get parentElement (): FakeElement | null {
    return this.parent
  }

  contains (other: unknown): boolean {
    for (let node = other as FakeElement | null; node !== null && node !== undefined; node = node.parent) {
      if (node === this) return true
    }
    return false
  }

  addEventListener (type: string, listener: Listener): void {
    this.events.add(type, listener)
  }

  removeEventListener (type: string, listener: Listener): void {
    this.events.remove(type, listener)
  }

  dispatch (type: string): void {
    this.events.fire(event(type, this))
  }

  /** a click: nothing happens on a disabled element or inside an inert one, as in a browser */
  click (): void {
    if (this.disabled || this.inInert) return
    this.dispatch('click')
  }

  get isConnected (): boolean {
    return this === this.document.body || this === this.document.head || (this.parent !== null && this.parent.isConnected)
  }

  get connected (): boolean {
    return this.isConnected
  }

  get inInert (): boolean {
    for (let node: FakeElement | null = this; node !== null; node = node.parent) if (node.inert) return true
    return false
  }

  /** focusable by script: connected, not inert, not disabled, natively focusable or with a tabindex */
  get focusable (): boolean {
    return this.isConnected && !this.inInert && !this.disabled && !this.hidden &&
      (NATIVELY_FOCUSABLE.has(this.tagName) || this.getAttribute('tabindex') !== null || this.getAttribute('href') !== null)
  }

  /** in the Tab order */
  get tabbable (): boolean {
    return this.focusable && this.getAttribute('tabindex') !== '-1'
  }

  focus (): void {
    if (!this.focusable) return
    this.document.activeElement = this
    this.document.events.fire(event('focusin', this))
  }

  get tabIndex (): number {
    return Number(this.getAttribute('tabindex') ?? (NATIVELY_FOCUSABLE.has(this.tagName) ? 0 : -1))
  }

  set tabIndex (value: number) {
    this.setAttribute('tabindex', String(value))
  }

  querySelectorAll (selector: string): FakeElement[] {
    const out: FakeElement[] = []
    const walk = (el: FakeElement): void => {
      for (const child of el.children) {
        if (matches(child, selector)) out.push(child)
        walk(child)
      }
    }
    walk(this)
    return out
  }

  querySelector (selector: string): FakeElement | null {
    return this.querySelectorAll(selector)[0] ?? null
  }

  /** depth-first search by data-testid */
  find (testId: string): FakeElement | undefined {
    if (this.getAttribute('data-testid') === testId) return this
    for (const child of this.children) {
      const found = child.find(testId)
      if (found !== undefined) return found
    }
    return undefined
  }

  /** the text of the element and its descendants, as `textContent` reads in a browser */
  get text (): string {
    return this.textContent + this.children.map((c) => c.text).join('')
  }
}

export class FakeDocument {
  readonly head: FakeElement
  readonly body: FakeElement
  readonly events = new Listeners()
  activeElement: FakeElement
  visibilityState: 'visible' | 'hidden' = 'visible'
  currentScript: { src: string } | null = null
  /** script URL → what loading it does: define window.Passbase, define nothing, or fail */
  readonly scripts = new Map<string, 'button' | 'empty'>()
  readonly loaded: string[] = []

  constructor (readonly button: FakeButton) {
    this.head = new FakeElement('head', this)
    this.body = new FakeElement('body', this)
    this.activeElement = this.body
  }

  createElement (tagName: string): FakeElement {
    return new FakeElement(tagName.toLowerCase(), this)
  }

  getElementById (id: string): FakeElement | null {
    return this.head.querySelector(`#${id}`) ?? this.body.querySelector(`#${id}`)
  }

  querySelector (selector: string): FakeElement | null {
    return this.body.querySelector(selector)
  }

  addEventListener (type: string, listener: Listener): void {
    this.events.add(type, listener)
  }

  removeEventListener (type: string, listener: Listener): void {
    this.events.remove(type, listener)
  }

  find (testId: string): FakeElement | undefined {
    return this.body.find(testId)
  }

  /** every element in document order that Tab can reach */
  tabbables (): FakeElement[] {
    return this.body.querySelectorAll('*').filter((el) => el.tabbable)
  }

  /**
   * A key press: keydown goes to the document's listeners (the helper listens there); an
   * unprevented Tab then moves focus to the next (Shift: previous) tabbable element.
   */
  press (key: string, options: { shiftKey?: boolean } = {}): FakeEvent {
    const e = event('keydown', this.activeElement, { key, shiftKey: options.shiftKey === true })
    this.events.fire(e)
    if (key === 'Tab' && !e.defaultPrevented) {
      const list = this.tabbables()
      if (list.length > 0) {
        const at = list.indexOf(this.activeElement)
        const next = options.shiftKey === true
          ? list[at <= 0 ? list.length - 1 : at - 1]
          : list[at < 0 || at === list.length - 1 ? 0 : at + 1]
        next?.focus()
      }
    }
    return e
  }

  /** Enter or a click on the focused element */
  activate (): void {
    this.activeElement.click()
  }

  setVisibility (state: 'visible' | 'hidden'): void {
    this.visibilityState = state
    this.events.fire(event('visibilitychange', null))
  }

  appended (el: FakeElement): void {
    if (el.tagName !== 'script') return
    const behaviour = this.scripts.get(el.src)
    setTimeout(() => {
      this.loaded.push(el.src)
      if (behaviour === 'button') (globalThis as { Passbase?: PassbaseButtonApi }).Passbase = this.button.api
      el.dispatch(behaviour === undefined ? 'error' : 'load')
    }, 1)
  }
}

export interface RenderCall {
  element: unknown
  publishableKey: string
  options: PassbaseButtonOptions
  /** the <button> rendered into `element` (like the sandbox's) */
  button: FakeElement
}

/** `window.Passbase`: records renderButton calls; `onRender` plays the user, `onClick` a click on the rendered button */
export class FakeButton {
  readonly calls: RenderCall[] = []
  onRender: (call: RenderCall) => void = () => {}
  onClick: (call: RenderCall) => void = () => {}
  readonly api: PassbaseButtonApi = {
    renderButton: (element, publishableKey, options = {}) => {
      const target = element as unknown as FakeElement
      const button = target.document.createElement('button')
      const login = options.integrationType === 'login'
      button.setAttribute('data-testid', login ? 'passbase-login-button' : 'passbase-verify-button')
      button.textContent = login ? 'Log in with Passbase' : 'Verify Me'
      const call = { element, publishableKey, options, button }
      button.addEventListener('click', () => { this.onClick(call) })
      target.replaceChildren(button)
      this.calls.push(call)
      this.onRender(call)
      return undefined
    }
  }

  /** resolves with the next renderButton call */
  next (): Promise<RenderCall> {
    const seen = this.calls.length
    return new Promise((resolve) => {
      const poll = (): void => {
        if (this.calls.length > seen) resolve(this.calls[seen]!)
        else setTimeout(poll, 2)
      }
      poll()
    })
  }
}

/** installs `document` and removes `window.Passbase`; returns the fakes */
export function installDom (): { document: FakeDocument, button: FakeButton } {
  const button = new FakeButton()
  const document = new FakeDocument(button)
  Object.assign(globalThis, { document })
  delete (globalThis as { Passbase?: unknown }).Passbase
  return { document, button }
}

import type { PassbaseButtonApi, PassbaseButtonOptions } from '../../src/browser/index.js'

/**
 * Just enough DOM for the browser helper to run under Node (the real browser run is
 * test/e2e.test.ts): elements with attributes, children and listeners, a document
 * whose <script> elements "load" from a table of URLs, and a scriptable
 * `window.Passbase` that records every `renderButton` call.
 */

type Listener = () => void

export class FakeElement {
  id = ''
  className = ''
  textContent = ''
  type = ''
  src = ''
  async = false
  hidden = false
  parent: FakeElement | null = null
  readonly children: FakeElement[] = []
  readonly attributes = new Map<string, string>()
  readonly listeners = new Map<string, Listener[]>()

  constructor (readonly tagName: string, readonly document: FakeDocument) {}

  setAttribute (name: string, value: string): void {
    this.attributes.set(name, String(value))
  }

  getAttribute (name: string): string | null {
    return this.attributes.get(name) ?? null
  }

  appendChild (child: FakeElement): FakeElement {
    child.parent = this
    this.children.push(child)
    this.document.appended(child)
    return child
  }

  remove (): void {
    if (this.parent === null) return
    this.parent.children.splice(this.parent.children.indexOf(this), 1)
    this.parent = null
  }

  addEventListener (type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener])
  }

  dispatch (type: string): void {
    for (const listener of this.listeners.get(type) ?? []) listener()
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

  get connected (): boolean {
    return this.parent !== null && (this.parent === this.document.body || this.parent === this.document.head || this.parent.connected)
  }
}

export class FakeDocument {
  readonly head: FakeElement
  readonly body: FakeElement
  /** script URL → what loading it does: define window.Passbase, define nothing, or fail */
  readonly scripts = new Map<string, 'button' | 'empty'>()
  readonly loaded: string[] = []

  constructor (readonly button: FakeButton) {
    this.head = new FakeElement('head', this)
    this.body = new FakeElement('body', this)
  }

  createElement (tagName: string): FakeElement {
    return new FakeElement(tagName, this)
  }

  getElementById (id: string): FakeElement | null {
    const search = (el: FakeElement): FakeElement | null => {
      if (el.id === id) return el
      for (const child of el.children) {
        const found = search(child)
        if (found !== null) return found
      }
      return null
    }
    return search(this.head) ?? search(this.body)
  }

  querySelector (selector: string): FakeElement | null {
    return selector.startsWith('#') ? this.getElementById(selector.slice(1)) : null
  }

  find (testId: string): FakeElement | undefined {
    return this.body.find(testId)
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
}

/** `window.Passbase`: records renderButton calls; `onRender` plays the user */
export class FakeButton {
  readonly calls: RenderCall[] = []
  onRender: (call: RenderCall) => void = () => {}
  readonly api: PassbaseButtonApi = {
    renderButton: (element, publishableKey, options = {}) => {
      const call = { element, publishableKey, options }
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

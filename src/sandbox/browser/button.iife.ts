import type { SandboxButtonApi, SandboxButtonHandle, SandboxButtonOptions, SandboxErrorContext } from './button-api.js'
import { holdFocus, type OverlayFocus } from './overlay-focus.js'
import { BUTTON_ERROR_CODES, MESSAGE_SOURCE, type ButtonErrorCode, type FlowStep } from './protocol.js'
import { retireFrame } from './retire-frame.js'

/**
 * `GET /button.js`: installs `window.Passbase` with @passbase/button 4.4.0's API. Opening
 * the flow shows the sandbox's `/flow` page in an in-page overlay iframe; the page answers
 * with postMessage (only messages from that frame and the sandbox's origin count) and the
 * script calls onStart / onSubmitted / onFinish / onError(errorCode, { step }). The overlay
 * is a modal dialog: it takes the focus and gives it back (overlay-focus.ts); its frame
 * outlives it by a moment (retire-frame.ts).
 */

// replaced by the server with the sandbox's origin, for when document.currentScript is unavailable
const FALLBACK_ORIGIN = '__PASSBASE_SANDBOX_ORIGIN__'
const STYLE_ID = 'passbase-sandbox-style'
/** the height of the close button's bar */
const BAR_PX = 36
/** the tallest page height the overlay takes from the page (it is capped by the window anyway) */
const MAX_PAGE_PX = 4000
const CSS = [
  '.passbase-button { font: 600 15px/1 system-ui, sans-serif; padding: 12px 20px; border: 0; border-radius: 8px;',
  '  background: #2f5bea; color: #fff; cursor: pointer; }',
  '.passbase-button:hover { filter: brightness(.9); }',
  '.passbase-overlay { position: fixed; inset: 0; z-index: 2147483646; background: rgba(15, 20, 40, .55);',
  '  display: flex; align-items: center; justify-content: center; }',
  // the close button has a bar of its own above the frame: it never covers the page inside
  '.passbase-dialog { position: relative; width: min(440px, 96vw); height: min(700px, 94vh); display: flex;',
  '  flex-direction: column; background: #f4f6fb; border-radius: 12px; overflow: hidden; }',
  `.passbase-bar { flex: none; order: -1; height: ${BAR_PX}px; box-sizing: border-box; padding: 4px 4px 0;`,
  '  display: flex; justify-content: flex-end; }',
  '.passbase-frame { flex: 1 1 auto; min-height: 0; width: 100%; border: 0; background: #f4f6fb; }',
  '.passbase-close { width: 32px; height: 32px; border: 0; border-radius: 6px; background: transparent; font-size: 20px;',
  '  line-height: 1; cursor: pointer; color: #5b6285; }',
  '.passbase-close:focus-visible, .passbase-frame:focus-visible { outline: 3px solid #2f5bea; outline-offset: -3px; }'
].join('\n')

interface Active {
  overlay: HTMLElement
  frame: HTMLIFrameElement
  onMessage: (event: MessageEvent) => void
  focus: OverlayFocus
}

const script = document.currentScript as HTMLScriptElement | null
const ORIGIN = script !== null && script.src !== '' ? new URL(script.src).origin : FALLBACK_ORIGIN
let active: Active | null = null
let last: { key: string, options: SandboxButtonOptions } | null = null

function injectStyle (): void {
  if (document.getElementById(STYLE_ID) !== null) return
  const style = document.createElement('style')
  style.id = STYLE_ID
  style.textContent = CSS
  document.head.appendChild(style)
}

/** a host callback: its exceptions are rethrown asynchronously, never break the button */
function call<A extends unknown[]> (fn: ((...args: A) => void) | undefined, ...args: A): void {
  if (typeof fn !== 'function') return
  try {
    fn(...args)
  } catch (err) {
    setTimeout(() => { throw err })
  }
}

function close (): void {
  if (active === null) return
  const { overlay, frame, onMessage, focus } = active
  active = null
  window.removeEventListener('message', onMessage)
  focus.release()
  retireFrame(frame)
  overlay.remove()
}

function fail (options: SandboxButtonOptions, code: ButtonErrorCode, context: SandboxErrorContext): void {
  close()
  call(options.onError, code, context)
}

function flowUrl (publishableKey: string, options: SandboxButtonOptions): string {
  const login = options.integrationType === 'login'
  const params = new URLSearchParams()
  params.set('key', publishableKey ?? '')
  params.set('integrationType', login ? 'login' : 'signup')
  params.set('origin', window.location.origin)
  if (typeof options.metaData === 'string' && options.metaData !== '') params.set('metaData', options.metaData)
  const prefill = options.prefillAttributes ?? {}
  if (typeof prefill.email === 'string' && prefill.email !== '') params.set('email', prefill.email)
  if (typeof prefill.country === 'string' && prefill.country !== '') params.set('country', prefill.country)
  if (typeof options.identityAccessKey === 'string' && options.identityAccessKey !== '') {
    params.set('identityAccessKey', options.identityAccessKey)
  }
  if (login && typeof options.summary === 'string' && options.summary !== '') params.set('summary', options.summary)
  return `${ORIGIN}/flow?${params.toString()}`
}

function element<K extends keyof HTMLElementTagNameMap> (tag: K, className: string, testId: string): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  el.className = className
  el.setAttribute('data-testid', testId)
  return el
}

function isKey (value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 200
}

function open (publishableKey: string, options: SandboxButtonOptions): void {
  if (active !== null) return
  const login = options.integrationType === 'login'
  let step: FlowStep = 'START'
  const cancel = (): void => {
    fail(options, 'CANCELLED_BY_USER', { step, reason: 'CANCELLED_BY_USER', message: 'The user cancelled the verification' })
  }

  const overlay = element('div', 'passbase-overlay', 'passbase-overlay')
  const dialog = element('div', 'passbase-dialog', 'passbase-dialog')
  dialog.setAttribute('role', 'dialog')
  dialog.setAttribute('aria-modal', 'true')
  dialog.setAttribute('aria-label', login ? 'Log in with Passbase' : 'Verify your identity')
  const frame = element('iframe', 'passbase-frame', 'passbase-frame')
  frame.name = 'passbase-flow'
  frame.title = 'Passbase verification'
  frame.setAttribute('allow', 'camera; microphone')
  frame.src = flowUrl(publishableKey, options)
  const closeButton = element('button', 'passbase-close', 'passbase-close')
  closeButton.type = 'button'
  closeButton.setAttribute('aria-label', 'Close')
  closeButton.textContent = '\u00d7'
  closeButton.addEventListener('click', cancel)
  const bar = element('div', 'passbase-bar', 'passbase-bar')
  bar.appendChild(closeButton)
  // the frame first: the focus order stays frame, then close button (the bar is drawn above with CSS)
  dialog.appendChild(frame)
  dialog.appendChild(bar)
  overlay.appendChild(dialog)

  const onMessage = (event: MessageEvent): void => {
    if (event.origin !== ORIGIN || event.source !== frame.contentWindow) return
    const message = event.data as Record<string, unknown> | null
    if (message === null || typeof message !== 'object' || message.source !== MESSAGE_SOURCE) return
    if (message.type === 'step' && typeof message.step === 'string') {
      step = message.step as FlowStep
    } else if (message.type === 'focus-out') {
      focus.focusOut()
    } else if (message.type === 'size' && typeof message.height === 'number' && message.height > 0 && message.height <= MAX_PAGE_PX) {
      // as tall as the page (no blank band under a short one), never taller than the window
      dialog.style.height = `min(${Math.ceil(message.height) + BAR_PX}px, 94vh)`
    } else if (message.type === 'submitted' && isKey(message.identityAccessKey)) {
      call(options.onSubmitted, message.identityAccessKey)
    } else if (message.type === 'finish' && isKey(message.identityAccessKey)) {
      close()
      call(options.onFinish, message.identityAccessKey)
    } else if (message.type === 'error' && BUTTON_ERROR_CODES.includes(message.code as ButtonErrorCode)) {
      fail(options, message.code as ButtonErrorCode, {
        step: typeof message.step === 'string' ? message.step as FlowStep : step,
        reason: String(message.reason ?? message.code),
        message: String(message.message ?? '')
      })
    }
  }
  document.body.appendChild(overlay)
  const focus = holdFocus({
    overlay,
    frame,
    closeButton,
    post: (message) => { frame.contentWindow?.postMessage({ ...message, source: MESSAGE_SOURCE }, ORIGIN) },
    onEscape: cancel
  })
  active = { overlay, frame, onMessage, focus }
  window.addEventListener('message', onMessage)
  call(options.onStart)
}

function renderButton (target: HTMLElement | string, publishableKey: string, options: SandboxButtonOptions = {}): SandboxButtonHandle {
  const el = typeof target === 'string' ? document.querySelector<HTMLElement>(target) : target
  if (el === null || el === undefined) throw new Error('Passbase.renderButton: element not found')
  const opts = options ?? {}
  last = { key: publishableKey, options: opts }
  const handle: SandboxButtonHandle = { button: null, open: () => { open(publishableKey, opts) }, close }
  if (opts.hidden === true) {
    el.replaceChildren()
    return handle
  }
  injectStyle()
  const login = opts.integrationType === 'login'
  const button = element('button', 'passbase-button', login ? 'passbase-login-button' : 'passbase-verify-button')
  button.type = 'button'
  button.textContent = login ? 'Log in with Passbase' : 'Verify Me'
  const accent = opts.theme?.accentColor
  if (typeof accent === 'string' && button.style !== undefined) button.style.background = accent
  button.addEventListener('click', handle.open)
  el.replaceChildren(button)
  handle.button = button
  return handle
}

function start (publishableKey?: string, options?: SandboxButtonOptions): void {
  if (typeof publishableKey === 'string') {
    open(publishableKey, options ?? {})
    return
  }
  if (last === null) throw new Error('Passbase.start: render a button first, or pass a publishable API key')
  open(last.key, last.options)
}

const host = window as unknown as { Passbase?: Partial<SandboxButtonApi> }
const api: SandboxButtonApi = { renderButton, start }
host.Passbase = Object.assign(host.Passbase ?? {}, api)

import { MESSAGE_SOURCE, type HostMessage } from './protocol.js'

/**
 * The flow page's keyboard inside the button's overlay: its first control takes the focus,
 * Escape cancels (like the Cancel button), Shift+Tab at the first control hands the focus
 * back to the overlay (a `focus-out` message), and the overlay's `focus` message (Tab
 * wrapping around) puts it on the first or last control. Only the host page at `origin`
 * can move the focus.
 */

export interface FlowKeys {
  /** exactly the host page's origin; null: no host messages are accepted */
  origin: string | null
  /** in the button's overlay (an iframe) */
  framed: boolean
  onEscape: () => void
  /** Shift+Tab at the first control */
  onFocusOut: () => void
}

/** the controls in Tab order (one stop per radio group: the checked radio) */
export function controls (): HTMLElement[] {
  return Array.from(document.querySelectorAll<HTMLInputElement>('button, input, select')).filter((el) =>
    el.disabled !== true && !(el.getAttribute('type') === 'radio' && el.checked !== true))
}

export function focusFirst (): void {
  controls()[0]?.focus()
}

export function installKeys (keys: FlowKeys): void {
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' || event.key === 'Esc') {
      event.preventDefault()
      keys.onEscape()
    } else if (event.key === 'Tab' && event.shiftKey && keys.framed && event.target === controls()[0]) {
      event.preventDefault()
      keys.onFocusOut()
    }
  })
  window.addEventListener('message', (event: MessageEvent) => {
    if (!keys.framed || keys.origin === null || event.source !== window.parent || event.origin !== keys.origin) return
    const message = event.data as Partial<HostMessage> | null
    if (message === null || typeof message !== 'object' || message.source !== MESSAGE_SOURCE || message.type !== 'focus') return
    const list = controls()
    const target = message.edge === 'last' ? list[list.length - 1] : list[0]
    target?.focus()
  })
}

import type { HostMessage } from './protocol.js'

/**
 * The keyboard in the button's overlay, an `aria-modal` dialog: the focus moves into the
 * flow's iframe when it opens; while it is open the rest of the page is `inert` and Tab /
 * Shift+Tab cycle between the flow page's controls and the close button (the flow page
 * hands the focus back at its first control with a `focus-out` message; the button tells it
 * where to take it with a `focus` message); Escape cancels; when it closes the focus returns
 * to the element that had it when it opened (the button), unless the host moved it elsewhere.
 */

export interface OverlayParts {
  overlay: HTMLElement
  frame: HTMLIFrameElement
  closeButton: HTMLButtonElement
  /** posts to the flow page (at the sandbox's origin) */
  post: (message: Omit<HostMessage, 'source'>) => void
  onEscape: () => void
}

export interface OverlayFocus {
  /** the flow page's Shift+Tab at its first control: on to the close button */
  focusOut: () => void
  /** before the overlay is removed: listeners off, the page usable again, the focus back */
  release: () => void
}

function focusable (el: Element | null): el is HTMLElement {
  return el !== null && typeof (el as HTMLElement).focus === 'function'
}

export function holdFocus (parts: OverlayParts): OverlayFocus {
  const { overlay, frame, closeButton } = parts
  const active = document.activeElement
  const opener = focusable(active) && active !== document.body ? active : null
  const inerted: HTMLElement[] = []
  for (const sibling of Array.from(document.body.children) as HTMLElement[]) {
    if (sibling === overlay || sibling.inert === true || sibling.tagName.toLowerCase() === 'script') continue
    sibling.inert = true
    inerted.push(sibling)
  }

  const enterFrame = (edge: HostMessage['edge']): void => {
    frame.focus()
    parts.post({ type: 'focus', edge })
  }
  const onKey = (event: KeyboardEvent): void => {
    if (event.key === 'Escape' || event.key === 'Esc') {
      event.preventDefault()
      event.stopPropagation()
      parts.onEscape()
      return
    }
    if (event.key !== 'Tab') return
    const at = document.activeElement
    if (at === frame) return
    if (at === closeButton && event.shiftKey) return // the browser moves back into the frame, to its last control
    event.preventDefault()
    if (at === closeButton || !event.shiftKey) enterFrame('first')
    else closeButton.focus()
  }
  // the page is inert, but the host may still focus something by script: bring it back
  const onFocusIn = (event: FocusEvent): void => {
    const target = event.target as Node | null
    if (target !== null && !overlay.contains(target)) frame.focus()
  }
  // a frame focused before its document loaded may lose the focus to the new document
  const onLoad = (): void => {
    const now = document.activeElement
    if (now === null || now === document.body || !overlay.contains(now)) frame.focus()
  }
  document.addEventListener('keydown', onKey, true)
  document.addEventListener('focusin', onFocusIn, true)
  frame.addEventListener('load', onLoad)
  frame.focus()

  return {
    focusOut () {
      closeButton.focus()
    },
    release () {
      document.removeEventListener('keydown', onKey, true)
      document.removeEventListener('focusin', onFocusIn, true)
      frame.removeEventListener('load', onLoad)
      for (const el of inerted) el.inert = false
      const now = document.activeElement
      const lost = now === null || now === document.body || overlay.contains(now)
      if (lost && opener !== null && opener.isConnected) opener.focus()
    }
  }
}

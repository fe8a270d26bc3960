/**
 * Keyboard and focus handling of the step-up dialog: focus moves into the dialog and
 * comes back to the element that had it; while the dialog is modal the rest of the page
 * is `inert` and Tab / Shift+Tab cycle inside it; Escape cancels. A dialog that opens
 * above it (the provider's flow, itself `aria-modal`) keeps its own focus and keys.
 */

const FOCUSABLE = 'button, [href], input, select, textarea, iframe, [tabindex]'

export function focusables (root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) =>
    !(el as HTMLButtonElement).disabled && el.getAttribute('tabindex') !== '-1' && !el.hidden && !insideInert(el, root))
}

function insideInert (el: HTMLElement, root: HTMLElement): boolean {
  for (let node: HTMLElement | null = el; node !== null && node !== root; node = node.parentElement) {
    if (node.inert) return true
  }
  return false
}

/** true when `el` is inside another modal dialog than `box` (e.g. the provider's overlay) */
function inOtherModal (el: unknown, box: HTMLElement): boolean {
  for (let node = el as HTMLElement | null; node !== null && node !== undefined; node = node.parentElement) {
    if (node === box) return false
    if (typeof node.getAttribute === 'function' && node.getAttribute('aria-modal') === 'true') return true
  }
  return false
}

export interface FocusTrapOptions {
  /** modal: the rest of the page becomes inert and Tab stays inside */
  modal: boolean
  /** the element that holds the dialog in the page (the backdrop), kept out of `inert` */
  root: HTMLElement
  onEscape: () => void
  /** true while another flow (the provider's) has the keyboard */
  suspended: () => boolean
}

export interface FocusTrap {
  /** focus `el`, or the first focusable element, or the dialog itself */
  focus: (el?: HTMLElement | null) => void
  release: () => void
}

export function trapFocus (box: HTMLElement, options: FocusTrapOptions): FocusTrap {
  const opener = document.activeElement as HTMLElement | null
  const inerted: HTMLElement[] = []
  if (options.modal) {
    for (const sibling of Array.from(document.body.children) as HTMLElement[]) {
      if (sibling === options.root || sibling.inert || sibling.tagName.toLowerCase() === 'script') continue
      sibling.inert = true
      inerted.push(sibling)
    }
  }

  function focus (el?: HTMLElement | null): void {
    const target = el ?? focusables(box)[0] ?? box
    target.focus()
  }

  function onKey (event: KeyboardEvent): void {
    if (options.suspended() || inOtherModal(event.target, box)) return
    const active = document.activeElement
    if (!options.modal && !box.contains(active)) return
    if (event.key === 'Escape' || event.key === 'Esc') {
      event.preventDefault()
      event.stopPropagation()
      options.onEscape()
      return
    }
    if (event.key !== 'Tab' || !options.modal) return
    const list = focusables(box)
    if (list.length === 0) {
      event.preventDefault()
      box.focus()
      return
    }
    const first = list[0] as HTMLElement
    const last = list[list.length - 1] as HTMLElement
    const inside = active !== null && box.contains(active) && active !== box
    if (event.shiftKey && (!inside || active === first)) {
      event.preventDefault()
      last.focus()
    } else if (!event.shiftKey && (!inside || active === last)) {
      event.preventDefault()
      first.focus()
    }
  }

  function onFocusIn (event: FocusEvent): void {
    if (!options.modal || options.suspended()) return
    const target = event.target as HTMLElement | null
    if (target === null || box.contains(target) || inOtherModal(target, box)) return
    focus()
  }

  document.addEventListener('keydown', onKey, true)
  document.addEventListener('focusin', onFocusIn, true)

  return {
    focus,
    release () {
      document.removeEventListener('keydown', onKey, true)
      document.removeEventListener('focusin', onFocusIn, true)
      for (const el of inerted) el.inert = false
      const active = document.activeElement
      const lost = active === null || active === document.body || box.contains(active)
      if (lost && opener !== null && opener !== document.body && opener.isConnected && typeof opener.focus === 'function') {
        opener.focus()
      }
    }
  }
}

/**
 * The flow's frame outlives its overlay by a moment, hidden and nameless: a frame removed
 * while the browser still waits for it to acknowledge an input event (the release of the
 * key, or the click, that submitted or cancelled) leaves a browser driven through its
 * DevTools protocol (Playwright, Puppeteer) waiting for that acknowledgement for ever. It is
 * moved out of the overlay with `moveBefore`, which keeps an iframe's document; where that
 * is missing it goes with the overlay.
 */

/** how long a retired frame stays */
export const RETIRE_MS = 1000

interface Movable { moveBefore?: (node: Node, child: Node | null) => void }

export function retireFrame (frame: HTMLIFrameElement): void {
  const body = document.body as HTMLElement & Movable
  if (typeof body.moveBefore !== 'function') return
  frame.removeAttribute('data-testid')
  frame.removeAttribute('name')
  frame.tabIndex = -1
  frame.setAttribute('aria-hidden', 'true')
  frame.style.display = 'none'
  try {
    body.moveBefore(frame, null)
  } catch {
    return // not movable here: it goes with the overlay
  }
  setTimeout(() => { frame.remove() }, RETIRE_MS)
}

/**
 * When the flow page tells the button something that closes the overlay (finish, error):
 * in a later task than the event that caused it, and not while a key is held down in the
 * page. The button removes the overlay's frame at once, and a frame removed while a key
 * event is on its way to it (the key's release, after a press that submitted or cancelled)
 * or before the browser got its acknowledgement leaves a browser driven through its DevTools
 * protocol (Playwright, Puppeteer) waiting for that acknowledgement for ever. A key released
 * elsewhere does not count (the page lost the focus); after `fallbackMs` the messages go
 * anyway. Messages keep their order: one posted behind a held one waits too.
 */

export interface ReleaseGate {
  /** runs `send` now, or once no key is down; `closes`: the message may close the overlay */
  post: (send: () => void, closes: boolean) => void
}

export function releaseGate (fallbackMs = 1000): ReleaseGate {
  const down = new Set<string>()
  const queue: Array<() => void> = []
  let scheduled = false
  let fallback: ReturnType<typeof setTimeout> | undefined

  const run = (force: boolean): void => {
    scheduled = false
    if (down.size > 0 && !force) {
      schedule() // a key went down meanwhile: wait for it (or the fallback)
      return
    }
    if (fallback !== undefined) clearTimeout(fallback)
    fallback = undefined
    down.clear()
    for (const send of queue.splice(0)) send()
  }
  const schedule = (): void => {
    if (queue.length === 0) return
    if (down.size > 0) {
      fallback ??= setTimeout(() => { run(true) }, fallbackMs)
      return
    }
    if (scheduled) return
    scheduled = true
    setTimeout(() => { run(false) }, 0)
  }

  document.addEventListener('keydown', (event) => { down.add(event.code !== undefined && event.code !== '' ? event.code : event.key) }, true)
  document.addEventListener('keyup', (event) => {
    down.delete(event.code !== undefined && event.code !== '' ? event.code : event.key)
    schedule()
  }, true)
  window.addEventListener('blur', () => {
    down.clear()
    schedule()
  })

  return {
    post (send, closes) {
      if (!closes && queue.length === 0) {
        send()
        return
      }
      queue.push(send)
      schedule()
    }
  }
}

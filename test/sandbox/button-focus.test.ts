import t from 'tap'
import { FakeElement, SANDBOX, load, recorder } from './button-dom.js'

/**
 * The button's overlay and the keyboard, in the fake DOM (button-dom.ts): it takes the
 * focus (the flow's iframe), makes the rest of the page inert, wraps Tab around (telling
 * the flow page where to put the focus), cancels on Escape, and gives the focus back to the
 * button when it closes, however it closes. The same in Chromium: browser-keyboard.test.ts.
 */

function page () {
  const dom = load()
  const { body, host, focusState } = dom
  const aside = body.appendChild(new FakeElement('aside', focusState))
  aside.inert = true // the host's own modal made it inert: not ours to restore
  const script = body.appendChild(new FakeElement('script', focusState))
  const { calls, options } = recorder()
  const handle = dom.Passbase.renderButton(host, 'pk_live', options)
  const button = handle.button!
  const overlay = () => body.find('passbase-overlay')
  const frame = () => body.find('passbase-frame')!
  const closeButton = () => body.find('passbase-close')!
  const openFrom = (el: FakeElement): void => {
    el.focus()
    el.click()
  }
  return { ...dom, aside, script, calls, handle, button, overlay, frame, closeButton, openFrom }
}

t.test('opening moves the focus into the flow frame and makes the rest of the page inert', async (t) => {
  const p = page()
  p.openFrom(p.button)
  t.equal(p.document.activeElement, p.frame(), 'the iframe has the focus')
  t.equal(p.host.inert, true, 'the page behind is inert')
  t.equal(p.script.inert, false, 'scripts are left alone')
  t.equal(p.overlay()!.inert, false)
  t.equal(p.body.find('passbase-dialog')!.getAttribute('aria-modal'), 'true')

  p.message({ source: 'passbase-sandbox', type: 'finish', identityAccessKey: 'id-1' })
  t.equal(p.overlay(), undefined)
  t.equal(p.host.inert, false, 'the page is usable again')
  t.equal(p.aside.inert, true, 'what was inert before stays inert')
  t.equal(p.document.activeElement, p.button, 'the focus is back on the button')
  t.same(p.calls.map((c) => c[0]), ['start', 'finish'])
  t.equal(p.document.listeners.get('keydown')?.size, 0, 'no key listener left')
  t.equal(p.document.listeners.get('focusin')?.size, 0, 'no focus listener left')
})

t.test('the focus goes back to the button whichever way the overlay closes', async (t) => {
  const p = page()
  const ways: Array<[string, () => void]> = [
    ['the close button', () => { p.closeButton().click() }],
    ['Escape in the page', () => { p.document.dispatch('keydown', { key: 'Escape' }) }],
    ['the flow page\'s cancel', () => { p.message({ source: 'passbase-sandbox', type: 'error', code: 'CANCELLED_BY_USER', step: 'SUMMARY' }) }],
    ['a failure', () => { p.message({ source: 'passbase-sandbox', type: 'error', code: 'FATAL_ERROR', reason: 'X', message: 'x' }) }],
    ['close()', () => { p.handle.close() }]
  ]
  for (const [way, closeIt] of ways) {
    p.openFrom(p.button)
    t.equal(p.document.activeElement, p.frame(), `${way}: open, focus inside`)
    closeIt()
    t.equal(p.overlay(), undefined, `${way}: closed`)
    t.equal(p.document.activeElement, p.button, `${way}: the focus is back on the button`)
    t.equal(p.host.inert, false)
  }
  t.same(p.calls.filter((c) => c[0] === 'error').map((c) => c[1]), ['CANCELLED_BY_USER', 'CANCELLED_BY_USER', 'CANCELLED_BY_USER', 'FATAL_ERROR'])
})

t.test('the focus is not taken back from where the host put it, nor given to a removed opener', async (t) => {
  const p = page()
  p.openFrom(p.button)
  const other = p.body.appendChild(new FakeElement('input', p.focusState))
  other.focus() // e.g. the host focused a field it added above the overlay
  p.handle.close()
  t.equal(p.document.activeElement, other, 'left where the host put it')

  p.openFrom(p.button)
  p.host.replaceChildren() // the host re-rendered: the button is gone
  p.handle.close()
  t.equal(p.document.activeElement, p.body, 'no focus on a detached element')

  const hidden = load()
  const { calls, options } = recorder()
  hidden.Passbase.renderButton(hidden.host, 'pk', { ...options, hidden: true })
  hidden.Passbase.start()
  t.equal(hidden.document.activeElement, hidden.body.find('passbase-frame'), 'start(): the frame has the focus too')
  hidden.Passbase.renderButton(hidden.host, 'pk', options).close()
  t.equal(hidden.document.activeElement, hidden.body, 'nothing had the focus before: nothing gets it')
  t.same(calls, [['start', undefined]])
})

t.test('Escape cancels at the current step and is not handed on to the page', async (t) => {
  const p = page()
  p.openFrom(p.button)
  p.message({ source: 'passbase-sandbox', type: 'step', step: 'SUMMARY' })
  const other = p.document.dispatch('keydown', { key: 'a' })
  t.equal(other.defaultPrevented, false, 'other keys are the page\'s')
  t.ok(p.overlay())
  const escape = p.document.dispatch('keydown', { key: 'Escape' })
  t.equal(escape.defaultPrevented, true)
  t.equal(escape.propagationStopped, true)
  t.match(p.calls.pop(), ['error', 'CANCELLED_BY_USER', { step: 'SUMMARY', reason: 'CANCELLED_BY_USER' }])
  t.equal(p.overlay(), undefined)
})

t.test('Tab and Shift+Tab go round the frame and the close button', async (t) => {
  const p = page()
  p.openFrom(p.button)
  const frame = p.frame()
  const close = p.closeButton()
  const tab = (shiftKey = false) => p.document.dispatch('keydown', { key: 'Tab', shiftKey })

  t.equal(tab().defaultPrevented, false, 'inside the frame the browser moves the focus')
  close.focus()
  t.equal(tab(true).defaultPrevented, false, 'Shift+Tab on × goes back into the frame, to its last control')
  t.equal(tab().defaultPrevented, true, 'Tab on × wraps around')
  t.equal(p.document.activeElement, frame, 'to the frame')
  t.same(frame.posted.at(-1), { message: { type: 'focus', edge: 'first', source: 'passbase-sandbox' }, targetOrigin: SANDBOX },
    'and the flow page is told to focus its first control, at the sandbox\'s origin only')

  // the focus on the overlay itself (a click on the backdrop)
  p.focusState.activeElement = p.body
  t.equal(tab(true).defaultPrevented, true)
  t.equal(p.document.activeElement, close, 'Shift+Tab from nowhere: the last stop, ×')
  p.focusState.activeElement = p.body
  tab()
  t.equal(p.document.activeElement, frame, 'Tab from nowhere: the first stop, the frame')
  t.equal(frame.posted.length, 2)

  // Shift+Tab at the flow page's first control: the page says so, the focus goes to ×
  p.message({ source: 'passbase-sandbox', type: 'focus-out' }, 'http://evil.test')
  p.message({ source: 'passbase-sandbox', type: 'focus-out' }, SANDBOX, {})
  t.equal(p.document.activeElement, frame, 'only the frame at the sandbox\'s origin')
  p.message({ source: 'passbase-sandbox', type: 'focus-out' })
  t.equal(p.document.activeElement, close)
  t.same(p.calls, [['start', undefined]], 'no callback')
})

t.test('the focus is held inside: a frame that loaded late, a script focusing the page', async (t) => {
  const p = page()
  p.openFrom(p.button)
  const frame = p.frame()
  p.focusState.activeElement = p.body // the frame's new document took the focus away
  frame.fire('load')
  t.equal(p.document.activeElement, frame, 'the frame takes it back when it loads')
  p.closeButton().focus()
  frame.fire('load')
  t.equal(p.document.activeElement, p.closeButton(), 'a focus inside the overlay is left alone')

  const late = p.body.appendChild(new FakeElement('a', p.focusState))
  late.focus()
  p.document.dispatch('focusin', { target: late })
  t.equal(p.document.activeElement, frame, 'focus moved outside comes back to the frame')
  p.closeButton().focus()
  p.document.dispatch('focusin', { target: p.closeButton() })
  t.equal(p.document.activeElement, p.closeButton(), 'inside: nothing to do')

  p.handle.close()
  t.same(frame.listeners.get('load'), [], 'the load listener is removed')
})

t.test('the frame outlives the overlay by a moment, hidden, where moveBefore keeps its document', async (t) => {
  const deferred: Array<() => void> = []
  const dom = load(undefined, deferred, true)
  const { calls, options } = recorder()
  const handle = dom.Passbase.renderButton(dom.host, 'pk_live', options)
  handle.button!.focus()
  handle.button!.click()
  const frame = dom.body.find('passbase-frame')!
  dom.message({ source: 'passbase-sandbox', type: 'finish', identityAccessKey: 'id-1' })
  t.equal(dom.body.find('passbase-overlay'), undefined, 'the overlay is gone at once')
  t.equal(dom.body.find('passbase-frame'), undefined, 'no frame answers to the overlay\'s test id')
  t.equal(frame.parent, dom.body, 'its frame waits in the page')
  t.same([frame.style.display, frame.getAttribute('aria-hidden'), frame.getAttribute('name'), frame.tabIndex], ['none', 'true', null, -1], 'hidden, nameless, out of the Tab order')
  t.equal(dom.document.activeElement, handle.button, 'the focus is on the button, not on the retired frame')
  t.same(calls.map((c) => c[0]), ['start', 'finish'])

  handle.open()
  t.equal(dom.body.find('passbase-frame')?.parent?.getAttribute('data-testid'), 'passbase-dialog', 'a new flow has its own frame')
  handle.close()
  t.equal(deferred.length, 2, 'each retired frame is removed later')
  for (const run of deferred.splice(0)) run()
  t.same(dom.body.children.filter((c) => c.tagName === 'iframe'), [], 'then they are gone')

  const plain = load()
  plain.Passbase.renderButton(plain.host, 'pk', {}).open()
  plain.Passbase.renderButton(plain.host, 'pk', {}).close()
  t.same(plain.body.children.filter((c) => c.tagName === 'iframe'), [], 'without moveBefore the frame goes with the overlay')
})

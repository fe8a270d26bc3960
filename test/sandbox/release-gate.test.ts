import t from 'tap'
import { releaseGate } from '../../src/sandbox/browser/release-gate.js'

/**
 * The flow page's release gate on its own, with the page's document, window and timers
 * stubbed: what closes the overlay is posted in a later task, never while a key is down in
 * the page (until it is released, the page loses the focus, or the fallback time passed),
 * and messages keep their order.
 */

type Listener = (event: { key: string, code?: string }) => void

function stubs () {
  const listeners = new Map<string, Listener[]>()
  const on = (type: string, listener: Listener): void => { listeners.set(type, [...(listeners.get(type) ?? []), listener]) }
  const timers: Array<{ fn: () => void, ms: number, id: number }> = []
  let ids = 0
  const globals = globalThis as unknown as Record<string, unknown>
  const saved = { document: globals.document, window: globals.window, setTimeout: globals.setTimeout, clearTimeout: globals.clearTimeout }
  globals.document = { addEventListener: (type: string, l: Listener) => { on(`document:${type}`, l) } }
  globals.window = { addEventListener: (type: string, l: Listener) => { on(`window:${type}`, l) } }
  globals.setTimeout = (fn: () => void, ms = 0) => { timers.push({ fn, ms, id: ++ids }); return ids }
  globals.clearTimeout = (id: number) => { const i = timers.findIndex((x) => x.id === id); if (i >= 0) timers.splice(i, 1) }
  const restore = (): void => { Object.assign(globals, saved) }
  const fire = (type: string, event: { key: string, code?: string } = { key: '' }): void => {
    for (const l of listeners.get(type) ?? []) l(event)
  }
  /** the next task: the 0 ms timers; `all`: every timer (time passes) */
  const tick = (all = false): void => {
    for (const timer of timers.filter((x) => all || x.ms === 0)) {
      timers.splice(timers.indexOf(timer), 1)
      timer.fn()
    }
  }
  return { fire, tick, timers, restore }
}

t.test('a closing message goes in the next task, after every key is released', async (t) => {
  const s = stubs()
  t.teardown(s.restore)
  const gate = releaseGate(1000)
  const sent: string[] = []
  gate.post(() => { sent.push('step') }, false)
  t.same(sent, ['step'], 'a message that closes nothing goes at once')
  gate.post(() => { sent.push('finish') }, true)
  t.same(sent, ['step'], 'not in the same task')
  s.tick()
  t.same(sent, ['step', 'finish'], 'in the next one')

  s.fire('document:keydown', { key: 'Enter', code: 'Enter' })
  s.fire('document:keydown', { key: 'Shift', code: 'ShiftLeft' })
  gate.post(() => { sent.push('error') }, true)
  gate.post(() => { sent.push('step 2') }, false)
  s.tick()
  t.same(sent.slice(2), [], 'a key is down: nothing, and what follows waits behind')
  s.fire('document:keyup', { key: 'Enter', code: 'Enter' })
  s.tick()
  t.same(sent.slice(2), [], 'another key is still down')
  s.fire('document:keyup', { key: 'Shift', code: 'ShiftLeft' })
  t.same(sent.slice(2), [], 'released: not within the release\'s own dispatch')
  s.tick()
  t.same(sent.slice(2), ['error', 'step 2'], 'then both, in order')
  t.equal(s.timers.length, 0, 'no timer left (the fallback is cleared)')
})

t.test('a key released elsewhere: the page lost the focus, or the fallback time passed', async (t) => {
  const s = stubs()
  t.teardown(s.restore)
  const gate = releaseGate(1000)
  const sent: string[] = []
  s.fire('document:keydown', { key: 'Escape' })
  gate.post(() => { sent.push('cancel') }, true)
  s.fire('window:blur')
  s.tick()
  t.same(sent, ['cancel'], 'the page lost the focus: its keys are released elsewhere')

  s.fire('document:keydown', { key: 'Enter' })
  gate.post(() => { sent.push('finish') }, true)
  s.tick()
  t.same(sent, ['cancel'])
  t.same(s.timers.map((x) => x.ms), [1000], 'the fallback is armed')
  s.tick(true)
  t.same(sent, ['cancel', 'finish'], 'after the fallback time it goes anyway')
  gate.post(() => { sent.push('next') }, true)
  s.tick()
  t.same(sent.at(-1), 'next', 'and the held key no longer counts')
})

t.test('a key pressed between the release and the next task holds the message again', async (t) => {
  const s = stubs()
  t.teardown(s.restore)
  const gate = releaseGate(1000)
  const sent: string[] = []
  gate.post(() => { sent.push('finish') }, true)
  s.fire('document:keydown', { key: 'a' })
  s.tick()
  t.same(sent, [], 'held')
  s.fire('document:keyup', { key: 'a' })
  s.tick()
  t.same(sent, ['finish'])
})

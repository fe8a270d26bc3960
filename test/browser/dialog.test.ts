import t from 'tap'
import { createPassbaseClient } from '../../src/browser/index.js'
import { installDom, type FakeButton, type FakeDocument, type FakeElement } from './fake-dom.js'
import { rejection, until } from './setup.js'

/**
 * The step-up dialog and the keyboard: focus moves in (to the login button) and comes back
 * to the opener; while it is modal the page behind is inert and Tab / Shift+Tab cycle
 * inside; Escape cancels, except while the provider's own flow is open above it; while
 * confirming, the login button is disabled and focus waits on Cancel.
 */

interface Page {
  document: FakeDocument
  button: FakeButton
  /** page controls behind the dialog */
  controls: FakeElement[]
  /** answers /reauth/complete with 200 once set */
  confirm: () => void
  completes: () => number
  client: ReturnType<typeof createPassbaseClient>
}

function page (): Page {
  const { document, button } = installDom()
  ;(globalThis as { Passbase?: unknown }).Passbase = button.api
  const controls = ['Amount', 'Send payout', 'Sign out'].map((label) => {
    const el = document.createElement(label === 'Amount' ? 'input' : 'button')
    el.textContent = label
    document.body.appendChild(el)
    return el
  })
  let confirmed = false
  let completes = 0
  const client = createPassbaseClient({
    prefix: '/p',
    stepUpPoll: { intervalMs: 5 },
    fetch: async (input) => {
      const url = String(input)
      if (url === '/p/reauth/start') return Response.json({ challengeId: 'c1', expiresAt: '' })
      if (url === '/p/config') return Response.json({ publishableApiKey: 'pk' })
      if (url === '/p/status') return Response.json({ status: 'approved', identityId: 'id-1' })
      if (url === '/p/reauth/complete') {
        completes++
        return confirmed ? Response.json({ authTime: '', expiresAt: '' }) : Response.json({ pending: true }, { status: 202 })
      }
      return new Response('ok')
    }
  })
  return { document, button, controls, client, confirm: () => { confirmed = true }, completes: () => completes }
}

async function opened (document: FakeDocument): Promise<FakeElement> {
  await until(() => document.find('passbase-login-button') !== undefined, 'the dialog with its login button')
  return document.find('passbase-stepup')!
}

t.test('focus moves into the dialog, Tab and Shift+Tab stay inside, the page behind is inert', async (t) => {
  const { document, button, controls, client, confirm } = page()
  button.onClick = ({ options }) => { options.onFinish?.('id-1') }
  const sender = controls[1]!
  sender.focus()
  const run = client.stepUp({ maxAge: 300 })
  const dialog = await opened(document)
  const login = document.find('passbase-login-button')!
  const cancel = document.find('passbase-stepup-cancel')!
  t.equal(document.activeElement, login, 'focus is on the login button, not behind the overlay')
  t.equal(dialog.getAttribute('aria-modal'), 'true')
  t.match(dialog.getAttribute('aria-labelledby'), /^passbase-stepup-title-\d+$/)
  t.ok(document.getElementById(dialog.getAttribute('aria-labelledby')!), 'the label exists')
  t.equal(document.find('passbase-stepup-message')?.getAttribute('role'), 'status', 'the status line is a live region')
  t.ok(controls.every((c) => c.inInert), 'the page behind is inert')

  const order: Array<string | undefined> = []
  for (let i = 0; i < 4; i++) {
    document.press('Tab')
    order.push(document.activeElement.getAttribute('data-testid') ?? undefined)
  }
  t.same(order, ['passbase-stepup-cancel', 'passbase-login-button', 'passbase-stepup-cancel', 'passbase-login-button'], 'Tab cycles inside')
  document.press('Tab', { shiftKey: true })
  t.equal(document.activeElement, cancel, 'Shift+Tab from the first goes to the last')

  // focus that lands outside (a script, a click in the margin) is brought back
  controls[0]!.inert = false
  controls[0]!.focus()
  t.ok(dialog.contains(document.activeElement), 'focus cannot leave the modal dialog')
  controls[0]!.inert = true

  confirm()
  login.click()
  await run
  t.equal(document.activeElement, sender, 'focus returns to the opener')
  t.ok(controls.every((c) => !c.inert), 'the page is usable again')
})

t.test('Escape cancels the step-up and returns focus', async (t) => {
  const { document, controls, client } = page()
  controls[0]!.focus()
  const run = client.stepUp()
  await opened(document)
  const key = document.press('Escape')
  t.ok(key.defaultPrevented)
  t.equal((await rejection(run)).code, 'CANCELLED_BY_USER')
  t.equal(document.find('passbase-stepup'), undefined, 'the dialog is gone')
  t.equal(document.activeElement, controls[0], 'focus is back on the opener')
  t.equal(document.events.count('keydown'), 0, 'no listener left behind')
  t.equal(document.events.count('focusin'), 0)
})

t.test('while the provider\u2019s flow is open, its keys are its own; Enter on the login button opens it', async (t) => {
  const { document, button, client, confirm } = page()
  button.onClick = ({ options }) => { options.onStart?.() }
  const run = client.stepUp()
  await opened(document)
  const call = button.calls[0]!
  document.activate() // Enter on the focused login button
  const overlay = document.createElement('div')
  overlay.setAttribute('aria-modal', 'true')
  const frame = document.createElement('iframe')
  overlay.appendChild(frame)
  document.body.appendChild(overlay)
  frame.focus()
  t.equal(document.activeElement, frame, 'the provider\u2019s dialog keeps its focus')
  t.notOk(document.press('Escape').defaultPrevented, 'Escape is left to the provider\u2019s flow')
  t.notOk(document.press('Tab').defaultPrevented)
  t.ok(document.find('passbase-stepup'), 'the step-up is still open')

  overlay.remove()
  confirm()
  call.options.onFinish?.('id-1')
  await run
  t.pass('finished after the provider\u2019s flow')
})

t.test('while confirming, the login button is disabled and focus waits on Cancel', async (t) => {
  const { document, button, client, confirm, completes } = page()
  button.onClick = ({ options }) => { options.onFinish?.('id-1') }
  const run = client.stepUp()
  await opened(document)
  const login = document.find('passbase-login-button')!
  login.click()
  await until(() => completes() >= 2, 'the helper polls /reauth/complete (202)')
  const message = document.find('passbase-stepup-message')!
  t.equal(message.getAttribute('data-state'), 'busy')
  t.match(message.text, /Confirming/)
  t.ok(login.disabled, 'the login button is disabled')
  t.ok(document.find('passbase-stepup-slot')?.inert, 'and its slot inert (an iframe button too)')
  t.equal(document.activeElement, document.find('passbase-stepup-cancel'), 'focus is on Cancel')
  login.click()
  t.equal(button.calls.length, 1, 'a second click does nothing')
  confirm()
  await run
})

t.test('in a container: not modal, nothing inert, Escape only from inside, focus still returns', async (t) => {
  const { document, controls, client } = page()
  const container = document.createElement('section')
  document.body.appendChild(container)
  controls[2]!.focus()
  const run = client.stepUp({ container: container as unknown as HTMLElement })
  await opened(document)
  const dialog = container.children[0]!
  t.equal(dialog.getAttribute('aria-modal'), 'false')
  t.ok(controls.every((c) => !c.inert), 'the page stays usable')
  t.equal(document.activeElement, document.find('passbase-login-button'))
  controls[0]!.focus()
  t.notOk(document.press('Escape').defaultPrevented, 'Escape elsewhere in the page is not ours')
  t.equal(document.activeElement, controls[0], 'focus may leave a non-modal dialog')
  document.find('passbase-stepup-cancel')!.focus()
  document.press('Escape')
  t.equal((await rejection(run)).code, 'CANCELLED_BY_USER')
  t.equal(container.children.length, 0)
  t.equal(document.activeElement, controls[2], 'focus returns to the opener')
})

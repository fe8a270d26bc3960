import t from 'tap'
import { FakeElement, SANDBOX, load, recorder } from './button-dom.js'

/**
 * Runs button.js against a minimal fake DOM (button-dom.ts): enough to check renderButton,
 * the overlay it opens and how it maps the flow page's postMessage to callbacks. The
 * keyboard and the focus: button-focus.test.ts.
 */

t.test('renderButton renders "Verify Me" and opens the flow in an overlay iframe', async (t) => {
  const { window, head, body, host, Passbase } = load()
  const { calls, options } = recorder()
  Passbase.renderButton(host, 'pk_live', { ...options, metaData: 'ENC==', prefillAttributes: { email: 'ada@example.com' } })
  const button = host.find('passbase-verify-button')!
  t.equal(button.textContent, 'Verify Me')
  t.equal(head.children.filter((c) => c.id === 'passbase-sandbox-style').length, 1)

  button.click()
  button.click() // a second click while open does nothing
  const overlays = body.children.filter((c) => c.getAttribute('data-testid') === 'passbase-overlay')
  t.equal(overlays.length, 1)
  const frame = body.find('passbase-frame')!
  const url = new URL(frame.src)
  t.equal(url.origin, SANDBOX)
  t.equal(url.pathname, '/flow')
  t.same(Object.fromEntries(url.searchParams), {
    key: 'pk_live', integrationType: 'signup', origin: 'http://localhost:3000', metaData: 'ENC==', email: 'ada@example.com'
  })
  t.same(calls, [['start', undefined]])

  const message = (data: unknown, origin = SANDBOX, source: unknown = frame.contentWindow) =>
    window.dispatch('message', { origin, source, data })
  message({ source: 'passbase-sandbox', type: 'finish', identityAccessKey: 'x' }, 'http://evil.test')
  message({ source: 'passbase-sandbox', type: 'finish', identityAccessKey: 'x' }, SANDBOX, {})
  message({ type: 'finish', identityAccessKey: 'x' })
  message(null)
  t.equal(calls.length, 1, 'foreign messages are ignored')

  message({ source: 'passbase-sandbox', type: 'submitted', identityAccessKey: 'id-1' })
  message({ source: 'passbase-sandbox', type: 'finish', identityAccessKey: 'id-1' })
  t.same(calls.slice(1), [['submitted', 'id-1'], ['finish', 'id-1']])
  t.equal(body.find('passbase-overlay'), undefined, 'the overlay closes on finish')
  t.equal(window.listeners.get('message')?.size, 0, 'the message listener is removed')

  // a second render reuses the style and replaces the element's content
  Passbase.renderButton(host, 'pk_live', options)
  t.equal(host.children.length, 1)
  t.equal(head.children.length, 1)
})

t.test('errors, cancel and Escape call onError', async (t) => {
  const { window, document, body, host, Passbase } = load()
  const { calls, options } = recorder()
  const handle = Passbase.renderButton(host, 'pk_live', options)

  handle.open()
  const frame = body.find('passbase-frame')!
  // v0.2: onError(errorCode, context) like @passbase/button; the page's precise code is context.reason
  window.dispatch('message', { origin: SANDBOX, source: frame.contentWindow, data: { source: 'passbase-sandbox', type: 'error', code: 'FATAL_ERROR', step: 'START', reason: 'INVALID_METADATA', message: 'bad' } })
  t.same(calls.pop(), ['error', 'FATAL_ERROR', { step: 'START', reason: 'INVALID_METADATA', message: 'bad' }])
  t.equal(body.find('passbase-overlay'), undefined)

  handle.open()
  body.find('passbase-close')!.click()
  t.match(calls.pop(), ['error', 'CANCELLED_BY_USER', { step: 'START', reason: 'CANCELLED_BY_USER' }])
  t.equal(body.find('passbase-overlay'), undefined)

  handle.open()
  document.dispatch('keydown', { key: 'Enter' })
  t.ok(body.find('passbase-overlay'))
  document.dispatch('keydown', { key: 'Escape' })
  t.match(calls.pop(), ['error', 'CANCELLED_BY_USER', { step: 'START' }])
  t.equal(document.listeners.get('keydown')?.size, 0)

  handle.open()
  handle.close()
  handle.close()
  t.equal(body.find('passbase-overlay'), undefined, 'close() closes silently')
  t.same(calls.map((c) => c[0]), ['start', 'start', 'start', 'start'])
})

t.test('the login button passes integrationType and identityAccessKey', async (t) => {
  const { window, body, Passbase } = load(null)
  const host = body.appendChild(new FakeElement('div'))
  host.setAttribute('data-testid', 'host')
  const calls: unknown[] = []
  Passbase.renderButton('#verify', 'pk_live', {
    integrationType: 'login',
    identityAccessKey: 'id-9',
    onFinish: (key: unknown) => { calls.push(key) },
    onStart: 'not a function'
  })
  const button = body.find('passbase-login-button')!
  t.equal(button.textContent, 'Log in with Passbase')
  button.click()
  const frame = body.find('passbase-frame')!
  const url = new URL(frame.src)
  t.equal(url.origin, 'http://fallback.test:1', 'the fallback origin without document.currentScript')
  t.equal(url.searchParams.get('integrationType'), 'login')
  t.equal(url.searchParams.get('identityAccessKey'), 'id-9')
  t.equal(url.searchParams.get('email'), null)
  window.dispatch('message', { origin: 'http://fallback.test:1', source: frame.contentWindow, data: { source: 'passbase-sandbox', type: 'finish', identityAccessKey: 'id-9' } })
  t.same(calls, ['id-9'])
  t.throws(() => Passbase.renderButton('#missing', 'pk_live'), /element not found/)
})

t.test('a throwing callback does not break the button', async (t) => {
  const deferred: Array<() => void> = []
  const { window, body, host, Passbase } = load(undefined, deferred)
  Passbase.renderButton(host, 'pk', { onFinish: () => { throw new Error('host bug') } })
  body.find('passbase-verify-button')!.click()
  const frame = body.find('passbase-frame')!
  window.dispatch('message', { origin: SANDBOX, source: frame.contentWindow, data: { source: 'passbase-sandbox', type: 'finish', identityAccessKey: 'k' } })
  t.equal(body.find('passbase-overlay'), undefined, 'closed before the callback ran')
  t.equal(deferred.length, 1, 'the error is rethrown asynchronously')
  t.throws(() => deferred[0](), /host bug/)
})

t.test('onError reports the step the flow page was at, and only the three error codes', async (t) => {
  const { window, body, host, Passbase } = load()
  const { calls, options } = recorder()
  const handle = Passbase.renderButton(host, 'pk_live', options)
  handle.open()
  const frame = body.find('passbase-frame')!
  const post = (data: Record<string, unknown>): void => {
    window.dispatch('message', { origin: SANDBOX, source: frame.contentWindow, data: { source: 'passbase-sandbox', ...data } })
  }
  post({ type: 'step', step: 'SUMMARY' })
  post({ type: 'error', code: 'INVALID_METADATA', message: 'not one of the three' })
  post({ type: 'finish', identityAccessKey: '' })
  post({ type: 'finish', identityAccessKey: 42 })
  post({ type: 'submitted', identityAccessKey: 'x'.repeat(201) })
  t.same(calls, [['start', undefined]], 'malformed messages are ignored')
  t.ok(body.find('passbase-overlay'), 'still open')
  body.find('passbase-close')!.click()
  t.same(calls.pop(), ['error', 'CANCELLED_BY_USER', { step: 'SUMMARY', reason: 'CANCELLED_BY_USER', message: 'The user cancelled the verification' }])

  handle.open()
  const again = body.find('passbase-frame')!
  window.dispatch('message', { origin: SANDBOX, source: again.contentWindow, data: { source: 'passbase-sandbox', type: 'step', step: 'FACE_AUTHENTICATION' } })
  window.dispatch('message', { origin: SANDBOX, source: again.contentWindow, data: { source: 'passbase-sandbox', type: 'error', code: 'BIOMETRIC_AUTHENTICATION_FAILED', reason: 'BIOMETRIC_AUTHENTICATION_FAILED', message: 'no match' } })
  t.same(calls.pop(), ['error', 'BIOMETRIC_AUTHENTICATION_FAILED', { step: 'FACE_AUTHENTICATION', reason: 'BIOMETRIC_AUTHENTICATION_FAILED', message: 'no match' }],
    'without a step in the message: the last step reported')
})

t.test('hidden renders no button; Passbase.start opens the flow', async (t) => {
  const { head, body, host, Passbase } = load()
  t.throws(() => { Passbase.start() }, /render a button first, or pass a publishable API key/)
  host.appendChild(new FakeElement('span'))
  const { calls, options } = recorder()
  const handle = Passbase.renderButton(host, 'pk_hidden', { ...options, hidden: true, prefillAttributes: { email: 'ada@example.com', country: 'fr' } })
  t.equal(handle.button, null)
  t.equal(host.children.length, 0, 'nothing rendered')
  t.equal(head.children.length, 0, 'no style injected')

  Passbase.start()
  const url = new URL(body.find('passbase-frame')!.src)
  t.same(Object.fromEntries(url.searchParams), {
    key: 'pk_hidden', integrationType: 'signup', origin: 'http://localhost:3000', email: 'ada@example.com', country: 'fr'
  }, 'start() opens the last rendered button\'s flow')
  t.same(calls, [['start', undefined]])
  Passbase.start()
  t.equal(body.children.filter((c) => c.getAttribute('data-testid') === 'passbase-overlay').length, 1, 'one flow at a time')
  handle.close()

  const login: unknown[] = []
  Passbase.start('pk_direct', { integrationType: 'login', identityAccessKey: 'id-3', summary: 'Confirm payout of 50.00 EUR', onStart: () => { login.push('start') } })
  const direct = new URL(body.find('passbase-frame')!.src)
  t.same(Object.fromEntries(direct.searchParams), {
    key: 'pk_direct', integrationType: 'login', origin: 'http://localhost:3000', identityAccessKey: 'id-3', summary: 'Confirm payout of 50.00 EUR'
  }, 'start(key, options) opens that flow, without a button')
  t.same(login, ['start'])
  t.equal(body.find('passbase-dialog')!.getAttribute('aria-label'), 'Log in with Passbase')
})

t.test('summary goes to the login flow only; theme.accentColor colours the button', async (t) => {
  const { body, host, Passbase } = load()
  const handle = Passbase.renderButton(host, 'pk', { summary: 'ignored in signup', theme: { accentColor: '#ff0000', darkMode: true } })
  t.equal(handle.button!.style.background, '#ff0000')
  handle.open()
  t.equal(new URL(body.find('passbase-frame')!.src).searchParams.get('summary'), null)
  t.equal(body.find('passbase-frame')!.getAttribute('allow'), 'camera; microphone')
})

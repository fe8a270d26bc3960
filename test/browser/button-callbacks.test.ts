import t from 'tap'
import { buttonError } from '../../src/browser/button-callbacks.js'
import type { PassbaseClientError } from '../../src/browser/index.js'
import { approved, authenticated, legacyError, rejection, setup, until, verifyTarget } from './setup.js'

/**
 * The provider button's callbacks as @passbase/button 4.4 calls them: `onError(errorCode,
 * context)` with `CANCELLED_BY_USER`, `BIOMETRIC_AUTHENTICATION_FAILED` or `FATAL_ERROR` and
 * `{ step }`; `onSubmitted(key)` then `onFinish(key)`. Against the real plugin and sandbox.
 */

t.test('buttonError reads the real signature and the old object form', async (t) => {
  const real = buttonError('FATAL_ERROR', { step: 'RESOURCE' }, 'The verification')
  t.match(real, { name: 'PassbaseClientError', code: 'FATAL_ERROR', step: 'RESOURCE' })
  t.equal(real.message, 'The provider\u2019s flow failed')
  t.match(buttonError('CANCELLED_BY_USER', undefined, 'x'), { code: 'CANCELLED_BY_USER', step: undefined })
  t.match(buttonError('SOMETHING_NEW', { step: 7 }, 'The login'), { code: 'SOMETHING_NEW', message: 'The login failed (SOMETHING_NEW)', step: undefined })
  t.match(buttonError({ code: 'CANCELLED_BY_USER', message: 'closed' }, undefined, 'x'), { code: 'CANCELLED_BY_USER', message: 'closed' })
  t.match(buttonError({ code: 'BIOMETRIC_AUTHENTICATION_FAILED' }, undefined, 'x'), { message: 'The face authentication did not match' })
  t.match(buttonError(undefined, undefined, 'The login'), { code: 'UNKNOWN_ERROR', message: 'The login failed' })
  t.match(buttonError('', {}, 'x'), { code: 'UNKNOWN_ERROR' })
})

t.test('renderVerifyButton: onError(code, { step }) reaches onError with the button\u2019s code and step', async (t) => {
  const { client, document, button } = await setup(t)
  verifyTarget(document)
  const errors: PassbaseClientError[] = []
  await client.renderVerifyButton('#verify', { onError: (e) => errors.push(e) })
  const { options } = button.calls[0]!
  options.onError?.('CANCELLED_BY_USER', { step: 'EMAIL' })
  options.onError?.('FATAL_ERROR', { step: 'RESOURCE' })
  legacyError(options.onError, { code: 'CANCELLED_BY_USER', message: 'closed' })
  t.same(errors.map((e) => [e.code, e.step]), [['CANCELLED_BY_USER', 'EMAIL'], ['FATAL_ERROR', 'RESOURCE'], ['CANCELLED_BY_USER', undefined]])
  t.equal(errors[2]?.message, 'closed')
})

t.test('renderVerifyButton: the key is linked at onSubmitted, once, and onFinish does not link it again', async (t) => {
  const { h, client, document, button, browser } = await setup(t)
  verifyTarget(document)
  const statuses: string[] = []
  await client.renderVerifyButton('#verify', { onStatus: (s) => statuses.push(s.status) })
  const identity = await h.sandbox.createIdentity({ status: 'approved', score: 0.95 })
  const { options } = button.calls[0]!
  options.onSubmitted?.(identity.id)
  options.onFinish?.(identity.id)
  // the link request is sent synchronously from the callback: a second one would be recorded already
  t.equal(browser.calls.filter((c) => c === 'POST /passbase/verifications').length, 1, 'one link for both callbacks')
  await until(() => statuses.length > 0, 'the link')
  t.same(statuses, ['approved'])
  options.onFinish?.('')
  t.equal(browser.calls.filter((c) => c === 'POST /passbase/verifications').length, 1, 'an empty key is ignored')
})

t.test('stepUp: a failed face match (real signature) offers a retry; the second try passes', async (t) => {
  const { h, client, document, button } = await setup(t)
  const identityId = await approved(h, client)
  const opener = document.createElement('button')
  document.body.appendChild(opener)
  opener.focus()
  let attempt = 0
  button.onClick = ({ options }) => {
    options.onStart?.()
    if (attempt++ === 0) {
      options.onError?.('BIOMETRIC_AUTHENTICATION_FAILED', { step: 'RESOURCE' })
      return
    }
    void authenticated(h, identityId).then(() => options.onFinish?.(identityId))
  }
  const run = client.stepUp()
  await until(() => document.find('passbase-login-button') !== undefined, 'the login button')
  const login = document.find('passbase-login-button')!
  login.click()
  const message = document.find('passbase-stepup-message')!
  t.equal(message.getAttribute('data-state'), 'error')
  t.equal(message.text, 'The face authentication did not match. Try again or cancel.')
  t.ok(document.find('passbase-stepup'), 'the dialog stays open')
  t.equal(document.activeElement, login, 'focus is back on the login button, ready for the retry')
  t.equal(button.calls.length, 1, 'the same button is used again')

  login.click()
  await run
  t.equal(attempt, 2)
  t.equal(document.find('passbase-stepup'), undefined)
  t.equal(document.activeElement, opener)
})

t.test('stepUp: CANCELLED_BY_USER and FATAL_ERROR from the button end the step-up with their code', async (t) => {
  const { h, client, button } = await setup(t)
  await approved(h, client)
  for (const code of ['CANCELLED_BY_USER', 'FATAL_ERROR'] as const) {
    button.onRender = ({ options }) => { setTimeout(() => options.onError?.(code, { step: 'START' }), 1) }
    const err = await rejection(client.stepUp())
    t.equal(err.code, code)
    t.equal(err.step, 'START')
  }
})

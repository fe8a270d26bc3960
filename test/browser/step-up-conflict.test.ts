import t from 'tap'
import { approved, authenticated, rejection, setup, until } from './setup.js'

/**
 * The browser helper and the step-up challenge rule, against the real plugin: a dialog the
 * user closes cancels its challenge (`POST /reauth/cancel`), so that the retry does not
 * conflict with it; when another step-up was started for the account, the dialog says so
 * and offers to end every step-up session (`DELETE /reauth`) until the user closes it.
 */

t.test('closing the dialog cancels its challenge before the dialog goes: the retry is not a conflict', async (t) => {
  const { h, client, document, button, browser } = await setup(t)
  await approved(h, client)
  button.onRender = () => { setTimeout(() => document.find('passbase-stepup-cancel')?.dispatch('click'), 5) }
  t.equal((await rejection(client.stepUp())).code, 'CANCELLED_BY_USER')
  t.same(browser.calls.filter((c) => c.includes('/reauth/')), ['POST /passbase/reauth/start', 'POST /passbase/reauth/cancel'],
    'Cancel sent /reauth/cancel')

  button.onRender = () => { setTimeout(() => document.press('Escape'), 5) }
  t.equal((await rejection(client.stepUp())).code, 'CANCELLED_BY_USER', 'Escape too')
  const aborted = new AbortController()
  button.onRender = () => { setTimeout(() => aborted.abort(), 5) }
  t.equal((await rejection(client.stepUp({ signal: aborted.signal }))).code, 'ABORTED', "and the caller's signal")
  t.equal(browser.calls.filter((c) => c === 'POST /passbase/reauth/cancel').length, 3)

  // the user tries again and passes: none of the abandoned challenges conflicts with this one
  button.onRender = ({ options }) => {
    void authenticated(h, options.identityAccessKey ?? '').then(() => options.onFinish?.(options.identityAccessKey ?? ''))
  }
  await client.stepUp()
  t.equal(browser.calls.filter((c) => c === 'POST /passbase/reauth/cancel').length, 3, 'a completed step-up cancels nothing')
  t.equal(browser.calls.at(-1), 'POST /passbase/reauth/complete', 'completed')
})

t.test('a conflict: the dialog says another step-up was started, offers to end every step-up session, and rejects once closed', async (t) => {
  const { h, client, document, button, browser } = await setup(t)
  const identityId = await approved(h, client)
  button.onRender = ({ options }) => {
    // someone else holding the session starts a step-up while this dialog is open
    void h.app.inject({ method: 'POST', url: '/passbase/reauth/start', headers: { 'x-user': 'u1', 'content-type': 'application/json' }, payload: '{}' })
      .then(async () => { await authenticated(h, identityId) })
      .then(() => options.onFinish?.(identityId))
  }
  const run = client.stepUp()
  await until(() => document.find('passbase-stepup-end-all') !== undefined, 'the dialog explains the conflict')
  const message = document.find('passbase-stepup-message')!
  t.equal(message.getAttribute('data-state'), 'error')
  t.match(message.text, /Another step-up was started for this account/)
  t.match(message.text, /If that was not you/)
  t.equal(document.find('passbase-stepup-cancel')?.text, 'Close')
  t.ok(document.find('passbase-stepup-slot')?.hidden, 'the login button is gone')
  let settled = false
  void run.catch(() => {}).finally(() => { settled = true })
  await new Promise((resolve) => setImmediate(resolve))
  t.notOk(settled, 'the dialog stays until the user closes it')

  document.find('passbase-stepup-end-all')!.click()
  await until(() => /was ended/.test(message.text), 'the sessions were ended')
  t.ok(browser.calls.includes('DELETE /passbase/reauth'), 'DELETE /reauth was sent')
  t.equal(message.getAttribute('data-state'), 'info')

  document.find('passbase-stepup-cancel')!.click()
  const err = await rejection(run)
  t.equal(err.code, 'FST_PASSBASE_STEP_UP_CONFLICT')
  t.equal(err.statusCode, 410)
  t.equal(document.find('passbase-stepup'), undefined, 'the dialog is gone')
})

t.test('closing the dialog while confirming (after the face login) cancels the challenge too', async (t) => {
  const { h, client, document, button, browser } = await setup(t)
  await approved(h, client)
  h.sandbox.faults = { deliveries: { drop: true } }
  button.onRender = ({ options }) => {
    options.onFinish?.(options.identityAccessKey ?? '')
    setTimeout(() => document.find('passbase-stepup-cancel')?.dispatch('click'), 30)
  }
  t.equal((await rejection(client.stepUp())).code, 'CANCELLED_BY_USER', 'Cancel while confirming')
  t.ok(browser.calls.includes('POST /passbase/reauth/cancel'), 'the challenge was cancelled (the next start does not conflict with it)')
})

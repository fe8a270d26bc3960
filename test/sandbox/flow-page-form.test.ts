import t from 'tap'
import { DEFAULT_SCORES, scoreProblem } from '../../src/sandbox/browser/score.js'
import { run } from './flow-page-dom.js'
import { sandboxFor } from './helpers.js'

/**
 * The flow page's form and keyboard (the script in a VM against the served HTML,
 * flow-page-dom.ts): the first control takes the focus, Escape cancels, Shift+Tab at the
 * first control and the overlay's focus messages move the focus across the frame's edge,
 * the score is checked before it is sent and each decision suggests its own. The same in
 * Chromium: browser-keyboard.test.ts.
 */

const PUBLISHABLE = 'pk_form'
const HOST = 'http://localhost:3000'
const SIGNUP = { key: PUBLISHABLE, origin: HOST }
const LOGIN = { key: PUBLISHABLE, origin: HOST, integrationType: 'login', identityAccessKey: 'id-9' }

t.test('scoreProblem: a number from 0 to 1 with at most two decimals', async (t) => {
  for (const ok of ['0', '1', '0.3', '0.30', '.5', '1.00', ' 0.95 ', '+0.5', '5e-1']) t.equal(scoreProblem(ok), null, ok)
  t.match(scoreProblem(''), /^Enter a score from 0 to 1/)
  t.match(scoreProblem('   '), /^Enter a score/)
  t.match(scoreProblem('', true), /must be a number from 0 to 1/, 'text the browser could not read')
  for (const bad of ['abc', '0x1', '1,5', 'Infinity', 'NaN', '0.5.1']) t.match(scoreProblem(bad), /must be a number from 0 to 1/, bad)
  t.equal(scoreProblem('1.5'), 'The score must be from 0 to 1: 1.5 is out of range.')
  t.match(scoreProblem('-0.1'), /out of range/)
  t.match(scoreProblem('1.0001'), /out of range/)
  t.match(scoreProblem('0.955'), /^Use at most two decimals/)
  t.same(DEFAULT_SCORES, { approved: '0.95', declined: '0.30', pending: '0.80' })
})

t.test('the first control takes the focus; a page that cannot work focuses nothing', async (t) => {
  const sandbox = await sandboxFor(t, { publishableApiKey: PUBLISHABLE })
  t.equal((await run(t, sandbox, SIGNUP, { parent: true })).focused(), 'email', 'signup: the email field')
  t.equal((await run(t, sandbox, LOGIN, { parent: true })).focused(), 'identity-access-key', 'login: the identity field')
  t.equal((await run(t, sandbox, { key: PUBLISHABLE }, {})).focused(), 'email', 'opened directly too')
  t.equal((await run(t, sandbox, { key: PUBLISHABLE, origin: '*' }, { parent: true })).focused(), null, 'no valid origin: the form is disabled')
  t.equal((await run(t, sandbox, { key: 'pk_wrong', origin: HOST }, { parent: true })).focused(), null, 'an error page')
})

t.test('Escape cancels like the Cancel button, once, where someone hears it', async (t) => {
  const sandbox = await sandboxFor(t, { publishableApiKey: PUBLISHABLE })
  for (const [query, step] of [[SIGNUP, 'SUMMARY'], [LOGIN, 'FACE_AUTHENTICATION']] as const) {
    const page = await run(t, sandbox, query, { parent: true })
    t.equal(page.key({ key: 'Enter' }).defaultPrevented, false, 'other keys are left alone')
    page.keyUp({ key: 'Escape' })
    t.equal(page.el('cancel').disabled, false, 'a release alone (the key went down elsewhere) does nothing')
    t.equal(page.keyDown({ key: 'Escape' }).defaultPrevented, true)
    t.equal(page.el('cancel').disabled, true, 'the key going down cancels')
    t.equal(page.posted.length, 1, 'the message waits for the key\'s release (release-gate.ts)')
    page.keyDown({ key: 'Escape' }) // held: it repeats
    page.keyUp({ key: 'Escape' })
    t.same(page.posted.slice(1).map((p) => [p.to, p.targetOrigin, p.message]), [['parent', HOST, {
      type: 'error', code: 'CANCELLED_BY_USER', step, reason: 'CANCELLED_BY_USER', message: 'The user cancelled the verification', source: 'passbase-sandbox'
    }]], `${step}: CANCELLED_BY_USER to the host page`)
    t.equal(page.el('cancel').disabled, true, 'the form is disabled')
    t.match(page.el('flow-status').textContent, 'Cancelled')
    page.key({ key: 'Escape' })
    page.el('cancel').fire('click')
    t.equal(page.posted.length, 2, 'cancelled once')
  }

  const popup = await run(t, sandbox, SIGNUP, { opener: true })
  popup.key({ key: 'Esc' })
  t.same(popup.posted.map((p) => [p.to, p.message.code]), [['opener', undefined], ['opener', 'CANCELLED_BY_USER']], 'a popup tells its opener')

  const direct = await run(t, sandbox, { key: PUBLISHABLE }, {})
  direct.key({ key: 'Escape' })
  t.equal(direct.el('submit').disabled, false, 'opened directly in a tab, Escape does nothing')
  t.same(direct.posted, [])

  const released = await run(t, sandbox, SIGNUP, { parent: true })
  released.keyDown({ key: 'Escape' })
  released.blur()
  t.match(released.posted.at(-1)?.message, { code: 'CANCELLED_BY_USER' }, 'the page lost the focus: the release is not awaited')

  const submitting = await run(t, sandbox, SIGNUP, { parent: true })
  submitting.el('flow-form').fire('submit')
  submitting.key({ key: 'Escape' })
  await submitting.settle()
  t.same(submitting.posted.map((p) => p.message.type), ['step', 'step', 'submitted', 'finish'], 'not while the result is on its way')
})

t.test('the key that submitted is released before the result closes the overlay', async (t) => {
  const sandbox = await sandboxFor(t, { publishableApiKey: PUBLISHABLE })
  const page = await run(t, sandbox, SIGNUP, { parent: true })
  page.keyDown({ key: 'Enter' })
  page.el('flow-form').fire('submit') // Enter in a field submits the form
  await page.settle()
  t.same(page.posted.map((p) => p.message.type), ['step', 'step', 'submitted'], 'submitted, not finished while Enter is down')
  page.keyUp({ key: 'Enter' })
  t.same(page.posted.map((p) => p.message.type), ['step', 'step', 'submitted', 'finish'], 'finished once it is released')
})

t.test('the focus crosses the frame\'s edge: Shift+Tab at the first control, the overlay\'s focus messages', async (t) => {
  const sandbox = await sandboxFor(t, { publishableApiKey: PUBLISHABLE })
  const page = await run(t, sandbox, SIGNUP, { parent: true })
  t.equal(page.key({ key: 'Tab' }).defaultPrevented, false, 'Tab is the browser\'s')
  const out = page.key({ key: 'Tab', shiftKey: true })
  t.equal(out.defaultPrevented, true, 'Shift+Tab at the first control')
  t.same(page.posted.at(-1), { message: { type: 'focus-out', source: 'passbase-sandbox' }, targetOrigin: HOST, to: 'parent' })

  const focus = (edge: string) => ({ source: 'passbase-sandbox', type: 'focus', edge })
  page.receive(focus('last'), HOST)
  t.equal(page.focused(), 'submit', 'the overlay asks for the last control')
  t.equal(page.key({ key: 'Tab', shiftKey: true }).defaultPrevented, false, 'Shift+Tab elsewhere is the browser\'s')
  page.receive(focus('first'), 'http://evil.test')
  page.receive(focus('first'), HOST, {})
  page.receive({ ...focus('first'), source: 'someone' }, HOST)
  page.receive(null, HOST)
  t.equal(page.focused(), 'submit', 'only the host page, at its origin, moves the focus')
  page.receive(focus('first'), HOST)
  t.equal(page.focused(), 'email')
  t.equal(page.posted.length, 2, 'nothing else was posted')

  const login = await run(t, sandbox, LOGIN, { parent: true })
  login.receive(focus('last'), HOST)
  t.equal(login.focused(), 'login-pass', 'login: the last control is Pass login')

  const popup = await run(t, sandbox, SIGNUP, { opener: true })
  t.equal(popup.key({ key: 'Tab', shiftKey: true }).defaultPrevented, false, 'a popup has no overlay to hand the focus to')
  popup.receive(focus('last'), HOST, {})
  t.equal(popup.focused(), 'email')
  t.equal(popup.posted.length, 1)
})

t.test('a score that is not one is marked invalid and not sent; correcting it clears the mark', async (t) => {
  const sandbox = await sandboxFor(t, { publishableApiKey: PUBLISHABLE })
  const page = await run(t, sandbox, SIGNUP, { parent: true })
  const score = page.el('score')
  const message = page.el('score-error')
  t.equal(message.hidden, true, 'no message at first')
  t.equal(score.getAttribute('aria-invalid'), null)
  const cases: Array<[string, RegExp, boolean?]> = [
    ['1.5', /from 0 to 1: 1\.5 is out of range/],
    ['', /^Enter a score from 0 to 1/],
    ['-0.2', /out of range/],
    ['0.955', /two decimals/],
    ['', /must be a number/, true]
  ]
  for (const [value, why, badInput] of cases) {
    page.type('email', 'x@example.com') // move the focus away first
    page.el('email').focus()
    score.value = value
    score.validity = { badInput: badInput === true }
    page.el('flow-form').fire('submit')
    await page.settle()
    const what = JSON.stringify(value) + (badInput === true ? ' (unreadable text)' : '')
    t.equal(score.getAttribute('aria-invalid'), 'true', `${what}: aria-invalid`)
    t.match(score.validationMessage, why, `${what}: the constraint API says why`)
    t.equal(message.textContent, score.validationMessage, `${what}: so does the message next to it`)
    t.equal(message.hidden, false)
    t.equal(page.focused(), 'score', `${what}: the focus is on the field`)
  }
  score.validity = { badInput: false }
  t.same(page.requests, [], 'nothing was submitted')
  t.equal(page.posted.length, 1, 'nothing was posted but the step')
  t.equal(page.el('submit').disabled, false)

  page.type('score', '0.4')
  t.equal(score.getAttribute('aria-invalid'), null, 'fixed: the mark goes as the tester types')
  t.equal(score.validationMessage, '')
  t.equal(message.hidden, true)
  page.type('score', '7')
  t.equal(score.getAttribute('aria-invalid'), null, 'no nagging while the tester types a new value')
  page.el('flow-form').fire('submit')
  t.equal(score.getAttribute('aria-invalid'), 'true', 'the next submit checks it again')
  page.type('score', '0.4')
  page.el('flow-form').fire('submit')
  await page.settle()
  t.match(page.requests, [{ body: { score: 0.4, decision: 'approved' } }])
})

t.test('each decision suggests its score until the tester types one', async (t) => {
  const sandbox = await sandboxFor(t, { publishableApiKey: PUBLISHABLE })
  const page = await run(t, sandbox, SIGNUP, { parent: true })
  const score = page.el('score')
  t.equal(score.value, '0.95', 'Approve is checked: 0.95')
  page.decide('decision-decline')
  t.equal(score.value, '0.30', 'Decline: 0.30')
  page.decide('decision-pending')
  t.equal(score.value, '0.80', 'Manual review: 0.80')
  page.decide('decision-approve')
  t.equal(score.value, '0.95')

  page.type('score', '0.5')
  page.decide('decision-decline')
  t.equal(score.value, '0.5', 'a typed score is kept')
  page.type('score', '')
  page.el('flow-form').fire('submit')
  t.equal(score.getAttribute('aria-invalid'), 'true')
  page.decide('decision-decline')
  t.equal(score.value, '0.30', 'an emptied field takes the decision\'s score again')
  t.equal(score.getAttribute('aria-invalid'), null, 'and is no longer marked')
  t.equal(page.el('score-error').hidden, true)
  page.el('flow-form').fire('submit')
  await page.settle()
  t.match(page.requests, [{ body: { decision: 'declined', score: 0.3 } }])
  t.equal(page.requests.length, 1)
})

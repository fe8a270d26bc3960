import t from 'tap'
import { actionDetails, actionRows, actionSummary, actionTitle, cleanText, labelOf } from '../../src/browser/action.js'
import { reauthChallenge, reauthRefusal } from '../../src/browser/refusal.js'

/** How a bound action reads (title, one-line summary, label/value rows) and how a refusal is recognised. */

const IBAN = 'DE89 3704 0044 0532 0130 00'

t.test('summary and title: type, amount and payee make one sentence', async (t) => {
  t.equal(actionSummary({ type: 'payout', amount: '50.00 EUR', payee: IBAN }), `Confirm payout of 50.00 EUR to ${IBAN}`)
  t.equal(actionSummary({ type: 'payout', amount: '50.00 EUR' }), 'Confirm payout of 50.00 EUR')
  t.equal(actionSummary({ type: 'bank_transfer', payee: IBAN }), `Confirm bank transfer to ${IBAN}`)
  t.equal(actionSummary({ type: 'closeAccount' }), 'Confirm close account')
  t.equal(actionSummary({ amount: 12.5, payee: 'Bob' }), 'Confirm the payment of 12.5 to Bob')
  t.equal(actionSummary({ payee: 'Bob' }), 'Confirm the transfer to Bob')
  t.equal(actionSummary({ newEmail: 'ada@example.com', reason: 'moved', x: 1, y: 2 }), 'Confirm New email: ada@example.com, Reason: moved, X: 1',
    'otherwise the first three fields')
  t.equal(actionSummary(undefined), 'Confirm this action')
  t.equal(actionTitle({ type: 'payout' }), 'Confirm payout')
  t.equal(actionTitle({ amount: '1' }), 'Confirm this action')
  t.equal(actionTitle(undefined), 'Confirm this action')
  t.equal(actionSummary({ type: '   ', amount: '' }), 'Confirm this action', 'blank values do not make a sentence')
})

t.test('rows: every field as a readable label and its value', async (t) => {
  t.same(actionRows({ type: 'payout', amount: '50.00 EUR', payee: IBAN, payeeName: 'Ada L.', max_amount: 3 }), [
    { key: 'type', label: 'Type', value: 'payout' },
    { key: 'amount', label: 'Amount', value: '50.00 EUR' },
    { key: 'payee', label: 'Payee', value: IBAN },
    { key: 'payeeName', label: 'Payee name', value: 'Ada L.' },
    { key: 'max_amount', label: 'Max amount', value: '3' }
  ])
  t.equal(labelOf('IBAN'), 'Iban')
  t.equal(labelOf('__'), 'Detail')
  t.equal(cleanText('x'.repeat(300)).length, 200, 'long values are cut')
  t.match(cleanText('x'.repeat(300)), /\u2026$/)
  t.equal(cleanText('a\u202Eb\u2066c\u200Bd\u0007e'), 'a\ufffdb\ufffdc\ufffdd\ufffde', 'controls and bidi marks are made visible')
})

t.test('actionDetails keeps flat strings and finite numbers only', async (t) => {
  t.same(actionDetails({ a: 'x', b: 2, c: NaN, d: Infinity, e: null, f: {}, g: [], h: true }), { a: 'x', b: 2 })
  t.equal(actionDetails({ c: {} }), undefined)
  t.equal(actionDetails([1, 2]), undefined)
  t.equal(actionDetails('payout'), undefined)
  t.equal(actionDetails(null), undefined)
  const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]))
  t.equal(Object.keys(actionDetails(many) ?? {}).length, 20, 'at most 20 fields')
})

t.test('the WWW-Authenticate challenge', async (t) => {
  t.same(reauthChallenge('PassbaseReauth error="insufficient_user_authentication", max_age=300, action_id="abc-_1"'),
    { error: 'insufficient_user_authentication', max_age: '300', action_id: 'abc-_1' })
  t.same(reauthChallenge('Bearer realm="x", PassbaseReauth max_age=60'), { max_age: '60' }, 'after another challenge')
  t.same(reauthChallenge('PassbaseReauth max_age=60, Bearer realm="api"'), { max_age: '60' }, 'before another challenge')
  t.same(reauthChallenge('passbasereauth'), {})
  t.equal(reauthChallenge('Bearer realm="PassbaseReauth"'), null)
  t.equal(reauthChallenge(''), null)
  t.same(reauthChallenge('PassbaseReauth error="a \\"b\\"", error="second"'), { error: 'a "b"' }, 'quoted pairs; the first value wins')
})

t.test('reauthRefusal: what a 401 asks for', async (t) => {
  const header = (value: string) => ({ 'www-authenticate': value })
  t.equal(await reauthRefusal(new Response('x', { status: 403 })), null)
  t.equal(await reauthRefusal(Response.json({ code: 'FST_PASSBASE_UNAUTHENTICATED' }, { status: 401 })), null)
  t.same(await reauthRefusal(Response.json({ code: 'FST_PASSBASE_REAUTH_REQUIRED', maxAge: 120 }, { status: 401 })), { maxAge: 120 })
  t.same(await reauthRefusal(new Response('', { status: 401, headers: header('PassbaseReauth max_age=60, action_id="q"') })),
    { maxAge: 60, actionId: 'q' })
  t.same(await reauthRefusal(Response.json({
    code: 'FST_PASSBASE_REAUTH_REQUIRED', maxAge: 300, actionId: 'from-body', action: { type: 'payout', amount: '1.00 EUR' }
  }, { status: 401, headers: header('PassbaseReauth max_age=300, action_id="from-header"') })),
  { maxAge: 300, actionId: 'from-body', action: { type: 'payout', amount: '1.00 EUR' } }, 'the body first')
  t.same(await reauthRefusal(Response.json({ code: 'FST_PASSBASE_REAUTH_REQUIRED', actionId: 'has spaces', maxAge: 'soon' }, { status: 401 })), {},
    'malformed fields are ignored')
  t.same(await reauthRefusal(new Response('', { status: 401, headers: header('PassbaseReauth max_age=abc') })), {})
})

import { createHash } from 'node:crypto'
import t from 'tap'
import { actionIdOf, canonicalAction, canonicalDetails, validDetails } from '../../src/step-up/action.js'

t.test('canonical details: sorted keys, strings and finite numbers only, a flat plain object, at most 1 KiB', async (t) => {
  t.equal(canonicalAction({ b: 2, a: 'x' }), '{"a":"x","b":2}')
  t.equal(canonicalAction(Object.assign(Object.create(null), { z: 1 })), '{"z":1}', 'a null-prototype object is fine')
  for (const bad of [null, 'x', 5, [], ['a'], {}, { a: { b: 1 } }, { a: [1] }, { a: Number.NaN }, { a: Infinity }, { a: null }, { a: undefined }, { a: true },
    new (class Details { a = 1 })(), new Date(), Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i]))]) {
    t.equal(canonicalAction(bad), null, JSON.stringify(bad) ?? String(bad))
  }
  t.ok(canonicalAction({ memo: 'x'.repeat(1000) }), '1,011 bytes: fits')
  t.equal(canonicalAction({ memo: 'x'.repeat(1020) }), null, 'over 1 KiB')
  t.equal(canonicalAction({ memo: 'é'.repeat(600) }), null, 'counted in UTF-8 bytes (611 characters, 1,211 bytes)')
  t.ok(canonicalAction({ memo: 'é'.repeat(300) }), '611 bytes: fits')
  t.same(validDetails({ a: 1 }), { a: 1 })
  t.equal(validDetails({ a: {} }), null)
  t.throws(() => canonicalDetails({ a: {} } as never))
})

t.test('actionId: base64url SHA-256 of [canonical details, user, route]; any of the three changes it', async (t) => {
  const id = actionIdOf({ type: 'payout', amount: '50.00 EUR' }, 'u1', 'POST /payout')
  t.equal(id, createHash('sha256').update('[{"amount":"50.00 EUR","type":"payout"},"u1","POST /payout"]').digest('base64url'))
  t.equal(actionIdOf({ amount: '50.00 EUR', type: 'payout' }, 'u1', 'POST /payout'), id, 'key order does not matter')
  t.not(actionIdOf({ type: 'payout', amount: '50.01 EUR' }, 'u1', 'POST /payout'), id)
  t.not(actionIdOf({ type: 'payout', amount: '50.00 EUR' }, 'u2', 'POST /payout'), id)
  t.not(actionIdOf({ type: 'payout', amount: '50.00 EUR' }, 'u1', 'POST /transfer'), id)
  t.not(actionIdOf({ type: 'payout', amount: 50 }, 'u1', 'POST /payout'), actionIdOf({ type: 'payout', amount: '50' }, 'u1', 'POST /payout'), 'a number is not its string')
})

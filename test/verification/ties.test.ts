import t from 'tap'
import { harness, linkNew, statusOf } from '../helpers/app.js'

/**
 * Attack: a same-second decline. Updates compared whole provider seconds with a strict
 * `>`, so a decline in the same second as the approval was dropped (the user stayed
 * approved). Now an update of the same second applies when it is less permissive.
 */
t.test('same-second ties: a decline after an approval of the same second wins; an approval never replaces it', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const id = await linkNew(h, 'tia')
  const T = Math.floor(Date.now() / 1000) + 5
  const deliver = async (status: 'approved' | 'declined', score: number): Promise<void> => {
    h.sandbox.setIdentity(id, { status, score, updated: T })
    t.equal((await h.sandbox.deliver({ event: 'VERIFICATION_REVIEWED', key: id, status, updated: T })).status, 200)
  }
  await deliver('approved', 0.95)
  t.equal((await statusOf(h, 'tia')).status, 'approved')
  await deliver('declined', 0.2)
  t.equal((await statusOf(h, 'tia')).status, 'declined', 'the decline of the same second applies')
  t.equal((await h.app.inject({ url: '/profile', headers: { 'x-user': 'tia' } })).statusCode, 403)
  await deliver('approved', 0.95)
  t.equal((await statusOf(h, 'tia')).status, 'declined', 'an approval of the same second does not replace it')
})

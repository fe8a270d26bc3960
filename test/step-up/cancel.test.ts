import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { createTestClock } from '../../src/testing/host.js'
import { harness, linkNew, REAUTH_SECRET, type Harness } from '../helpers/app.js'

/**
 * `POST {prefix}/reauth/cancel { challengeId }`: the user closes the step-up dialog, so
 * that an ordinary abandon-and-retry does not conflict. JSON only, signed-in users only,
 * and 204 whatever there was to cancel (it reveals nothing about a challenge id).
 */

const clock = createTestClock()

const withdraw = (app: FastifyInstance): void => {
  app.post('/withdraw', { preHandler: app.requireReauth }, async () => ({ withdrawn: true }))
}

async function verified (): Promise<Harness & { id: string }> {
  const h = await harness({ clock, plugin: { reauth: { secret: REAUTH_SECRET } }, routes: withdraw })
  const id = await linkNew(h, 'alice')
  await h.sandbox.review(id, { status: 'approved', score: 0.95 })
  return Object.assign(h, { id })
}

const post = async (h: Harness, url: string, user: string | undefined, payload: unknown, contentType = 'application/json') =>
  await h.app.inject({
    method: 'POST',
    url: `/passbase/reauth/${url}`,
    headers: { ...(user === undefined ? {} : { 'x-user': user }), ...(contentType === '' ? {} : { 'content-type': contentType }) },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload)
  })

const start = async (h: Harness, user = 'alice'): Promise<string> => (await post(h, 'start', user, {})).json().challengeId

t.test('cancel: 204 for the owner, who can then start again without a conflict', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  const abandoned = await start(h)
  const res = await post(h, 'cancel', 'alice', { challengeId: abandoned })
  t.equal(res.statusCode, 204)
  t.equal(res.body, '')
  t.equal(res.headers['cache-control'], 'no-store')
  const gone = await post(h, 'complete', 'alice', { challengeId: abandoned })
  t.match(gone.json(), { statusCode: 410, code: 'FST_PASSBASE_CHALLENGE_GONE' }, 'a cancelled challenge is gone')
  const retry = await start(h)
  clock.advance(1)
  await h.sandbox.authenticate(h.id)
  const done = await post(h, 'complete', 'alice', { challengeId: retry })
  t.equal(done.statusCode, 200, 'the retry did not conflict with the cancelled challenge')
})

t.test('cancel answers 204 whatever there was to cancel, and changes only the owner\'s open challenge', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  const bobId = await linkNew(h, 'bob')
  await h.sandbox.review(bobId, { status: 'approved', score: 0.95 })
  const alices = await start(h)
  t.equal((await post(h, 'cancel', 'bob', { challengeId: alices })).statusCode, 204, "another user's challenge: 204 too")
  t.equal((await post(h, 'cancel', 'alice', { challengeId: 'no-such-challenge' })).statusCode, 204, 'an unknown id: 204')
  clock.advance(1)
  await h.sandbox.authenticate(h.id)
  t.equal((await post(h, 'complete', 'alice', { challengeId: alices })).statusCode, 200, "bob's cancel left alice's challenge as it was")

  const first = await start(h)
  const second = await start(h)
  t.equal((await post(h, 'cancel', 'alice', { challengeId: first })).statusCode, 204, 'a conflicted challenge: 204…')
  t.match((await post(h, 'complete', 'alice', { challengeId: first })).json(), { statusCode: 410, code: 'FST_PASSBASE_STEP_UP_CONFLICT' },
    '…and it stays conflicted (and open: it absorbs the next authentication)')
  t.match((await post(h, 'complete', 'alice', { challengeId: second })).json(), { code: 'FST_PASSBASE_STEP_UP_CONFLICT' })
})

t.test('cancel: JSON only (415), signed-in users only (401), a challengeId required (400)', async (t) => {
  const h = await verified()
  t.teardown(h.close)
  const challengeId = await start(h)
  for (const [contentType, payload] of [['text/plain', JSON.stringify({ challengeId })], ['application/x-www-form-urlencoded', `challengeId=${challengeId}`], ['', '']]) {
    const res = await post(h, 'cancel', 'alice', payload, contentType)
    t.match(res.json(), { statusCode: 415, code: 'FST_PASSBASE_UNSUPPORTED_MEDIA_TYPE' }, `415 with ${contentType === '' ? 'no content type' : contentType}`)
  }
  t.match((await post(h, 'cancel', undefined, { challengeId })).json(), { statusCode: 401, code: 'FST_PASSBASE_UNAUTHENTICATED' })
  t.equal((await post(h, 'cancel', 'alice', {})).statusCode, 400)
  t.equal((await post(h, 'complete', 'alice', { challengeId })).statusCode, 202, 'none of these cancelled it')
})

import t from 'tap'
import { createPassbaseClient } from '../../src/browser/index.js'
import { SETTLED, statusKey } from '../../src/browser/status.js'
import { nextDelay, resolvePoll, type Poll } from '../../src/browser/util.js'
import { installDom } from './fake-dom.js'
import { rejection, setup, until } from './setup.js'

/**
 * Following the status: a steady interval while a decision is likely (so the page sees it
 * within one interval of its arrival, not after a grown backoff), then backoff; a background
 * tab asks rarely and looks again as soon as it is visible.
 */

const POLL: Poll = { intervalMs: 1000, steadyMs: 120_000, maxIntervalMs: 8000, factor: 1.5, timeoutMs: 600_000 }

t.test('nextDelay: steady for steadyMs, then growing by factor up to maxIntervalMs', async (t) => {
  const delays: number[] = []
  let delay = POLL.intervalMs
  for (let elapsed = 0; elapsed < 140_000; elapsed += delay) {
    delay = nextDelay(POLL, delay, elapsed)
    delays.push(delay)
  }
  t.same(delays.slice(0, 5), [1000, 1000, 1000, 1000, 1000], 'a 3 s decision is seen at the next second')
  t.equal(delays.filter((d) => d === 1000).length, 120, 'two minutes of 1 s polls')
  t.same(delays.slice(120, 126), [1500, 2250, 3375, 5062.5, 7593.75, 8000])
  t.same(resolvePoll(POLL, { intervalMs: 10, factor: undefined }), { ...POLL, intervalMs: 10 }, 'undefined keeps the default')
})

t.test('statusKey and the settled statuses include expiry', async (t) => {
  t.same(SETTLED, ['approved', 'declined', 'expired'])
  t.not(statusKey({ status: 'approved', expiresAt: '2030-01-01T00:00:00.000Z' }), statusKey({ status: 'approved' }),
    'a new expiry is a change')
})

t.test('waitForStatus stops at expired (settled) by default', async (t) => {
  installDom()
  const client = createPassbaseClient({ prefix: '/p', fetch: async () => Response.json({ status: 'expired', identityId: 'i' }) })
  t.equal((await client.waitForStatus()).status, 'expired')
})

t.test('a background tab: long waits, and an immediate look when it is visible again', async (t) => {
  const { h, client, document, browser } = await setup(t)
  const identity = await h.sandbox.createIdentity({ status: 'processing' })
  await client.link(identity.id)
  document.setVisibility('hidden')
  const seen: string[] = []
  // hidden, the next poll would come after maxIntervalMs (10 minutes here)
  const waiting = client.waitForStatus({ intervalMs: 5, maxIntervalMs: 600_000, timeoutMs: 3_600_000, onStatus: (s) => seen.push(s.status) })
  await until(() => seen.length === 1, 'the first status')
  const asked = browser.calls.filter((c) => c === 'GET /passbase/status').length
  await h.sandbox.review(identity.id, { status: 'approved', score: 0.97 })
  t.equal(browser.calls.filter((c) => c === 'GET /passbase/status').length, asked, 'no poll while hidden')
  document.setVisibility('visible')
  t.equal((await waiting).status, 'approved', 'seen as soon as the tab is visible')
  t.same(seen, ['processing', 'approved'])
  t.equal(document.events.count('visibilitychange'), 0, 'no listener left behind')

  // an abort while waiting ends the wait too
  document.setVisibility('hidden')
  const controller = new AbortController()
  const stopped = client.waitForStatus({ until: () => false, maxIntervalMs: 600_000, timeoutMs: 3_600_000, signal: controller.signal })
  await until(() => document.events.count('visibilitychange') === 1, 'waiting')
  document.setVisibility('hidden')
  t.equal(document.events.count('visibilitychange'), 1, 'still hidden: still waiting')
  controller.abort()
  t.equal((await rejection(stopped)).code, 'ABORTED')
})

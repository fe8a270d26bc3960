import t from 'tap'
import type { StatusChange } from '../../src/index.js'
import { harness, linkNew, statusOf } from '../helpers/app.js'
import { until } from '../helpers/wait.js'

/**
 * Attack (by accident): a decline lost after a crash. The de-duplication mark was written
 * before the effect; when the store failed between mark and unmark, or the instance
 * died, the redelivery was answered 200 as a duplicate and the decline never applied.
 * Now the entry is written only once the effect is stored. (The SIGKILL case with two
 * processes on one SQLite file is in test/multiprocess/.)
 */

t.test('the store fails after the effect, before the de-duplication entry: 5xx, and the redelivery is processed (one transition)', async (t) => {
  const changes: StatusChange[] = []
  const h = await harness({ plugin: { onStatusChange: (c) => { changes.push(c) } } })
  t.teardown(h.close)
  const id = await linkNew(h, 'dee')
  const store = h.app.passbase.store
  const markEvent = store.markEvent.bind(store)
  let failing = true
  store.markEvent = async (...args) => {
    if (failing) throw new Error('db gone after the update')
    return await markEvent(...args)
  }
  const identity = h.sandbox.setIdentity(id, { status: 'declined', score: 0.1 })
  const body = { event: 'VERIFICATION_REVIEWED', key: id, status: 'declined', updated: identity.updated }
  t.equal((await h.sandbox.deliver(body)).status, 503, 'the provider is told to retry')
  failing = false
  const again = await h.sandbox.deliver(body)
  t.equal(again.status, 200, 'the redelivery is processed, not answered as a duplicate')
  t.equal((await statusOf(h, 'dee')).status, 'declined')
  await h.app.passbase.runMaintenance()
  t.same(changes.map((c) => `${c.from}→${c.to}`), ['created→processing', 'processing→declined'], 'one transition each, whatever the retries')
  t.equal((await h.sandbox.deliver(body)).status, 200)
  await h.app.passbase.runMaintenance()
  t.equal(changes.length, 2, 'a third copy: still one effect')
})

t.test('20 concurrent duplicates: one transition, one callback, one API fetch', async (t) => {
  const changes: StatusChange[] = []
  const h = await harness({ plugin: { onStatusChange: (c) => { changes.push(c) } } })
  t.teardown(h.close)
  const id = await linkNew(h, 'dup')
  await until(async () => { await h.app.passbase.runMaintenance(); return changes.length === 1 }, 'the link transition delivered')
  const identity = h.sandbox.setIdentity(id, { status: 'approved', score: 0.9 })
  const before = h.sandbox.stats().api.byKind.getIdentity
  const body = { event: 'VERIFICATION_REVIEWED', key: id, status: 'approved', updated: identity.updated }
  const answers = await Promise.all(Array.from({ length: 20 }, async () => await h.sandbox.deliver(body)))
  t.same(new Set(answers.map((a) => a.status)), new Set([200]))
  await h.app.passbase.runMaintenance()
  t.same(changes.map((c) => c.to), ['processing', 'approved'])
  t.equal(h.sandbox.stats().api.byKind.getIdentity - before, 1, 'copies in flight wait for the first')
})

import t from 'tap'
import { MemoryStore, type ChangeEntry, type StatusChange } from '../../src/index.js'
import { createTestClock } from '../../src/testing/host.js'
import { harness, linkNew, REAUTH_SECRET, statusOf } from '../helpers/app.js'

/** The change log: onStatusChange at least once, the audit trail, erasure. */

t.test('onStatusChange at least once: a callback that throws is called again with the same id, with backoff, in order per user', async (t) => {
  const clock = createTestClock()
  const calls: StatusChange[] = []
  let failures = 2
  const h = await harness({
    plugin: {
      clock,
      onStatusChange: (change) => {
        calls.push(change)
        if (change.to === 'approved' && failures-- > 0) throw new Error('host database down')
      }
    }
  })
  t.teardown(h.close)
  h.app.log.level = 'silent'
  const id = await linkNew(h, 'olga')
  await h.sandbox.review(id, { status: 'approved', score: 0.95 })
  await h.app.passbase.runMaintenance()
  const approvals = (): StatusChange[] => calls.filter((c) => c.to === 'approved')
  t.equal(approvals().length, 1, 'called once; it threw')
  await h.app.passbase.runMaintenance()
  t.equal(approvals().length, 1, 'not again before its backoff')
  clock.advance(1000)
  await h.app.passbase.runMaintenance()
  t.equal(approvals().length, 2, 'again after 1 s; it threw again')
  clock.advance(1000)
  await h.app.passbase.runMaintenance()
  t.equal(approvals().length, 2, 'the backoff doubled')
  clock.advance(1000)
  await h.app.passbase.runMaintenance()
  t.equal(approvals().length, 3, 'delivered at the third attempt')
  t.equal(new Set(approvals().map((c) => c.id)).size, 1, 'the same change.id every time (the idempotency key)')
  t.same(calls.map((c) => `${c.from}→${c.to}`).filter((x, i, all) => all.indexOf(x) === i), ['created→processing', 'processing→approved'], 'in order')
  clock.advance(60_000)
  await h.app.passbase.runMaintenance()
  t.equal(approvals().length, 3, 'acknowledged: never again')
  t.equal(await h.app.passbase.store.pendingChanges(), 0)
})

t.test('a user\'s later change waits for the earlier one; other users are not held up', async (t) => {
  const clock = createTestClock()
  const calls: StatusChange[] = []
  const h = await harness({
    plugin: {
      clock,
      onStatusChange: (change) => {
        calls.push(change)
        if (change.userId === 'stuck' && change.to === 'processing') throw new Error('fails for this user')
      }
    }
  })
  t.teardown(h.close)
  h.app.log.level = 'silent'
  const stuck = await linkNew(h, 'stuck')
  await h.sandbox.review(stuck, { status: 'approved', score: 0.95 })
  const free = await linkNew(h, 'free')
  await h.sandbox.review(free, { status: 'approved', score: 0.95 })
  await h.app.passbase.runMaintenance()
  t.same(calls.filter((c) => c.userId === 'free').map((c) => c.to), ['processing', 'approved'], 'the other user: everything')
  t.same(calls.filter((c) => c.userId === 'stuck').map((c) => c.to), ['processing'], 'this user: the approval waits behind the failing change')
})

t.test('audit: every local change is in the chain, with no personal data; verify() and entries() (userId, since, limit)', async (t) => {
  const clock = createTestClock()
  const h = await harness({ plugin: { clock, reauth: { secret: REAUTH_SECRET } } })
  t.teardown(h.close)
  const id = await linkNew(h, 'pia@example.com')
  await h.sandbox.review(id, { status: 'approved', score: 0.95 })
  const start = await h.app.inject({ method: 'POST', url: '/passbase/reauth/start', headers: { 'x-user': 'pia@example.com' }, payload: {} })
  clock.advance(5)
  await h.sandbox.authenticate(id)
  clock.advance(5)
  t.equal((await h.app.inject({ method: 'POST', url: '/passbase/reauth/complete', headers: { 'x-user': 'pia@example.com' }, payload: { challengeId: start.json().challengeId } })).statusCode, 200)
  await h.app.inject({ method: 'DELETE', url: '/passbase/reauth', headers: { 'x-user': 'pia@example.com' } })
  await linkNew(h, 'other')
  const all: ChangeEntry[] = []
  for await (const e of h.app.passbase.audit.entries()) all.push(e)
  t.same(all.map((e) => e.type), ['linked', 'status', 'status', 'step_up', 'revoked', 'linked', 'status'])
  t.same(all.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7])
  t.notMatch(JSON.stringify(all), /pia|example\.com|other"/, 'no user id, no email in the log')
  t.match(all[2], { type: 'status', identityId: id, from: 'processing', to: 'approved', score: 0.95 })
  t.match(await h.app.passbase.audit.verify(), { ok: true, entries: 7, head: all[6]!.hash })
  const mine: ChangeEntry[] = []
  for await (const e of h.app.passbase.audit.entries({ userId: 'pia@example.com' })) mine.push(e)
  t.same(mine.map((e) => e.seq), [1, 2, 3, 4, 5], 'one user\'s entries, through their pseudonym')
  const limited: ChangeEntry[] = []
  for await (const e of h.app.passbase.audit.entries({ since: all[3]!.at, limit: 2 })) limited.push(e)
  t.same(limited.map((e) => e.seq), [4, 5])
  const none: ChangeEntry[] = []
  for await (const e of h.app.passbase.audit.entries({ userId: 'nobody' })) none.push(e)
  t.same(none, [])
})

t.test('audit: an edited, deleted, inserted or reordered entry is detected, with the first bad position', async (t) => {
  const store = new MemoryStore()
  const h = await harness({ plugin: { store } })
  t.teardown(h.close)
  for (const user of ['a', 'b', 'c']) await h.sandbox.review(await linkNew(h, user), { status: 'approved', score: 0.9 })
  const entries = (Reflect.get(store, 'log') as { entries: ChangeEntry[] }).entries
  const pristine = entries.map((e) => ({ ...e }))
  const restore = (): void => { entries.splice(0, entries.length, ...pristine.map((e) => ({ ...e }))) }
  t.match(await h.app.passbase.audit.verify(), { ok: true, entries: 9 })
  entries[4]!.to = 'approved'
  t.match(await h.app.passbase.audit.verify(), { ok: false, firstBadSeq: 5 }, 'edited')
  restore()
  entries.splice(3, 1)
  t.match(await h.app.passbase.audit.verify(), { ok: false, firstBadSeq: 4 }, 'deleted')
  restore()
  entries.splice(6, 0, { ...entries[6]!, id: 'forged' })
  t.match(await h.app.passbase.audit.verify(), { ok: false, firstBadSeq: 7 }, 'inserted')
  restore()
  const [x, y] = [entries[1]!, entries[2]!]
  entries[1] = y
  entries[2] = x
  t.match(await h.app.passbase.audit.verify(), { ok: false, firstBadSeq: 2 }, 'reordered')
  restore()
  t.match(await h.app.passbase.audit.verify(), { ok: true })
})

t.test('forget(userId): every record of the user gone, the chain still verifies, the user\'s entries no longer tied to them', async (t) => {
  const store = new MemoryStore()
  const calls: StatusChange[] = []
  const h = await harness({ plugin: { store, reauth: { secret: REAUTH_SECRET }, onStatusChange: (c) => { calls.push(c) } } })
  t.teardown(h.close)
  const user = 'zoe-7f3a9'
  const id = await linkNew(h, user)
  await h.sandbox.review(id, { status: 'approved', score: 0.95 })
  await h.app.inject({ method: 'POST', url: '/passbase/reauth/start', headers: { 'x-user': user }, payload: {} })
  await h.app.inject({ method: 'DELETE', url: '/passbase/reauth', headers: { 'x-user': user } })
  const before: ChangeEntry[] = []
  for await (const e of h.app.passbase.audit.entries({ userId: user })) before.push(e)
  t.ok(before.length >= 3)
  t.same(await h.app.passbase.forget(user), { links: 1 })
  t.equal((await statusOf(h, user)).status, 'none')
  t.equal((await h.app.inject({ url: '/profile', headers: { 'x-user': user } })).statusCode, 403, 'the guards see it at once')
  t.match(await h.app.passbase.audit.verify(), { ok: true })
  const after: ChangeEntry[] = []
  for await (const e of h.app.passbase.audit.entries({ userId: user })) after.push(e)
  t.same(after, [], 'the pseudonym cannot be derived any more')
  const all: ChangeEntry[] = []
  for await (const e of h.app.passbase.audit.entries()) all.push(e)
  t.equal(all[all.length - 1]!.type, 'erased', 'the erasure itself is logged')
  t.equal(all[all.length - 1]!.subject, before[0]!.subject, 'under the subject the user had')
  // nothing in the store names the user any more (pending callbacks included)
  const internals = JSON.stringify(Object.fromEntries(Object.entries(store).map(([k, v]) => [k, v instanceof Map ? [...v] : v])), (_k, v) => v instanceof Map ? [...v] : v instanceof Set ? [...v] : v)
  t.notMatch(internals, new RegExp(user), 'the user id appears nowhere in the store')
  t.equal(await h.app.passbase.store.pendingChanges(), 0)
  // the same user id later is a new subject
  await linkNew(h, user)
  const again: ChangeEntry[] = []
  for await (const e of h.app.passbase.audit.entries({ userId: user })) again.push(e)
  t.equal(again.length, 2)
  t.not(again[0]!.subject, before[0]!.subject, 'a new pseudonym')
})

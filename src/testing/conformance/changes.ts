import assert from 'node:assert/strict'
import { readAllChanges, verifyChain } from '../../changes/verify.js'
import type { ChangeEntry } from '../../stores/types.js'
import { base, challengeOf, linkOk, satisfied, update, type ConformanceCase } from './fixtures.js'

type Row = [string, string | null, string | null, number | null, string | null, number]
const rowOf = (e: ChangeEntry): Row => [e.type, e.from, e.to, e.score, e.reason, e.at]

export async function assertChainVerifies (store: Parameters<typeof readAllChanges>[0], what: string): Promise<void> {
  const verdict = await verifyChain(readAllChanges(store))
  assert.ok(verdict.ok, `${what}: the chain verifies (${JSON.stringify(verdict)})`)
}

/** The change log: written with each change, chained, gap-free, pseudonymous. */
export const changeCases: ConformanceCase[] = [
  {
    name: 'every change of a link is logged in the same write, with its fields; refusals log nothing',
    needs: ['identities', 'changes'],
    async run ({ store, id, changes }) {
      const now = base()
      const u = id('user'); const i = id('identity'); const j = id('identity'); const other = id('user')
      await linkOk(store, u, i, now)
      assert.equal((await store.link(other, i, now)).ok, false, 'identity_taken')
      await store.applyUpdate(i, update(10, 'processing'), now + 1)
      await store.applyUpdate(i, update(11, 'processing', 0.5), now + 2) // applied, same status: no entry
      await store.applyUpdate(i, update(9, 'declined', 0.1), now + 3) // refused: no entry
      await store.applyUpdate(i, update(12, 'approved', 0.9, null, now + 100), now + 4)
      assert.equal((await store.link(u, j, now + 5)).ok, false, 'already_verified')
      assert.equal(await store.releaseLink(i, u, now + 6), false, 'a settled link is not released')
      const expired = await store.expireDue(now + 100, 1000)
      assert.ok(expired.some((r) => r.identityId === i), 'expired')
      await linkOk(store, u, j, now + 101)
      assert.equal(await store.releaseLink(j, u, now + 102), true)
      const entries = (await changes()).filter((e) => e.identityId === i || e.identityId === j)
      assert.deepStrictEqual(entries.map(rowOf), [
        ['linked', null, 'created', null, null, now],
        ['status', 'created', 'processing', null, null, now + 1],
        ['status', 'processing', 'approved', 0.9, null, now + 4],
        ['expired', 'approved', 'expired', 0.9, 'expired', now + 100],
        ['linked', null, 'created', null, null, now + 101],
        ['released', 'created', null, null, null, now + 102]
      ], 'the entries of the case, in order')
      assert.deepStrictEqual(entries.map((e) => e.identityId), [i, i, i, i, j, j])
      const subject = await store.subjectOf(u)
      assert.ok(typeof subject === 'string' && subject.length > 0 && !subject.includes(u), 'the subject is a pseudonym')
      assert.ok(entries.every((e) => e.subject === subject), 'every entry of the user carries their subject')
      assert.equal(new Set(entries.map((e) => e.id)).size, entries.length, 'ids are unique')
      assert.equal(await store.subjectOf(other), null, 'a refused link stores nothing about the user')
    }
  },
  {
    name: 'step-up changes are logged: step_up when consumed, revoked on revocation',
    needs: ['identities', 'changes', 'stepUp'],
    async run ({ store, id, changes }) {
      const now = base()
      const u = id('user'); const i = id('identity')
      const c = challengeOf(id('challenge'), u, i, now)
      await store.createChallenge(c)
      await store.consumeChallenge(c.id, u, now + 1) // pending: no entry
      await store.cancelChallenge(c.id, u, now + 1) // (so that the next one does not conflict with it)
      await satisfied(store, challengeOf(c.id + '-2', u, i, now + 2), now + 3, id('event'))
      assert.equal((await store.consumeChallenge(c.id + '-2', u, now + 4)).ok, true)
      await store.consumeChallenge(c.id + '-2', u, now + 5) // used: no entry
      await store.revokeUser(u, now + 6, now + 1000, now + 6)
      const subject = await store.subjectOf(u)
      const entries = (await changes()).filter((e) => e.subject === subject)
      assert.deepStrictEqual(entries.map((e) => [e.type, e.identityId, e.at]), [['step_up', i, now + 4], ['revoked', null, now + 6]])
    }
  },
  {
    name: 'the change log verifies and pages in seq order',
    needs: ['identities', 'changes'],
    async run ({ store, id, changes }) {
      const now = base()
      for (let k = 0; k < 5; k++) await linkOk(store, id('user'), id('identity'), now + k)
      await assertChainVerifies(store, 'after five links')
      const mine = await changes()
      const first = mine[0]!.seq - 1
      const page = await store.readChanges(first, 2)
      assert.deepStrictEqual(page.map((e) => e.seq), [first + 1, first + 2], 'readChanges(afterSeq, limit): the next seqs, at most limit')
      assert.deepStrictEqual(page, mine.slice(0, 2), 'the same entries as a full read')
      const last = mine[mine.length - 1]!.seq
      assert.deepStrictEqual(await store.readChanges(last, 10), [], 'nothing after the last entry')
      assert.deepStrictEqual(await store.readChanges(first, 0), [], 'limit 0')
    }
  },
  {
    name: 'concurrent: 20 writers append without a gap in seq',
    needs: ['identities', 'changes'],
    async run ({ store, id, changes }) {
      const now = base()
      const settled = await Promise.all(Array.from({ length: 5 }, async () => {
        const i = id('identity')
        await linkOk(store, id('user'), i, now)
        return i
      }))
      const writers = [
        ...Array.from({ length: 15 }, async (_, k) => { await store.link(id('user'), id('identity'), now + k) }),
        ...settled.map(async (i, k) => { await store.applyUpdate(i, update(10 + k, 'pending', 0.8), now) })
      ]
      await Promise.all(writers)
      const entries = await changes()
      const seqs = entries.map((e) => e.seq)
      assert.deepStrictEqual(seqs, Array.from({ length: seqs.length }, (_, k) => seqs[0]! + k), 'seq has no gap and no repeat')
      assert.ok(entries.length >= 25, `every write is logged (${entries.length} entries)`)
      await assertChainVerifies(store, 'after 20 concurrent writers')
    }
  },
  {
    name: 'subjectOf is one pseudonym per user, null until the user has a change, and never creates one',
    needs: ['identities', 'changes'],
    async run ({ store, id }) {
      const now = base()
      const u = id('user'); const v = id('user')
      assert.equal(await store.subjectOf(u), null, 'unknown user')
      assert.equal(await store.subjectOf(u), null, 'asking creates nothing')
      await linkOk(store, u, id('identity'), now)
      await linkOk(store, v, id('identity'), now)
      const subject = await store.subjectOf(u)
      assert.ok(subject !== null, 'a subject once the user has a change')
      assert.equal(await store.subjectOf(u), subject, 'stable')
      assert.notEqual(await store.subjectOf(v), subject, 'per user')
    }
  }
]

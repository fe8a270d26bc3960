import assert from 'node:assert/strict'
import type { CompleteStore, PendingChange } from '../../stores/types.js'
import { base, linkOk, update, type CaseContext, type ConformanceCase } from './fixtures.js'

/** This case's pending changes among those `claimChanges` hands out (other rows may be due too: they are leased, not touched). */
async function claimOwn (store: CompleteStore, tag: string, owner: string, now: number, leaseMs = 60_000, limit = 1000): Promise<PendingChange[]> {
  return (await store.claimChanges(owner, now, leaseMs, limit)).filter((c) => c.identityId.includes(tag))
}

/** A linked identity with `n` status transitions, the k-th at `now + k`. */
async function transitions ({ store, id }: CaseContext, now: number, n: number): Promise<{ userId: string, identityId: string }> {
  const userId = id('user'); const identityId = id('identity')
  await linkOk(store, userId, identityId, now)
  const statuses = ['processing', 'pending', 'approved', 'declined'] as const
  for (let k = 0; k < n; k++) await store.applyUpdate(identityId, update(k + 1, statuses[k % 4], (k + 1) / 10), now + k)
  return { userId, identityId }
}

/** The outbox of `onStatusChange`: per-user order, leases, retries, acknowledgements. */
export const outboxCases: ConformanceCase[] = [
  {
    name: 'status transitions wait in the outbox until acknowledged; other changes never enter it',
    needs: ['identities', 'changes'],
    async run (ctx) {
      const { store, tag, changes } = ctx
      const now = base()
      const before = await store.pendingChanges()
      const { userId, identityId } = await transitions(ctx, now, 1)
      assert.equal(await store.pendingChanges(), before + 1, 'one pending change (the link is not one)')
      const entry = (await changes()).find((e) => e.type === 'status' && e.identityId === identityId)
      assert.ok(entry !== undefined, 'the status entry')
      assert.deepStrictEqual(await claimOwn(store, tag, 'owner-a', now - 1), [], 'not due before it happened')
      const claimed = await claimOwn(store, tag, 'owner-a', now)
      assert.deepStrictEqual(claimed, [{
        id: entry.id, seq: entry.seq, at: now, userId, identityId, from: 'created', to: 'processing', score: 0.1, attempts: 0
      }], 'the pending change, named by its entry id')
      await store.ackChange(entry.id)
      assert.equal(await store.pendingChanges(), before, 'acknowledged: gone')
      assert.deepStrictEqual(await claimOwn(store, tag, 'owner-b', now + 120_000), [], 'never handed out again')
      await store.ackChange(entry.id) // again: nothing happens
      assert.equal(await store.pendingChanges(), before)
    }
  },
  {
    name: "claimChanges hands out each user's oldest pending change only, in seq order",
    needs: ['identities', 'changes'],
    async run (ctx) {
      const { store, tag } = ctx
      const now = base()
      const a = await transitions(ctx, now, 3)
      const b = await transitions(ctx, now, 1)
      const first = await claimOwn(store, tag, 'owner', now + 10)
      assert.deepStrictEqual(first.map((c) => [c.identityId, c.to]), [[a.identityId, 'processing'], [b.identityId, 'processing']],
        "each user's oldest, in seq order")
      assert.ok(first[0]!.seq < first[1]!.seq)
      assert.deepStrictEqual(await claimOwn(store, tag, 'owner', now + 10), [], 'leased: not again, and not the later changes of the user')
      await store.ackChange(first[0]!.id)
      assert.deepStrictEqual((await claimOwn(store, tag, 'owner', now + 10)).map((c) => [c.identityId, c.to]), [[a.identityId, 'pending']],
        'acknowledged: the next change of the user')
    }
  },
  {
    name: 'claimChanges leases a change to one owner until the lease expires',
    needs: ['identities', 'changes'],
    async run (ctx) {
      const { store, tag } = ctx
      const now = base()
      const { identityId } = await transitions(ctx, now, 1)
      assert.equal((await claimOwn(store, tag, 'owner-1', now, 1000)).length, 1, 'claimed by owner-1')
      assert.deepStrictEqual(await claimOwn(store, tag, 'owner-2', now + 999), [], 'not to another owner while leased')
      assert.deepStrictEqual(await claimOwn(store, tag, 'owner-1', now + 500), [], 'not to the same owner either')
      const again = await claimOwn(store, tag, 'owner-2', now + 1000, 1000)
      assert.deepStrictEqual(again.map((c) => [c.identityId, c.attempts]), [[identityId, 0]], 'once the lease expired, to the next claimer')
    }
  },
  {
    name: 'retryChange frees the lease, counts the attempt and delays the change (and the user\'s later ones)',
    needs: ['identities', 'changes'],
    async run (ctx) {
      const { store, tag } = ctx
      const now = base()
      const { identityId } = await transitions(ctx, now, 2)
      const [claimed] = await claimOwn(store, tag, 'owner', now + 5)
      assert.ok(claimed !== undefined)
      await store.retryChange(claimed.id, now + 5000)
      assert.deepStrictEqual(await claimOwn(store, tag, 'owner', now + 4999), [], 'not due before nextAt, and the next change waits for it')
      const retried = await claimOwn(store, tag, 'other', now + 5000)
      assert.deepStrictEqual(retried.map((c) => [c.id, c.attempts, c.identityId]), [[claimed.id, 1, identityId]], 'due at nextAt, one attempt counted')
      await store.retryChange(claimed.id, now + 6000)
      assert.equal((await claimOwn(store, tag, 'owner', now + 6000))[0]?.attempts, 2, 'two attempts')
    }
  },
  {
    name: 'claimChanges returns at most limit changes',
    needs: ['identities', 'changes'],
    async run (ctx) {
      const { store, tag } = ctx
      const now = base()
      const users = await Promise.all(Array.from({ length: 5 }, async () => await transitions(ctx, now, 1)))
      const seen = new Set<string>()
      for (let round = 0; round < 1000 && seen.size < users.length; round++) {
        const batch = await store.claimChanges('owner', now + 10, 60_000, 2)
        assert.ok(batch.length <= 2, `at most limit (${batch.length})`)
        assert.deepStrictEqual(batch.map((c) => c.seq), [...batch.map((c) => c.seq)].sort((x, y) => x - y), 'in seq order')
        if (batch.length === 0) break
        for (const c of batch.filter((x) => x.identityId.includes(tag))) {
          assert.ok(!seen.has(c.id), 'a leased change is not handed out twice')
          seen.add(c.id)
        }
      }
      assert.equal(seen.size, users.length, 'every pending change was handed out')
    }
  }
]

import assert from 'node:assert/strict'
import { base, count, expectRecord, freshLink, linked, linkOk, update, type ConformanceCase } from './fixtures.js'

/** Links: one identity per user, `already_verified`, `getByUser`'s choice, listing and releasing unsettled links. */
export const identityCases: ConformanceCase[] = [
  {
    name: 'link creates a record with status created',
    needs: ['identities'],
    async run ({ store, id }) {
      const now = base()
      const u = id('user'); const i = id('identity')
      const result = await store.link(u, i, now)
      const expected = linked(u, i, now)
      assert.deepStrictEqual(result, { ok: true, created: true, record: expected }, 'link result')
      expectRecord(await store.getByIdentity(i), expected, 'getByIdentity after link')
      expectRecord(await store.getByUser(u, now), expected, 'getByUser after link')
    }
  },
  {
    name: 'link of the same identity by the same user is idempotent',
    needs: ['identities'],
    async run ({ store, id }) {
      const { now, user: u, identity: i } = await freshLink(store, id)
      const again = await store.link(u, i, now + 5000)
      assert.ok(again.ok, 'relink succeeds')
      assert.equal(again.created, false, 'relink reports created: false')
      assert.equal(again.record.linkedAt, now, 'relink keeps linkedAt')
      await store.applyUpdate(i, update(100, 'pending', 0.5), now)
      const third = await store.link(u, i, now + 9000)
      assert.deepStrictEqual(third, {
        ok: true,
        created: false,
        record: { userId: u, identityId: i, status: 'pending', score: 0.5, reason: null, providerUpdated: 100, linkedAt: now, expiresAt: null }
      }, 'relink returns the stored record unchanged')
    }
  },
  {
    name: 'link of an identity linked to another user is identity_taken',
    needs: ['identities'],
    async run ({ store, id }) {
      const now = base()
      const a = id('user-a'); const b = id('user-b'); const i = id('identity')
      const record = await linkOk(store, a, i, now)
      assert.deepStrictEqual(await store.link(b, i, now + 1), { ok: false, reason: 'identity_taken' })
      expectRecord(await store.getByIdentity(i), record, 'the identity stays with its first user')
      assert.equal(await store.getByUser(b, now + 1), null, 'nothing written for the second user')
      await store.applyUpdate(i, update(50, 'approved', 0.9), now + 1)
      assert.deepStrictEqual(await store.link(b, i, now + 2), { ok: false, reason: 'identity_taken' }, 'also once approved')
    }
  },
  {
    name: 'link by a user who has an approved identity is already_verified',
    needs: ['identities'],
    async run ({ store, id }) {
      const now = base()
      const u = id('user'); const approved = id('identity'); const other = id('identity')
      await linkOk(store, u, approved, now)
      assert.equal((await store.applyUpdate(approved, update(10, 'approved', 0.95), now)).applied, true)
      assert.deepStrictEqual(await store.link(u, other, now + 1), { ok: false, reason: 'already_verified' })
      assert.equal(await store.getByIdentity(other), null, 'nothing written')
      const same = await store.link(u, approved, now + 2)
      assert.ok(same.ok && !same.created, 'relinking the approved identity itself is idempotent')
      assert.equal(same.record.status, 'approved')
      // the refused identity is still free for someone else
      await linkOk(store, id('user'), other, now + 3)
    }
  },
  {
    name: 'link of a new identity is allowed after a declined or pending one',
    needs: ['identities'],
    async run ({ store, id }) {
      const now = base()
      const u = id('user'); const first = id('identity'); const second = id('identity'); const third = id('identity')
      await linkOk(store, u, first, now)
      await store.applyUpdate(first, update(10, 'declined', 0.2, 'score_below_threshold'), now)
      const r2 = await store.link(u, second, now + 10)
      assert.ok(r2.ok && r2.created, 'a new identity after a declined one')
      await store.applyUpdate(second, update(20, 'pending', 0.8), now + 10)
      const r3 = await store.link(u, third, now + 20)
      assert.ok(r3.ok && r3.created, 'a new identity after a pending one')
      assert.equal((await store.getByUser(u, now + 20))?.identityId, third, 'getByUser: the most recently linked')
    }
  },
  {
    name: 'getByUser prefers the approved identity, else the most recent; null when none',
    needs: ['identities'],
    async run ({ store, id }) {
      const now = base()
      const u = id('user'); const older = id('identity'); const newer = id('identity')
      assert.equal(await store.getByUser(u, now), null, 'unknown user')
      assert.equal(await store.getByIdentity(id('identity')), null, 'unknown identity')
      await linkOk(store, u, older, now)
      await linkOk(store, u, newer, now + 1000)
      assert.equal((await store.getByUser(u, now + 1000))?.identityId, newer, 'most recently linked')
      await store.applyUpdate(newer, update(5, 'declined', 0.1), now + 1000)
      assert.equal((await store.getByUser(u, now + 1000))?.identityId, newer, 'most recent even when declined')
      await store.applyUpdate(older, update(7, 'approved', 0.99), now + 1000)
      const current = await store.getByUser(u, now + 1000)
      assert.equal(current?.identityId, older, 'the approved identity wins over a more recent one')
      assert.equal(current?.status, 'approved')
    }
  },
  {
    name: 'getByUser breaks a tie of linkedAt by the latest linked',
    needs: ['identities'],
    async run ({ store, id }) {
      const { now, user: u, identity: first } = await freshLink(store, id)
      assert.equal((await store.getByUser(u, now))?.identityId, first)
      const second = id('identity'); const third = id('identity')
      await linkOk(store, u, second, now)
      assert.equal((await store.getByUser(u, now))?.identityId, second, 'the second of two links in the same millisecond')
      await linkOk(store, u, third, now)
      assert.equal((await store.getByUser(u, now))?.identityId, third, 'then the third')
    }
  },
  {
    name: 'releaseLink deletes a link of its user that was never settled',
    needs: ['identities'],
    async run ({ store, id }) {
      const { now, user: u, other, identity: i, record } = await freshLink(store, id)
      const settled = id('identity')
      assert.equal(await store.releaseLink(i, other, now + 1), false, 'another user cannot release it')
      expectRecord(await store.getByIdentity(i), record, 'kept')
      assert.equal(await store.releaseLink(id('identity'), u, now + 1), false, 'an unknown identity')
      assert.equal(await store.releaseLink(i, u, now + 2), true, 'released')
      assert.equal(await store.getByIdentity(i), null, 'gone')
      assert.equal(await store.getByUser(u, now + 2), null, 'the user has no link any more')
      assert.equal(await store.releaseLink(i, u, now + 3), false, 'released once')
      await linkOk(store, other, i, now + 4)
      await linkOk(store, u, settled, now + 5)
      await store.applyUpdate(settled, update(1, 'processing'), now + 5)
      assert.equal(await store.releaseLink(settled, u, now + 6), false, 'a link with an authoritative state (providerUpdated > 0) stays')
      assert.equal((await store.getByIdentity(settled))?.status, 'processing')
    }
  },
  {
    name: 'unsettledLinks lists the links never settled that were linked before a time, oldest first, at most limit',
    needs: ['identities'],
    async run ({ store, id, tag }) {
      const { now, user, other, identity, record: first } = await freshLink(store, id)
      const second = await linkOk(store, other, id('identity'), now + 1)
      await linkOk(store, id('user'), id('identity'), now + 3)
      const settled = id('identity')
      await linkOk(store, id('user'), settled, now)
      await store.applyUpdate(settled, update(1, 'processing'), now)
      const released = id('identity')
      await linkOk(store, user, released, now + 2)
      assert.equal(await store.releaseLink(released, user, now + 2), true)
      const all = await store.unsettledLinks(now + 3, 10_000)
      assert.deepStrictEqual(all.filter((r) => r.identityId.includes(tag)).map((r) => ({ ...r })), [first, second],
        'unsettled, linkedAt before (not at) the time, oldest first; settled and released ones are not listed')
      assert.ok(all.every((r) => r.providerUpdated === 0 && r.linkedAt < now + 3), 'only unsettled links linked before the time')
      assert.ok(all.every((r, k) => k === 0 || all[k - 1]!.linkedAt <= r.linkedAt), 'in linkedAt order')
      const one = await store.unsettledLinks(now + 3, 1)
      assert.equal(one.length, 1, 'at most limit')
      assert.ok(one[0]!.linkedAt <= now, 'the oldest first')
      assert.deepStrictEqual(await store.unsettledLinks(now + 3, 0), [], 'limit 0')
      assert.equal((await store.getByIdentity(identity))?.providerUpdated, 0, 'listing changes nothing')
    }
  },
  {
    name: 'concurrent: two users link one identity, exactly one succeeds',
    needs: ['identities'],
    async run ({ store, id }) {
      const now = base()
      for (let round = 0; round < 5; round++) {
        const i = id('identity')
        const users = [id('user'), id('user')]
        const results = await Promise.all(users.map(async (u) => await store.link(u, i, now)))
        assert.equal(count(results, (r) => r.ok), 1, `exactly one link succeeds: ${JSON.stringify(results)}`)
        const winner = users[results.findIndex((r) => r.ok)]
        assert.ok(results.every((r) => r.ok || r.reason === 'identity_taken'), 'the loser gets identity_taken')
        assert.equal((await store.getByIdentity(i))?.userId, winner, 'the identity belongs to the winner')
      }
      const i = id('identity')
      const users = Array.from({ length: 10 }, () => id('user'))
      const results = await Promise.all(users.map(async (u) => await store.link(u, i, now)))
      assert.equal(count(results, (r) => r.ok), 1, 'of ten users exactly one links the identity')
    }
  },
  {
    name: 'concurrent: the same user links one identity ten times, one creates it',
    needs: ['identities'],
    async run ({ store, id }) {
      const now = base()
      const u = id('user'); const i = id('identity')
      const results = await Promise.all(Array.from({ length: 10 }, async () => await store.link(u, i, now)))
      assert.ok(results.every((r) => r.ok), 'all succeed')
      assert.equal(count(results, (r) => r.ok && r.created), 1, 'exactly one reports created')
    }
  }
]

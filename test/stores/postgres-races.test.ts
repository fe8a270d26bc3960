/**
 * PostgreSQL: an erasure racing every kind of write of the same user, on three
 * instances. Whatever the interleaving: no call fails (a deadlock, should PostgreSQL
 * pick one, is retried), the chain verifies, and what survives the erasure came after it
 * in the log, under a new subject.
 */
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import t from 'tap'
import { readAllChanges, verifyChain } from '../../src/changes/verify.js'
import { PostgresStore } from '../../src/stores/postgres/index.js'
import { postgresForTap } from '../helpers/postgres.js'
import { dropStoreTables } from './pg-cleanup.js'

const server = await postgresForTap(t)
if (server !== null) {
  const prefix = `races_${randomUUID().slice(0, 8)}_`
  const stores = Array.from({ length: 3 }, () => new PostgresStore({ connectionString: server.connectionString, tablePrefix: prefix, poolConfig: { max: 8 } }))
  const admin = new pg.Pool({ connectionString: server.connectionString, max: 2 })
  t.teardown(async () => {
    await Promise.all(stores.map(async (s) => { await s.close() }))
    await dropStoreTables(admin, prefix)
    await admin.end()
    await server.stop()
  })
  const pick = (k: number): PostgresStore => stores[k % stores.length] as PostgresStore

  t.test('forget racing links, updates, revocations, step-ups and expiries of the same user', async (t) => {
    const now = 4_300_000_000_000
    let problems = 0
    const note = (what: string): void => { problems++; t.comment(what) }
    for (let round = 0; round < 25; round++) {
      const user = `user-${randomUUID()}`
      const settled = `identity-${randomUUID()}`; const fresh = `identity-${randomUUID()}`
      await pick(round).link(user, settled, now)
      await pick(round).applyUpdate(settled, { status: 'approved', score: 0.9, reason: null, providerUpdated: 1, expiresAt: now + 5 }, now)
      await pick(round).createChallenge({ id: `c-${round}-${randomUUID()}`, userId: user, identityId: settled, createdAt: now, expiresAt: now + 60_000, action: null })
      const before = await pick(round).subjectOf(user)
      const results = await Promise.allSettled([
        pick(round).forget(user, now + 10),
        pick(round + 1).link(user, fresh, now + 10),
        pick(round + 2).applyUpdate(settled, { status: 'declined', score: 0.1, reason: null, providerUpdated: 2, expiresAt: null }, now + 10),
        pick(round + 1).revokeUser(user, now + 10, now + 60_000, now + 10),
        pick(round + 2).expireDue(now + 10, 1000),
        pick(round).recordAuthentication(settled, now + 10, `auth-${randomUUID()}`, now + 60_000)
      ])
      for (const r of results) if (r.status === 'rejected') note(`round ${round}: a call failed: ${String(r.reason)}`)
      const entries = (await stores[0]!.readChanges(0, 100_000))
      const erased = entries.findIndex((e) => e.type === 'erased' && e.subject === before)
      if (erased === -1) { note(`round ${round}: no erasure under the former subject`); continue }
      if (entries.slice(erased + 1).some((e) => e.subject === before)) note(`round ${round}: an entry after the erasure uses the former subject`)
      const after = await stores[0]!.subjectOf(user)
      const later = entries.slice(erased + 1).filter((e) => e.subject === after)
      const survivor = await stores[0]!.getByIdentity(fresh)
      if (survivor !== null && !later.some((e) => e.type === 'linked' && e.identityId === fresh)) note(`round ${round}: a link survived without a later entry`)
      if (survivor === null && after !== null && later.length === 0) note(`round ${round}: a salt survived with nothing after the erasure`)
      if (await stores[0]!.getByIdentity(settled) !== null) note(`round ${round}: the erased identity came back`)
      if ((await stores[0]!.revokedBefore(user, now + 11)) !== null && !later.some((e) => e.type === 'revoked')) note(`round ${round}: a revocation survived without a later entry`)
    }
    t.equal(problems, 0, 'every round consistent')
    const verdict = await verifyChain(readAllChanges(stores[0]!))
    t.ok(verdict.ok, `the chain verifies (${JSON.stringify(verdict)})`)
  })

  t.test('60 concurrent writers on three instances: one gap-free chain', async (t) => {
    const now = 4_300_000_000_000
    const start = (await stores[0]!.readChanges(0, 1_000_000)).length
    await Promise.all(Array.from({ length: 60 }, async (_, k) => {
      const store = pick(k)
      const user = `writer-${randomUUID()}`; const identity = `identity-${randomUUID()}`
      await store.link(user, identity, now)
      await store.applyUpdate(identity, { status: 'pending', score: 0.5, reason: null, providerUpdated: 1, expiresAt: null }, now)
      await store.revokeUser(user, now, now + 1000, now)
    }))
    const entries = await stores[1]!.readChanges(0, 1_000_000)
    t.equal(entries.length - start, 180, 'every change logged once')
    t.same(entries.map((e) => e.seq), entries.map((_, k) => k + 1), 'seq 1, 2, 3, … without a gap')
    t.ok((await verifyChain(entries)).ok, 'the chain verifies')
  })
}

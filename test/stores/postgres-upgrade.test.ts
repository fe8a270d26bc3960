/** PostgreSQL: tables created by v0.1 are upgraded in place (columns added, duplicate pending challenges ended). */
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import t from 'tap'
import { PostgresStore } from '../../src/stores/postgres/index.js'
import { postgresForTap } from '../helpers/postgres.js'
import { checkUpgraded } from './upgrade.js'

const server = await postgresForTap(t)
if (server !== null) {
  t.test('tables of v0.1 are upgraded in place', async (t) => {
    const pool = new pg.Pool({ connectionString: server.connectionString, max: 4 })
    t.teardown(async () => { await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`); await pool.end(); await server.stop() })
    const schema = `v01_${randomUUID().slice(0, 8)}`
    await pool.query(`
      CREATE SCHEMA "${schema}";
      CREATE TABLE "${schema}"."passbase_identities" (identity_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, status TEXT NOT NULL,
        score DOUBLE PRECISION, reason TEXT, provider_updated BIGINT NOT NULL DEFAULT 0, linked_at BIGINT NOT NULL, seq BIGSERIAL NOT NULL);
      CREATE INDEX "passbase_identities_user" ON "${schema}"."passbase_identities" (user_id);
      CREATE TABLE "${schema}"."passbase_events" ("key" TEXT PRIMARY KEY, expires_at BIGINT NOT NULL);
      CREATE TABLE "${schema}"."passbase_challenges" (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, identity_id TEXT NOT NULL,
        created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, used BOOLEAN NOT NULL DEFAULT false);
      CREATE TABLE "${schema}"."passbase_authentications" (identity_id TEXT PRIMARY KEY, at BIGINT NOT NULL);
      CREATE TABLE "${schema}"."passbase_revocations" (jti TEXT PRIMARY KEY, expires_at BIGINT NOT NULL);
      INSERT INTO "${schema}"."passbase_identities" (identity_id, user_id, status, score, reason, provider_updated, linked_at)
        VALUES ('i1', 'u1', 'approved', 0.9, NULL, 100, 1000);
      INSERT INTO "${schema}"."passbase_events" VALUES ('ev', 5000000000000);
      INSERT INTO "${schema}"."passbase_challenges" VALUES ('c-old', 'u1', 'i1', 1000, 5000000000000, false), ('c-new', 'u1', 'i1', 2000, 5000000000000, false);
    `)
    const store = new PostgresStore({ pool, schema })
    t.teardown(async () => { await store.close() })
    await checkUpgraded(t, store)
    const again = new PostgresStore({ pool, schema })
    await again.init()
    t.match(await again.getByUser('u1', 3000), { identityId: 'i1', status: 'declined', providerUpdated: 101, expiresAt: 9000 },
      'a second start finds nothing to upgrade: the record as the first left it')
    t.equal((await again.getChallenge('c-3'))?.action, 'act', 'the challenge made since is still there')
    t.equal((await again.readChanges(0, 10)).length, 1, 'and the log holds the one change')
    await again.close()
  })
}

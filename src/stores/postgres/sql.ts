import type { Tables } from '../sql/names.js'
import { sharedQueries, supersedesSql } from '../sql/queries.js'
import { compileAll } from './client.js'

/**
 * The PostgreSQL statements: the shared SQL (sql/queries.ts) composed into single
 * atomic statements where PostgreSQL allows it (data-modifying CTEs), with row locks
 * (`FOR UPDATE`, `SKIP LOCKED`) where concurrent instances must not both act, and
 * `pg_notify` (sent on commit) for the other instances' caches.
 */

const qualified = (columns: string, alias: string): string => columns.split(', ').map((c) => `${alias}.${c}`).join(', ')
const renamed = (columns: string, alias: string, prefix: string): string =>
  columns.split(', ').map((c) => `${alias}.${c} AS ${prefix}${c}`).join(', ')

/** `{ kind: 'user', userId }` for each row of `from` (a CTE with a `user_id` column). */
const notify = (from: string): string =>
  `SELECT pg_notify($channel, json_build_object('kind', 'user', 'userId', user_id)::text) FROM ${from}`

/** First key of the per-user advisory lock of the challenge rules ('chal'). */
const CHALLENGE_LOCK = 0x6368616c

export function postgresStatements (t: Tables) {
  const q = sharedQueries(t, { greatest: 'GREATEST', order: 'seq' })
  const { identity, change, outbox } = q.columns
  return compileAll({
    getByIdentity: q.getByIdentity,
    getByUser: q.getByUser,
    otherApproved: q.otherApproved,
    // insert unless the user has another approved identity; a concurrent insert of the
    // same identity makes ON CONFLICT wait for it and then do nothing
    link: `WITH other AS (${q.otherApproved})
      INSERT INTO ${t.identities} ${q.newIdentity} WHERE NOT EXISTS (SELECT 1 FROM other)
      ON CONFLICT (identity_id) DO NOTHING RETURNING ${identity}`,
    // compare-and-set: `old` locks the row (waiting for a concurrent writer, then seeing
    // its committed version), the UPDATE re-checks the rule on the newest version. The
    // user's salt comes along for the log entry: the row lock already orders this write
    // against an erasure of the user (which deletes the row first), so no lock on the salt.
    applyUpdate: `WITH old AS (SELECT ${identity} FROM ${t.identities} WHERE identity_id = $identityId FOR UPDATE),
      upd AS (UPDATE ${t.identities} AS t SET ${q.setStatus} FROM old
        WHERE t.identity_id = old.identity_id AND ${supersedesSql('t')} RETURNING ${qualified(identity, 't')}),
      note AS (${notify('upd')})
      SELECT ${qualified(identity, 'old')}, ${renamed(identity, 'upd', 'new_')}, (SELECT count(*) FROM note) AS notified,
        (SELECT salt FROM ${t.salts} AS s WHERE s.user_id = old.user_id) AS salt
      FROM old LEFT JOIN upd ON true`,
    release: q.release,
    unsettled: q.unsettled,
    // each due approval is expired by exactly one caller: rows locked by another are skipped
    expireDue: `WITH due AS (${q.due} FOR UPDATE SKIP LOCKED)
      UPDATE ${t.identities} AS t SET ${q.expire} FROM due
      WHERE t.identity_id = due.identity_id AND t.status = 'approved' RETURNING ${qualified(identity, 't')}`,

    markEvent: `${q.markEvent} RETURNING 1 AS one`,
    hasEvent: q.hasEvent,
    useToken: `${q.useToken} RETURNING 1 AS one`,

    // the challenge rules of one user run one at a time: a transaction-scoped advisory lock
    // per user (taken before reading the user's challenges, so the read sees every commit
    // before it); cancel and consume are single conditional statements under row locks
    lockUser: `SELECT 1 AS one FROM pg_advisory_xact_lock(${CHALLENGE_LOCK}, hashtext($userId))`,
    lockUsersOf: `SELECT count(pg_advisory_xact_lock(${CHALLENGE_LOCK}, hashtext(u.user_id))) AS locked
      FROM (SELECT DISTINCT user_id FROM ${t.challenges} WHERE identity_id = $identityId ORDER BY user_id) AS u`,
    conflictOpen: `${q.conflictOpen} RETURNING 1 AS one`,
    insertChallenge: q.insertChallenge,
    getChallenge: q.getChallenge,
    cancelChallenge: `${q.cancelChallenge} RETURNING 1 AS one`,
    challengeState: q.challengeState,
    consume: q.consume,
    closedBy: `SELECT id, conflicted FROM ${t.challenges} WHERE ${q.closedBy} ORDER BY id FOR UPDATE`,
    close: `UPDATE ${t.challenges} SET closed_at = $at WHERE ${q.closedBy}`,
    satisfy: q.satisfy,
    revoke: q.revoke,
    revokedBefore: q.revokedBefore,

    readChanges: q.readChanges,
    salt: q.salt,
    // a share lock: an erasure (which deletes the salt) waits for the writers of the user, and they for it
    lockSalts: `SELECT user_id, salt FROM ${t.salts} WHERE user_id = ANY($userIds) ORDER BY user_id FOR SHARE`,
    addSalts: `INSERT INTO ${t.salts} (user_id, salt) SELECT * FROM unnest($userIds, $salts)
      ON CONFLICT (user_id) DO NOTHING RETURNING user_id, salt`,
    // every appender locks the head row last, so seq is gap-free and writers never deadlock on it
    lockHead: `${q.head} FOR UPDATE`,
    append: `WITH x AS (SELECT * FROM unnest($seqs, $ids, $ats, $types, $subjects, $identityIds, $froms, $tos, $scores,
        $reasons, $prevHashes, $hashes, $userIds, $queued)
        AS x(${change}, user_id, queued)),
      c AS (INSERT INTO ${t.changes} (${change}) SELECT ${change} FROM x),
      o AS (INSERT INTO ${t.outbox} (${outbox}, next_at, lease_owner, lease_until)
        SELECT id, seq, at, user_id, identity_id, from_status, to_status, score, 0, at, NULL, 0 FROM x WHERE queued),
      h AS (UPDATE ${t.head} SET seq = $seq, hash = $hash WHERE id = 1),
      note AS (${notify('(SELECT DISTINCT user_id FROM x) AS users')})
      SELECT (SELECT count(*) FROM note) AS notified`,
    // one instance at a time hands out a given change: rows another claimer holds are skipped
    claim: `WITH due AS (${q.claimable} FOR UPDATE SKIP LOCKED)
      UPDATE ${t.outbox} AS t ${q.lease} FROM due WHERE t.id = due.id RETURNING ${qualified(outbox, 't')}`,
    ack: q.ack,
    retry: q.retry,
    pending: q.pending,
    erase: `WITH ${Object.entries(q.erase).map(([name, sql]) => `erased_${name} AS (${sql} RETURNING 1 AS one)`).join(', ')}
      SELECT (SELECT count(*) FROM erased_identities) AS links`,
    dropSalt: q.dropSalt,
    purge: `WITH ${q.purge.map((sql, k) => `p${k} AS (${sql})`).join(', ')} SELECT 1 AS one`
  })
}

export type PostgresStatements = ReturnType<typeof postgresStatements>

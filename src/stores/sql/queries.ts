import { STATUS_RANK } from '../rank.js'
import type { Tables } from './names.js'
import { CHALLENGE_COLUMNS, CHANGE_COLUMNS, IDENTITY_COLUMNS, OUTBOX_COLUMNS } from './rows.js'

/**
 * The SQL both dialects share, written once with named parameters (`$name`): SQLite
 * binds them as they are, PostgreSQL numbers them (`positional`, template.ts). The
 * dialect folders compose these into their transactions or single statements.
 */

export interface SqlDialect {
  /** the two-argument maximum: SQLite `max`, PostgreSQL `GREATEST` */
  greatest: string
  /** the identities' insertion order: SQLite `rowid`, PostgreSQL the `seq` column */
  order: string
}

/** `STATUS_RANK` (rank.ts) as a SQL expression over `expr`: one source for the tie rule. */
export function rankSql (expr: string): string {
  return `CASE ${expr} ${Object.entries(STATUS_RANK).map(([status, rank]) => `WHEN '${status}' THEN ${rank}`).join(' ')} END`
}

/** The monotonic rule of `supersedes` (rank.ts) on the row `alias`, for the update in `$providerUpdated`/`$status`. */
export function supersedesSql (alias: string): string {
  const a = alias === '' ? '' : `${alias}.`
  return `(${a}provider_updated < $providerUpdated OR (${a}provider_updated = $providerUpdated AND ${rankSql(`${a}status`)} > ${rankSql('$status')}))`
}

const APPROVED_NOW = "status = 'approved' AND (expires_at IS NULL OR expires_at > $now)"

/** A step-up challenge open at $now. */
const OPEN = 'NOT used AND authenticated_at IS NULL AND closed_at IS NULL AND expires_at > $now'

/** Once per key until it expires: the statement writes a row only when the key is new or its entry expired. */
function markOnce (table: string, key: string): string {
  return `INSERT INTO ${table} AS m (${key}, expires_at) VALUES ($${key.replace(/"/g, '')}, $expiresAt)
    ON CONFLICT (${key}) DO UPDATE SET expires_at = excluded.expires_at WHERE m.expires_at <= $now`
}

export function sharedQueries (t: Tables, d: SqlDialect) {
  const claimable = `SELECT o.id FROM ${t.outbox} AS o
    WHERE o.next_at <= $now AND (o.lease_owner IS NULL OR o.lease_until <= $now)
      AND NOT EXISTS (SELECT 1 FROM ${t.outbox} AS p WHERE p.user_id = o.user_id AND p.seq < o.seq)
    ORDER BY o.seq LIMIT $limit`
  return {
    // identities
    getByIdentity: `SELECT ${IDENTITY_COLUMNS} FROM ${t.identities} WHERE identity_id = $identityId`,
    getByUser: `SELECT ${IDENTITY_COLUMNS} FROM ${t.identities} WHERE user_id = $userId
      ORDER BY (${APPROVED_NOW}) DESC, linked_at DESC, ${d.order} DESC LIMIT 1`,
    otherApproved: `SELECT 1 AS one FROM ${t.identities}
      WHERE user_id = $userId AND identity_id <> $identityId AND ${APPROVED_NOW} LIMIT 1`,
    newIdentity: `(identity_id, user_id, status, score, reason, provider_updated, linked_at, expires_at)
      SELECT $identityId, $userId, 'created', NULL, NULL, 0, $now, NULL`,
    setStatus: 'status = $status, score = $score, reason = $reason, provider_updated = $providerUpdated, expires_at = $expiresAt',
    release: `DELETE FROM ${t.identities} WHERE identity_id = $identityId AND user_id = $userId AND provider_updated = 0 RETURNING ${IDENTITY_COLUMNS}`,
    unsettled: `SELECT ${IDENTITY_COLUMNS} FROM ${t.identities} WHERE provider_updated = 0 AND linked_at < $linkedBefore
      ORDER BY linked_at, ${d.order} LIMIT $limit`,
    due: `SELECT identity_id FROM ${t.identities}
      WHERE status = 'approved' AND expires_at IS NOT NULL AND expires_at <= $now ORDER BY expires_at LIMIT $limit`,
    expire: "status = 'expired', reason = 'expired'",

    // deliveries and tokens
    markEvent: markOnce(t.events, '"key"'),
    hasEvent: `SELECT 1 AS one FROM ${t.events} WHERE "key" = $key AND expires_at > $now`,
    useToken: markOnce(t.tokens, 'jti'),

    // step-up: a challenge is open at $now while not consumed, not closed by an
    // authentication and not expired (a cancelled one is deleted)
    conflictOpen: `UPDATE ${t.challenges} SET conflicted = TRUE WHERE user_id = $userId AND ${OPEN}`,
    // $conflicted: SQLite binds 1 or 0 (it has no boolean), PostgreSQL a boolean
    insertChallenge: `INSERT INTO ${t.challenges} (id, user_id, identity_id, created_at, expires_at, action, authenticated_at, used, conflicted, closed_at)
      VALUES ($id, $userId, $identityId, $createdAt, $expiresAt, $action, NULL, FALSE, $conflicted, NULL)`,
    getChallenge: `SELECT ${CHALLENGE_COLUMNS} FROM ${t.challenges} WHERE id = $id AND NOT used`,
    cancelChallenge: `DELETE FROM ${t.challenges}
      WHERE id = $id AND user_id = $userId AND NOT conflicted AND NOT used AND authenticated_at IS NULL AND closed_at IS NULL`,
    consume: `UPDATE ${t.challenges} SET used = TRUE
      WHERE id = $id AND user_id = $userId AND NOT used AND NOT conflicted AND closed_at IS NULL AND expires_at > $now AND authenticated_at IS NOT NULL
      RETURNING ${CHALLENGE_COLUMNS}`,
    challengeState: `SELECT user_id, used, expires_at, authenticated_at, conflicted, closed_at FROM ${t.challenges} WHERE id = $id`,
    // what an authentication of $identityId received at $at closes: the open challenges
    // created before it of the users with a challenge naming the identity
    closedBy: `user_id IN (SELECT user_id FROM ${t.challenges} WHERE identity_id = $identityId)
      AND created_at < $at AND ${OPEN.replace('$now', '$at')}`,
    satisfy: `UPDATE ${t.challenges} SET authenticated_at = $at WHERE id = $id`,
    revoke: `INSERT INTO ${t.revocations} AS r (user_id, not_before, expires_at) VALUES ($userId, $notBefore, $expiresAt)
      ON CONFLICT (user_id) DO UPDATE SET not_before = ${d.greatest}(r.not_before, excluded.not_before),
        expires_at = ${d.greatest}(r.expires_at, excluded.expires_at)`,
    revokedBefore: `SELECT not_before FROM ${t.revocations} WHERE user_id = $userId AND expires_at > $now`,

    // change log and outbox
    readChanges: `SELECT ${CHANGE_COLUMNS} FROM ${t.changes} WHERE seq > $afterSeq ORDER BY seq LIMIT $limit`,
    salt: `SELECT salt FROM ${t.salts} WHERE user_id = $userId`,
    head: `SELECT seq, hash FROM ${t.head} WHERE id = 1`,
    setHead: `UPDATE ${t.head} SET seq = $seq, hash = $hash WHERE id = 1`,
    claimable,
    lease: 'SET lease_owner = $owner, lease_until = $leaseUntil',
    ack: `DELETE FROM ${t.outbox} WHERE id = $id`,
    retry: `UPDATE ${t.outbox} SET attempts = attempts + 1, next_at = $nextAt, lease_owner = NULL, lease_until = 0 WHERE id = $id`,
    pending: `SELECT count(*) AS n FROM ${t.outbox}`,

    // erasure: every table that names a user
    erase: {
      identities: `DELETE FROM ${t.identities} WHERE user_id = $userId`,
      challenges: `DELETE FROM ${t.challenges} WHERE user_id = $userId`,
      revocations: `DELETE FROM ${t.revocations} WHERE user_id = $userId`,
      outbox: `DELETE FROM ${t.outbox} WHERE user_id = $userId`
    },
    dropSalt: `DELETE FROM ${t.salts} WHERE user_id = $userId RETURNING salt`,

    // housekeeping: what expires (never links, changes or pending changes)
    purge: [t.events, t.challenges, t.revocations, t.tokens].map((table) => `DELETE FROM ${table} WHERE expires_at <= $now`),

    columns: { identity: IDENTITY_COLUMNS, challenge: CHALLENGE_COLUMNS, change: CHANGE_COLUMNS, outbox: OUTBOX_COLUMNS }
  }
}

export type SharedQueries = ReturnType<typeof sharedQueries>

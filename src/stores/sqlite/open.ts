import Database from 'better-sqlite3'
import type { TableRole, Tables } from '../sql/names.js'
import { createIndexes, createTables, upgradeTables, type DialectTypes } from '../sql/schema.js'

export const SQLITE_TYPES: DialectTypes = {
  types: { text: 'TEXT', int: 'INTEGER', real: 'REAL', bool: 'INTEGER', serial: null }
}

/** Opens `filename` in WAL mode with a busy timeout (closing it again when that fails). */
export function openDatabase (filename: string, busyTimeoutMs: number): Database.Database {
  const db = new Database(filename)
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`)
    db.pragma('journal_mode = WAL')
  } catch (err) {
    db.close()
    throw err
  }
  return db
}

/**
 * Turns on `secure_delete` (deleted content is overwritten with zeros, so an erased user
 * id does not survive in freed pages) and creates or upgrades the tables, in one
 * immediate transaction: several processes may do this at once.
 */
export function prepareDatabase (db: Database.Database, t: Tables): void {
  db.pragma('secure_delete = ON')
  db.transaction(() => {
    for (const sql of createTables(t, SQLITE_TYPES)) db.exec(sql)
    const columns = (role: TableRole): Set<string> =>
      new Set((db.pragma(`table_info(${t[role]})`) as Array<{ name: string }>).map((c) => c.name))
    for (const sql of upgradeTables(t, SQLITE_TYPES, columns)) db.exec(sql)
    for (const sql of createIndexes(t)) db.exec(sql)
  }).immediate()
}

/**
 * After an erasure: copy the WAL into the database and truncate it, so that no old page
 * image holding the user id stays in the -wal file. Waits (busy timeout) for readers of
 * other processes; a reader that holds on longer leaves the truncation to a later
 * checkpoint. A database not in WAL mode has no such file.
 */
export function truncateWal (db: Database.Database): void {
  if (db.pragma('journal_mode', { simple: true }) !== 'wal') return
  db.pragma('wal_checkpoint(TRUNCATE)')
}

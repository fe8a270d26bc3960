import Database from 'better-sqlite3'
import type { TableRole, Tables } from '../sql/names.js'
import { createIndexes, createTables, upgradeTables, type DialectTypes } from '../sql/schema.js'

const SQLITE_TYPES: DialectTypes = {
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
 * image holding the user id stays in the -wal file. Waits (busy timeout) for the readers
 * and writers of other processes; when one holds on longer, the WAL is left as it is
 * (the erasure itself is committed) and false is returned. A database not in WAL mode
 * has no such file.
 */
export function truncateWal (db: Database.Database): boolean {
  if (db.pragma('journal_mode', { simple: true }) !== 'wal') return true
  try {
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>
    return result?.busy === 0
  } catch {
    return false
  }
}

import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** true when `moduleUrl` is the process entry `entry` (a bin, possibly through a symlink) */
export function isEntry (entry: string | undefined, moduleUrl: string | undefined): boolean {
  if (entry === undefined || moduleUrl === undefined) return false
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl))
  } catch {
    return false
  }
}

import type { ChangeEntry, ChangeStore } from '../stores/types.js'
import { readAllChanges, verifyChain, type ChainVerdict } from './verify.js'

export interface AuditEntriesOptions {
  /** only this user's entries (through their pseudonym; none once the user was erased) */
  userId?: string
  /** only entries stored at or after this instant (a Date, or epoch ms) */
  since?: Date | number
  /** at most this many entries */
  limit?: number
}

export interface Audit {
  /** Walks the whole change log: `{ ok: true, entries, head }` or `{ ok: false, firstBadSeq, entries }`. */
  verify: () => Promise<ChainVerdict>
  /** The change log for export, oldest first, streamed page by page. */
  entries: (options?: AuditEntriesOptions) => AsyncIterable<ChangeEntry>
}

/** `fastify.passbase.audit`: the tamper-evident change log, verified and exported. */
export function createAudit (store: Pick<ChangeStore, 'readChanges' | 'subjectOf'>): Audit {
  return {
    async verify () {
      return await verifyChain(readAllChanges(store))
    },
    entries (options = {}) {
      return filtered(store, options)
    }
  }
}

async function * filtered (store: Pick<ChangeStore, 'readChanges' | 'subjectOf'>, options: AuditEntriesOptions): AsyncGenerator<ChangeEntry> {
  const since = options.since instanceof Date ? options.since.getTime() : options.since
  if (since !== undefined && !Number.isFinite(since)) throw new TypeError('audit.entries: `since` must be a valid Date or epoch milliseconds')
  const limit = options.limit ?? Infinity
  if (!(limit >= 0)) throw new TypeError('audit.entries: `limit` must be a non-negative number')
  if (limit === 0) return
  let subject: string | null | undefined
  if (options.userId !== undefined) {
    subject = await store.subjectOf(options.userId)
    if (subject === null) return
  }
  let count = 0
  for await (const entry of readAllChanges(store)) {
    if (subject !== undefined && entry.subject !== subject) continue
    if (since !== undefined && entry.at < since) continue
    yield entry
    if (++count >= limit) return
  }
}

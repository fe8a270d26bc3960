import type { ChangeEntry } from '../stores/types.js'
import { changeHash, GENESIS_HASH } from './chain.js'

/** What `audit.verify()` finds: the whole chain holds, or the first position where it breaks. */
export type ChainVerdict =
  | { ok: true, entries: number, head: string }
  | { ok: false, firstBadSeq: number, entries: number }

/**
 * Walks the change log in order and checks, for each entry, that its `seq` is the next
 * one (1, 2, 3, …), that `prevHash` is its predecessor's `hash`, and that `hash` is
 * SHA-256 over them (`changeHash`). An edited, deleted, inserted or reordered entry breaks
 * one of these; `firstBadSeq` is the position where the chain first fails. `head` is the
 * last hash: keep it somewhere else (an export, a log line) to also detect that the tail
 * was cut or the whole log rewritten.
 */
export async function verifyChain (entries: AsyncIterable<ChangeEntry> | Iterable<ChangeEntry>): Promise<ChainVerdict> {
  let expectedSeq = 1
  let prev = GENESIS_HASH
  let count = 0
  for await (const entry of entries) {
    if (entry.seq !== expectedSeq || entry.prevHash !== prev || changeHash(prev, entry) !== entry.hash) {
      return { ok: false, firstBadSeq: expectedSeq, entries: count }
    }
    prev = entry.hash
    expectedSeq++
    count++
  }
  return { ok: true, entries: count, head: prev }
}

/** Every entry of a store's change log after `afterSeq` (0: from the start), page by page (`readChanges`), in `seq` order. */
export async function * readAllChanges (store: { readChanges: (afterSeq: number, limit: number) => Promise<ChangeEntry[]> }, pageSize = 500, afterSeq = 0): AsyncGenerator<ChangeEntry> {
  let after = afterSeq
  for (;;) {
    const page = await store.readChanges(after, pageSize)
    yield * page
    if (page.length < pageSize) return
    after = page[page.length - 1]!.seq
  }
}

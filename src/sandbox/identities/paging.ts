/**
 * Opaque cursors of the paginated lists (`{ cursor: { next }, data }`): base64url JSON
 * naming the last item of the page, so a page boundary survives inserts.
 */

const DEFAULT_LIMIT = 20
export const MAX_LIMIT = 100

export interface Page<T> {
  next: string | null
  data: T[]
}

function encodeCursor (key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url')
}

/** the decoded array, or null for anything that is not one of our cursors */
export function decodeCursor (cursor: string): unknown[] | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    return Array.isArray(parsed) ? parsed : null
  } catch {
    return null
  }
}

/** `limit` as the query gives it: default when absent, null when not an integer in 1..MAX_LIMIT */
export function parseLimit (raw: string | undefined): number | null {
  if (raw === undefined || raw === '') return DEFAULT_LIMIT
  if (!/^\d+$/.test(raw)) return null
  const limit = Number(raw)
  return limit >= 1 && limit <= MAX_LIMIT ? limit : null
}

/** the page of `items` (already in order) starting at `start`; `keyOf` names the cursor of an item */
export function slice<T, W> (items: T[], start: number, limit: number, keyOf: (item: T) => unknown[], render: (item: T) => W): Page<W> {
  const data = items.slice(start, start + limit)
  const more = start + limit < items.length
  return { next: more ? encodeCursor(keyOf(data[data.length - 1])) : null, data: data.map(render) }
}

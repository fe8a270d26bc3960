import { ApiResponseError } from '../errors.js'

/**
 * Cursor paging, shared by identities and resources: follow `next` until it is null
 * (or empty). A provider that hands back the cursor it was just sent would loop
 * forever: that is an ApiResponseError instead.
 */

/** One page: `next` is the opaque cursor of the following page, null on the last one. */
export interface Page<T> {
  next: string | null
  data: T[]
}

/** Every item of every page, fetched lazily (one page in memory at a time). */
export async function * everyItem<T> (what: string, fetchPage: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T, void, undefined> {
  let cursor: string | undefined
  for (;;) {
    const page = await fetchPage(cursor)
    yield * page.data
    if (page.next === null || page.next === '') return
    if (page.next === cursor) throw new ApiResponseError(`${what}: the cursor did not advance`)
    cursor = page.next
  }
}

/** Every item of every page, in one array. */
export async function allItems<T> (what: string, fetchPage: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = []
  for await (const item of everyItem(what, fetchPage)) items.push(item)
  return items
}

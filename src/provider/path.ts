/**
 * Building request paths: ids become exactly one path segment, and paging parameters
 * a query string. Bad arguments throw a TypeError before anything is sent.
 */

/** One path segment. encodeURIComponent leaves `.` and `..` alone, which would walk the path: those are encoded too. */
export function segment (value: string, what: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`PassbaseClient: ${what} must be a non-empty string`)
  }
  const encoded = encodeURIComponent(value)
  return encoded === '.' || encoded === '..' ? encoded.replace(/\./g, '%2E') : encoded
}

export interface PageQuery {
  /** page size; the provider's default when absent */
  limit?: number
  /** the opaque `cursor.next` of the previous page */
  cursor?: string
}

/** `path?limit=&cursor=` (only the parameters given; no `?` without any). */
export function withPageQuery (path: string, query: PageQuery): string {
  const params = new URLSearchParams()
  if (query.limit !== undefined) {
    if (!Number.isInteger(query.limit) || query.limit < 1) {
      throw new TypeError('PassbaseClient: limit must be a positive integer')
    }
    params.set('limit', String(query.limit))
  }
  if (query.cursor !== undefined) {
    if (typeof query.cursor !== 'string') throw new TypeError('PassbaseClient: cursor must be a string')
    params.set('cursor', query.cursor)
  }
  const qs = params.toString()
  return qs === '' ? path : `${path}?${qs}`
}

/** How stale a cached guard read may be when a store does not say (`cacheTtlMs`), in ms. */
export const DEFAULT_CACHE_TTL_MS = 1000

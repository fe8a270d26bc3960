import type { WatchlistFlag } from '../types.js'
import type { WireOwner, WireWatchlist, WireWatchlistListing } from '../wire.js'

/** Watchlist screening results: a clean one, and realistic hits for `flagWatchlist`. */

export function cleanWatchlist (): WireWatchlist {
  return { clean: true, listings: {}, media: [], sources: [], types: [] }
}

interface SourceInfo {
  source: string
  name: string
}

/** where a hit of each type is usually listed */
const SOURCES: Record<string, SourceInfo> = {
  sanction: { source: 'ofac-sdn-list', name: 'OFAC Specially Designated Nationals List' },
  pep: { source: 'pep-class-1', name: 'Politically Exposed Persons, class 1' },
  'adverse-media': { source: 'adverse-media-financial-crime', name: 'Adverse media: financial crime' },
  warning: { source: 'interpol-red-notices', name: 'Interpol Red Notices' }
}

/** the hit types the sandbox knows a source for (others get a generic one) */
export const FLAG_TYPES: readonly string[] = Object.keys(SOURCES)

function sourceOf (type: string): SourceInfo {
  return SOURCES[type] ?? { source: `${type}-list`, name: `${type} list` }
}

function listingUrl (source: string): string {
  return `https://watchlist.sandbox.invalid/${encodeURIComponent(source)}`
}

/** `at`: Unix seconds of the screening (the sandbox's clock) */
export function flaggedWatchlist (owner: WireOwner, flag: WatchlistFlag, at: number): WireWatchlist {
  const types = flag.types ?? ['sanction']
  const sources = flag.sources ?? [...new Set(types.map((type) => sourceOf(type).source))]
  const person = `${owner.first_name} ${owner.last_name}`
  const started = new Date((at - 365 * 86_400) * 1000).toISOString()
  const listings: Record<string, WireWatchlistListing> = flag.listings ?? Object.fromEntries(sources.map((source) => {
    const amlTypes = types.filter((type) => sourceOf(type).source === source)
    return [source, {
      url: listingUrl(source),
      name: person,
      aml_types: amlTypes.length > 0 ? amlTypes : types,
      listing_started_utc: started
    }]
  }))
  const media = types.includes('adverse-media')
    ? [{
        url: 'https://news.sandbox.invalid/2024/financial-crime-report',
        date: new Date(at * 1000).toISOString().slice(0, 10),
        title: `${person} named in a financial-crime report`
      }]
    : []
  return { clean: false, listings, media, sources, types }
}

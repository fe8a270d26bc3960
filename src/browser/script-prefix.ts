import { DEFAULT_PREFIX } from './client.js'

/**
 * The plugin's prefix as the served script knows it: from its own `<script src>`
 * (`/passbase/client.js` → `/passbase`; a script from another origin → that origin's
 * absolute URL). Read while the script runs (`document.currentScript` is null later);
 * `/passbase` when it cannot be known (no DOM, a module, an inline copy).
 */
export function prefixOfScript (): string {
  if (typeof document === 'undefined' || document === null) return DEFAULT_PREFIX
  const script = document.currentScript as HTMLScriptElement | null
  const src = script?.src
  if (typeof src !== 'string' || src === '') return DEFAULT_PREFIX
  let url: URL
  try {
    url = new URL(src, typeof location !== 'undefined' ? location.href : undefined)
  } catch {
    return DEFAULT_PREFIX
  }
  const path = url.pathname.replace(/\/client\.js$/, '')
  if (path === url.pathname) return DEFAULT_PREFIX
  const sameOrigin = typeof location !== 'undefined' && location.origin === url.origin
  return sameOrigin ? path : url.origin + path
}

import { script } from '../generated/sandbox-browser-button.js'

/**
 * `GET /button.js`: the bundled browser module src/sandbox/browser/button.iife.ts, with
 * the sandbox's origin filled in for browsers that run it without `document.currentScript`.
 */

const PLACEHOLDER = '"__PASSBASE_SANDBOX_ORIGIN__"'

if (!script.includes(PLACEHOLDER)) throw new Error('sandbox: the bundled button script has no origin placeholder')

/** the button script; `fallbackOrigin` is used when `document.currentScript` is unavailable */
export function buttonScript (fallbackOrigin: string): string {
  return script.replaceAll(PLACEHOLDER, () => JSON.stringify(fallbackOrigin))
}

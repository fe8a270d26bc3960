/**
 * The helper as a classic script, served by the plugin at `GET {prefix}/client.js`
 * (`npm run build` bundles this file into `src/generated/browser-client.ts`). It defines
 * `window.PassbaseClient = { createPassbaseClient, isPassbaseClientError }`, whose
 * default prefix comes from the script's own URL.
 */
import { createPassbaseClient } from './client.js'
import { isPassbaseClientError } from './errors.js'
import { prefixOfScript } from './script-prefix.js'
import type { PassbaseClientModule, PassbaseClientOptions } from './types.js'

const prefix = prefixOfScript()
const helper: PassbaseClientModule = {
  createPassbaseClient: (options?: PassbaseClientOptions) => createPassbaseClient(options, prefix),
  isPassbaseClientError
}
const target = (typeof window !== 'undefined' ? window : globalThis) as { PassbaseClient?: PassbaseClientModule }
target.PassbaseClient = helper

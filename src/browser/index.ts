/**
 * `fastify-passbase/browser` (also `fastify-passbase/client`): the browser helper, for
 * pages built with a bundler. The plugin serves the same code as a classic script at
 * `GET {prefix}/client.js` (it defines `window.PassbaseClient`). Dependency-free; runs in
 * browsers only.
 *
 * ```js
 * import { createPassbaseClient } from 'fastify-passbase/browser'
 * const passbase = createPassbaseClient()               // prefix '/passbase'
 * await passbase.renderVerifyButton('#verify', { onStatus: (s) => show(s.status) })
 * const res = await passbase.fetch('/payout', { method: 'POST', … })   // step-up when asked
 * ```
 */
import { createPassbaseClient as create } from './client.js'
import type { PassbaseBrowserClient, PassbaseClientOptions } from './types.js'

export type {
  ActionDetails, PassbaseBrowserClient, PassbaseButtonApi, PassbaseButtonError, PassbaseButtonErrorCode,
  PassbaseButtonErrorContext, PassbaseButtonOptions, PassbaseClientError, PassbaseClientModule, PassbaseClientOptions,
  PassbaseConfig, PassbaseStatus, PassbaseTheme, PollOptions, PrefillAttributes, RenderVerifyButtonOptions, StepUpOptions,
  VerificationStatus, WaitForStatusOptions
} from './types.js'
export { isPassbaseClientError } from './errors.js'

/** A client for the plugin mounted at `options.prefix` (default `/passbase`). */
export function createPassbaseClient (options?: PassbaseClientOptions): PassbaseBrowserClient {
  return create(options)
}

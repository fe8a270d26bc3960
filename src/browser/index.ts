/**
 * `fastify-passbase/client`: the browser helper, for pages built with a bundler.
 * The plugin also serves the same code as a classic script at `GET {prefix}/client.js`
 * (it defines `window.PassbaseClient`). Dependency-free; runs in browsers only.
 *
 * ```js
 * import { createPassbaseClient } from 'fastify-passbase/client'
 * const passbase = createPassbaseClient()               // prefix '/passbase'
 * await passbase.renderVerifyButton('#verify', { onStatus: (s) => show(s.status) })
 * const res = await passbase.fetch('/payout', { method: 'POST' })   // step-up when asked
 * ```
 */
import { definePassbaseClient } from './runtime.js'

export type {
  PassbaseBrowserClient, PassbaseButtonApi, PassbaseButtonError, PassbaseButtonOptions, PassbaseClientError,
  PassbaseClientOptions, PassbaseConfig, PassbaseStatus, PollOptions, PrefillAttributes, RenderVerifyButtonOptions,
  StepUpOptions, VerificationStatus, WaitForStatusOptions
} from './runtime.js'

const runtime = definePassbaseClient({ prefix: '/passbase' })

/** A client for the plugin mounted at `options.prefix` (default `/passbase`). */
export const createPassbaseClient = runtime.createPassbaseClient
/** true for the errors the helper rejects with (they carry `code`, and `statusCode` for HTTP errors) */
export const isPassbaseClientError = runtime.isPassbaseClientError

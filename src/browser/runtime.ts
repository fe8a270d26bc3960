/**
 * Transitional: `definePassbaseClient` for src/routes/client-script.ts, which serves
 * `definePassbaseClient.toString()` and is being replaced by `clientScriptRoutes`
 * (./route.ts). The function's source runs the bundled helper (the same text route.ts
 * serves) and honours the prefix it is called with. Delete this file with that route.
 */
import { script } from '../generated/browser-client.js'
import type { PassbaseClientModule } from './types.js'

export interface ClientDefaults {
  prefix: string
}

const body = `${script}
var helper = window.PassbaseClient
return {
  createPassbaseClient: function (options) {
    options = options || {}
    return helper.createPassbaseClient(options.prefix === undefined ? Object.assign({}, options, { prefix: defaults.prefix }) : options)
  },
  isPassbaseClientError: helper.isPassbaseClientError
}`

// eslint-disable-next-line no-new-func -- only its source text is used (served as a script), never called here
export const definePassbaseClient = new Function('defaults', body) as (defaults: ClientDefaults) => PassbaseClientModule

import { clientError } from './errors.js'
import type { PassbaseButtonApi, PassbaseConfig } from './types.js'

/** `window.Passbase`: the provider's button script, loaded once per URL when it is missing. */

const scripts = new Map<string, Promise<PassbaseButtonApi>>()

export function buttonApi (): PassbaseButtonApi | undefined {
  const api = (globalThis as { Passbase?: PassbaseButtonApi }).Passbase
  return api !== undefined && api !== null && typeof api.renderButton === 'function' ? api : undefined
}

export function loadButton (url: string | undefined): Promise<PassbaseButtonApi> {
  const present = buttonApi()
  if (present !== undefined) return Promise.resolve(present)
  if (url === undefined || url === '') {
    return Promise.reject(clientError('BUTTON_UNAVAILABLE', 'window.Passbase is missing and no buttonScriptUrl is configured'))
  }
  let loading = scripts.get(url)
  if (loading === undefined) {
    loading = new Promise<PassbaseButtonApi>((resolve, reject) => {
      const script = document.createElement('script')
      script.src = url
      script.async = true
      script.addEventListener('load', () => {
        const api = buttonApi()
        if (api !== undefined) {
          resolve(api)
          return
        }
        scripts.delete(url)
        reject(clientError('BUTTON_UNAVAILABLE', `${url} did not define window.Passbase.renderButton`))
      })
      script.addEventListener('error', () => {
        scripts.delete(url)
        script.remove()
        reject(clientError('BUTTON_UNAVAILABLE', `could not load the button script ${url}`))
      })
      document.head.appendChild(script)
    })
    scripts.set(url, loading)
  }
  return loading
}

/** The provider's button and the publishable key it needs, from the plugin's config (`override`: the helper's buttonScriptUrl). */
export async function providerButton (cfg: PassbaseConfig, override: string | undefined): Promise<{ button: PassbaseButtonApi, publishableKey: string }> {
  const publishableKey = cfg.publishableApiKey
  if (publishableKey === null || publishableKey === '') throw clientError('NOT_CONFIGURED', 'the plugin has no publishableApiKey')
  return { button: await loadButton(override ?? cfg.buttonScriptUrl), publishableKey }
}

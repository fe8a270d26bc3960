import { buttonError } from './button-callbacks.js'
import { providerButton } from './button-loader.js'
import { asClientError, clientError } from './errors.js'
import { SETTLED, type StatusApi } from './status.js'
import type { PassbaseClientOptions, RenderVerifyButtonOptions } from './types.js'
import { safely } from './util.js'

/** `renderVerifyButton`: the provider's Verify Me button, the link, and the status until it settles. */

export function createVerifyButton (api: StatusApi, options: PassbaseClientOptions) {
  return async function renderVerifyButton (element: HTMLElement | string, opts: RenderVerifyButtonOptions = {}): Promise<void> {
    const target = typeof element === 'string' ? document.querySelector<HTMLElement>(element) : element
    if (target === null) throw clientError('ELEMENT_NOT_FOUND', `renderVerifyButton: no element ${String(element)}`)
    const cfg = await api.config()
    const { button, publishableKey } = await providerButton(cfg, options.buttonScriptUrl)
    const report = (err: unknown): void => {
      const error = asClientError(err)
      if (opts.onError !== undefined) safely(opts.onError, error)
      else console.error(error)
    }
    // the key arrives with onSubmitted and again with onFinish: link it once, at the first
    const linked = new Set<string>()
    const submitted = (identityAccessKey: unknown): void => {
      if (typeof identityAccessKey !== 'string' || identityAccessKey === '' || linked.has(identityAccessKey)) return
      linked.add(identityAccessKey)
      void (async () => {
        const status = await api.link(identityAccessKey)
        safely(opts.onStatus, status)
        if (!SETTLED.includes(status.status)) await api.follow({ onStatus: opts.onStatus, signal: opts.signal }, status)
      })().catch((err: unknown) => {
        linked.delete(identityAccessKey)
        report(err)
      })
    }
    button.renderButton(target, publishableKey, {
      metaData: cfg.metaData,
      prefillAttributes: opts.prefillAttributes ?? options.prefillAttributes,
      ...(opts.theme !== undefined ? { theme: opts.theme } : {}),
      onStart: opts.onStart,
      onSubmitted: submitted,
      onFinish: submitted,
      onError: (code: unknown, context?: unknown) => { report(buttonError(code, context, 'The verification')) }
    })
  }
}

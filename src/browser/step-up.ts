import { actionDetails, actionSummary } from './action.js'
import { buttonError, CANCELLED, FACE_MISMATCH } from './button-callbacks.js'
import { providerButton } from './button-loader.js'
import { openDialog } from './dialog.js'
import { aborted, clientError, isPassbaseClientError } from './errors.js'
import { permanent, type Http } from './http.js'
import type { StatusApi } from './status.js'
import type { PassbaseClientError, PassbaseClientOptions, StepUpOptions } from './types.js'
import { nextDelay, sleep, type Poll } from './util.js'

/**
 * The step-up from the page's side: `POST /reauth/start` (bound to an action when the
 * refusal named one), the provider's login button in the dialog, then
 * `POST /reauth/complete` until it answers 200 (it has set the HttpOnly step-up cookie).
 * A step-up that ends otherwise (Cancel, Escape, the caller's signal, a failure) cancels
 * its challenge (`POST /reauth/cancel`) before the dialog goes, so that the next start does
 * not conflict with it.
 * When another step-up was started for the account (410 FST_PASSBASE_STEP_UP_CONFLICT),
 * the dialog says so and offers to end every step-up session (`DELETE /reauth`) until the
 * user closes it.
 */

const STEP_UP_CONFLICT = 'FST_PASSBASE_STEP_UP_CONFLICT'

interface Challenge {
  challengeId: string
  expiresAt?: string
  action?: unknown
}

function isAborted (signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}

export interface StepUpDeps {
  http: Http
  api: StatusApi
  prefix: string
  options: PassbaseClientOptions
  poll: Poll
}

export function createStepUp (deps: StepUpDeps): (opts?: StepUpOptions) => Promise<void> {
  const { http, api, prefix, options, poll } = deps
  const runs = new Map<string, Promise<void>>()
  let queue: Promise<void> = Promise.resolve()

  async function complete (challengeId: string, signal: AbortSignal): Promise<void> {
    const began = Date.now()
    const deadline = began + poll.timeoutMs
    let delay = poll.intervalMs
    for (;;) {
      try {
        const res = await http.call<{ pending?: boolean }>('POST', prefix + '/reauth/complete', { challengeId })
        if (res.statusCode === 200) return
      } catch (err) {
        if (permanent(err)) throw err
      }
      delay = nextDelay(poll, delay, Date.now() - began)
      if (Date.now() + delay > deadline) throw clientError('STEP_UP_TIMEOUT', 'the re-authentication was not confirmed in time')
      await sleep(delay, signal)
    }
  }

  async function run (opts: StepUpOptions): Promise<void> {
    if (isAborted(opts.signal)) throw aborted()
    const startUrl = opts.start ?? prefix + '/reauth/start'
    const [challenge, cfg, current] = await Promise.all([
      http.call<Challenge>('POST', startUrl, opts.actionId !== undefined ? { action: opts.actionId } : {}).then((r) => r.body),
      api.config(),
      api.status()
    ])
    const cancel = async (): Promise<void> => {
      await http.call('POST', prefix + '/reauth/cancel', { challengeId: challenge.challengeId }).then(() => {}, () => {})
    }
    const { button, publishableKey } = await providerButton(cfg, options.buttonScriptUrl).catch(async (err: unknown) => {
      await cancel()
      throw err
    })
    // the details the challenge is bound to, as the server echoed them, else the refusal's
    const action = actionDetails(challenge.action) ?? opts.action
    const view: StepUpOptions = { ...opts, ...(action !== undefined ? { action } : {}) }

    // one way out for Cancel, Escape, the caller's signal and failures: it stops the polling too
    const stop = new AbortController()
    let fail: (err: PassbaseClientError) => void = () => {}
    const abandon = (err: PassbaseClientError): void => {
      stop.abort()
      fail(err)
    }
    const onAbort = (): void => { abandon(aborted()) }
    const dialog = openDialog(view, () => { abandon(clientError(CANCELLED, 'The user cancelled the re-authentication')) })
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    let completed = false
    try {
      if (isAborted(opts.signal)) throw aborted()
      await new Promise<string>((resolve, reject) => {
        fail = reject
        button.renderButton(dialog.slot, publishableKey, {
          integrationType: 'login',
          ...(current.identityId !== undefined ? { identityAccessKey: current.identityId } : {}),
          prefillAttributes: opts.prefillAttributes ?? options.prefillAttributes,
          ...(opts.actionId !== undefined || action !== undefined ? { summary: actionSummary(action) } : {}),
          onStart: () => { dialog.providerOpen(true) },
          onFinish: (identityAccessKey) => {
            dialog.providerOpen(false)
            resolve(identityAccessKey)
          },
          onError: (code: unknown, context?: unknown) => {
            dialog.providerOpen(false)
            const err = buttonError(code, context, 'The re-authentication')
            // a failed face match may be retried with the same button; anything else ends the step-up
            if (err.code !== FACE_MISMATCH) {
              reject(err)
              return
            }
            dialog.say(`${err.message}. Try again or cancel.`, 'error')
            dialog.focusLogin()
          }
        })
        dialog.focusLogin()
      })
      dialog.busy(true)
      dialog.say('Confirming your authentication\u2026', 'busy')
      await new Promise<void>((resolve, reject) => {
        fail = reject
        complete(challenge.challengeId, stop.signal).then(resolve, reject)
      })
      completed = true
    } catch (err) {
      if (isPassbaseClientError(err) && err.code === STEP_UP_CONFLICT && !isAborted(opts.signal)) {
        // the dialog explains until it is closed (Close, Escape or the caller's signal)
        await new Promise<void>((resolve) => {
          fail = () => { resolve() }
          dialog.conflict(async () => { await http.call('DELETE', prefix + '/reauth') })
        })
      }
      throw err
    } finally {
      opts.signal?.removeEventListener('abort', onAbort)
      stop.abort()
      // before the dialog goes: a retry the user starts next must find it cancelled
      if (!completed) await cancel()
      dialog.close()
    }
  }

  /** one run per action (or none) at a time; runs for different actions wait for one another */
  return function stepUp (opts: StepUpOptions = {}): Promise<void> {
    const key = opts.actionId ?? ''
    const existing = runs.get(key)
    if (existing !== undefined) return existing
    const next: Promise<void> = queue.then(() => run(opts)).finally(() => {
      if (runs.get(key) === next) runs.delete(key)
    })
    runs.set(key, next)
    queue = next.catch(() => {})
    return next
  }
}

import type { FetchLike } from './http.js'
import { reauthRefusal } from './refusal.js'
import type { StepUpOptions } from './types.js'

/**
 * `fetch` with the step-up: a step-up refusal runs `stepUp` with what it asks for (the
 * window's `maxAge`, or the action a bound route wants confirmed) and the request is sent
 * once more. A bound confirmation opens that one request: a request with other details
 * gets its own refusal, and its own confirmation.
 */
export function createStepUpFetch (send: FetchLike, stepUp: (opts: StepUpOptions) => Promise<void>): FetchLike {
  return async function passbaseFetch (input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const replay = typeof Request !== 'undefined' && input instanceof Request ? input.clone() : input
    const res = await send(input, init)
    const refusal = await reauthRefusal(res)
    if (refusal === null) return res
    const signal = init?.signal ?? (typeof Request !== 'undefined' && input instanceof Request ? input.signal : undefined)
    await stepUp({ ...refusal, ...(signal !== undefined && signal !== null ? { signal } : {}) })
    return await send(replay, init)
  }
}

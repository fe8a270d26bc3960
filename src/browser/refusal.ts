import { actionDetails } from './action.js'
import type { StepUpOptions } from './types.js'
import { record } from './util.js'

/**
 * Recognises the plugin's step-up refusal: 401 with `code: 'FST_PASSBASE_REAUTH_REQUIRED'`
 * (or only a `WWW-Authenticate: PassbaseReauth …` challenge), and reads what it asks for:
 * `maxAge`, and for a transaction-bound route `actionId` and the `action` details.
 */

export const REAUTH_CODE = 'FST_PASSBASE_REAUTH_REQUIRED'
const ACTION_ID = /^[A-Za-z0-9_-]{1,128}$/

export type Refusal = Pick<StepUpOptions, 'maxAge' | 'actionId' | 'action'>

/** the parameters of the `PassbaseReauth` challenge in a WWW-Authenticate header, or null without one */
export function reauthChallenge (header: string): Record<string, string> | null {
  const at = header.search(/(?:^|,)\s*PassbaseReauth(?:\s|,|$)/i)
  if (at < 0) return null
  const params: Record<string, string> = {}
  const rest = header.slice(at).replace(/^,?\s*PassbaseReauth/i, '')
  const pattern = /\s*,?\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))/gy
  for (let m = pattern.exec(rest); m !== null; m = pattern.exec(rest)) {
    const name = (m[1] as string).toLowerCase()
    params[name] ??= m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3] as string
  }
  return params
}

export async function reauthRefusal (res: Response): Promise<Refusal | null> {
  if (res.status !== 401) return null
  const challenge = reauthChallenge(res.headers.get('www-authenticate') ?? '')
  const body = record(await res.clone().json().catch(() => null))
  if (body.code !== REAUTH_CODE && challenge === null) return null
  const refusal: Refusal = {}
  const headerMaxAge = challenge?.max_age !== undefined && /^\d+$/.test(challenge.max_age) ? Number(challenge.max_age) : undefined
  const maxAge = typeof body.maxAge === 'number' && Number.isFinite(body.maxAge) ? body.maxAge : headerMaxAge
  if (maxAge !== undefined) refusal.maxAge = maxAge
  const actionId = typeof body.actionId === 'string' ? body.actionId : challenge?.action_id
  if (actionId !== undefined && ACTION_ID.test(actionId)) refusal.actionId = actionId
  const action = actionDetails(body.action)
  if (action !== undefined) refusal.action = action
  return refusal
}

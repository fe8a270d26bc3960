import { createHash } from 'node:crypto'

/**
 * Transaction binding (PSD2's dynamic linking): the details a user confirms for one
 * action, e.g. `{ type: 'payout', amount: '50.00 EUR', payee: 'DE89…' }`, and their
 * `actionId`, the base64url SHA-256 of the canonical JSON of the details, the user id and
 * the route. A bound step-up token opens exactly one request whose details give the same id.
 */
export type ActionDetails = Record<string, string | number>

export const MAX_ACTION_BYTES = 1024
const MAX_FIELDS = 32

/** The details as a flat object of strings and finite numbers, at most 1 KiB as JSON; null when they are not. */
export function validDetails (value: unknown): ActionDetails | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return null
  const entries = Object.entries(value)
  if (entries.length === 0 || entries.length > MAX_FIELDS) return null
  for (const [, v] of entries) {
    if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) return null
  }
  const details = Object.fromEntries(entries) as ActionDetails
  return Buffer.byteLength(JSON.stringify(details)) <= MAX_ACTION_BYTES ? details : null
}

/** Canonical JSON of the details: keys in code-point order. */
export function canonicalDetails (details: ActionDetails): string {
  const keys = Object.keys(details).sort()
  let out = '{'
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!
    out += (i === 0 ? '' : ',') + JSON.stringify(k) + ':' + JSON.stringify(details[k])
  }
  return out + '}'
}

/** The action's id: base64url SHA-256 of `[details, userId, route]` as canonical JSON. */
export function actionIdOf (details: ActionDetails, userId: string, route: string): string {
  return createHash('sha256')
    .update(`[${canonicalDetails(details)},${JSON.stringify(userId)},${JSON.stringify(route)}]`)
    .digest('base64url')
}

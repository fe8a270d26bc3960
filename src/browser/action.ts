import type { ActionDetails } from './types.js'
import { record } from './util.js'

/**
 * The details of a transaction-bound step-up as the user reads them. They come from the
 * server but are data: only strings and finite numbers are kept, characters that could
 * disguise a value (controls, bidirectional overrides, zero-width marks) are made visible
 * as U+FFFD, and the dialog sets every piece with `textContent`.
 */

export interface ActionRow {
  key: string
  label: string
  value: string
}

const MAX_FIELDS = 20
const MAX_VALUE = 200
// C0/C1 controls, zero-width and bidi marks, bidi embeddings/overrides/isolates, BOM
// eslint-disable-next-line no-control-regex -- these control characters are what the pattern finds
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g

/** the displayable form of one value */
export function cleanText (value: string | number, max = MAX_VALUE): string {
  const text = String(value).replace(HIDDEN, '\ufffd').trim()
  return text.length > max ? text.slice(0, max - 1) + '\u2026' : text
}

/** the flat string/number fields of `value`, or undefined when there are none */
export function actionDetails (value: unknown): ActionDetails | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
  const out: ActionDetails = {}
  let n = 0
  for (const [key, field] of Object.entries(record(value))) {
    if (n >= MAX_FIELDS) break
    if (typeof field === 'string' || (typeof field === 'number' && Number.isFinite(field))) {
      out[key] = field
      n++
    }
  }
  return n > 0 ? out : undefined
}

/** `payeeName` → "Payee name", `max_amount` → "Max amount" */
export function labelOf (key: string): string {
  const words = cleanText(key, 60).replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_\-.]+/g, ' ').trim().toLowerCase()
  return words === '' ? 'Detail' : words.charAt(0).toUpperCase() + words.slice(1)
}

export function actionRows (details: ActionDetails): ActionRow[] {
  return Object.entries(details).map(([key, value]) => ({ key, label: labelOf(key), value: cleanText(value) }))
}

function field (details: ActionDetails, key: string): string | undefined {
  const value = details[key]
  if (value === undefined) return undefined
  const text = cleanText(value)
  return text === '' ? undefined : text
}

/** the action's kind in words: `payout` → "payout", `bank_transfer` → "bank transfer" */
function kind (details: ActionDetails): string | undefined {
  const type = field(details, 'type')
  return type === undefined ? undefined : labelOf(type).toLowerCase()
}

/** "Confirm payout" (the dialog's title) */
export function actionTitle (details: ActionDetails | undefined): string {
  const what = details === undefined ? undefined : kind(details)
  return what === undefined ? 'Confirm this action' : `Confirm ${what}`
}

/**
 * One line for the dialog and the button: "Confirm payout of 50.00 EUR to DE89 3704 …" when
 * `type`, `amount` and `payee` are there (any of them), else the first fields as "Label: value".
 */
export function actionSummary (details: ActionDetails | undefined): string {
  if (details === undefined) return 'Confirm this action'
  const what = kind(details)
  const amount = field(details, 'amount')
  const payee = field(details, 'payee')
  if (what !== undefined || amount !== undefined || payee !== undefined) {
    let line = 'Confirm ' + (what ?? (amount !== undefined ? 'the payment' : 'the transfer'))
    if (amount !== undefined) line += ` of ${amount}`
    if (payee !== undefined) line += ` to ${payee}`
    return line
  }
  const rows = actionRows(details).filter((row) => row.value !== '').slice(0, 3)
  return rows.length === 0 ? 'Confirm this action' : 'Confirm ' + rows.map((row) => `${row.label}: ${row.value}`).join(', ')
}

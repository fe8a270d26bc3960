/**
 * The verifier form's score: the default each decision suggests, and the rule the flow page
 * checks before it submits (the same as the field's constraints: a number from 0 to 1 with at
 * most two decimals; never empty, never sent as 0 or as a default it did not show).
 */

export type Decision = 'approved' | 'declined' | 'pending'

/** the score a decision puts in the field while the tester has not typed one */
export const DEFAULT_SCORES: Readonly<Record<Decision, string>> = { approved: '0.95', declined: '0.30', pending: '0.80' }

const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i

/**
 * Why `raw` (the field's text) is not a score, as a sentence for the tester; null when it is
 * one. `badInput`: the browser holds text it could not read as a number (its value is then '').
 */
export function scoreProblem (raw: string, badInput = false): string | null {
  const text = raw.trim()
  if (badInput || (text !== '' && !NUMBER.test(text))) return 'The score must be a number from 0 to 1, e.g. 0.95.'
  if (text === '') return 'Enter a score from 0 to 1, e.g. 0.95.'
  const score = Number(text)
  if (!(score >= 0 && score <= 1)) return `The score must be from 0 to 1: ${text} is out of range.`
  if (Math.abs(score * 100 - Math.round(score * 100)) > 1e-7) return `Use at most two decimals, e.g. ${score.toFixed(2)}.`
  return null
}

export function isDecision (value: unknown): value is Decision {
  return value === 'approved' || value === 'declined' || value === 'pending'
}

/**
 * The verifier form's score: the default each decision suggests, and the rule the flow page
 * checks before it submits (the same as the field's constraints: a number from 0 to 1 with at
 * most two decimals; never empty, never sent as 0 or as a default it did not show).
 */

/** what a manual review decides (Passbase reviews approve or decline; pending: a review still open) */
export const DECISIONS = ['approved', 'declined', 'pending'] as const
export type Decision = typeof DECISIONS[number]

/** the score each decision stands for when none is given (the API's review, the verifier form) */
export const DECISION_SCORES: Readonly<Record<Decision, number>> = { approved: 0.95, declined: 0.3, pending: 0.8 }

/** the score a decision puts in the field while the tester has not typed one */
export const DEFAULT_SCORES: Readonly<Record<Decision, string>> = {
  approved: DECISION_SCORES.approved.toFixed(2),
  declined: DECISION_SCORES.declined.toFixed(2),
  pending: DECISION_SCORES.pending.toFixed(2)
}

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
  return (DECISIONS as readonly unknown[]).includes(value)
}

import { DEFAULT_SCORES, isDecision, scoreProblem } from './score.js'

/**
 * The signup form's score field: a decision puts its default score in while the tester has
 * not typed one (an emptied field counts as not typed); a score that is not one is marked
 * invalid (`aria-invalid`, the constraint API's custom validity, the message next to it,
 * the focus on it) and not submitted; the mark follows the field as it is corrected.
 */

export interface ScoreField {
  /** the score to submit, or null (the field is marked and focused) */
  read: () => number | null
}

const DECISION_IDS = ['decision-approve', 'decision-decline', 'decision-pending']

export function scoreField (): ScoreField {
  const input = document.getElementById('score') as HTMLInputElement
  const message = document.getElementById('score-error') as HTMLElement
  let typed = false
  let marked = false

  const problem = (): string | null => scoreProblem(input.value, input.validity?.badInput === true)
  const mark = (text: string | null): void => {
    marked = text !== null
    input.setCustomValidity(text ?? '')
    if (text === null) input.removeAttribute('aria-invalid')
    else input.setAttribute('aria-invalid', 'true')
    message.textContent = text ?? ''
    message.hidden = text === null
  }

  input.addEventListener('input', () => {
    typed = input.value.trim() !== '' || input.validity?.badInput === true
    if (marked) mark(problem())
  })
  for (const id of DECISION_IDS) {
    const radio = document.getElementById(id) as HTMLInputElement | null
    radio?.addEventListener('change', () => {
      if (typed || radio.checked !== true || !isDecision(radio.value)) return
      input.value = DEFAULT_SCORES[radio.value]
      mark(null)
    })
  }

  return {
    read () {
      const found = problem()
      mark(found)
      if (found !== null) {
        input.focus()
        return null
      }
      return Number(input.value.trim())
    }
  }
}

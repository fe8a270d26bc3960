import { actionRows, actionSummary, actionTitle } from './action.js'
import { injectStyle } from './dialog-style.js'
import { trapFocus } from './focus.js'
import type { ActionDetails, StepUpOptions } from './types.js'

/**
 * The step-up prompt: a modal dialog (or a block in `container`) with a title, for a
 * bound action its summary and details, a status line (a polite live region), the
 * provider's login button's slot and Cancel. Every text is set with `textContent`.
 */

export type DialogState = 'info' | 'busy' | 'error'

export interface StepUpDialog {
  /** where the provider's login button is rendered */
  slot: HTMLElement
  say: (text: string, state: DialogState) => void
  /** while confirming: the login button cannot be used (focus moves to Cancel) */
  busy: (on: boolean) => void
  /** focus the login button (after it was rendered) */
  focusLogin: () => void
  /** the provider's flow is open above the dialog: it has the keyboard */
  providerOpen: (open: boolean) => void
  /**
   * Another step-up was started for the account: say so, offer to end every step-up
   * session (`endAll`), and turn Cancel into Close. The dialog stays until it is closed.
   */
  conflict: (endAll: () => Promise<void>) => void
  close: () => void
}

export const CONFLICT_MESSAGE = 'Another step-up was started for this account, so this one was stopped. ' +
  'If that was not you, someone else may be signed in to your account: end every step-up session now, then sign out everywhere.'

let dialogs = 0

function element<K extends keyof HTMLElementTagNameMap> (tag: K, attrs: Record<string, string>, text?: string): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value)
  if (text !== undefined) el.textContent = text
  return el
}

function detailsList (details: ActionDetails): HTMLElement {
  const dl = element('dl', { 'data-testid': 'passbase-stepup-action' })
  for (const row of actionRows(details)) {
    const pair = element('div', { 'data-key': row.key })
    pair.appendChild(element('dt', {}, row.label))
    pair.appendChild(element('dd', { dir: 'auto' }, row.value))
    dl.appendChild(pair)
  }
  return dl
}

function initialMessage (options: StepUpOptions, bound: boolean): string {
  if (options.message !== undefined) return options.message
  if (bound) return 'Confirm it with a face authentication: it is valid for this request only.'
  const minutes = options.maxAge !== undefined ? Math.max(1, Math.round(options.maxAge / 60)) : undefined
  return 'This action needs a fresh face authentication' + (minutes !== undefined ? ` (valid for ${minutes} min)` : '') + '.'
}

export function openDialog (options: StepUpOptions, onCancel: () => void): StepUpDialog {
  injectStyle()
  const n = ++dialogs
  const bound = options.actionId !== undefined
  const described = bound || options.action !== undefined
  const modal = options.container === undefined
  const box = element('div', {
    class: 'passbase-stepup',
    role: 'dialog',
    'aria-modal': modal ? 'true' : 'false',
    'aria-labelledby': `passbase-stepup-title-${n}`,
    'aria-describedby': `passbase-stepup-message-${n}`,
    tabindex: '-1',
    'data-testid': 'passbase-stepup',
    'data-bound': bound ? 'true' : 'false'
  })
  box.appendChild(element('h2', { id: `passbase-stepup-title-${n}` }, options.title ?? (described ? actionTitle(options.action) : 'Confirm it is you')))
  if (described) {
    const summary = element('p', { class: 'passbase-stepup-summary', id: `passbase-stepup-summary-${n}`, 'data-testid': 'passbase-stepup-summary' },
      actionSummary(options.action))
    box.appendChild(summary)
    box.setAttribute('aria-describedby', `passbase-stepup-summary-${n} passbase-stepup-message-${n}`)
    if (options.action !== undefined) box.appendChild(detailsList(options.action))
  }
  const text = element('p', { id: `passbase-stepup-message-${n}`, role: 'status', 'aria-live': 'polite', 'data-testid': 'passbase-stepup-message' })
  const actions = element('div', { class: 'passbase-stepup-actions' })
  const slot = element('div', { class: 'passbase-stepup-slot', 'data-testid': 'passbase-stepup-slot' })
  const cancel = element('button', { type: 'button', class: 'passbase-stepup-cancel', 'data-testid': 'passbase-stepup-cancel' }, 'Cancel')
  cancel.addEventListener('click', onCancel)
  actions.appendChild(slot)
  actions.appendChild(cancel)
  box.appendChild(text)
  box.appendChild(actions)

  let root: HTMLElement = box
  if (modal) {
    root = element('div', { class: 'passbase-stepup-backdrop', 'data-testid': 'passbase-stepup-backdrop' })
    root.appendChild(box)
    document.body.appendChild(root)
  } else {
    options.container?.appendChild(box)
  }

  let provider = false
  const trap = trapFocus(box, { modal, root, onEscape: onCancel, suspended: () => provider })
  const disabled: HTMLButtonElement[] = []

  const say = (message: string, state: DialogState): void => {
    text.textContent = message
    text.setAttribute('data-state', state)
  }
  say(initialMessage(options, bound), 'info')

  return {
    slot,
    say,
    busy (on) {
      slot.inert = on
      slot.setAttribute('data-busy', on ? 'true' : 'false')
      box.setAttribute('aria-busy', on ? 'true' : 'false')
      if (on) {
        for (const button of Array.from(slot.querySelectorAll('button'))) {
          if (button.disabled) continue
          button.disabled = true
          disabled.push(button)
        }
        const active = document.activeElement
        if (active === null || active === document.body || slot.contains(active) || !box.contains(active)) cancel.focus()
      } else {
        for (const button of disabled.splice(0)) button.disabled = false
      }
    },
    focusLogin () {
      trap.focus()
    },
    providerOpen (open) {
      provider = open
    },
    conflict (endAll) {
      slot.hidden = true
      say(CONFLICT_MESSAGE, 'error')
      const end = element('button', { type: 'button', class: 'passbase-stepup-end-all', 'data-testid': 'passbase-stepup-end-all' }, 'End every step-up session')
      end.addEventListener('click', () => {
        end.disabled = true
        endAll().then(() => {
          say('Every step-up session of this account was ended. Sign out everywhere and change your password if it was not you.', 'info')
        }, () => {
          end.disabled = false
          say('The step-up sessions could not be ended. Try again.', 'error')
        })
      })
      actions.appendChild(end)
      actions.appendChild(cancel)
      cancel.textContent = 'Close'
    },
    close () {
      trap.release()
      root.remove()
    }
  }
}

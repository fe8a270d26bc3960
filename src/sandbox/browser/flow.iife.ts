import { focusFirst, installKeys } from './flow-keys.js'
import {
  FLOW_DATA_ID, MESSAGE_SOURCE, type ButtonErrorCode, type FlowData, type FlowMessage, type FlowStep
} from './protocol.js'
import { releaseGate } from './release-gate.js'
import { scoreField } from './score-field.js'

/**
 * The script of the `/flow` page, where the tester plays the verifier. It reports to the
 * host page with postMessage, and only ever to the exact origin the button passed: with
 * no valid origin it shows an error and posts nothing. Its first control takes the focus;
 * Escape cancels (flow-keys.ts); the score is checked before it is sent (score-field.ts).
 */

type Outgoing = FlowMessage extends infer M ? M extends FlowMessage ? Omit<M, 'source'> : never : never

const data = JSON.parse(document.getElementById(FLOW_DATA_ID)?.textContent ?? 'null') as FlowData
const statusEl = document.getElementById('flow-status') as HTMLElement
const originEl = document.getElementById('flow-origin') as HTMLElement
const embedded = window.parent !== window || (window.opener !== null && window.opener !== undefined)
const login = data.integrationType === 'login'
let step: FlowStep = 'START'
const gate = releaseGate()

/** where results go: the parent (overlay iframe) and the opener (popup), at exactly `origin` */
function send (message: Outgoing, origin: string): void {
  const targets: Window[] = []
  if (window.parent !== window) targets.push(window.parent)
  if (window.opener !== null && window.opener !== undefined) targets.push(window.opener as Window)
  for (const target of targets) {
    try {
      target.postMessage({ ...message, source: MESSAGE_SOURCE }, origin)
    } catch (err) {
      console.error(err)
    }
  }
}

/** a message to the host page; what closes the overlay waits for the keys to be released (release-gate.ts) */
function notify (message: Outgoing): void {
  const origin = data.origin
  if (origin === null) return
  gate.post(() => { send(message, origin) }, message.type === 'finish' || message.type === 'error')
}

let reportedHeight = 0

/** tells the overlay how tall the page is (not through the gate: it closes nothing), when it changed */
function reportSize (): void {
  const origin = data.origin
  const card = document.querySelector('main')
  if (origin === null || window.parent === window || card === null) return
  const height = Math.ceil(card.getBoundingClientRect().bottom + window.scrollY + parseFloat(getComputedStyle(card).marginBottom))
  if (height === reportedHeight) return
  reportedHeight = height
  send({ type: 'size', height }, origin)
}

function enter (next: FlowStep): void {
  step = next
  notify({ type: 'step', step })
}

function setStatus (text: string, state: string): void {
  statusEl.textContent = text
  statusEl.setAttribute('data-state', state)
}

function fail (code: ButtonErrorCode, reason: string, message: string): void {
  setStatus(`${message} (${reason})`, 'error')
  notify({ type: 'error', code, step, reason, message })
}

function disable (on: boolean): void {
  document.querySelectorAll<HTMLButtonElement | HTMLInputElement | HTMLSelectElement>('button, input, select').forEach((el) => {
    el.disabled = on
  })
}

function value (id: string): string | undefined {
  const el = document.getElementById(id) as HTMLInputElement | null
  const text = el === null ? '' : el.value.trim()
  return text === '' ? undefined : text
}

function on (id: string, event: string, listener: (event: Event) => void): void {
  document.getElementById(id)?.addEventListener(event, listener)
}

/** posts the submission; null when it failed (already reported) */
async function submit (payload: Record<string, unknown>): Promise<Record<string, unknown> | null> {
  disable(true)
  setStatus('Submitting…', 'busy')
  try {
    const res = await fetch('/flow/submit', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload)
    })
    const body = await res.json().catch(() => ({})) as Record<string, unknown>
    if (res.ok) return body
    disable(false)
    const reason = typeof body.code === 'string' ? body.code : 'HTTP_ERROR'
    const message = typeof body.message === 'string' ? body.message : `HTTP ${res.status}`
    // the tester can correct an invalid form: shown here, not reported
    if (res.status === 400) setStatus(`${message} (${reason})`, 'error')
    else fail(res.status === 422 ? 'BIOMETRIC_AUTHENTICATION_FAILED' : 'FATAL_ERROR', reason, message)
  } catch (err) {
    disable(false)
    fail('FATAL_ERROR', 'NETWORK_ERROR', String(err))
  }
  return null
}

function originCheck (): boolean {
  if (data.originProblem === null || (data.originProblem === 'missing' && !embedded)) {
    if (data.origin === null) originEl.textContent = 'Opened directly: the result is shown on this page only.'
    return true
  }
  const why = data.originProblem === 'missing' ? 'no host origin was given' : 'the host origin is not a valid origin'
  originEl.textContent = `This flow cannot report its result to the page that opened it: ${why}. Nothing is sent.`
  originEl.setAttribute('data-state', 'error')
  originEl.setAttribute('role', 'alert')
  disable(true)
  return false
}

function main (): void {
  reportSize()
  const card = document.querySelector('main')
  if (card !== null && typeof ResizeObserver === 'function') new ResizeObserver(reportSize).observe(card)
  if (!originCheck()) return
  if (data.error !== null) {
    fail('FATAL_ERROR', data.error.code, data.error.message)
    return
  }
  enter(login ? 'FACE_AUTHENTICATION' : 'SUMMARY')
  const cancelButton = document.getElementById('cancel') as HTMLButtonElement
  const cancel = (): void => {
    if (cancelButton.disabled) return
    disable(true)
    setStatus('Cancelled', 'cancelled')
    notify({ type: 'error', code: 'CANCELLED_BY_USER', step, reason: 'CANCELLED_BY_USER', message: 'The user cancelled the verification' })
  }
  cancelButton.addEventListener('click', cancel)
  installKeys({
    origin: data.origin,
    framed: window.parent !== window,
    // opened directly in a tab, nobody would hear the cancel
    onEscape: () => { if (embedded) cancel() },
    onFocusOut: () => { notify({ type: 'focus-out' }) }
  })
  const base = { key: data.key, integrationType: data.integrationType, metaData: data.metaData === '' ? undefined : data.metaData }
  if (login) {
    const authenticate = async (result: 'pass' | 'fail'): Promise<void> => {
      const body = await submit({ ...base, identityAccessKey: value('identity-access-key'), email: value('email'), result })
      if (body === null) return
      setStatus('Authenticated', 'done')
      enter('FINISHED')
      notify({ type: 'finish', identityAccessKey: String(body.identityAccessKey) })
    }
    on('login-pass', 'click', () => { void authenticate('pass') })
    on('login-fail', 'click', () => { void authenticate('fail') })
    focusFirst()
    return
  }
  const score = scoreField()
  on('flow-form', 'submit', (event) => {
    event.preventDefault()
    const checked = score.read()
    if (checked === null) return
    void (async () => {
      const decision = document.querySelector<HTMLInputElement>('input[name=decision]:checked')
      const body = await submit({
        ...base,
        email: value('email'),
        firstName: value('first-name'),
        lastName: value('last-name'),
        documentType: value('document-type'),
        documentCountry: value('document-country'),
        documentExpiry: value('document-expiry'),
        decision: decision === null ? 'approved' : decision.value,
        score: checked
      })
      if (body === null) return
      const key = String(body.identityAccessKey)
      setStatus(`Submitted. Identity ${key} is processing.`, 'done')
      statusEl.setAttribute('data-identity-access-key', key)
      enter('FINISHED')
      notify({ type: 'submitted', identityAccessKey: key })
      notify({ type: 'finish', identityAccessKey: key })
    })()
  })
  focusFirst()
}

main()

import { script } from '../../generated/sandbox-browser-flow.js'
import { FLOW_DATA_ID, type FlowData, type IntegrationType, type OriginProblem } from '../browser/protocol.js'
import { DEFAULT_SCORES } from '../browser/score.js'
import { DEFAULT_COUNTRY, isCountryCode } from '../identities/fixtures.js'
import { DOCUMENT_TYPES } from '../wire.js'
import { escapeHtml, renderPage, type RenderedPage } from './html.js'

/**
 * The verification page the sandbox serves at `GET /flow` (inside the button's overlay
 * iframe, or opened directly). The tester plays the verifier: approve, decline or send
 * to manual review with a score and a document expiry, or pass/fail a login. Every
 * value taken from the query is escaped.
 */

export interface FlowView {
  key: string
  integrationType: IntegrationType
  email: string
  /** ISO 3166-1 alpha-2, from prefillAttributes.country */
  country: string
  /** the raw encrypted metaData, re-sent on submit */
  metaData: string
  /** what metaData decrypted to, shown to the tester */
  metadata: Record<string, unknown> | null
  identityAccessKey: string
  /** login mode: what the user confirms (untrusted text) */
  summary: string
  /** the host page's exact origin, the only postMessage target */
  origin: string | null
  originProblem: OriginProblem | null
  error?: { code: string, message: string }
}

function metadataBlock (view: FlowView): string {
  if (view.metadata === null) return ''
  return `<label for="metadata">Metadata (decrypted)</label>
    <pre id="metadata" data-testid="metadata">${escapeHtml(JSON.stringify(view.metadata, null, 2))}</pre>`
}

function documentFields (view: FlowView): string {
  const options = DOCUMENT_TYPES.map((type) => `<option value="${type}">${type.replace(/_/g, ' ').toLowerCase()}</option>`).join('')
  return `<label for="document-type">Document</label>
    <select id="document-type" name="documentType" data-testid="document-type">${options}</select>
    <label for="document-country">Document country (ISO 3166, 2 letters)</label>
    <input id="document-country" name="documentCountry" type="text" maxlength="2" data-testid="document-country"
      value="${escapeHtml(isCountryCode(view.country) ? view.country.toUpperCase() : DEFAULT_COUNTRY)}">
    <label for="document-expiry">Document expires on (optional)</label>
    <input id="document-expiry" name="documentExpiry" type="date" data-testid="document-expiry">`
}

function signupForm (view: FlowView): string {
  return `<form id="flow-form" data-testid="flow-form" novalidate>
    <label for="email">Email</label>
    <input id="email" name="email" type="email" data-testid="email" autocomplete="off" value="${escapeHtml(view.email)}">
    <label for="first-name">First name</label>
    <input id="first-name" name="firstName" type="text" data-testid="first-name" value="Sandbox">
    <label for="last-name">Last name</label>
    <input id="last-name" name="lastName" type="text" data-testid="last-name" value="User">
    ${documentFields(view)}
    ${metadataBlock(view)}
    <fieldset>
      <legend>Decision</legend>
      <label><input type="radio" name="decision" value="approved" id="decision-approve" data-testid="decision-approve" checked> Approve</label>
      <label><input type="radio" name="decision" value="declined" id="decision-decline" data-testid="decision-decline"> Decline</label>
      <label><input type="radio" name="decision" value="pending" id="decision-pending" data-testid="decision-pending"> Manual review (pending)</label>
    </fieldset>
    <label for="score">Score (0–1)</label>
    <input id="score" name="score" type="number" min="0" max="1" step="0.01" value="${DEFAULT_SCORES.approved}" required
      inputmode="decimal" aria-describedby="score-hint score-error" data-testid="score">
    <p id="score-hint" class="hint field">Until you type one, the decision sets it: approve ${DEFAULT_SCORES.approved},
      manual review ${DEFAULT_SCORES.pending}, decline ${DEFAULT_SCORES.declined}.</p>
    <p id="score-error" class="field-error" data-testid="score-error" role="alert" hidden></p>
    <div class="actions">
      <button type="button" id="cancel" data-testid="cancel">Cancel</button>
      <button type="submit" id="submit" data-testid="submit" class="primary">Submit verification</button>
    </div>
  </form>`
}

function loginForm (view: FlowView): string {
  const summary = view.summary === ''
    ? ''
    : `<p class="summary" id="summary" data-testid="summary" role="note" aria-label="What you confirm">${escapeHtml(view.summary)}</p>`
  return `${summary}<form id="flow-form" data-testid="flow-form" novalidate>
    <label for="identity-access-key">Identity access key</label>
    <input id="identity-access-key" name="identityAccessKey" type="text" data-testid="identity-access-key" autocomplete="off"
      value="${escapeHtml(view.identityAccessKey)}">
    <label for="email">Email</label>
    <input id="email" name="email" type="email" data-testid="email" autocomplete="off" value="${escapeHtml(view.email)}">
    <p class="hint result" id="face-authentication">You play the face authentication: fail it or pass it.</p>
    <div class="actions">
      <button type="button" id="cancel" data-testid="cancel">Cancel</button>
      <div class="choice" role="group" aria-labelledby="face-authentication">
        <button type="button" id="login-fail" data-testid="login-fail" class="danger">Fail login</button>
        <button type="button" id="login-pass" data-testid="login-pass" class="primary">Pass login</button>
      </div>
    </div>
  </form>`
}

export function renderFlowPage (view: FlowView): RenderedPage {
  const login = view.integrationType === 'login'
  let form: string
  if (view.error !== undefined) {
    form = `<p class="error" role="alert" data-testid="flow-error" data-code="${escapeHtml(view.error.code)}">${escapeHtml(view.error.message)}</p>`
  } else {
    form = login ? loginForm(view) : signupForm(view)
  }
  const data: FlowData = {
    key: view.key,
    integrationType: view.integrationType,
    metaData: view.metaData,
    origin: view.origin,
    originProblem: view.originProblem,
    error: view.error ?? null
  }
  return renderPage({
    title: login ? 'Log in with Passbase' : 'Verify your identity',
    mainAttributes: `data-testid="flow" data-integration-type="${view.integrationType}"`,
    body: `<p class="hint">Passbase sandbox: you play the verifier.</p>
    <p id="flow-origin" class="status" data-testid="flow-origin"></p>
    ${form}
    <p id="flow-status" class="status" data-testid="flow-status" role="status" aria-live="polite"></p>`,
    data: { id: FLOW_DATA_ID, value: data },
    script,
    frameable: true
  })
}

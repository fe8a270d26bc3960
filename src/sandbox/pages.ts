/**
 * The verification page the sandbox serves at `GET /flow` (inside the button's
 * overlay iframe, or opened directly). The tester plays the verifier: approve,
 * decline or send to manual review with a score, or pass/fail a login. Results go
 * back to the host page with `postMessage` ({ source: 'passbase-sandbox', type }).
 */

export type IntegrationType = 'signup' | 'login'

export interface FlowView {
  key: string
  integrationType: IntegrationType
  email: string
  /** the raw encrypted metaData, re-sent on submit */
  metaData: string
  /** what metaData decrypted to, shown to the tester */
  metadata: Record<string, unknown> | null
  identityAccessKey: string
  /** the host page's origin, the postMessage target ('*' when unknown) */
  origin: string
  error?: { code: string, message: string }
}

export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function scriptJson (value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
}

const STYLE = `
  :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
  body { margin: 0; background: #f4f6fb; color: #1b2240; }
  main { max-width: 380px; margin: 24px auto; background: #fff; border-radius: 12px; padding: 24px;
         box-shadow: 0 4px 24px rgba(27, 34, 64, .12); }
  h1 { font-size: 1.25rem; margin: 0 0 4px; }
  p.hint { margin: 0 0 16px; color: #5b6285; font-size: .9rem; }
  p.hint.result { margin: 16px 0 0; }
  label { display: block; font-size: .85rem; font-weight: 600; margin: 12px 0 4px; }
  input[type=email], input[type=text], input[type=number] { box-sizing: border-box; width: 100%; padding: 8px 10px;
         border: 1px solid #c9cee3; border-radius: 6px; font: inherit; }
  fieldset { border: 1px solid #c9cee3; border-radius: 6px; margin: 16px 0 0; padding: 8px 12px; }
  legend { font-size: .85rem; font-weight: 600; padding: 0 4px; }
  fieldset label { display: flex; gap: 8px; align-items: center; font-weight: 400; margin: 6px 0; }
  pre { background: #f4f6fb; border-radius: 6px; padding: 8px; font-size: .8rem; overflow: auto; }
  .actions { display: flex; gap: 8px; justify-content: flex-end; margin-top: 20px; }
  button { font: inherit; border-radius: 6px; padding: 8px 14px; cursor: pointer; border: 1px solid #c9cee3; background: #fff; }
  button.primary { background: #2f5bea; border-color: #2f5bea; color: #fff; }
  button.danger { background: #d93b3b; border-color: #d93b3b; color: #fff; }
  button:disabled { opacity: .6; cursor: default; }
  #flow-status { min-height: 1.2em; margin: 16px 0 0; font-size: .9rem; }
  #flow-status[data-state=error], .error { color: #b42323; }
  #flow-status[data-state=done] { color: #1d7a3a; }
`

function metadataBlock (view: FlowView): string {
  if (view.metadata === null) return ''
  return `<label for="metadata">Metadata (decrypted)</label>
    <pre id="metadata" data-testid="metadata">${escapeHtml(JSON.stringify(view.metadata, null, 2))}</pre>`
}

function signupForm (view: FlowView): string {
  return `<form id="flow-form" data-testid="flow-form" novalidate>
    <label for="email">Email</label>
    <input id="email" name="email" type="email" data-testid="email" autocomplete="off" value="${escapeHtml(view.email)}">
    <label for="first-name">First name</label>
    <input id="first-name" name="firstName" type="text" data-testid="first-name" value="Sandbox">
    <label for="last-name">Last name</label>
    <input id="last-name" name="lastName" type="text" data-testid="last-name" value="User">
    ${metadataBlock(view)}
    <fieldset>
      <legend>Decision</legend>
      <label><input type="radio" name="decision" value="approved" id="decision-approve" data-testid="decision-approve" checked> Approve</label>
      <label><input type="radio" name="decision" value="declined" id="decision-decline" data-testid="decision-decline"> Decline</label>
      <label><input type="radio" name="decision" value="pending" id="decision-pending" data-testid="decision-pending"> Manual review (pending)</label>
    </fieldset>
    <label for="score">Score (0–1)</label>
    <input id="score" name="score" type="number" min="0" max="1" step="0.01" value="0.95" data-testid="score">
    <div class="actions">
      <button type="button" id="cancel" data-testid="cancel">Cancel</button>
      <button type="submit" id="submit" data-testid="submit" class="primary">Submit verification</button>
    </div>
  </form>`
}

function loginForm (view: FlowView): string {
  return `<form id="flow-form" data-testid="flow-form" novalidate>
    <label for="identity-access-key">Identity access key</label>
    <input id="identity-access-key" name="identityAccessKey" type="text" data-testid="identity-access-key" autocomplete="off"
      value="${escapeHtml(view.identityAccessKey)}">
    <label for="email">Email</label>
    <input id="email" name="email" type="email" data-testid="email" autocomplete="off" value="${escapeHtml(view.email)}">
    <p class="hint result">Face authentication result:</p>
    <div class="actions">
      <button type="button" id="cancel" data-testid="cancel">Cancel</button>
      <button type="button" id="login-fail" data-testid="login-fail" class="danger">Fail login</button>
      <button type="button" id="login-pass" data-testid="login-pass" class="primary">Pass login</button>
    </div>
  </form>`
}

const CLIENT_SCRIPT = `
(function () {
  'use strict'
  var data = JSON.parse(document.getElementById('flow-data').textContent)
  var statusEl = document.getElementById('flow-status')
  function notify (message) {
    message.source = 'passbase-sandbox'
    var targets = []
    if (window.parent && window.parent !== window) targets.push(window.parent)
    if (window.opener) targets.push(window.opener)
    targets.forEach(function (target) {
      try { target.postMessage(message, data.origin) } catch (err) { console.error(err) }
    })
  }
  function setStatus (text, state) {
    statusEl.textContent = text
    statusEl.setAttribute('data-state', state)
  }
  function fail (code, message) {
    setStatus(message + ' (' + code + ')', 'error')
    notify({ type: 'error', code: code, message: message })
  }
  function disable (on) {
    Array.prototype.forEach.call(document.querySelectorAll('button, input'), function (el) { el.disabled = on })
  }
  function value (id) {
    var el = document.getElementById(id)
    return el ? el.value.trim() : ''
  }
  async function submit (payload) {
    disable(true)
    setStatus('Submitting…', 'busy')
    try {
      var res = await fetch('/flow/submit', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload)
      })
      var body = await res.json().catch(function () { return {} })
      if (res.ok) return body
      disable(false)
      fail(body.code || 'UNKNOWN_ERROR', body.message || 'HTTP ' + res.status)
    } catch (err) {
      disable(false)
      fail('NETWORK_ERROR', String(err))
    }
    return null
  }
  if (data.error) {
    fail(data.error.code, data.error.message)
    return
  }
  document.getElementById('cancel').addEventListener('click', function () {
    disable(true)
    setStatus('Cancelled', 'cancelled')
    notify({ type: 'error', code: 'CANCELLED_BY_USER', message: 'The user cancelled the verification' })
  })
  var base = { key: data.key, integrationType: data.integrationType, metaData: data.metaData || undefined }
  if (data.integrationType === 'login') {
    var login = async function (result) {
      var body = await submit(Object.assign({}, base, {
        identityAccessKey: value('identity-access-key') || undefined, email: value('email') || undefined, result: result
      }))
      if (!body) return
      setStatus('Authenticated', 'done')
      notify({ type: 'finish', identityAccessKey: body.identityAccessKey })
    }
    document.getElementById('login-pass').addEventListener('click', function () { login('pass') })
    document.getElementById('login-fail').addEventListener('click', function () { login('fail') })
    return
  }
  document.getElementById('flow-form').addEventListener('submit', async function (event) {
    event.preventDefault()
    var decision = document.querySelector('input[name=decision]:checked')
    var body = await submit(Object.assign({}, base, {
      email: value('email') || undefined,
      firstName: value('first-name') || undefined,
      lastName: value('last-name') || undefined,
      decision: decision ? decision.value : 'approved',
      score: Number(value('score'))
    }))
    if (!body) return
    setStatus('Submitted. Identity ' + body.identityAccessKey + ' is processing.', 'done')
    statusEl.setAttribute('data-identity-access-key', body.identityAccessKey)
    notify({ type: 'submitted', identityAccessKey: body.identityAccessKey })
    notify({ type: 'finish', identityAccessKey: body.identityAccessKey })
  })
})()
`

export function renderFlowPage (view: FlowView): string {
  const login = view.integrationType === 'login'
  const title = login ? 'Log in with Passbase' : 'Verify your identity'
  let body: string
  if (view.error !== undefined) {
    body = `<p class="error" role="alert" data-testid="flow-error" data-code="${escapeHtml(view.error.code)}">${escapeHtml(view.error.message)}</p>`
  } else {
    body = login ? loginForm(view) : signupForm(view)
  }
  const data = {
    key: view.key,
    integrationType: view.integrationType,
    metaData: view.metaData,
    origin: view.origin,
    error: view.error ?? null
  }
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Passbase Sandbox — ${escapeHtml(title)}</title>
  <style>${STYLE}</style>
</head>
<body>
  <main data-testid="flow" data-integration-type="${view.integrationType}">
    <h1>${escapeHtml(title)}</h1>
    <p class="hint">Passbase sandbox: you play the verifier.</p>
    ${body}
    <p id="flow-status" data-testid="flow-status" role="status" aria-live="polite"></p>
  </main>
  <script type="application/json" id="flow-data">${scriptJson(data)}</script>
  <script>${CLIENT_SCRIPT}</script>
</body>
</html>
`
}

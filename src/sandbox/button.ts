/**
 * `GET /button.js`: `window.Passbase.renderButton(element, publishableKey, options)`
 * with the real button's API. Clicking opens the sandbox flow page in an in-page
 * overlay iframe; the page answers with postMessage, and the script calls
 * onStart / onSubmitted / onFinish / onError like the real button.
 */

const SCRIPT = `
(function () {
  'use strict'
  var current = document.currentScript && document.currentScript.src
  var ORIGIN = current ? new URL(current).origin : FALLBACK_ORIGIN
  var STYLE_ID = 'passbase-sandbox-style'
  var CSS = [
    '.passbase-button { font: 600 15px/1 system-ui, sans-serif; padding: 12px 20px; border: 0; border-radius: 8px;',
    '  background: #2f5bea; color: #fff; cursor: pointer; }',
    '.passbase-button:hover { background: #2449c4; }',
    '.passbase-overlay { position: fixed; inset: 0; z-index: 2147483646; background: rgba(15, 20, 40, .55);',
    '  display: flex; align-items: center; justify-content: center; }',
    '.passbase-dialog { position: relative; width: min(440px, 96vw); height: min(700px, 94vh); }',
    '.passbase-frame { width: 100%; height: 100%; border: 0; border-radius: 12px; background: #f4f6fb; }',
    '.passbase-close { position: absolute; top: 8px; right: 8px; border: 0; background: transparent; font-size: 20px;',
    '  cursor: pointer; color: #5b6285; }'
  ].join('\\n')
  var active = null

  function injectStyle () {
    if (document.getElementById(STYLE_ID)) return
    var style = document.createElement('style')
    style.id = STYLE_ID
    style.textContent = CSS
    document.head.appendChild(style)
  }

  function call (fn, arg) {
    if (typeof fn !== 'function') return
    try { fn(arg) } catch (err) { setTimeout(function () { throw err }) }
  }

  function close () {
    if (!active) return
    window.removeEventListener('message', active.onMessage)
    document.removeEventListener('keydown', active.onKey)
    active.overlay.remove()
    active = null
  }

  function cancel (options) {
    close()
    call(options.onError, { code: 'CANCELLED_BY_USER', message: 'The user cancelled the verification' })
  }

  function open (publishableKey, options) {
    if (active) return
    var login = options.integrationType === 'login'
    var params = new URLSearchParams()
    params.set('key', publishableKey || '')
    params.set('integrationType', login ? 'login' : 'signup')
    params.set('origin', window.location.origin)
    if (options.metaData) params.set('metaData', options.metaData)
    var prefill = options.prefillAttributes || {}
    if (prefill.email) params.set('email', prefill.email)
    if (options.identityAccessKey) params.set('identityAccessKey', options.identityAccessKey)

    var overlay = document.createElement('div')
    overlay.className = 'passbase-overlay'
    overlay.setAttribute('data-testid', 'passbase-overlay')
    var dialog = document.createElement('div')
    dialog.className = 'passbase-dialog'
    dialog.setAttribute('role', 'dialog')
    dialog.setAttribute('aria-modal', 'true')
    dialog.setAttribute('aria-label', login ? 'Log in with Passbase' : 'Verify your identity')
    var frame = document.createElement('iframe')
    frame.className = 'passbase-frame'
    frame.name = 'passbase-flow'
    frame.title = 'Passbase verification'
    frame.setAttribute('data-testid', 'passbase-frame')
    frame.src = ORIGIN + '/flow?' + params.toString()
    var closeButton = document.createElement('button')
    closeButton.type = 'button'
    closeButton.className = 'passbase-close'
    closeButton.setAttribute('aria-label', 'Close')
    closeButton.setAttribute('data-testid', 'passbase-close')
    closeButton.textContent = '\\u00d7'
    closeButton.addEventListener('click', function () { cancel(options) })
    dialog.appendChild(frame)
    dialog.appendChild(closeButton)
    overlay.appendChild(dialog)

    var onMessage = function (event) {
      if (event.origin !== ORIGIN || event.source !== frame.contentWindow) return
      var message = event.data
      if (!message || message.source !== 'passbase-sandbox') return
      if (message.type === 'submitted') {
        call(options.onSubmitted, message.identityAccessKey)
      } else if (message.type === 'finish') {
        close()
        call(options.onFinish, message.identityAccessKey)
      } else if (message.type === 'error') {
        close()
        call(options.onError, { code: message.code, message: message.message })
      }
    }
    var onKey = function (event) { if (event.key === 'Escape') cancel(options) }
    active = { overlay: overlay, onMessage: onMessage, onKey: onKey }
    window.addEventListener('message', onMessage)
    document.addEventListener('keydown', onKey)
    document.body.appendChild(overlay)
    call(options.onStart)
  }

  function renderButton (element, publishableKey, options) {
    options = options || {}
    var target = typeof element === 'string' ? document.querySelector(element) : element
    if (!target) throw new Error('Passbase.renderButton: element not found')
    injectStyle()
    var login = options.integrationType === 'login'
    var button = document.createElement('button')
    button.type = 'button'
    button.className = 'passbase-button'
    button.setAttribute('data-testid', login ? 'passbase-login-button' : 'passbase-verify-button')
    button.textContent = login ? 'Log in with Passbase' : 'Verify Me'
    button.addEventListener('click', function () { open(publishableKey, options) })
    target.replaceChildren(button)
    return { button: button, open: function () { open(publishableKey, options) }, close: close }
  }

  window.Passbase = window.Passbase || {}
  window.Passbase.renderButton = renderButton
})()
`

/** the button script; `fallbackOrigin` is used when `document.currentScript` is unavailable */
export function buttonScript (fallbackOrigin: string): string {
  return SCRIPT.replace('FALLBACK_ORIGIN', () => JSON.stringify(fallbackOrigin))
}

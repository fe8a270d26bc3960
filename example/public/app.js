/* The wallet page. `PassbaseClient` comes from the plugin: <script src="/passbase/client.js">. */
(function () {
  'use strict'

  const passbase = window.PassbaseClient.createPassbaseClient()
  const money = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' })
  const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short' })
  // badge, explanation, and how a refusal describes the status
  const STATUS = {
    none: ['Not verified', 'Verify your identity to open your profile and send payouts. It takes a minute.', 'your identity is not verified yet'],
    created: ['Started', 'Your verification has started.', 'your verification has only just started'],
    processing: ['Processing', 'The provider is checking your documents (usually under 90 seconds). This page updates by itself.',
      'your documents are still being checked'],
    pending: ['In review', 'Your verification is waiting for a manual review.', 'your verification is waiting for a manual review'],
    approved: ['Verified', 'Your identity is verified. Profile and payouts are open.', 'your identity is verified'],
    declined: ['Declined', 'Your verification was declined. You can try again.', 'your verification was declined'],
    expired: ['Expired', 'Your verification has expired. Verify again to open your profile and send payouts.', 'your verification has expired']
  }
  const REASONS = {
    metadata_mismatch: 'the identity was started for another account',
    score_below_threshold: 'the verification score is below the wallet\u2019s threshold',
    watchlist: 'the identity is on a watchlist'
  }
  const OFFER_VERIFY = ['none', 'declined', 'expired']
  const FOLLOW = ['created', 'processing', 'pending']
  let user = null
  let current = null
  let following = false
  let noticeTimer
  let expiryTimer

  function $ (id) { return document.getElementById(id) }

  function describe (status) {
    return (STATUS[status] || [status, '', 'your verification status is unknown'])
  }

  function notice (text, kind) {
    const el = $('notice')
    el.textContent = text
    el.setAttribute('data-kind', kind || 'info')
    el.hidden = false
    clearTimeout(noticeTimer)
    noticeTimer = setTimeout(hideNotice, 6000)
  }

  /** a notice that no longer holds (the user opened the flow again) goes at once */
  function hideNotice () {
    clearTimeout(noticeTimer)
    $('notice').hidden = true
  }

  /** a polite announcement for screen readers (the status changes by itself) */
  function announce (text) {
    const el = $('announcer')
    el.textContent = ''
    setTimeout(function () { el.textContent = text }, 50)
  }

  function result (el, kind, content) {
    el.className = 'result ' + kind
    el.replaceChildren()
    if (typeof content === 'string') el.textContent = content
    else el.appendChild(content)
  }

  function clear (el) {
    el.className = 'result'
    el.replaceChildren()
  }

  function definitionList (rows) {
    const dl = document.createElement('dl')
    rows.forEach(function (row) {
      const dt = document.createElement('dt')
      dt.textContent = row[0]
      const dd = document.createElement('dd')
      dd.textContent = row[1]
      dl.appendChild(dt)
      dl.appendChild(dd)
    })
    return dl
  }

  async function getJson (url, init) {
    const res = await fetch(url, Object.assign({ credentials: 'same-origin' }, init))
    const body = res.status === 204 ? null : await res.json().catch(function () { return null })
    return { res, body }
  }

  /** while a request runs its button says so and ignores presses (aria-disabled keeps it focusable) */
  function setBusy (button, on) {
    button.setAttribute('aria-disabled', on ? 'true' : 'false')
  }

  function isBusy (button) {
    return button.getAttribute('aria-disabled') === 'true'
  }

  /** a refusal in words (shown in `out`); a 403 names the user's status and refreshes the badge when it changed */
  function refusal (res, body, out) {
    body = body || {}
    if (res.status === 403 && body.status) {
      if (!current || body.status !== current.status) refreshStatus(out)
      return 'Refused (403): a verified identity is required, and ' + describe(body.status)[2] + '.'
    }
    if (res.status === 401 && body.code === 'FST_PASSBASE_REAUTH_REQUIRED') return 'Not sent: this payout was not confirmed. Send it again to confirm it.'
    if (res.status === 401) return 'Refused (401): sign in again.'
    if (res.status === 409) return 'Refused (409): not enough funds.'
    return 'Refused (' + res.status + '): ' + (body.message || 'the request failed') + '.'
  }

  /** shows `s`; on a change, clears the results it makes stale (all but `keep`) and announces it */
  function showStatus (s, keep) {
    const text = describe(s.status)
    const changed = current !== null && (current.status !== s.status || current.expiresAt !== s.expiresAt)
    const badge = $('status')
    badge.textContent = text[0]
    badge.setAttribute('data-status', s.status)
    let explanation = text[1]
    if (s.status === 'approved' && s.expiresAt) {
      explanation = 'Your identity is verified until ' + dateTime.format(new Date(s.expiresAt)) + '. Profile and payouts are open.'
    }
    $('status-text').textContent = explanation
    const detail = []
    if (typeof s.score === 'number' && s.status !== 'created' && s.status !== 'processing') detail.push('Score ' + s.score.toFixed(2))
    if (s.reason) detail.push(REASONS[s.reason] || s.reason)
    if (s.identityId) detail.push('Identity ' + s.identityId.slice(0, 8) + '\u2026')
    $('status-detail').textContent = detail.join(' \u00b7 ')

    const verify = $('verify')
    const focusWasThere = verify.contains(document.activeElement) || document.activeElement === document.body
    verify.hidden = OFFER_VERIFY.indexOf(s.status) < 0
    // the Verify Me button disappears once the flow is submitted: keep the keyboard user's place
    if (verify.hidden && focusWasThere && changed) $('verification-title').focus()

    if (changed) {
      // a refusal shown for the old status would contradict the new one
      ['profile', 'payout-result'].forEach(function (id) { if ($(id) !== keep) clear($(id)) })
      announce('Identity status: ' + text[0] + '. ' + explanation)
    }
    current = s
    scheduleExpiryCheck(s)
    loadActivity()
  }

  /** look again when an approval reaches its expiresAt */
  function scheduleExpiryCheck (s) {
    clearTimeout(expiryTimer)
    if (s.status !== 'approved' || !s.expiresAt) return
    const wait = new Date(s.expiresAt).getTime() - Date.now() + 1000
    if (wait > 0 && wait < 2147483647) expiryTimer = setTimeout(refreshStatus, wait)
  }

  async function refreshStatus (keep) {
    try {
      const s = await passbase.status()
      showStatus(s, keep)
      if (FOLLOW.indexOf(s.status) >= 0) follow()
    } catch (err) {
      notice('Cannot read the verification status: ' + err.message, 'error')
    }
  }

  function follow () {
    if (following) return
    following = true
    passbase.waitForStatus({ onStatus: showStatus })
      .catch(function (err) { notice(err.message, 'error') })
      .finally(function () { following = false })
  }

  async function loadActivity () {
    const list = $('activity')
    const got = await getJson('/activity')
    if (!got.res.ok) return
    list.replaceChildren()
    got.body.entries.forEach(function (e) {
      const li = document.createElement('li')
      const what = document.createElement('span')
      what.textContent = e.kind === 'payout'
        ? 'Payout ' + money.format(e.amount) + ' to ' + e.payee
        : 'Verification: ' + describe(e.from)[0] + ' \u2192 ' + describe(e.to)[0] +
          (typeof e.score === 'number' && e.to !== 'processing' && e.to !== 'expired' ? ' (score ' + e.score.toFixed(2) + ')' : '')
      li.setAttribute('data-kind', e.kind)
      li.setAttribute('data-to', e.to || '')
      const when = document.createElement('time')
      when.dateTime = e.at
      when.textContent = new Date(e.at).toLocaleTimeString()
      li.appendChild(what)
      li.appendChild(when)
      list.appendChild(li)
    })
  }

  async function openProfile () {
    const button = $('open-profile')
    if (isBusy(button)) return
    const out = $('profile')
    setBusy(button, true)
    result(out, '', 'Loading\u2026')
    try {
      const got = await getJson('/profile')
      if (got.res.ok) {
        const p = got.body
        result(out, 'ok', definitionList([
          ['Name', [p.firstName, p.lastName].filter(Boolean).join(' ') || '\u2013'],
          ['Email', p.email || '\u2013'],
          ['Identity', p.identityId],
          ['Score', typeof p.score === 'number' ? p.score.toFixed(2) : '\u2013'],
          ['Verified', new Date(p.verifiedAt).toLocaleString()]
        ]))
      } else {
        result(out, 'error', refusal(got.res, got.body, out))
      }
    } catch (err) {
      result(out, 'error', 'The profile could not be loaded: ' + err.message)
    } finally {
      setBusy(button, false)
    }
  }

  /** the form's own check, before anything is sent: a message next to the field, focus on it */
  function invalid (input, message) {
    const error = $('payout-error')
    error.textContent = message
    input.setAttribute('aria-invalid', 'true')
    input.focus()
    return false
  }

  function validPayout (amountInput, payeeInput) {
    amountInput.removeAttribute('aria-invalid')
    payeeInput.removeAttribute('aria-invalid')
    $('payout-error').textContent = ''
    const amount = Number(amountInput.value)
    if (amountInput.value.trim() === '' || !Number.isFinite(amount)) return invalid(amountInput, 'Enter an amount in euros, e.g. 50 or 12.30.')
    if (amount <= 0 || amount > 100000) return invalid(amountInput, 'The amount must be more than €0 and at most €100,000.')
    if (Math.abs(Math.round(amount * 100) - amount * 100) > 1e-6) return invalid(amountInput, 'Use at most two decimals (cents).')
    if (!/^[A-Za-z]{2}[0-9]{2}[A-Za-z0-9 ]{11,40}$/.test(payeeInput.value.trim())) {
      return invalid(payeeInput, 'Enter the payee\u2019s IBAN, e.g. DE89 3704 0044 0532 0130 00.')
    }
    return true
  }

  async function payout (event) {
    event.preventDefault()
    const button = $('payout-submit')
    if (isBusy(button)) return
    const amountInput = $('amount')
    const payeeInput = $('payee')
    if (!validPayout(amountInput, payeeInput)) return
    const out = $('payout-result')
    setBusy(button, true)
    result(out, '', 'Sending\u2026')
    try {
      // a bound route: passbase.fetch shows the payout's details, runs the face authentication and retries once
      const res = await passbase.fetch('/payout', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ amount: Number(amountInput.value), payee: payeeInput.value.trim() })
      })
      const body = await res.json().catch(function () { return {} })
      if (res.ok) {
        result(out, 'ok', 'Sent ' + money.format(body.amount) + ' to ' + body.payee + '. Payout ' + body.payoutId.slice(0, 8) + '\u2026')
        $('balance').textContent = money.format(body.balance)
        loadActivity()
      } else {
        result(out, 'error', refusal(res, body, out))
      }
    } catch (err) {
      const cancelled = err && err.code === 'CANCELLED_BY_USER'
      result(out, 'error', cancelled
        ? 'Payout cancelled: it was not confirmed, nothing was sent.'
        : 'Payout failed: ' + err.message + '.')
    } finally {
      setBusy(button, false)
    }
  }

  async function openStatement () {
    const button = $('open-statement')
    if (isBusy(button)) return
    const out = $('statement')
    setBusy(button, true)
    result(out, '', 'Loading\u2026')
    try {
      // an unbound route: one face authentication opens it for 5 minutes
      const res = await passbase.fetch('/statement')
      const body = await res.json().catch(function () { return {} })
      if (!res.ok) {
        result(out, 'error', refusal(res, body, out))
        return
      }
      if (body.entries.length === 0) {
        result(out, 'ok', 'No payouts yet.')
        return
      }
      result(out, 'ok', definitionList(body.entries.map(function (e) {
        return [new Date(e.at).toLocaleString(), money.format(e.amount) + ' to ' + e.payee]
      })))
    } catch (err) {
      result(out, 'error', err && err.code === 'CANCELLED_BY_USER'
        ? 'Statement not opened: it needs a face authentication.'
        : 'The statement could not be loaded: ' + err.message + '.')
    } finally {
      setBusy(button, false)
    }
  }

  async function endStepUp () {
    try {
      await passbase.endStepUp()
      clear($('statement'))
      notice('Statement locked: opening it asks for a face authentication again.')
    } catch (err) {
      notice(err.message, 'error')
    }
  }

  async function signIn (event) {
    event.preventDefault()
    const name = $('name')
    if (!name.checkValidity()) {
      notice('Enter a name: letters, digits, spaces, dots or dashes.', 'error')
      name.focus()
      return
    }
    const got = await getJson('/session', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: name.value.trim() })
    })
    if (!got.res.ok) {
      notice((got.body && got.body.message) || 'Sign-in failed', 'error')
      name.focus()
      return
    }
    await boot()
    $('dashboard-title').focus()
  }

  async function signOut () {
    await getJson('/session', { method: 'DELETE' })
    window.location.reload()
  }

  async function boot () {
    const got = await getJson('/session')
    const session = got.body
    $('provider').textContent = session.sandboxUrl ? 'in-process sandbox at ' + session.sandboxUrl : 'external (PASSBASE_API_URL)'
    user = session.user
    $('signin').hidden = user !== null
    $('dashboard').hidden = user === null
    $('who').hidden = user === null
    if (user === null) {
      $('name').focus()
      return
    }
    $('user-name').textContent = user.name
    $('avatar').textContent = user.name.charAt(0)
    $('balance').textContent = money.format(session.balance)
    const status = await passbase.status()
    showStatus(status)
    try {
      await passbase.renderVerifyButton('#verify', {
        prefillAttributes: { email: user.name.replace(/[^A-Za-z0-9._-]/g, '.') + '@example.com' },
        onStatus: showStatus,
        onStart: hideNotice,
        onError: function (err) {
          notice(err.code === 'CANCELLED_BY_USER' ? 'Verification cancelled.' : 'Verification failed: ' + err.message + '.', 'error')
        }
      })
    } catch (err) {
      notice('Cannot show the Verify Me button: ' + err.message, 'error')
    }
    if (FOLLOW.indexOf(status.status) >= 0) follow()
  }

  $('signin-form').addEventListener('submit', signIn)
  $('sign-out').addEventListener('click', signOut)
  $('open-profile').addEventListener('click', openProfile)
  $('payout-form').addEventListener('submit', payout)
  $('open-statement').addEventListener('click', openStatement)
  $('end-stepup').addEventListener('click', endStepUp)
  boot().catch(function (err) { notice(err.message, 'error') })
})()

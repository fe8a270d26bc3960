/* The wallet page. `PassbaseClient` comes from the plugin: <script src="/passbase/client.js">. */
(function () {
  'use strict'

  var passbase = window.PassbaseClient.createPassbaseClient()
  var money = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' })
  var STATUS = {
    none: ['Not verified', 'Verify your identity to open your profile and send payouts. It takes a minute.'],
    created: ['Started', 'Your verification has started.'],
    processing: ['Processing', 'The provider is checking your documents (usually under 90 seconds). This page updates by itself.'],
    pending: ['In review', 'Your verification is waiting for a manual review.'],
    approved: ['Verified', 'Your identity is verified. Profile and payouts are open.'],
    declined: ['Declined', 'Your verification was declined. You can try again.']
  }
  var REASONS = {
    metadata_mismatch: 'the identity was started for another account',
    score_below_threshold: 'the verification score is below the wallet\u2019s threshold'
  }
  var user = null
  var following = false
  var noticeTimer

  function $ (id) { return document.getElementById(id) }

  function notice (text, kind) {
    var el = $('notice')
    el.textContent = text
    el.setAttribute('data-kind', kind || 'info')
    el.hidden = false
    clearTimeout(noticeTimer)
    noticeTimer = setTimeout(function () { el.hidden = true }, 5000)
  }

  function result (el, kind, content) {
    el.className = 'result ' + kind
    el.replaceChildren()
    if (typeof content === 'string') el.textContent = content
    else el.appendChild(content)
  }

  function definitionList (rows) {
    var dl = document.createElement('dl')
    rows.forEach(function (row) {
      var dt = document.createElement('dt')
      dt.textContent = row[0]
      var dd = document.createElement('dd')
      dd.textContent = row[1]
      dl.appendChild(dt)
      dl.appendChild(dd)
    })
    return dl
  }

  async function getJson (url, init) {
    var res = await fetch(url, Object.assign({ credentials: 'same-origin' }, init))
    var body = res.status === 204 ? null : await res.json().catch(function () { return null })
    return { res: res, body: body }
  }

  function showStatus (s) {
    var text = STATUS[s.status] || [s.status, '']
    var badge = $('status')
    badge.textContent = text[0]
    badge.setAttribute('data-status', s.status)
    $('status-text').textContent = text[1]
    var detail = []
    if (typeof s.score === 'number' && s.status !== 'created' && s.status !== 'processing') detail.push('Score ' + s.score.toFixed(2))
    if (s.reason) detail.push(REASONS[s.reason] || s.reason)
    if (s.identityId) detail.push('Identity ' + s.identityId.slice(0, 8) + '\u2026')
    $('status-detail').textContent = detail.join(' \u00b7 ')
    $('verify').hidden = !(s.status === 'none' || s.status === 'declined')
    loadActivity()
  }

  function follow () {
    if (following) return
    following = true
    passbase.waitForStatus({ onStatus: showStatus })
      .catch(function (err) { notice(err.message, 'error') })
      .finally(function () { following = false })
  }

  async function loadActivity () {
    var list = $('activity')
    var got = await getJson('/activity')
    if (!got.res.ok) return
    list.replaceChildren()
    got.body.entries.forEach(function (e) {
      var li = document.createElement('li')
      var what = document.createElement('span')
      what.textContent = e.kind === 'payout'
        ? 'Payout ' + money.format(e.amount) + ' to ' + e.iban
        : 'Verification ' + e.from + ' \u2192 ' + e.to + (typeof e.score === 'number' && e.to !== 'processing' ? ' (score ' + e.score.toFixed(2) + ')' : '')
      li.setAttribute('data-kind', e.kind)
      var when = document.createElement('time')
      when.dateTime = e.at
      when.textContent = new Date(e.at).toLocaleTimeString()
      li.appendChild(what)
      li.appendChild(when)
      list.appendChild(li)
    })
  }

  async function openProfile () {
    var out = $('profile')
    var got = await getJson('/profile')
    if (got.res.ok) {
      var p = got.body
      result(out, 'ok', definitionList([
        ['Name', [p.firstName, p.lastName].filter(Boolean).join(' ') || '\u2013'],
        ['Email', p.email || '\u2013'],
        ['Identity', p.identityId],
        ['Score', typeof p.score === 'number' ? p.score.toFixed(2) : '\u2013'],
        ['Verified', new Date(p.verifiedAt).toLocaleString()]
      ]))
    } else if (got.res.status === 403) {
      var status = got.body && got.body.status
      result(out, 'error', 'Refused (403): a verified identity is required' + (status ? '; yours is ' + status : '') + '.')
    } else {
      result(out, 'error', 'Refused (' + got.res.status + '): ' + ((got.body && got.body.message) || 'error'))
    }
  }

  async function payout (event) {
    event.preventDefault()
    var out = $('payout-result')
    var button = event.submitter || $('payout-form').querySelector('button')
    button.disabled = true
    out.className = 'result'
    out.textContent = 'Sending\u2026'
    try {
      // passbase.fetch runs the step-up when the route answers 401 REAUTH_REQUIRED, then retries once
      var res = await passbase.fetch('/payout', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ amount: Number($('amount').value), iban: $('iban').value })
      })
      var body = await res.json().catch(function () { return {} })
      if (res.ok) {
        result(out, 'ok', 'Sent ' + money.format(body.amount) + ' to ' + body.iban + '. Payout ' + body.payoutId.slice(0, 8) + '\u2026')
        $('balance').textContent = money.format(body.balance)
        loadActivity()
      } else {
        result(out, 'error', 'Refused (' + res.status + '): ' + (body.message || 'error'))
      }
    } catch (err) {
      var cancelled = err && err.code === 'CANCELLED_BY_USER'
      result(out, 'error', cancelled ? 'Payout cancelled: it needs a face re-authentication.' : 'Payout failed: ' + err.message)
    } finally {
      button.disabled = false
    }
  }

  async function endStepUp () {
    try {
      await passbase.endStepUp()
      notice('Payouts locked: the next one asks for a face authentication again.')
    } catch (err) {
      notice(err.message, 'error')
    }
  }

  async function signIn (event) {
    event.preventDefault()
    var got = await getJson('/session', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: $('name').value.trim() })
    })
    if (!got.res.ok) return notice((got.body && got.body.message) || 'Sign-in failed', 'error')
    boot()
  }

  async function signOut () {
    await getJson('/session', { method: 'DELETE' })
    window.location.reload()
  }

  async function boot () {
    var got = await getJson('/session')
    var session = got.body
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
    var current = await passbase.status()
    showStatus(current)
    try {
      await passbase.renderVerifyButton('#verify', {
        prefillAttributes: { email: user.name.replace(/[^A-Za-z0-9._-]/g, '.') + '@example.com' },
        onStatus: showStatus,
        onError: function (err) {
          notice(err.code === 'CANCELLED_BY_USER' ? 'Verification cancelled.' : 'Verification: ' + err.message, 'error')
        }
      })
    } catch (err) {
      notice('Cannot show the Verify Me button: ' + err.message, 'error')
    }
    if (current.status === 'created' || current.status === 'processing' || current.status === 'pending') follow()
  }

  $('signin-form').addEventListener('submit', signIn)
  $('sign-out').addEventListener('click', signOut)
  $('open-profile').addEventListener('click', openProfile)
  $('payout-form').addEventListener('submit', payout)
  $('end-stepup').addEventListener('click', endStepUp)
  boot().catch(function (err) { notice(err.message, 'error') })
})()

import { createCipheriv, randomBytes } from 'node:crypto'
import t from 'tap'
import { decryptWebhook, encryptWebhook, webhookKey } from '../../src/protocol/crypto.js'
import { deliveryKey, parseWebhookEvent } from '../../src/protocol/events.js'
import { harness, linkNew, statusOf, WEBHOOK_SECRET } from '../helpers/app.js'

const key = webhookKey(WEBHOOK_SECRET)

t.test('crypto round trip and rejection', async (t) => {
  const body = encryptWebhook(key, '{"a":1}')
  t.equal(decryptWebhook(key, body), '{"a":1}')
  t.equal(decryptWebhook(key, `  ${body}\n`), '{"a":1}')
  t.equal(decryptWebhook(webhookKey('b'.repeat(32)), body), null, 'wrong key (padding fails or garbage)')
  t.equal(decryptWebhook(key, ''), null)
  t.equal(decryptWebhook(key, 'not base64 !!'), null)
  t.equal(decryptWebhook(key, Buffer.alloc(20).toString('base64')), null, 'not a whole block')
  t.equal(decryptWebhook(key, Buffer.alloc(16).toString('base64')), null, 'IV only')
  t.throws(() => webhookKey('short'))
  // interoperable with a plain AES-256-CBC implementation (IV || ciphertext, PKCS#7)
  const iv = randomBytes(16)
  const c = createCipheriv('aes-256-cbc', Buffer.from(WEBHOOK_SECRET), iv)
  const wire = Buffer.concat([iv, c.update('{"event":"x"}'), c.final()]).toString('base64')
  t.equal(decryptWebhook(key, wire), '{"event":"x"}')
})

t.test('event schemas and delivery keys', async (t) => {
  const e = parseWebhookEvent('{"event":"VERIFICATION_REVIEWED","key":"abc","status":"approved","created":1,"updated":2,"processed":3,"extra":true}')
  t.ok(e)
  t.equal(deliveryKey(e!), 'VERIFICATION_REVIEWED|abc|approved|2')
  const d = parseWebhookEvent('{"event":"DATAPOINT_UPDATED","key":"abc","resource_key":"r1","type":"email","value":"x"}')
  t.equal(deliveryKey(d!), 'DATAPOINT_UPDATED|abc|||r1|email')
  t.equal(parseWebhookEvent('{"event":"NOPE","key":"abc"}'), null)
  t.equal(parseWebhookEvent('{"event":"VERIFICATION_REVIEWED"}'), null)
  t.equal(parseWebhookEvent('{"event":"VERIFICATION_REVIEWED","key":"a b"}'), null)
  // a status outside the documented five is only a hint (the identity fetched decides): tolerated, never a 400 that the provider retries forever
  t.match(parseWebhookEvent('{"event":"VERIFICATION_REVIEWED","key":"a","status":"verified"}'), { status: 'verified' })
  t.equal(parseWebhookEvent('{"event":"VERIFICATION_REVIEWED","key":"a","status":5}'), null)
  t.equal(parseWebhookEvent('{'), null)
  t.equal(parseWebhookEvent('[]'), null)
})

t.test('every bad webhook gets one identical 400 and changes nothing', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const id = await linkNew(h, 'alice')
  await h.sandbox.setIdentity(id, { status: 'approved', score: 0.99 })
  const valid = JSON.stringify({ event: 'VERIFICATION_REVIEWED', key: id, status: 'approved', updated: 5 })
  const good = encryptWebhook(key, valid)
  const raw = Buffer.from(good, 'base64')
  const flipped = Buffer.from(raw)
  flipped[flipped.length - 1] ^= 1
  const flippedIv = Buffer.from(raw)
  flippedIv[0] ^= 0xff
  const bodies: Array<{ payload: string, type?: string }> = [
    { payload: 'garbage' },
    { payload: '' },
    { payload: good.slice(0, -8) },
    { payload: flipped.toString('base64') },
    { payload: flippedIv.toString('base64') }, // decrypts to a corrupted first block: invalid JSON
    { payload: encryptWebhook(webhookKey('z'.repeat(32)), valid) },
    { payload: encryptWebhook(key, 'not json') },
    { payload: encryptWebhook(key, '{"event":"VERIFICATION_REVIEWED"}') },
    { payload: encryptWebhook(key, '{"event":"UNKNOWN","key":"x"}') },
    { payload: valid, type: 'application/json' }, // plain JSON refused by default
    { payload: good, type: 'application/octet-stream' },
    { payload: good, type: 'text/html' }
  ]
  const answers = new Set<string>()
  for (const { payload, type } of bodies) {
    const res = await h.app.inject({ method: 'POST', url: '/passbase/webhooks', headers: { 'content-type': type ?? 'text/plain' }, payload })
    t.equal(res.statusCode, 400, `400 for ${payload.slice(0, 20)} (${type ?? 'text/plain'})`)
    answers.add(`${res.statusCode} ${res.headers['content-type']} ${res.body}`)
  }
  t.equal(answers.size, 1, 'one identical answer')
  t.match([...answers][0], /FST_PASSBASE_BAD_WEBHOOK/)
  const noBody = await h.app.inject({ method: 'POST', url: '/passbase/webhooks' })
  t.equal(`${noBody.statusCode} ${noBody.headers['content-type']} ${noBody.body}`, [...answers][0])
  t.equal((await statusOf(h, 'alice')).status, 'processing', 'no state change')
  // the valid one still works
  const ok = await h.app.inject({ method: 'POST', url: '/passbase/webhooks', headers: { 'content-type': 'text/plain' }, payload: good })
  t.equal(ok.statusCode, 200)
  t.equal((await statusOf(h, 'alice')).status, 'approved')
})

t.test('body limit: 413 over 64 KiB', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const res = await h.app.inject({ method: 'POST', url: '/passbase/webhooks', headers: { 'content-type': 'text/plain' }, payload: 'A'.repeat(64 * 1024 + 1) })
  t.equal(res.statusCode, 413)
  t.equal(res.json().code, 'FST_PASSBASE_WEBHOOK_TOO_LARGE')
  const json = await h.app.inject({ method: 'POST', url: '/passbase/webhooks', headers: { 'content-type': 'application/json' }, payload: `{"a":"${'A'.repeat(70000)}"}` })
  t.equal(json.statusCode, 413)
})

t.test('plain JSON only with allowUnencryptedWebhooks; host JSON parser untouched', async (t) => {
  const h = await harness({
    plugin: { allowUnencryptedWebhooks: true },
    routes: (app) => { app.post('/echo', async (request) => request.body) }
  })
  t.teardown(h.close)
  const id = await linkNew(h, 'bob')
  h.sandbox.setIdentity(id, { status: 'declined', score: 0.2 })
  const res = await h.app.inject({ method: 'POST', url: '/passbase/webhooks', payload: { event: 'VERIFICATION_REVIEWED', key: id, status: 'declined', updated: 9 } })
  t.equal(res.statusCode, 200)
  t.equal((await statusOf(h, 'bob')).status, 'declined')
  const echo = await h.app.inject({ method: 'POST', url: '/echo', payload: { hello: 'world' } })
  t.same(echo.json(), { hello: 'world' }, 'host JSON parsing unchanged')
  const text = await h.app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'text/plain' }, payload: 'hi' })
  t.equal(text.body, 'hi', "host's text/plain parser unchanged")
})

t.test('events it does not act on, and identities nobody linked, are 200', async (t) => {
  const h = await harness()
  t.teardown(h.close)
  const stranger = await h.sandbox.createIdentity({ status: 'approved' })
  for (const event of ['VERIFICATION_REVIEWED', 'WATCHLIST_MONITORING', 'DATAPOINT_UPDATED', 'IDENTITY_AUTHENTICATED']) {
    const d = await h.sandbox.deliver({ event, key: stranger.id, status: 'approved', updated: stranger.updated })
    t.equal(d.status, 200, event)
  }
  t.equal(h.sandbox.stats().api.byKind.getIdentity, 0, 'no API fetch for unlinked identities')
})

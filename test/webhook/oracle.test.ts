import { createCipheriv, randomBytes } from 'node:crypto'
import fc from 'fast-check'
import t from 'tap'
import { encryptWebhook, openWebhook, webhookKey } from '../../src/protocol/crypto.js'
import { checkPadding } from '../../src/protocol/padding.js'
import { parseWebhookEvent } from '../../src/protocol/events.js'
import { readDelivery } from '../../src/webhook/read.js'
import { harness, WEBHOOK_SECRET } from '../helpers/app.js'

/**
 * Attack: a timing padding oracle. A ciphertext with bad PKCS#7 padding used to be refused
 * before any parse (decipher.final() threw), one with good padding went on to toString and
 * JSON.parse: 20–40 µs more, enough to single out the right byte and forge an encrypted
 * IDENTITY_AUTHENTICATED without the key. Now the padding is checked in constant time and
 * every body goes through the same parse. (bench/oracle.js runs the attack itself.)
 */

/** The reference: PKCS#7 validity, written plainly (with branches). */
function reference (block: Uint8Array): { valid: 0 | 1, length: number } {
  const p = block[block.length - 1]!
  if (p < 1 || p > 16) return { valid: 0, length: 0 }
  for (let i = 1; i <= p; i++) if (block[block.length - i] !== p) return { valid: 0, length: 0 }
  return { valid: 1, length: p }
}

t.test('constant-time PKCS#7 check: every padding length, every corruption inside it, every last byte', async (t) => {
  for (let p = 1; p <= 16; p++) {
    const block = randomBytes(32)
    block.fill(p, 32 - p)
    t.same(checkPadding(block), { valid: 1, length: p }, `valid padding of length ${p}`)
    for (let i = 2; i <= p; i++) {
      const bad = Buffer.from(block)
      bad[32 - i] = bad[32 - i]! ^ 0x01
      t.same(checkPadding(bad), { valid: 0, length: 0 }, `length ${p}, byte -${i} corrupted`)
    }
  }
  for (let last = 0; last < 256; last++) {
    const block = Buffer.alloc(16, last)
    t.same(checkPadding(block), reference(block), `a block of ${last}s`)
  }
  await fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 64 }).filter((a) => a.length % 16 === 0), fc.integer({ min: 0, max: 20 }), (bytes, tail) => {
    const block = Uint8Array.from(bytes)
    // often a (nearly) valid padding, so both branches of the reference are exercised
    if (tail > 0 && tail <= 16) block.fill(tail, block.length - tail)
    t.same(checkPadding(block), reference(block))
  }), { seed: 9101, numRuns: 5000 })
})

const KEY = webhookKey(WEBHOOK_SECRET)

/** IV || AES-256-CBC without padding of `plaintext` (a whole number of blocks): its padding is whatever its last bytes are. */
function rawCiphertext (key: Buffer, plaintext: Buffer): string {
  const iv = randomBytes(16)
  const cipher = createCipheriv('aes-256-cbc', key, iv)
  cipher.setAutoPadding(false)
  return Buffer.concat([iv, cipher.update(plaintext), cipher.final()]).toString('base64')
}

t.test('a bad padding and a good padding over a bad plaintext reach the same parse, once, with data of the same length', async (t) => {
  const seen: string[] = []
  const parse = (text: string): ReturnType<typeof parseWebhookEvent> => {
    seen.push(text)
    return parseWebhookEvent(text)
  }
  const garbage = randomBytes(48)
  const badPadding = Buffer.from(garbage)
  badPadding[47] = 0x00 // never valid
  const goodPadding = Buffer.from(garbage)
  goodPadding[47] = 0x01 // valid: one byte of padding
  const notAnEvent = encryptWebhook(KEY, JSON.stringify({ hello: 'world', padding: 'x'.repeat(20) }))
  const bodies = { 'bad padding': rawCiphertext(KEY, badPadding), 'good padding, garbage plaintext': rawCiphertext(KEY, goodPadding), 'good padding, not an event': notAnEvent }
  for (const [what, body] of Object.entries(bodies)) {
    seen.length = 0
    t.equal(readDelivery('text/plain', body, { keys: [KEY], allowUnencrypted: false, parse }), null, `${what}: refused`)
    t.equal(seen.length, 1, `${what}: parsed exactly once`)
    t.ok(seen[0]!.length > 0, `${what}: the parse sees the decrypted bytes, not an empty string`)
  }
  // the bad-padding body is parsed over the whole decrypted buffer, the good-padding one over it minus one byte
  const opened = [openWebhook([KEY], bodies['bad padding']), openWebhook([KEY], bodies['good padding, garbage plaintext'])]
  t.same(opened.map((o) => o.ok), [false, true])
  t.equal(Buffer.byteLength(opened[0]!.text, 'utf8') > 0, true)
})

t.test('rotation: a delivery under any of the secrets opens, with every secret tried every time', async (t) => {
  const secrets = [WEBHOOK_SECRET, 'b'.repeat(32), 'C0123456789012345678901234567890']
  const keys = secrets.map(webhookKey)
  const event = JSON.stringify({ event: 'VERIFICATION_REVIEWED', key: 'abc', status: 'approved', updated: 5 })
  for (const [i, key] of keys.entries()) {
    const opened = openWebhook(keys, encryptWebhook(key, event))
    t.same(opened, { text: event, ok: true }, `under secret ${i + 1} of ${keys.length}`)
  }
  const stranger = webhookKey('z'.repeat(32))
  t.same(openWebhook(keys, encryptWebhook(stranger, event)).ok, false, 'under another secret: refused')
  // the selection does not stop at the first key: a later key's plaintext is chosen without a branch on which
  const both = openWebhook([stranger, keys[1]!], encryptWebhook(keys[1]!, event))
  t.same(both, { text: event, ok: true })
})

t.test('over HTTP: both kinds of bad body get the same status, headers, body and log line', async (t) => {
  const lines: string[] = []
  const h = await harness({ logger: { level: 'info', stream: { write: (l: string) => { lines.push(l) } } } })
  t.teardown(h.close)
  const garbage = randomBytes(48)
  garbage[47] = 0x00
  const goodPad = Buffer.from(garbage)
  goodPad[47] = 0x01
  const answers = []
  for (const body of [rawCiphertext(KEY, garbage), rawCiphertext(KEY, goodPad), encryptWebhook(KEY, '{"event":"NOPE"}')]) {
    lines.length = 0
    const res = await h.app.inject({ method: 'POST', url: '/passbase/webhooks', headers: { 'content-type': 'text/plain' }, payload: body })
    const { date, ...headers } = res.headers
    const logged = lines.map((l) => JSON.parse(l) as { msg?: string }).filter((l) => l.msg?.startsWith('passbase')).map((l) => l.msg)
    answers.push({ status: res.statusCode, body: res.body, headers, logged })
  }
  t.equal(answers[0]!.status, 400)
  t.same(answers[1], answers[0], 'good padding over garbage = bad padding')
  t.same(answers[2], answers[0], 'a valid ciphertext of a non-event = bad padding')
  t.same(answers[0]!.logged, ['passbase: refused an invalid webhook'])
})

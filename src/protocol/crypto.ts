import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { BLOCK, checkPadding } from './padding.js'

/**
 * Passbase webhook encryption: base64 of `IV (16 bytes) || AES-256-CBC(JSON)` with PKCS#7
 * padding, keyed with the 32-character ASCII secret used directly as the key.
 */

const IV_BYTES = 16
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

export function webhookKey (secret: string): Buffer {
  const key = Buffer.from(secret, 'latin1')
  if (key.length !== 32 || !/^[\x20-\x7e]{32}$/.test(secret)) {
    throw new TypeError('webhook secret must be exactly 32 ASCII characters')
  }
  return key
}

export function encryptWebhook (key: Buffer, plaintext: string): string {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-cbc', key, iv)
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64')
}

/** What `openWebhook` found: the text to parse, and whether the padding was valid under one of the keys. */
export interface OpenedWebhook {
  text: string
  ok: boolean
}

const MALFORMED: OpenedWebhook = { text: '', ok: false }

/**
 * Decrypts a webhook body under every key, always all of them (rotation without a
 * timing difference between keys), with automatic padding removal off, checks each
 * padding in constant time and selects the first valid plaintext without branching on
 * which one it was. When no padding is valid, the first key's plaintext is returned
 * (`ok: false`): the caller then runs exactly the same parse on comparable bytes, so a
 * bad padding and a good padding over a bad plaintext cost the same work.
 * A body that is not base64 of IV + whole blocks is `{ ok: false }` at once (that says
 * nothing secret: the sender knows what it sent).
 */
export function openWebhook (keys: readonly Buffer[], body: string): OpenedWebhook {
  const text = body.trim()
  if (text.length === 0 || !BASE64.test(text)) return MALFORMED
  const raw = Buffer.from(text, 'base64')
  if (raw.length < IV_BYTES + BLOCK || (raw.length - IV_BYTES) % BLOCK !== 0) return MALFORMED
  const iv = raw.subarray(0, IV_BYTES)
  const ciphertext = raw.subarray(IV_BYTES)
  let chosen: Buffer | undefined
  let found = 0
  let strip = 0
  for (const key of keys) {
    const decipher = createDecipheriv('aes-256-cbc', key, iv)
    decipher.setAutoPadding(false)
    const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()])
    const { valid, length } = checkPadding(plaintext)
    if (chosen === undefined) {
      // the first key's plaintext is the default (also when no key is valid)
      chosen = plaintext
      found = valid
      strip = length
      continue
    }
    // take this one when it is valid and none before was: a masked, branch-free select
    const take = valid & (found ^ 1)
    const mask = -take & 0xff
    for (let i = 0; i < plaintext.length; i++) chosen[i] = chosen[i]! ^ ((chosen[i]! ^ plaintext[i]!) & mask)
    strip |= length & -take
    found |= valid
  }
  const plaintext = chosen as Buffer
  return { text: plaintext.toString('utf8', 0, plaintext.length - strip), ok: found === 1 }
}

/**
 * Decrypts a webhook body under one key; null for anything that is not a well-formed
 * ciphertext under it. Kept for host code and tests; the plugin uses `openWebhook`.
 */
export function decryptWebhook (key: Buffer, body: string): string | null {
  const opened = openWebhook([key], body)
  return opened.ok ? opened.text : null
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

/**
 * Passbase webhook encryption: base64 of `IV (16 bytes) || AES-256-CBC(JSON)` with
 * PKCS#7 padding, keyed with the 32-character ASCII secret used directly as the key.
 */

const IV_BYTES = 16
const BLOCK = 16

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

/**
 * Decrypts a webhook body; returns null for anything that is not a well-formed
 * ciphertext under this key. Callers must answer every null the same way.
 */
export function decryptWebhook (key: Buffer, body: string): string | null {
  const text = body.trim()
  if (text.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null
  const raw = Buffer.from(text, 'base64')
  if (raw.length < IV_BYTES + BLOCK || (raw.length - IV_BYTES) % BLOCK !== 0) return null
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, raw.subarray(0, IV_BYTES))
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES)), decipher.final()]).toString('utf8')
  } catch {
    return null
  }
}

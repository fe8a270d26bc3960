/**
 * PKCS#7 padding checked in constant time: the work and the branches do not depend on
 * the bytes (no early exit, no data-dependent branch), so that the time a bad webhook
 * takes tells nothing about its plaintext (no padding oracle).
 */

/** AES's block size in bytes (PKCS#7 pads to it) */
export const BLOCK = 16

/**
 * For a decrypted buffer (a whole number of 16-byte blocks): `valid` is 1 when it ends
 * with valid PKCS#7 padding (the last byte p is 1..16 and the last p bytes all equal p),
 * else 0; `length` is p when valid, else 0.
 */
export function checkPadding (plaintext: Uint8Array): { valid: 0 | 1, length: number } {
  const n = plaintext.length
  const p = plaintext[n - 1]! | 0
  let bad = 0
  for (let i = 1; i <= BLOCK; i++) {
    // all ones when i <= p (i < p + 1), else zero
    const inPadding = (i - (p + 1)) >> 31
    bad |= inPadding & (plaintext[n - i]! ^ p)
  }
  // p == 0 and p > 16 are invalid
  bad |= ((p - 1) >> 31) & 0xff
  bad |= ((BLOCK - p) >> 31) & 0xff
  const valid = ((bad - 1) >>> 31) as 0 | 1
  return { valid, length: p & -valid }
}

import { constants, createPublicKey, publicDecrypt, type KeyObject } from 'node:crypto'

/**
 * The button's `metaData`: base64 of the JSON encrypted by the host with its RSA
 * private key (PKCS#1 v1.5); the provider opens it with the uploaded public key.
 */

export class InvalidMetadataError extends Error {
  readonly code = 'INVALID_METADATA'
}

export function loadPublicKey (key: string | KeyObject): KeyObject {
  if (typeof key !== 'string' && key.type === 'public') return key
  return createPublicKey(key)
}

export function decryptMetadata (key: KeyObject, metaData: string): Record<string, unknown> {
  const text = metaData.trim()
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new InvalidMetadataError('metaData is not base64')
  let parsed: unknown
  try {
    const plain = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(text, 'base64'))
    parsed = JSON.parse(plain.toString('utf8'))
  } catch {
    throw new InvalidMetadataError('metaData does not decrypt to JSON with the metadata public key')
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidMetadataError('metaData must decrypt to a JSON object')
  }
  return parsed as Record<string, unknown>
}

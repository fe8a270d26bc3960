import { constants, privateEncrypt, type KeyObject } from 'node:crypto'
import { UserIdTooLongError } from '../errors.js'

/**
 * The button's `metaData`: the JSON `{ "user_id": … }` encrypted with the host's RSA
 * private key (`privateEncrypt`, PKCS#1 v1.5), base64. The provider decrypts it with the
 * uploaded public key and returns it as `identity.metadata`, which binds the identity
 * to the user who started it.
 */

/** PKCS#1 v1.5 needs 11 bytes of padding in each RSA block. */
const PKCS1_OVERHEAD = 11

export function signMetadata (key: KeyObject, userId: string): string {
  const plaintext = Buffer.from(JSON.stringify({ user_id: userId }))
  const modulusBytes = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8)
  if (plaintext.length > modulusBytes - PKCS1_OVERHEAD) throw new UserIdTooLongError()
  return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, plaintext).toString('base64')
}

/** Whether the identity's metadata names exactly this user. */
export function isBoundTo (metadata: Record<string, unknown> | null, userId: string): boolean {
  const bound = metadata?.user_id
  return typeof bound === 'string' && bound === userId
}

import { createHash, randomUUID } from 'node:crypto'
import type { WireOwner } from './types.js'

/** Realistic-looking fake data: owners, a passport resource and its scanned image. */

/** a valid 1×1 PNG */
export const FAKE_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64'
)

export interface StoredFile {
  id: string
  contentType: string
  bytes: Buffer
}

export interface StoredResource {
  id: string
  type: string
  datapoints: Record<string, unknown>
  files: StoredFile[]
  created: number
}

const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Ken', 'Margaret', 'Linus']
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Thompson', 'Hamilton', 'Torvalds']

function digest (text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

export function defaultOwner (id: string, owner: Partial<WireOwner> = {}): WireOwner {
  const h = digest(id)
  return {
    email: owner.email ?? `user-${id.slice(0, 8)}@example.com`,
    first_name: owner.first_name ?? FIRST_NAMES[h[0] % FIRST_NAMES.length],
    last_name: owner.last_name ?? LAST_NAMES[h[1] % LAST_NAMES.length]
  }
}

function pad (n: number): string {
  return String(n).padStart(2, '0')
}

/** a passport whose datapoints derive deterministically from the identity id and owner */
export function passportResource (id: string, owner: WireOwner, created: number): StoredResource {
  const h = digest(`${id}:passport`)
  const year = 1950 + (h[0] % 55)
  const birth = `${year}-${pad(1 + (h[1] % 12))}-${pad(1 + (h[2] % 28))}`
  const expiry = `${new Date(created * 1000).getUTCFullYear() + 1 + (h[3] % 9)}-${pad(1 + (h[4] % 12))}-${pad(1 + (h[5] % 28))}`
  return {
    id: randomUUID(),
    type: 'PASSPORT',
    datapoints: {
      document_number: `P${h.readUInt32BE(6).toString().padStart(10, '0').slice(0, 8)}`,
      first_name: owner.first_name,
      last_name: owner.last_name,
      date_of_birth: birth,
      date_of_expiry: expiry,
      nationality: 'DEU',
      sex: h[10] % 2 === 0 ? 'F' : 'M'
    },
    files: [{ id: randomUUID(), contentType: 'image/png', bytes: FAKE_PNG }],
    created
  }
}

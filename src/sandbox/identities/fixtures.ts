import { createHash, randomUUID } from 'node:crypto'
import type {
  DocumentType, IdentityStatus, ResourceFileType, ResourceStatus, WireOwner, WireResource, WireResourceFile
} from '../wire.js'

/**
 * Realistic-looking fake data: owners, an identity document with its scanned pages and
 * a face video. Datapoints derive deterministically from the identity id.
 */

/** a valid 1×1 PNG: every document page */
const FAKE_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64'
)

/** an MP4 `ftyp` box (the file signature, no frames): every face video */
const FAKE_MP4 = Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex')

/** A resource file as the wire describes it, with its bytes. */
export interface StoredFile extends WireResourceFile {
  contentType: string
  bytes: Buffer
}

/** A resource as the wire shows it, with its files whole. */
export interface StoredResource extends Omit<WireResource, 'resource_files'> {
  files: StoredFile[]
}

export interface DocumentInput {
  type: DocumentType
  /** YYYY-MM-DD */
  expiry?: string
  /** ISO 3166-1 alpha-2 */
  country: string
}

const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Ken', 'Margaret', 'Linus']
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Thompson', 'Hamilton', 'Torvalds']
const NUMBER_PREFIX: Record<DocumentType, string> = { PASSPORT: 'P', NATIONAL_ID_CARD: 'L', DRIVERS_LICENSE: 'B' }
/** an ID card and a driving licence have a back */
const PAGES: Record<DocumentType, number> = { PASSPORT: 1, NATIONAL_ID_CARD: 2, DRIVERS_LICENSE: 2 }

function digest (text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

function pad (n: number): string {
  return String(n).padStart(2, '0')
}

/** the issuing country of a document when none is given */
export const DEFAULT_COUNTRY = 'DE'

/** true for two letters (an ISO 3166-1 alpha-2 code, in either case) */
export function isCountryCode (text: string): boolean {
  return /^[A-Za-z]{2}$/.test(text)
}

/** true for a real calendar date written YYYY-MM-DD */
export function isIsoDate (text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false
  const date = new Date(`${text}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text
}

export function defaultOwner (id: string, owner: Partial<WireOwner> = {}): WireOwner {
  const h = digest(id)
  return {
    email: owner.email ?? `user-${id.slice(0, 8)}@example.com`,
    first_name: owner.first_name ?? FIRST_NAMES[h[0] % FIRST_NAMES.length],
    last_name: owner.last_name ?? LAST_NAMES[h[1] % LAST_NAMES.length]
  }
}

/** what a resource reports while its identity has `status` */
export function resourceStatusOf (status: IdentityStatus): ResourceStatus {
  return status === 'created' || status === 'processing' ? status : 'processed'
}

function file (type: ResourceFileType, page: number, created: number): StoredFile {
  const video = type === 'face_video'
  return {
    id: randomUUID(),
    type,
    page,
    contentType: video ? 'video/mp4' : 'image/png',
    bytes: video ? FAKE_MP4 : FAKE_PNG,
    created,
    updated: created
  }
}

/** a default expiry: 1–9 years after `created` (Unix seconds) */
function defaultExpiry (id: string, created: number): string {
  const h = digest(`${id}:document`)
  return `${new Date(created * 1000).getUTCFullYear() + 1 + (h[3] % 9)}-${pad(1 + (h[4] % 12))}-${pad(1 + (h[5] % 28))}`
}

/** an identity document whose datapoints derive from the identity id and owner */
export function documentResource (
  id: string, owner: WireOwner, document: DocumentInput, status: ResourceStatus, created: number
): StoredResource {
  const h = digest(`${id}:document`)
  const year = 1950 + (h[0] % 55)
  const files: StoredFile[] = []
  for (let page = 1; page <= PAGES[document.type]; page++) files.push(file('document_image', page, created))
  return {
    id: randomUUID(),
    type: document.type,
    status,
    datapoints: {
      document_number: `${NUMBER_PREFIX[document.type]}${h.readUInt32BE(6).toString().padStart(10, '0').slice(0, 8)}`,
      first_name: owner.first_name,
      last_name: owner.last_name,
      date_of_birth: `${year}-${pad(1 + (h[1] % 12))}-${pad(1 + (h[2] % 28))}`,
      date_of_expiry: document.expiry ?? defaultExpiry(id, created),
      document_origin_country: document.country,
      nationality: 'DEU',
      sex: h[10] % 2 === 0 ? 'F' : 'M'
    },
    files,
    created,
    updated: created
  }
}

/** the selfie video of the liveness check: no datapoints, one face_video file */
export function faceVideoResource (status: ResourceStatus, created: number): StoredResource {
  return {
    id: randomUUID(),
    type: 'FACE_VIDEO',
    status,
    datapoints: {},
    files: [file('face_video', 1, created)],
    created,
    updated: created
  }
}

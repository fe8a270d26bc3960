import { z } from 'zod'
import { PROVIDER_STATUSES, type ProviderStatus } from './statuses.js'

/**
 * What the provider API (Passbase Verification API v2) answers: zod schemas for the
 * snake_case wire, and the camelCase types the client returns. The published API marks
 * no field as required, so every field may be absent; only an identity's `id` is
 * insisted on. Unknown extra fields are tolerated and dropped. A field present with
 * the wrong JSON type (a string `score`, an array `owner`) is an unusable answer.
 *
 * Enumerations: the identity `status` is normalised (the plugin decides on it): any
 * value outside the five known ones reads as `processing` and is kept in
 * `unknownStatus`, so that it is never taken for `approved`. Every other enumeration
 * (resource status, file type, environment) is kept as sent; its type lists the
 * documented values and admits others.
 */

// ---- identities ----

export type ProviderIdentityStatus = ProviderStatus

export interface IdentityOwner {
  email: string | null
  firstName: string | null
  lastName: string | null
}

/** A resource as summarised inside an identity. */
export interface IdentityResource {
  /** e.g. `PASSPORT`, `NATIONAL_ID_CARD`, `DRIVERS_LICENSE`, `FACE_VIDEO` */
  type: string | null
  /** extracted data (e.g. `document_number`, `date_of_expiry`); `{}` when absent */
  datapoints: Record<string, unknown>
}

/** The watchlist (AML/PEP) check of an identity. */
export interface Watchlist {
  /** false when a listing was found; null when the provider did not say */
  clean: boolean | null
  /** findings by source; `{}` when absent or not an object */
  listings: Record<string, unknown>
  /** media entries; `[]` when absent or not an array */
  media: unknown[]
  /** listing sources (e.g. sanction lists); non-strings dropped */
  sources: string[]
  /** kinds of alert (e.g. `pep`, `sanction`); non-strings dropped */
  types: string[]
}

export interface Identity {
  id: string
  /** `processing` when the provider sent no status or one outside the five */
  status: ProviderIdentityStatus
  /**
   * The provider's status when it is none of the five (e.g. `verified`, `processed`):
   * `status` then reads `processing`. Always set by PassbaseClient (null for a known or
   * absent status); optional so that hand-made identities (tests, fixtures) may omit it.
   */
  unknownStatus?: string | null
  owner: IdentityOwner | null
  /** 0..1; null when absent */
  score: number | null
  /** Unix seconds; 0 when absent */
  created: number
  /** Unix seconds; 0 when absent */
  updated: number
  resources: IdentityResource[]
  /** the button's `metaData`, as the provider decrypted it; null when absent */
  metadata: Record<string, unknown> | null
  watchlist: Watchlist | null
}

/** One page of `GET /identities`: `next` is null on the last page. */
export interface IdentityPage {
  next: string | null
  data: Identity[]
}

/** @deprecated the name of IdentityPage in 0.1 */
export type IdentityList = IdentityPage

// ---- resources ----

export type ResourceStatus = 'created' | 'processing' | 'processed'
export type ResourceFileType = 'face_video' | 'document_image'

/** An entry of a resource's `resource_files` (the metadata of a file, not its bytes). */
export interface ResourceFileInfo {
  id: string | null
  type: ResourceFileType | (string & {}) | null
  /** page of the document (e.g. 1 front, 2 back) */
  page: number | null
  /** Unix seconds */
  created: number | null
  /** Unix seconds */
  updated: number | null
}

export interface Resource {
  id: string | null
  /** e.g. `PASSPORT`; read from the older name `step` when `type` is absent */
  type: string | null
  /** kept as sent (other values than the three documented ones included) */
  status: ResourceStatus | (string & {}) | null
  /** Unix seconds */
  created: number | null
  /** Unix seconds */
  updated: number | null
  /** `{}` when absent */
  datapoints: Record<string, unknown>
  resourceFiles: ResourceFileInfo[]
}

/** One page of `GET /identity/{id}/resources`: `next` is null on the last page. */
export interface ResourcePage {
  next: string | null
  data: Resource[]
}

// ---- project settings ----

export interface SettingsCustomizations {
  buttonColor: string | null
  accentColor: string | null
  fontFamily: string | null
  /** `main_color`, which the official Node SDK reads */
  mainColor: string | null
}

export interface VerificationStep {
  /** e.g. `email`, `liveness_check`, `identity_document_check` */
  step: string | null
  resourceTypes: string[]
}

export interface Settings {
  id: string | null
  slug: string | null
  environment: 'sandbox' | 'production' | (string & {}) | null
  /** name of the organization owning the project */
  organization: string | null
  customizations: SettingsCustomizations | null
  verificationSteps: VerificationStep[]
}

// ---- schemas (each tied to its type above: a schema whose output drifts from it does not compile) ----

const text = z.string().nullish()
const number = z.number().nullish()
const record = z.record(z.string(), z.unknown())

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function strings (value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

function isIdentityStatus (value: unknown): value is ProviderIdentityStatus {
  return typeof value === 'string' && (PROVIDER_STATUSES as readonly string[]).includes(value)
}

export const identityOwnerSchema: z.ZodType<IdentityOwner> = z.object({ email: text, first_name: text, last_name: text }).transform((o) => ({ email: o.email ?? null, firstName: o.first_name ?? null, lastName: o.last_name ?? null }))

export const identityResourceSchema: z.ZodType<IdentityResource> = z.object({ type: text, datapoints: record.nullish() }).transform((r) => ({ type: r.type ?? null, datapoints: r.datapoints ?? {} }))

export const watchlistSchema: z.ZodType<Watchlist> = z.object({
  clean: z.boolean().nullish(),
  listings: z.unknown().optional(),
  media: z.unknown().optional(),
  sources: z.unknown().optional(),
  types: z.unknown().optional()
}).transform((w) => ({
  clean: w.clean ?? null,
  listings: isRecord(w.listings) ? w.listings : {},
  media: Array.isArray(w.media) ? w.media : [],
  sources: strings(w.sources),
  types: strings(w.types)
}))

export const identitySchema: z.ZodType<Identity> = z.object({
  id: z.string().min(1),
  status: text,
  owner: identityOwnerSchema.nullish(),
  score: z.number().min(0).max(1).nullish(),
  created: number,
  updated: number,
  resources: z.array(identityResourceSchema).nullish(),
  metadata: record.nullish(),
  watchlist: watchlistSchema.nullish()
}).transform((i) => {
  const known = isIdentityStatus(i.status)
  return {
    id: i.id,
    status: known ? i.status as ProviderIdentityStatus : 'processing',
    unknownStatus: known ? null : i.status ?? null,
    owner: i.owner ?? null,
    score: i.score ?? null,
    created: i.created ?? 0,
    updated: i.updated ?? 0,
    resources: i.resources ?? [],
    metadata: i.metadata ?? null,
    watchlist: i.watchlist ?? null
  }
})

const cursorSchema = z.object({ next: text }).nullish()

export const identityPageSchema: z.ZodType<IdentityPage> = z.object({
  cursor: cursorSchema,
  data: z.array(identitySchema)
}).transform((p) => ({ next: p.cursor?.next ?? null, data: p.data }))

export const resourceFileInfoSchema: z.ZodType<ResourceFileInfo> = z.object({ id: text, type: text, page: number, created: number, updated: number }).transform((f) => ({ id: f.id ?? null, type: f.type ?? null, page: f.page ?? null, created: f.created ?? null, updated: f.updated ?? null }))

export const resourceSchema: z.ZodType<Resource> = z.object({
  id: text,
  type: text,
  step: text,
  status: text,
  created: number,
  updated: number,
  datapoints: record.nullish(),
  resource_files: z.array(resourceFileInfoSchema).nullish()
}).transform((r) => ({
  id: r.id ?? null,
  type: r.type ?? r.step ?? null,
  status: r.status ?? null,
  created: r.created ?? null,
  updated: r.updated ?? null,
  datapoints: r.datapoints ?? {},
  resourceFiles: r.resource_files ?? []
}))

/** `{ cursor: { next }, data }`; also a bare array or `{ data }` without cursor (one, last, page). */
export const resourcePageSchema: z.ZodType<ResourcePage> = z.preprocess(
  (body) => Array.isArray(body) ? { data: body } : body,
  z.object({
    cursor: cursorSchema,
    data: z.array(resourceSchema)
  }).transform((p) => ({ next: p.cursor?.next ?? null, data: p.data })))

const customizationsSchema = z.object({
  button_color: text,
  accent_color: text,
  font_family: text,
  main_color: text
}).transform((c) => ({
  buttonColor: c.button_color ?? null,
  accentColor: c.accent_color ?? null,
  fontFamily: c.font_family ?? null,
  mainColor: c.main_color ?? null
}))

const verificationStepSchema = z.object({
  step: text,
  resource_types: z.array(z.string()).nullish()
}).transform((s) => ({ step: s.step ?? null, resourceTypes: s.resource_types ?? [] }))

export const settingsSchema: z.ZodType<Settings> = z.object({
  id: text,
  slug: text,
  environment: text,
  organization: text,
  customizations: customizationsSchema.nullish(),
  verification_steps: z.array(verificationStepSchema).nullish()
}).transform((s) => ({
  id: s.id ?? null,
  slug: s.slug ?? null,
  environment: s.environment ?? null,
  organization: s.organization ?? null,
  customizations: s.customizations ?? null,
  verificationSteps: s.verification_steps ?? []
}))

import { z } from 'zod'
import type { IdentityFields, IdentityPatch, OwnerInput, WatchlistFlag } from '../types.js'
import { DOCUMENT_TYPES, IDENTITY_STATUSES, type WireOwner } from '../wire.js'
import { isCountryCode, isIsoDate } from './fixtures.js'

/**
 * The input of createIdentity / setIdentity / flagWatchlist, checked with zod: unknown
 * keys are an error (a typo never passes silently), and every message names the field.
 */

const status = z.enum(IDENTITY_STATUSES, { error: (issue) => `unknown identity status ${String(issue.input)}` })
const score = z.number({ error: 'score must be a number in 0..1' })
  .min(0, { error: 'score must be a number in 0..1' })
  .max(1, { error: 'score must be a number in 0..1' })
const name = z.string().max(200).nullish()

const owner = z.strictObject({
  email: z.string().max(320).nullish(),
  first_name: name,
  last_name: name,
  firstName: name,
  lastName: name
}).superRefine((o, ctx) => {
  for (const [snake, camel] of [['first_name', 'firstName'], ['last_name', 'lastName']] as const) {
    if (o[snake] !== undefined && o[camel] !== undefined) {
      ctx.addIssue({ code: 'custom', message: `give ${snake} or ${camel}, not both`, path: [camel] })
    }
  }
})

const listing = z.strictObject({
  url: z.string(),
  name: z.string(),
  aml_types: z.array(z.string()),
  listing_started_utc: z.string()
})
const media = z.strictObject({ url: z.string(), date: z.string(), title: z.string() })
const text = z.string().min(1).max(100)

const watchlist = z.strictObject({
  clean: z.boolean(),
  listings: z.record(z.string(), listing),
  media: z.array(media),
  sources: z.array(z.string()),
  types: z.array(z.string())
}).partial()

const documentExpiry = z.string().refine(isIsoDate, { error: 'must be a calendar date written YYYY-MM-DD' })
const unixSeconds = z.number().int().nonnegative()

const fieldsSchema = z.strictObject({
  id: z.string().min(1, { error: 'identity id must be a non-empty string' }).max(128),
  status,
  score,
  owner,
  metadata: z.record(z.string(), z.unknown()).nullable(),
  watchlist,
  documentType: z.enum(DOCUMENT_TYPES),
  documentExpiry,
  documentCountry: z.string().refine(isCountryCode, { error: 'must be an ISO 3166-1 alpha-2 code' })
}).partial()

const patchSchema = z.strictObject({
  status,
  score,
  owner,
  metadata: z.record(z.string(), z.unknown()).nullable(),
  watchlist,
  documentExpiry,
  created: unixSeconds,
  updated: unixSeconds
}).partial()

const flagSchema = z.strictObject({
  types: z.array(text).min(1).max(20),
  sources: z.array(text).min(1).max(20),
  listings: z.record(z.string(), listing)
}).partial()

function describe (issue: z.core.$ZodIssue): string {
  const message = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue.message
  return issue.path.length === 0 ? message : `${issue.path.join('.')}: ${message}`
}

function parse<T extends z.ZodType> (schema: T, value: unknown, where: string): z.output<T> {
  const result = schema.safeParse(value ?? {})
  if (!result.success) throw new TypeError(`sandbox: ${where}: ${result.error.issues.map(describe).join('; ')}`)
  return result.data
}

export function parseFields (fields: IdentityFields | undefined): IdentityFields {
  return parse(fieldsSchema, fields, 'createIdentity')
}

export function parsePatch (patch: IdentityPatch): IdentityPatch {
  return parse(patchSchema, patch, 'setIdentity')
}

export function parseFlag (flag: WatchlistFlag | undefined): WatchlistFlag {
  return parse(flagSchema, flag, 'flagWatchlist')
}

/** the owner fields given, in the wire's snake_case (null and absent mean "keep / default") */
export function ownerFields (input: OwnerInput | undefined): Partial<WireOwner> {
  const result: Partial<WireOwner> = {}
  if (input === undefined) return result
  const email = input.email ?? undefined
  const first = input.first_name ?? input.firstName ?? undefined
  const last = input.last_name ?? input.lastName ?? undefined
  if (email !== undefined) result.email = email
  if (first !== undefined) result.first_name = first
  if (last !== undefined) result.last_name = last
  return result
}

import { z } from 'zod'

/**
 * Provider (Passbase API v2) response schemas: snake_case on the wire, mapped to
 * typed camelCase. Unknown fields are tolerated (zod objects strip them).
 */

export const identityStatusSchema = z.enum(['created', 'processing', 'pending', 'approved', 'declined'])

const ownerSchema = z.object({
  email: z.string().nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish()
}).transform((o) => ({ email: o.email ?? null, firstName: o.first_name ?? null, lastName: o.last_name ?? null }))

const resourceSchema = z.object({
  type: z.string(),
  datapoints: z.record(z.string(), z.unknown()).nullish()
}).loose().transform((r) => ({ ...r, datapoints: r.datapoints ?? {} }))

export const identitySchema = z.object({
  id: z.string().min(1),
  status: identityStatusSchema,
  owner: ownerSchema.nullish(),
  score: z.number().min(0).max(1).nullish(),
  created: z.number(),
  updated: z.number(),
  resources: z.array(resourceSchema).nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  watchlist: z.record(z.string(), z.unknown()).nullish()
}).transform((i) => ({
  id: i.id,
  status: i.status,
  owner: i.owner ?? null,
  score: i.score ?? null,
  created: i.created,
  updated: i.updated,
  resources: i.resources ?? [],
  metadata: i.metadata ?? null,
  watchlist: i.watchlist ?? null
}))

export type Identity = z.output<typeof identitySchema>

export const identityListSchema = z.object({
  cursor: z.object({ next: z.string().nullish() }).nullish(),
  data: z.array(identitySchema)
}).transform((l) => ({ next: l.cursor?.next ?? null, data: l.data }))

export type IdentityList = z.output<typeof identityListSchema>

export const resourceFileSchema = z.object({ id: z.string() }).loose()

export const resourceDetailSchema = z.object({
  id: z.string().optional(),
  type: z.string(),
  datapoints: z.record(z.string(), z.unknown()).nullish(),
  resource_files: z.array(resourceFileSchema).nullish()
}).loose().transform((r) => ({
  id: r.id ?? null,
  type: r.type,
  datapoints: r.datapoints ?? {},
  resourceFiles: r.resource_files ?? []
}))

export type Resource = z.output<typeof resourceDetailSchema>

export const resourceListSchema = z.union([
  z.array(resourceDetailSchema),
  z.object({ data: z.array(resourceDetailSchema) }).transform((r) => r.data)
])

export const settingsSchema = z.record(z.string(), z.unknown())
export type Settings = z.output<typeof settingsSchema>

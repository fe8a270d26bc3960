import type { FastifySchema } from 'fastify'
import { z } from 'zod'
import { jsonSchema } from '../json-schema.js'
import type { VerificationRecord } from '../stores/types.js'

/** Request and response schemas of the plugin's routes (zod → JSON Schema for Fastify and @fastify/swagger). */

export const errorSchema = z.object({
  statusCode: z.number().int(),
  code: z.string(),
  error: z.string(),
  message: z.string()
})

export const statusSchema = z.object({
  status: z.enum(['none', 'created', 'processing', 'pending', 'approved', 'declined']),
  identityId: z.string().optional(),
  score: z.number().nullable().optional(),
  reason: z.string().nullable().optional(),
  updatedAt: z.string().optional()
})
export type PublicStatus = z.output<typeof statusSchema>

export const linkBodySchema = z.object({
  identityAccessKey: z.uuid()
})

export const configSchema = z.object({
  publishableApiKey: z.string().nullable(),
  metaData: z.string().optional(),
  buttonScriptUrl: z.string().optional()
})

export const challengeSchema = z.object({
  challengeId: z.string(),
  expiresAt: z.string()
})

export const completeBodySchema = z.object({
  challengeId: z.string().min(1).max(128)
})

export const completeSchema = z.object({
  pending: z.boolean().optional(),
  authTime: z.string().optional(),
  expiresAt: z.string().optional()
})

export const json = {
  error: jsonSchema(errorSchema),
  status: jsonSchema(statusSchema),
  linkBody: jsonSchema(linkBodySchema),
  config: jsonSchema(configSchema),
  challenge: jsonSchema(challengeSchema),
  completeBody: jsonSchema(completeBodySchema),
  complete: jsonSchema(completeSchema)
}

/** What the routes reveal of a record (no personal data: ids, status, score, reason, time). */
export function publicStatus (record: VerificationRecord | null): PublicStatus {
  if (record === null) return { status: 'none' }
  const out: PublicStatus = { status: record.status, identityId: record.identityId, score: record.score, reason: record.reason }
  if (record.providerUpdated > 0) out.updatedAt = new Date(record.providerUpdated * 1000).toISOString()
  return out
}

/** A route schema with a summary (shown by @fastify/swagger). */
export function routeSchema (summary: string, schema: FastifySchema): FastifySchema {
  return { summary, ...schema } as FastifySchema
}

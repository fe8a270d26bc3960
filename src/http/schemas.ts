import type { FastifySchema } from 'fastify'
import { z } from 'zod'
import { PUBLIC_STATUSES } from '../verification/status.js'
import { jsonSchema } from './json-schema.js'

/** Request and response schemas of the plugin's routes (zod → JSON Schema for Fastify and @fastify/swagger). */

/** A refusal or an error: the four fields, and the extra fields some refusals carry (hosts may add more with errorResponse). */
export const errorSchema = z.object({
  statusCode: z.number().int().min(400).max(599).describe('the HTTP status'),
  code: z.string().describe('a stable FST_PASSBASE_* code (the README\'s Errors table)'),
  error: z.string().describe('the HTTP status text'),
  message: z.string(),
  status: z.enum(PUBLIC_STATUSES).optional().describe('FST_PASSBASE_VERIFICATION_REQUIRED: the user\'s verification status'),
  maxAge: z.number().int().min(1).optional().describe('FST_PASSBASE_REAUTH_REQUIRED: the step-up window the route asks for, in seconds'),
  start: z.string().optional().describe('FST_PASSBASE_REAUTH_REQUIRED: the URL that starts a step-up (POST, JSON)'),
  action: z.record(z.string(), z.union([z.string(), z.number()])).optional()
    .describe('FST_PASSBASE_REAUTH_REQUIRED of a bound route: the details the user confirms'),
  actionId: z.string().optional().describe('FST_PASSBASE_REAUTH_REQUIRED of a bound route: the id to start the step-up with')
}).loose()

export const statusSchema = z.object({
  status: z.enum(PUBLIC_STATUSES),
  identityId: z.string().optional(),
  score: z.number().nullable().optional(),
  reason: z.string().nullable().optional(),
  updatedAt: z.string().optional(),
  expiresAt: z.string().optional()
})

export const linkBodySchema = z.object({
  identityAccessKey: z.uuid()
})

export const configSchema = z.object({
  publishableApiKey: z.string().nullable(),
  metaData: z.string().optional(),
  buttonScriptUrl: z.string().optional()
})

export const startBodySchema = z.object({
  action: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be an actionId').optional()
})

export const challengeSchema = z.object({
  challengeId: z.string(),
  expiresAt: z.string(),
  action: z.string().optional()
})

export const completeBodySchema = z.object({
  challengeId: z.string().min(1).max(128)
})

export const completeSchema = z.object({
  pending: z.boolean().optional(),
  authTime: z.string().optional(),
  expiresAt: z.string().optional(),
  action: z.string().optional()
})

export const json = {
  error: jsonSchema(errorSchema),
  status: jsonSchema(statusSchema),
  linkBody: jsonSchema(linkBodySchema),
  config: jsonSchema(configSchema),
  startBody: jsonSchema(startBodySchema),
  challenge: jsonSchema(challengeSchema),
  completeBody: jsonSchema(completeBodySchema),
  complete: jsonSchema(completeSchema)
}

/** A route schema with a summary (shown by @fastify/swagger). */
export function routeSchema (summary: string, schema: FastifySchema): FastifySchema {
  return { summary, ...schema } as FastifySchema
}

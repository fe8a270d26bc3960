import { z } from 'zod'

/** zod → JSON Schema (draft-07, what Fastify's Ajv and @fastify/swagger expect). */
export function jsonSchema (schema: z.ZodType): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io: 'output', unrepresentable: 'any' }) as Record<string, unknown>
  return rest
}

import { z } from 'zod'

/** zod → JSON Schema (draft-07, what Fastify's Ajv and @fastify/swagger expect). */
export function jsonSchema (schema: z.ZodType): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io: 'output', unrepresentable: 'any' }) as Record<string, unknown>
  return withoutSafeIntegerBounds(rest) as Record<string, unknown>
}

/**
 * zod writes `z.number().int()` as an integer between ±(2^53 − 1): bounds that say
 * nothing a reader needs and clutter the OpenAPI document. Removed wherever they appear.
 */
function withoutSafeIntegerBounds (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSafeIntegerBounds)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    if (key === 'minimum' && v === Number.MIN_SAFE_INTEGER) continue
    if (key === 'maximum' && v === Number.MAX_SAFE_INTEGER) continue
    out[key] = withoutSafeIntegerBounds(v)
  }
  return out
}

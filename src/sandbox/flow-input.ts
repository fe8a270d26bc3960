import { z } from 'zod'
import { DECISION_SCORES, DECISIONS } from './browser/score.js'
import { isCountryCode, isIsoDate } from './identities/fixtures.js'
import { DOCUMENT_TYPES } from './wire.js'

/** What the flow page submits to `POST /flow/submit`, and the errors the flow answers with. */

export class FlowError extends Error {
  constructor (readonly statusCode: number, readonly code: string, message: string) {
    super(message)
  }
}

const optionalText = (max: number) => z.string().trim().max(max).optional().transform((v) => v === '' ? undefined : v)

export const submitSchema = z.object({
  key: z.string(),
  integrationType: z.enum(['signup', 'login']).default('signup'),
  metaData: z.string().nullish(),
  email: optionalText(320),
  firstName: optionalText(100),
  lastName: optionalText(100),
  documentType: z.enum(DOCUMENT_TYPES).optional(),
  documentCountry: optionalText(2).refine((v) => v === undefined || isCountryCode(v), { error: 'must be 2 letters' }),
  documentExpiry: optionalText(10).refine((v) => v === undefined || isIsoDate(v), { error: 'must be a date YYYY-MM-DD' }),
  decision: z.enum(DECISIONS).default('approved'),
  // the page checks the score first (browser/score.ts); this is for other clients
  score: z.number({ error: 'must be a number from 0 to 1' })
    .min(0, { error: 'must be from 0 to 1' }).max(1, { error: 'must be from 0 to 1' }).default(DECISION_SCORES.approved),
  identityAccessKey: optionalText(200),
  result: z.enum(['pass', 'fail']).default('pass')
})

export type Submission = z.output<typeof submitSchema>

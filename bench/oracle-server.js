// A host app for bench/oracle.js, in its own process. BENCH_ORACLE_MODE:
// - 'plugin': fastify-passbase (built) with its webhook route, as a host registers it;
// - 'v0.1': a control that replays v0.1's webhook path (decipher.final() throws on a bad
//   padding, a good padding goes on to toString, JSON.parse and the schema), to show that
//   the attack finds the right byte when the oracle is there. Not the package's code.
import { createDecipheriv } from 'node:crypto'
import Fastify from 'fastify'
import { z } from 'zod'
import fastifyPassbase, { webhookKey } from '../dist/index.js'
import { serveParent, WEBHOOK_SECRET } from './lib.js'

const mode = process.env.BENCH_ORACLE_MODE ?? 'plugin'
const app = Fastify({ logger: false, keepAliveTimeout: 120_000 })

if (mode === 'plugin') {
  await app.register(fastifyPassbase, {
    secretApiKey: 'sk_bench', webhookSecret: WEBHOOK_SECRET, apiBaseUrl: 'http://127.0.0.1:9/v2', getUserId: () => null
  })
} else {
  const key = webhookKey(WEBHOOK_SECRET)
  const event = z.object({ event: z.enum(['VERIFICATION_COMPLETED', 'VERIFICATION_REVIEWED', 'IDENTITY_AUTHENTICATED']), key: z.string().min(1), status: z.string().optional(), updated: z.number().int().optional() })
  const bad = JSON.stringify({ statusCode: 400, code: 'FST_PASSBASE_BAD_WEBHOOK', error: 'Bad Request', message: 'Invalid webhook' })
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => { done(null, body) })
  app.post('/passbase/webhooks', async (request, reply) => {
    const raw = Buffer.from(String(request.body).trim(), 'base64')
    let json = null
    try {
      const decipher = createDecipheriv('aes-256-cbc', key, raw.subarray(0, 16))
      json = Buffer.concat([decipher.update(raw.subarray(16)), decipher.final()]).toString('utf8')
    } catch {}
    let parsed = null
    if (json !== null) {
      try { parsed = event.safeParse(JSON.parse(json)) } catch {}
    }
    if (parsed === null || !parsed.success) return reply.code(400).type('application/json; charset=utf-8').send(bad)
    return { received: true }
  })
}

await app.listen({ port: 0, host: '127.0.0.1' })
serveParent({ url: `http://127.0.0.1:${app.server.address().port}` }, {}, async () => { await app.close() })

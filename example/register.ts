// A complete host app in one file: the plugin on the sandbox provider and a SQLite store.
import Fastify from 'fastify'
import fastifyPassbase from 'fastify-passbase'
import { createSandbox } from 'fastify-passbase/sandbox'
import { SqliteStore } from 'fastify-passbase/stores/sqlite'

const secretApiKey = process.env.PASSBASE_SECRET_API_KEY ?? 'sk_dev_0123456789'
const webhookSecret = process.env.PASSBASE_WEBHOOK_SECRET ?? 'dev-webhook-secret-0123456789abc' // 32 ASCII characters
// development: the sandbox plays Passbase (in production, leave apiBaseUrl out and use your keys)
const sandbox = await createSandbox({ secretApiKey, webhookSecret })

const app = Fastify({ logger: true })
await app.register(fastifyPassbase, {
  secretApiKey,
  webhookSecret,
  apiBaseUrl: sandbox.apiBaseUrl,
  publishableApiKey: sandbox.publishableApiKey,
  // your own authentication; here a header set by an auth proxy stands in for your session
  getUserId: (request) => {
    const id = request.headers['x-user-id']
    return typeof id === 'string' ? id : null
  },
  store: new SqliteStore({ filename: process.env.PASSBASE_DB ?? 'passbase.sqlite' }),
  reauth: { secret: process.env.PASSBASE_REAUTH_SECRET ?? 'dev-reauth-secret-dev-reauth-secret' }
})

app.get('/profile', { preHandler: app.requireVerified }, async (request) => ({ identityId: request.verification?.identityId }))
app.post('/withdraw', { preHandler: app.requireReauth }, async () => ({ ok: true }))
app.post<{ Body: { amount: string, iban: string } }>('/payout', {
  preHandler: app.passbase.requireReauth({ action: (request) => ({ type: 'payout', amount: request.body.amount, iban: request.body.iban }) })
}, async () => ({ paid: true }))

app.addHook('onClose', async () => { await sandbox.close() })

const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' })
sandbox.webhookUrl = `${address}/passbase/webhooks` // where the provider delivers its webhooks

import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { harness, linkNew, REAUTH_SECRET } from '../helpers/app.js'

/**
 * Attack: cross-site requests. With a host that registered a form parser, a cross-site
 * form POST linked an attacker's identity to the victim; /reauth/start accepted
 * text/plain (a "simple" request a page can send cross-site without CORS). Now the
 * plugin's state-changing POSTs need Content-Type: application/json (415 otherwise),
 * which a form or a no-cors fetch cannot send, whatever parsers the host registered.
 */

async function hostWithFormParser (app: FastifyInstance): Promise<void> {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => { done(null, body) })
}

t.test('JSON-only POST routes: 415 for forms, text/plain, multipart and no content type; empty JSON bodies are fine', async (t) => {
  const h = await harness({ before: hostWithFormParser, plugin: { reauth: { secret: REAUTH_SECRET } } })
  t.teardown(h.close)
  const id = await linkNew(h, 'alice')
  await h.sandbox.review(id, { status: 'approved', score: 0.95 })
  const attacker = await h.sandbox.createIdentity({ status: 'approved' })
  const cases: Array<{ url: string, contentType: string | undefined, payload?: string }> = [
    { url: '/passbase/verifications', contentType: 'application/x-www-form-urlencoded', payload: `identityAccessKey=${attacker.id}` },
    { url: '/passbase/verifications', contentType: 'text/plain', payload: JSON.stringify({ identityAccessKey: attacker.id }) },
    { url: '/passbase/verifications', contentType: 'multipart/form-data; boundary=x', payload: '--x--' },
    { url: '/passbase/verifications', contentType: undefined },
    { url: '/passbase/reauth/start', contentType: 'text/plain', payload: '' },
    { url: '/passbase/reauth/start', contentType: undefined },
    { url: '/passbase/reauth/start', contentType: 'application/x-www-form-urlencoded', payload: 'a=1' },
    { url: '/passbase/reauth/complete', contentType: 'text/plain', payload: '{"challengeId":"x"}' },
    { url: '/passbase/reauth/complete', contentType: undefined },
    { url: '/passbase/reauth/cancel', contentType: 'text/plain', payload: '{"challengeId":"x"}' },
    { url: '/passbase/reauth/cancel', contentType: undefined }
  ]
  for (const c of cases) {
    const headers: Record<string, string> = { 'x-user': 'alice' }
    if (c.contentType !== undefined) headers['content-type'] = c.contentType
    const res = await h.app.inject({ method: 'POST', url: c.url, headers, payload: c.payload })
    t.equal(res.statusCode, 415, `${c.url} with ${String(c.contentType)}`)
    t.match(res.json(), { statusCode: 415, code: 'FST_PASSBASE_UNSUPPORTED_MEDIA_TYPE' })
  }
  t.equal((await h.app.inject({ url: '/passbase/status', headers: { 'x-user': 'alice' } })).json().identityId, id, 'the attacker identity was not linked')
  // the JSON forms work, an empty body included (with or without a charset)
  for (const contentType of ['application/json', 'application/json; charset=utf-8', 'Application/JSON']) {
    const res = await h.app.inject({ method: 'POST', url: '/passbase/reauth/start', headers: { 'x-user': 'alice', 'content-type': contentType }, payload: '' })
    t.equal(res.statusCode, 200, `start with ${contentType} and an empty body`)
  }
  // the host's own routes keep the host's parsers
  h.app.log.level = 'silent'
})

t.test("the host's parsers still serve the host's routes", async (t) => {
  const h = await harness({
    before: hostWithFormParser,
    routes: (app) => { app.post('/form', async (request) => request.body) }
  })
  t.teardown(h.close)
  const res = await h.app.inject({ method: 'POST', url: '/form', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=1' })
  t.same(res.json(), { a: '1' })
})

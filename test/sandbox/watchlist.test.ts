import t from 'tap'
import type { Sandbox } from '../../src/sandbox/index.js'
import { receiver, SECRET_API_KEY, sandboxFor } from './helpers.js'

/** The watchlist: flagWatchlist / clearWatchlist and the control API that reaches them. */

const CLEAN = { clean: true, listings: {}, media: [], sources: [], types: [] }

async function control (sandbox: Sandbox, method: string, path: string, body?: unknown, key: string | null = SECRET_API_KEY) {
  const headers: Record<string, string> = {}
  if (key !== null) headers['x-api-key'] = key
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`${sandbox.url}/sandbox${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  return { status: res.status, headers: res.headers, body: await res.json() as Record<string, any> }
}

t.test('flagWatchlist puts a realistic hit on the identity and delivers WATCHLIST_MONITORING', async (t) => {
  const rx = await receiver()
  t.teardown(rx.close)
  const sandbox = await sandboxFor(t, { webhookUrl: rx.url })
  const identity = await sandbox.createIdentity({ status: 'approved', owner: { first_name: 'Ada', last_name: 'Lovelace' } })
  t.same(identity.watchlist, CLEAN)

  const record = await sandbox.flagWatchlist(identity.id)
  const flagged = sandbox.getIdentity(identity.id)!
  t.ok(flagged.updated > identity.updated, 'updated moves')
  t.match(flagged.watchlist, {
    clean: false,
    types: ['sanction'],
    sources: ['ofac-sdn-list'],
    media: [],
    listings: { 'ofac-sdn-list': { name: 'Ada Lovelace', aml_types: ['sanction'], url: /^https:\/\//, listing_started_utc: /^\d{4}-\d{2}-\d{2}T/ } }
  })
  t.same(record.body, { event: 'WATCHLIST_MONITORING', key: identity.id, created: identity.created, updated: flagged.updated, status: 'approved' })
  t.same(rx.received.map((r) => r.body), [record.body], 'delivered, encrypted like every webhook')
  t.equal(record.status, 200)

  const media = await sandbox.flagWatchlist(identity.id, { types: ['pep', 'adverse-media'] })
  const both = sandbox.getIdentity(identity.id)!.watchlist
  t.same(both.types, ['pep', 'adverse-media'])
  t.same(both.sources, ['pep-class-1', 'adverse-media-financial-crime'])
  t.same(Object.keys(both.listings), both.sources)
  t.match(both.media, [{ url: /^https:\/\//, date: /^\d{4}-\d{2}-\d{2}$/, title: /Ada Lovelace/ }])
  t.ok(Number(media.body.updated) > Number(record.body.updated))

  const custom = { 'eu-sanctions': { url: 'https://lists.example/eu', name: 'A. Lovelace', aml_types: ['sanction'], listing_started_utc: '2020-01-01T00:00:00Z' } }
  await sandbox.flagWatchlist(identity.id, { types: ['sanction'], sources: ['eu-sanctions'], listings: custom })
  t.match(sandbox.getIdentity(identity.id)!.watchlist, { clean: false, sources: ['eu-sanctions'], listings: custom })

  const cleared = await sandbox.clearWatchlist(identity.id)
  t.same(sandbox.getIdentity(identity.id)!.watchlist, CLEAN)
  t.match(cleared.body, { event: 'WATCHLIST_MONITORING', key: identity.id, status: 'approved' })
  t.equal(rx.received.length, 4)

  await t.rejects(sandbox.flagWatchlist('nope'), /unknown identity nope/)
  await t.rejects(sandbox.clearWatchlist('nope'), /unknown identity nope/)
  await t.rejects(sandbox.flagWatchlist(identity.id, { types: [] }), /flagWatchlist: types/)
  await t.rejects(sandbox.flagWatchlist(identity.id, { kinds: ['x'] } as never), /flagWatchlist: unknown key\(s\) kinds/)
})

t.test('WATCHLIST_MONITORING leaves out a status outside the spec\'s five', async (t) => {
  const sandbox = await sandboxFor(t)
  const identity = await sandbox.createIdentity({ status: 'verified' })
  const record = await sandbox.flagWatchlist(identity.id)
  t.notOk('status' in record.body)
  t.match(record.body, { event: 'WATCHLIST_MONITORING', key: identity.id })
})

t.test('the control API: X-API-KEY, list, flag, clear, errors', async (t) => {
  const rx = await receiver()
  t.teardown(rx.close)
  const sandbox = await sandboxFor(t, { webhookUrl: rx.url })
  const identity = await sandbox.createIdentity({ status: 'approved' })

  for (const key of [null, 'wrong', '']) {
    for (const [method, path] of [['GET', '/identities'], ['POST', `/identities/${identity.id}/watchlist`], ['DELETE', `/identities/${identity.id}/watchlist`]]) {
      const res = await control(sandbox, method, path, undefined, key)
      t.equal(res.status, 401, `${method} ${path} with key ${String(key)}`)
      t.match(res.body, { message: /X-API-KEY/ })
    }
  }
  t.same(sandbox.getIdentity(identity.id)!.watchlist, CLEAN, 'nothing changed without the key')
  t.equal(sandbox.deliveries.length, 0)

  const list = await control(sandbox, 'GET', '/identities')
  t.equal(list.status, 200)
  t.equal(list.headers.get('access-control-allow-origin'), null, 'no CORS: other origins cannot read it')
  t.same(list.body, { data: [identity] })

  const flag = await control(sandbox, 'POST', `/identities/${identity.id}/watchlist`, { types: ['warning'] })
  t.equal(flag.status, 200)
  t.match(flag.body, { identity: { id: identity.id, watchlist: { clean: false, types: ['warning'], sources: ['interpol-red-notices'] } } })
  t.match(flag.body.delivery, { event: 'WATCHLIST_MONITORING', key: identity.id, status: 200, attempts: 1 })
  t.match(rx.received.at(-1)?.body, { event: 'WATCHLIST_MONITORING', key: identity.id })

  const bare = await control(sandbox, 'POST', `/identities/${identity.id}/watchlist`)
  t.equal(bare.status, 200, 'no body: the default hit')
  t.match(bare.body.identity.watchlist, { types: ['sanction'] })

  const clear = await control(sandbox, 'DELETE', `/identities/${identity.id}/watchlist`)
  t.equal(clear.status, 200)
  t.same(clear.body.identity.watchlist, CLEAN)

  t.match(await control(sandbox, 'POST', '/identities/nope/watchlist', {}), { status: 404, body: { message: 'Identity not found' } })
  t.match(await control(sandbox, 'DELETE', '/identities/nope/watchlist'), { status: 404 })
  t.match(await control(sandbox, 'POST', `/identities/${identity.id}/watchlist`, { typo: ['x'] }), { status: 400, body: { message: /unknown key\(s\) typo/ } })
  t.match(await control(sandbox, 'POST', `/identities/${identity.id}/watchlist`, { types: 'sanction' }), { status: 400 })
  t.equal(sandbox.stats().api.total, 0, 'the control API is not counted as provider API traffic')
})

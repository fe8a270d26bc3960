import type { FastifyInstance, FastifyRequest } from 'fastify'
import t, { type Test } from 'tap'
import { harness, linkNew, REAUTH_SECRET, type Harness } from '../helpers/app.js'
import { sleep, until } from '../helpers/wait.js'

/**
 * Regression, "session thief redirects the face authentication": a thief holding the
 * user's session started its own bound challenge (4999.00 to its IBAN) after the user
 * started theirs (50.00 to DE-LANDLORD), restarting every 200 ms; the user's face
 * authentication satisfied the thief's challenge (the latest started), and the thief's
 * payout went through (3 of 3 rounds). Passbase's authentication event names the identity,
 * not the challenge. Now a start while another challenge of the user is open conflicts
 * both (410 FST_PASSBASE_STEP_UP_CONFLICT at complete), an authentication closes every
 * open challenge created before it and satisfies one only when it was the only one and
 * not conflicted. Two sessions of one user over real HTTP; the face authentication goes
 * through the sandbox's login flow (what the provider's button submits).
 */

const PUBLISHABLE = 'pk_session_thief'
const SESSIONS: Record<string, string> = { 'victim-session': 'alice', 'thief-session': 'alice' }
const VICTIM_PAYOUT = { amount: '50.00', payee: 'DE-LANDLORD' }
const THIEF_PAYOUT = { amount: '4999.00', payee: 'THIEF-IBAN' }
const CONFLICT = 'FST_PASSBASE_STEP_UP_CONFLICT'

/** the host's sessions: a `sid` cookie names the user (both sessions are alice's) */
function getUserId (request: FastifyRequest): string | null {
  const sid = /(?:^|;\s*)sid=([^;]+)/.exec(request.headers.cookie ?? '')?.[1]
  if (sid !== undefined) return SESSIONS[sid] ?? null
  const user = request.headers['x-user']
  return typeof user === 'string' ? user : null
}

const routes = (app: FastifyInstance): void => {
  app.post('/payout', {
    preHandler: app.passbase.requireReauth({
      action: (request) => {
        const body = request.body as typeof VICTIM_PAYOUT
        return { type: 'payout', amount: body.amount, payee: body.payee }
      }
    })
  }, async (request) => ({ paid: request.body }))
}

interface Answer { status: number, body: Record<string, unknown> | null }

/** A browser session over real HTTP: its `sid` cookie and the cookies the app set. */
function session (h: Harness, sid: string) {
  const jar = new Map<string, string>()
  return async function call (method: string, path: string, body?: unknown): Promise<Answer> {
    const cookie = [`sid=${sid}`, ...[...jar].map(([k, v]) => `${k}=${v}`)].join('; ')
    const res = await fetch(h.url + path, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    for (const set of res.headers.getSetCookie()) {
      const [name = '', value = ''] = (set.split(';')[0] ?? '').split('=')
      if (value === '') jar.delete(name)
      else jar.set(name, value)
    }
    const text = await res.text()
    return { status: res.status, body: text === '' ? null : JSON.parse(text) }
  }
}

type Call = ReturnType<typeof session>

async function actionIdOf (call: Call, details: typeof VICTIM_PAYOUT): Promise<string> {
  const refused = await call('POST', '/payout', details)
  if (refused.status !== 401 || typeof refused.body?.actionId !== 'string') throw new Error(`payout refusal: ${refused.status} ${JSON.stringify(refused.body)}`)
  return refused.body.actionId
}

async function startBound (call: Call, actionId: string): Promise<string> {
  const started = await call('POST', '/passbase/reauth/start', { action: actionId })
  if (started.status !== 200) throw new Error(`start: ${started.status} ${JSON.stringify(started.body)}`)
  return started.body!.challengeId as string
}

/** What the thief saw: every complete and payout answer. */
interface Loot { starts: string[], completes: Answer[], payouts: Answer[] }

/** The thief completes every challenge it started; a 200 is followed by its payout. */
async function sweep (thief: Call, loot: Loot): Promise<void> {
  for (const challengeId of loot.starts) {
    const done = await thief('POST', '/passbase/reauth/complete', { challengeId })
    loot.completes.push(done)
    if (done.status === 200) loot.payouts.push(await thief('POST', '/payout', THIEF_PAYOUT))
  }
}

/** The thief's loop: its own bound challenge, started again every 200 ms, every challenge polled. */
function thiefLoop (thief: Call, actionId: string) {
  const loot: Loot = { starts: [], completes: [], payouts: [] }
  const stop = new AbortController()
  const running = (async () => {
    let nextStart = 0
    while (!stop.signal.aborted) {
      if (Date.now() >= nextStart) {
        nextStart = Date.now() + 200
        loot.starts.push(await startBound(thief, actionId))
      }
      await sweep(thief, loot)
      await sleep(20)
    }
  })()
  return { loot, stop: async () => { stop.abort(); await running } }
}

async function world (t: Test): Promise<Harness & { id: string, clock: { skew: number } }> {
  // real time, moved forward between rounds (the plugin and the sandbox share it)
  const clock = { skew: 0, now: () => Date.now() + clock.skew }
  const h = await harness({
    clock,
    sandbox: { publishableApiKey: PUBLISHABLE, processingDelayMs: 0 },
    plugin: { getUserId, reauth: { secret: REAUTH_SECRET, maxAge: 300, challengeTtl: 600 } },
    routes
  })
  t.teardown(h.close)
  const id = await linkNew(h, 'alice')
  await h.sandbox.review(id, { status: 'approved', score: 0.95 })
  return Object.assign(h, { id, clock })
}

/**
 * The victim's face authentication through the sandbox's login flow (what the provider's
 * button submits); `delivered` resolves with the app's answer to the IDENTITY_AUTHENTICATED
 * delivery that follows.
 */
async function faceLogin (h: Harness & { id: string }): Promise<{ submitted: number, delivered: Promise<number | null> }> {
  const lastSeq = Math.max(0, ...h.sandbox.deliveries.map((d) => d.seq))
  const res = await fetch(`${h.sandbox.url}/flow/submit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: PUBLISHABLE, integrationType: 'login', identityAccessKey: h.id })
  })
  await res.body?.cancel()
  const delivered = h.sandbox.waitForDelivery((d) => d.seq > lastSeq && d.event === 'IDENTITY_AUTHENTICATED', 15_000).then((d) => d.status)
  return { submitted: res.status, delivered }
}

const statuses = (answers: Answer[]): string => [...new Set(answers.map((a) => a.status))].sort().join(', ')

t.test('the victim\'s face authentication never completes the thief\'s challenge, whoever starts last (several rounds)', async (t) => {
  const h = await world(t)
  const victim = session(h, 'victim-session')
  const thief = session(h, 'thief-session')
  for (let round = 1; round <= 3; round++) {
    const victimAction = await actionIdOf(victim, VICTIM_PAYOUT)
    const challenge = await startBound(victim, victimAction)
    const attack = thiefLoop(thief, await actionIdOf(thief, THIEF_PAYOUT))
    await until(() => attack.loot.starts.length >= 2, 'the thief started after the victim, twice')
    const login = await faceLogin(h)
    t.equal(login.submitted, 200, `round ${round}: the login flow accepted the face`)
    t.equal(await login.delivered, 200, `round ${round}: the app took the authentication`)
    const startsAtDelivery = attack.loot.starts.length
    await until(() => attack.loot.starts.length >= startsAtDelivery + 2, 'the thief kept restarting after the authentication')
    await attack.stop()
    await sweep(thief, attack.loot)

    const mine = await victim('POST', '/passbase/reauth/complete', { challengeId: challenge })
    t.equal(mine.status, 410, `round ${round}: the victim's own challenge fails…`)
    t.equal(mine.body?.code, CONFLICT, '…saying that another step-up was started for the account')
    t.notOk(attack.loot.completes.some((a) => a.status === 200), `round ${round}: no thief complete is 200 (${statuses(attack.loot.completes)})`)
    t.same(attack.loot.payouts, [], `round ${round}: the thief never reached its payout`)
    t.equal((await thief('POST', '/payout', THIEF_PAYOUT)).status, 401, `round ${round}: the thief's payout is refused`)
    t.ok(attack.loot.completes.some((a) => a.status === 410 && a.body?.code === CONFLICT), 'the thief sees its challenges conflicted')
    t.ok(attack.loot.starts.length >= 4, `the thief restarted ${attack.loot.starts.length} times`)
    t.equal((await victim('POST', '/payout', VICTIM_PAYOUT)).status, 401, 'no payout without a proof')
    // the thief's last challenges stay open (conflicted) until they expire: the next round starts clean
    h.clock.skew += 601_000
  }

  // the thief gone, the user's own step-up works as before
  const actionId = await actionIdOf(victim, VICTIM_PAYOUT)
  const challengeId = await startBound(victim, actionId)
  const login = await faceLogin(h)
  t.equal(await login.delivered, 200)
  t.equal((await victim('POST', '/passbase/reauth/complete', { challengeId })).status, 200, 'the user completes their own step-up')
  const paid = await victim('POST', '/payout', VICTIM_PAYOUT)
  t.equal(paid.status, 200)
  t.same(paid.body, { paid: VICTIM_PAYOUT }, 'the confirmed payout goes through')
})

t.test('a thief who starts again after the conflict, while the victim\'s authentication is in flight, cannot receive it', async (t) => {
  const h = await world(t)
  const victim = session(h, 'victim-session')
  const thief = session(h, 'thief-session')
  const thiefAction = await actionIdOf(thief, THIEF_PAYOUT)
  const challenge = await startBound(victim, await actionIdOf(victim, VICTIM_PAYOUT))
  const first = await startBound(thief, thiefAction)
  const conflicted = await thief('POST', '/passbase/reauth/complete', { challengeId: first })
  t.equal(conflicted.body?.code, CONFLICT, 'the thief learns of the conflict at once')
  t.equal((await thief('POST', '/passbase/reauth/cancel', { challengeId: first })).status, 204, 'it tries to cancel its conflicted challenge…')
  t.equal((await victim('POST', '/passbase/reauth/cancel', { challengeId: challenge })).status, 204, '(and the victim\'s dialog cancels on close)')

  // the victim's authentication is received, and held while the app asks the provider
  h.sandbox.faults.api.latencyMs = 1000 // below the client's timeout (api.timeoutMs: 2000)
  const asked = h.sandbox.stats().api.byKind.getIdentity
  const login = await faceLogin(h)
  let answered = false
  void login.delivered.then(() => { answered = true })
  await until(() => h.sandbox.stats().api.byKind.getIdentity > asked, 'the app received the authentication and asks the provider')
  const again = await startBound(thief, thiefAction)
  const third = await startBound(thief, thiefAction)
  t.notOk(answered, 'the thief started again while the authentication was in flight')
  t.equal(await login.delivered, 200, 'the app took the authentication')
  h.sandbox.faults.api.latencyMs = 0

  const loot: Loot = { starts: [first, again, third], completes: [], payouts: [] }
  await sweep(thief, loot)
  t.same(loot.completes.map((a) => [a.status, a.body?.code]), [[410, CONFLICT], [410, CONFLICT], [410, CONFLICT]],
    'every thief challenge is conflicted: the ones before the authentication were closed by it, the later ones can never complete')
  t.same(loot.payouts, [], 'no thief payout')
  t.equal((await thief('POST', '/payout', THIEF_PAYOUT)).status, 401)
  const mine = await victim('POST', '/passbase/reauth/complete', { challengeId: challenge })
  t.match(mine, { status: 410, body: { code: CONFLICT } }, 'the victim is told, and may end every step-up window')
  t.equal((await victim('DELETE', '/passbase/reauth')).status, 204)
})

t.test('ending every step-up window (DELETE /reauth) does not end an open challenge: a thief cannot clear the way with it', async (t) => {
  const h = await world(t)
  const victim = session(h, 'victim-session')
  const thief = session(h, 'thief-session')
  const challenge = await startBound(victim, await actionIdOf(victim, VICTIM_PAYOUT))
  t.equal((await thief('DELETE', '/passbase/reauth')).status, 204)
  const theirs = await startBound(thief, await actionIdOf(thief, THIEF_PAYOUT))
  const login = await faceLogin(h)
  t.equal(await login.delivered, 200)
  t.match(await thief('POST', '/passbase/reauth/complete', { challengeId: theirs }), { status: 410, body: { code: CONFLICT } })
  t.match(await victim('POST', '/passbase/reauth/complete', { challengeId: challenge }), { status: 410, body: { code: CONFLICT } })
  t.equal((await thief('POST', '/payout', THIEF_PAYOUT)).status, 401)
})

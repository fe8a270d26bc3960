// The padding-oracle attack, run for real: an attacker holding one captured encrypted
// webhook times the server's answers to forged bodies over loopback, trying to single out
// the guess that gives the last plaintext byte a valid PKCS#7 padding. 256 guesses, 30
// timed requests per guess (interleaved, shuffled each round), 3 trials; the figure is the
// rank of the right guess among the 256 by median answer time. The plugin meets the
// target when the right guess is not among the 8 fastest or 8 slowest in at least 2 of 3
// trials. The same attack against a replica of v0.1's decrypt path shows what finding
// it looks like (rank 256 or 1). `node bench/oracle.js` alone, or part of `npm run bench`.
import { randomBytes } from 'node:crypto'
import { Pool } from 'undici'
import { encryptWebhook, webhookKey } from '../dist/index.js'
import { median, startChild, WEBHOOK_SECRET } from './lib.js'

const GUESSES = 256
const SAMPLES = Number(process.env.BENCH_ORACLE_SAMPLES ?? 30)
const TRIALS = 3
const OUTLIERS = 8

function shuffle (items) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]]
  }
  return items
}

/** One trial: a fresh captured webhook, every guess timed SAMPLES times; the right guess's rank (1 = fastest). */
async function trial (pool) {
  const key = webhookKey(WEBHOOK_SECRET)
  const plaintext = JSON.stringify({ event: 'IDENTITY_AUTHENTICATED', key: randomBytes(16).toString('hex'), status: 'approved', updated: Math.floor(Date.now() / 1000) })
  const captured = Buffer.from(encryptWebhook(key, plaintext), 'base64')
  const blocks = captured.length / 16
  const previous = captured.subarray((blocks - 2) * 16, (blocks - 1) * 16)
  const last = captured.subarray((blocks - 1) * 16)
  const pad = 16 - (Buffer.byteLength(plaintext) % 16) // the last plaintext byte (its PKCS#7 padding)
  const right = pad ^ 0x01 // the guess that makes the forged block end in 0x01
  const bodies = Array.from({ length: GUESSES }, (_, g) => {
    const forged = Buffer.from(previous)
    forged[15] ^= g
    return Buffer.concat([forged, last]).toString('base64')
  })
  const times = Array.from({ length: GUESSES }, () => [])
  const send = async (body) => {
    const t0 = process.hrtime.bigint()
    const res = await pool.request({ method: 'POST', path: '/passbase/webhooks', headers: { 'content-type': 'text/plain' }, body })
    await res.body.dump()
    return Number(process.hrtime.bigint() - t0) / 1000
  }
  for (let i = 0; i < 200; i++) await send(bodies[i % GUESSES]) // warm-up
  for (let round = 0; round < SAMPLES; round++) {
    for (const g of shuffle([...Array(GUESSES).keys()])) times[g].push(await send(bodies[g]))
  }
  const medians = times.map(median)
  const order = [...medians.keys()].sort((a, b) => medians[a] - medians[b])
  const rank = order.indexOf(right) + 1
  return { rank, rightUs: medians[right], allUs: median(medians), outlier: rank <= OUTLIERS || rank > GUESSES - OUTLIERS }
}

export async function runOracle (log = () => {}) {
  const results = {}
  for (const mode of ['plugin', 'v0.1']) {
    const server = await startChild('./oracle-server.js', { env: { BENCH_ORACLE_MODE: mode } })
    const pool = new Pool(server.info.url, { connections: 1, pipelining: 1, keepAliveTimeout: 120_000 })
    try {
      const trials = []
      for (let i = 0; i < TRIALS; i++) {
        trials.push(await trial(pool))
        log(`oracle ${mode}: trial ${i + 1}: right guess ranked ${trials[i].rank}/256`)
      }
      const hidden = trials.filter((x) => !x.outlier).length
      results[mode] = { trials, samplesPerGuess: SAMPLES, hiddenIn: hidden, met: hidden >= 2 }
    } finally {
      await pool.close()
      await server.stop()
    }
  }
  return results
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await runOracle((line) => process.stderr.write(`[oracle] ${line}\n`))
  for (const [mode, r] of Object.entries(results)) {
    const ranks = r.trials.map((x) => x.rank).join(', ')
    const us = r.trials.map((x) => `${x.rightUs.toFixed(1)} vs ${x.allUs.toFixed(1)} µs`).join('; ')
    console.log(`${mode.padEnd(6)} ranks of the right guess: ${ranks} (of 256; outliers = the ${OUTLIERS} fastest or slowest) — hidden in ${r.hiddenIn}/3 trials${mode === 'plugin' ? (r.met ? ' ✓ target met' : ' ✗ target missed') : ''} — median answer: ${us}`)
  }
}

// The provider sandbox in its own process (so that its CPU is nobody else's).
import { createSandbox } from '../dist/sandbox/index.js'
import { SECRET_API_KEY, serveParent, usage, WEBHOOK_SECRET } from './lib.js'

const sandbox = await createSandbox({ secretApiKey: SECRET_API_KEY, webhookSecret: WEBHOOK_SECRET, processingDelayMs: 0 })

serveParent({ apiBaseUrl: sandbox.apiBaseUrl }, {
  async create ({ n, status = 'approved', score }) {
    const ids = []
    for (let i = 0; i < n; i++) ids.push((await sandbox.createIdentity({ status, score })).id)
    return ids
  },
  // identities with the given ids (e.g. those a store was seeded with)
  async adopt ({ ids, status = 'approved', score }) {
    for (const id of ids) {
      if (sandbox.getIdentity(id) === undefined) await sandbox.createIdentity({ id, status, score })
      else sandbox.setIdentity(id, { status, score })
    }
    return ids.length
  },
  // n identities, nothing returned (reconcile's memory benchmark)
  async bulk ({ n }) {
    for (let i = 0; i < n; i++) await sandbox.createIdentity({ status: 'approved' })
    return n
  },
  // sets the identities' state at the provider (no delivery); returns their common `updated`
  async review ({ ids, status, score }) {
    const updated = Math.floor(Date.now() / 1000) + 5
    for (const id of ids) sandbox.setIdentity(id, { status, score, updated })
    return updated
  },
  async faults ({ faults }) {
    sandbox.faults = faults
    return sandbox.faults
  },
  async stats () {
    return sandbox.stats()
  },
  async resetStats () {
    sandbox.resetStats()
    return true
  },
  async usage () {
    return usage()
  }
}, async () => { await sandbox.close() })

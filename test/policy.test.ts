import t from 'tap'
import type { Identity } from '../src/protocol/identity.js'
import { decide } from '../src/policy.js'

const identity = (patch: Partial<Identity>): Identity => ({
  id: 'i', status: 'approved', owner: null, score: 0.9, created: 1, updated: 2, resources: [], metadata: null, watchlist: null, ...patch
})
const none = { thresholds: {}, bindMetadata: false }

t.test('provider status passes through without local policy', async (t) => {
  for (const status of ['created', 'processing', 'pending', 'approved', 'declined'] as const) {
    t.match(decide(identity({ status }), 'u', none), { status, reason: null, providerUpdated: 2, score: 0.9 })
  }
})

t.test('thresholds', async (t) => {
  const th = { thresholds: { approveAt: 0.85, declineBelow: 0.7 }, bindMetadata: false }
  t.match(decide(identity({ score: 0.9 }), 'u', th), { status: 'approved' })
  t.match(decide(identity({ score: 0.8 }), 'u', th), { status: 'pending', reason: 'score_below_threshold' })
  t.match(decide(identity({ score: null }), 'u', th), { status: 'pending' })
  t.match(decide(identity({ score: 0.5 }), 'u', th), { status: 'declined', reason: 'score_below_threshold' })
  t.match(decide(identity({ status: 'pending', score: 0.5 }), 'u', th), { status: 'declined' })
  t.match(decide(identity({ status: 'processing', score: 0.1 }), 'u', th), { status: 'processing' })
  t.match(decide(identity({ status: 'created', score: 0 }), 'u', th), { status: 'created' })
})

t.test('metadata binding', async (t) => {
  const bind = { thresholds: {}, bindMetadata: true }
  t.match(decide(identity({ metadata: { user_id: 'u' } }), 'u', bind), { status: 'approved', mismatch: false })
  t.match(decide(identity({ metadata: { user_id: 'other' } }), 'u', bind), { status: 'declined', reason: 'metadata_mismatch', mismatch: true })
  t.match(decide(identity({ metadata: null }), 'u', bind), { status: 'declined', reason: 'metadata_mismatch' })
  t.match(decide(identity({ metadata: { user_id: 7 } }), 'u', bind), { status: 'declined' })
  t.match(decide(identity({ status: 'processing', metadata: null }), 'u', bind), { status: 'processing' })
})

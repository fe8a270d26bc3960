import t from 'tap'
import type { Identity } from '../../src/protocol/identity.js'
import { approvalExpiry, startOfDay } from '../../src/verification/expiry.js'
import { decide, type PolicyOptions } from '../../src/verification/policy.js'

const identity = (patch: Partial<Identity>): Identity => ({
  id: 'i', status: 'approved', owner: null, score: 0.9, created: 1, updated: 2, resources: [], metadata: null, watchlist: null, ...patch
})
const NOW = 10_000
const none: PolicyOptions = { thresholds: {}, bindMetadata: false, watchlist: 'ignore', expiry: { documents: false } }
const d = (i: Identity, user: string, options: Partial<PolicyOptions> = {}, now = NOW): ReturnType<typeof decide>['update'] & { mismatch: boolean } => {
  const out = decide(i, user, { ...none, ...options }, now)
  return { ...out.update, mismatch: out.mismatch }
}

t.test('provider status passes through without local policy', async (t) => {
  for (const status of ['created', 'processing', 'pending', 'approved', 'declined'] as const) {
    t.match(d(identity({ status }), 'u'), { status, reason: null, providerUpdated: 2, score: 0.9, expiresAt: null })
  }
})

t.test('thresholds', async (t) => {
  const th = { thresholds: { approveAt: 0.85, declineBelow: 0.7 } }
  t.match(d(identity({ score: 0.9 }), 'u', th), { status: 'approved' })
  t.match(d(identity({ score: 0.8 }), 'u', th), { status: 'pending', reason: 'score_below_threshold' })
  t.match(d(identity({ score: null }), 'u', th), { status: 'pending' })
  t.match(d(identity({ score: 0.5 }), 'u', th), { status: 'declined', reason: 'score_below_threshold' })
  t.match(d(identity({ status: 'pending', score: 0.5 }), 'u', th), { status: 'declined' })
  t.match(d(identity({ status: 'processing', score: 0.1 }), 'u', th), { status: 'processing' })
  t.match(d(identity({ status: 'created', score: 0 }), 'u', th), { status: 'created' })
})

t.test('metadata binding', async (t) => {
  const bind = { bindMetadata: true }
  t.match(d(identity({ metadata: { user_id: 'u' } }), 'u', bind), { status: 'approved', mismatch: false })
  t.match(d(identity({ metadata: { user_id: 'other' } }), 'u', bind), { status: 'declined', reason: 'metadata_mismatch', mismatch: true })
  t.match(d(identity({ metadata: null }), 'u', bind), { status: 'declined', reason: 'metadata_mismatch' })
  t.match(d(identity({ metadata: { user_id: 7 } }), 'u', bind), { status: 'declined' })
  t.match(d(identity({ status: 'processing', metadata: null }), 'u', bind), { status: 'processing' })
})

t.test('watchlist: decline on a listing only when asked to', async (t) => {
  const listed = identity({ watchlist: { clean: false } } as Partial<Identity>)
  t.match(d(listed, 'u'), { status: 'approved' }, "default 'ignore'")
  t.match(d(listed, 'u', { watchlist: 'decline' }), { status: 'declined', reason: 'watchlist' })
  t.match(d(identity({ watchlist: { clean: true } } as Partial<Identity>), 'u', { watchlist: 'decline' }), { status: 'approved' })
  t.match(d(identity({ watchlist: null }), 'u', { watchlist: 'decline' }), { status: 'approved' }, 'no watchlist result: not a listing')
  t.match(d(identity({ status: 'pending', watchlist: { clean: false } } as Partial<Identity>), 'u', { watchlist: 'decline' }), { status: 'declined', reason: 'watchlist' })
})

t.test('expiry: maxAge from the approving state, the earliest document date, expired when past', async (t) => {
  const passport = (date: string): Identity['resources'][number] => ({ type: 'PASSPORT', datapoints: { date_of_expiry: date } }) as Identity['resources'][number]
  const approved = identity({ updated: 1000, resources: [passport('2030-01-02'), passport('2029-06-30'), { type: 'EMAIL', datapoints: {} } as Identity['resources'][number]] })
  t.match(d(approved, 'u', { expiry: { maxAge: 3600, documents: false } }), { status: 'approved', expiresAt: (1000 + 3600) * 1000 })
  t.match(d(approved, 'u', { expiry: { documents: true } }), { status: 'approved', expiresAt: Date.UTC(2029, 5, 30) })
  t.match(d(approved, 'u', { expiry: { maxAge: 3600, documents: true } }), { expiresAt: (1000 + 3600) * 1000 }, 'the earlier of both')
  t.match(d(approved, 'u', { expiry: { maxAge: 10, documents: false } }, 1010 * 1000), { status: 'expired', reason: 'expired' }, 'at expiresAt: expired')
  t.match(d(approved, 'u', { expiry: { maxAge: 10, documents: false } }, 1010 * 1000 - 1), { status: 'approved' }, 'one ms before: approved')
  t.match(d(identity({ status: 'pending' }), 'u', { expiry: { maxAge: 10, documents: true } }), { status: 'pending', expiresAt: null }, 'only approvals expire')
  t.equal(approvalExpiry(identity({ resources: [] }), { documents: true }), null, 'no datapoint: no document expiry')
  t.equal(startOfDay('2027-02-31'), null, 'an impossible date is ignored')
  t.equal(startOfDay('27-02-01'), null)
  t.equal(startOfDay(20270201), null)
  t.equal(startOfDay('2027-02-01'), Date.UTC(2027, 1, 1))
})

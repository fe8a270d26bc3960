import assert from 'node:assert/strict'
import { base, count, type ConformanceCase } from './fixtures.js'

/** Single-use (transaction-bound) step-up tokens. */
export const tokenCases: ConformanceCase[] = [
  {
    name: 'useToken is true once per jti until the token expires',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const now = base()
      const jti = id('jti')
      assert.equal(await store.useToken(jti, now + 1000, now), true, 'first use')
      assert.equal(await store.useToken(jti, now + 1000, now + 1), false, 'second use')
      assert.equal(await store.useToken(jti, now + 1000, now + 999), false, 'just before expiresAt')
      assert.equal(await store.useToken(id('jti'), now + 1000, now + 1), true, 'other tokens are independent')
      assert.equal(await store.useToken(jti, now + 5000, now + 1000), true, 'at expiresAt the entry has expired (so has the token)')
    }
  },
  {
    name: 'concurrent: 20 useToken calls with one jti, exactly one is first',
    needs: ['stepUp'],
    async run ({ store, id }) {
      const now = base()
      const jti = id('jti')
      const results = await Promise.all(Array.from({ length: 20 }, async () => await store.useToken(jti, now + 60_000, now)))
      assert.equal(count(results, (r) => r), 1, 'exactly one true')
    }
  }
]

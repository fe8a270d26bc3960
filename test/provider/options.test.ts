import t from 'tap'
import { expectTypeOf } from 'expect-type'
import type { z } from 'zod'
import { PassbaseClient } from '../../src/provider/client.js'
import type { PassbaseClientOptions } from '../../src/provider/client.js'
import {
  PROVIDER_DEFAULTS,
  parseProviderOptions,
  providerApiOptionsSchema,
  providerOptionsSchema
} from '../../src/provider/options.js'
import type { ProviderApiOptions, ResolvedProviderOptions } from '../../src/provider/options.js'
import { PassbaseOptionsError } from '../../src/errors.js'
import { KEY, noKey } from './helpers.js'

const base = { secretApiKey: KEY, baseUrl: 'https://api.passbase.com/verification/v2' }

t.test('options are validated and name the option', async (t) => {
  const bad: Array<[Partial<PassbaseClientOptions>, RegExp]> = [
    [{ secretApiKey: '' }, /secretApiKey/],
    [{ baseUrl: 'not a url' }, /baseUrl/],
    [{ baseUrl: 'ftp://example.com' }, /baseUrl/],
    [{ timeoutMs: 0 }, /timeoutMs/],
    [{ retries: -1 }, /retries/],
    [{ retries: 1.5 }, /retries/],
    [{ concurrency: 0 }, /concurrency/],
    [{ connections: 0 }, /connections/],
    [{ retryBaseMs: -5 }, /retryBaseMs/],
    // added in 0.2
    [{ maxQueue: -1 }, /maxQueue/],
    [{ maxQueue: 0.5 }, /maxQueue/],
    [{ retries: 11 }, /retries: expected an integer from 0 to 10/],
    [{ timeoutMs: 2 ** 31 }, /timeoutMs: expected an integer from 1 to 2147483647 \(milliseconds\)/],
    [{ timeoutMs: Number.NaN }, /timeoutMs/],
    [{ timeoutMs: '100' as unknown as number }, /timeoutMs/],
    [{ secretApiKey: 'sk with space' }, /secretApiKey/],
    [{ secretApiKey: 'sk\r\nx-injected: 1' }, /secretApiKey/],
    [{ secretApiKey: undefined as unknown as string }, /secretApiKey: expected a non-empty string/],
    [{ timeout: 100 } as Partial<PassbaseClientOptions>, /"timeout": unknown option \(known: .*timeoutMs/]
  ]
  for (const [patch, re] of bad) {
    t.throws(() => new PassbaseClient({ ...base, ...patch }), PassbaseOptionsError)
    t.throws(() => new PassbaseClient({ ...base, ...patch }), { message: re, code: 'FST_PASSBASE_OPTIONS' })
  }
  t.throws(() => new PassbaseClient(undefined as unknown as PassbaseClientOptions), { message: /options: expected an object/ })
  const err = (() => {
    try {
      return new PassbaseClient({ ...base, baseUrl: 'nope' })
    } catch (e) {
      return e
    }
  })()
  noKey(t, err)
  const ok = new PassbaseClient(base)
  t.same(ok.stats(), { requests: 0, inFlight: 0, queued: 0, coalescing: 0 })
  await ok.close()
})

t.test('a refused key is never echoed', async (t) => {
  const key = 'sk live with spaces 0123456789'
  let e: Error | undefined
  try {
    await new PassbaseClient({ ...base, secretApiKey: key }).close()
  } catch (err) {
    e = err as Error
  }
  t.ok(e instanceof PassbaseOptionsError)
  t.notOk(String(e?.message).includes(key))
  t.notOk(JSON.stringify(e).includes(key))
})

t.test('defaults: one constant, applied by the schema; connections follows concurrency', async (t) => {
  t.same(PROVIDER_DEFAULTS, { timeoutMs: 5000, retries: 2, concurrency: 16, maxQueue: 1000, retryBaseMs: 100 })
  t.ok(Object.isFrozen(PROVIDER_DEFAULTS))
  const resolved = parseProviderOptions({ ...base, baseUrl: 'https://api.example.com/verification/v2//' })
  t.same(resolved, {
    secretApiKey: KEY,
    origin: 'https://api.example.com',
    basePath: '/verification/v2',
    ...PROVIDER_DEFAULTS,
    connections: 16
  })
  t.equal(parseProviderOptions({ ...base, concurrency: 4 }).connections, 4)
  t.equal(parseProviderOptions({ ...base, concurrency: 4, connections: 2 }).connections, 2)
  t.equal(parseProviderOptions({ ...base, baseUrl: 'http://localhost:8080' }).basePath, '')
})

t.test('the api part the plugin exposes: strict, defaulted, messages naming the field', async (t) => {
  t.same(providerApiOptionsSchema.parse({}), { timeoutMs: 5000, retries: 2, concurrency: 16, maxQueue: 1000 })
  t.same(providerApiOptionsSchema.parse({ maxQueue: 0, retries: 0 }), { timeoutMs: 5000, retries: 0, concurrency: 16, maxQueue: 0 })
  const unknown = providerApiOptionsSchema.safeParse({ timeoutMs: 10, retryBaseMs: 5 })
  t.notOk(unknown.success, 'strict: the client-only options are not part of it')
  t.match(unknown.error?.issues[0].message, /"retryBaseMs": unknown option \(known: timeoutMs, retries, concurrency, maxQueue\)/)
  const bad = providerApiOptionsSchema.safeParse({ concurrency: 0, maxQueue: 'many' })
  t.same(bad.error?.issues.map((i) => [i.path.join('.'), i.message]), [
    ['concurrency', 'concurrency: expected an integer ≥ 1'],
    ['maxQueue', 'maxQueue: expected an integer ≥ 0']
  ])
  t.match(providerApiOptionsSchema.safeParse([]).error?.issues[0].message, /api: expected an object/)
  // made optional as a whole, as the plugin does
  t.same(providerApiOptionsSchema.prefault({}).parse(undefined), { timeoutMs: 5000, retries: 2, concurrency: 16, maxQueue: 1000 })
})

t.test('types: the schemas are tied to the option interfaces', async () => {
  expectTypeOf<z.input<typeof providerApiOptionsSchema>>().toEqualTypeOf<ProviderApiOptions>()
  expectTypeOf<z.output<typeof providerApiOptionsSchema>>().toEqualTypeOf<Required<ProviderApiOptions>>()
  expectTypeOf<z.input<typeof providerOptionsSchema>>().toEqualTypeOf<PassbaseClientOptions>()
  expectTypeOf<z.output<typeof providerOptionsSchema>>().toEqualTypeOf<ResolvedProviderOptions>()
  expectTypeOf<PassbaseClientOptions>().toMatchTypeOf<ProviderApiOptions>()
})

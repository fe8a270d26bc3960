/**
 * The harness of the documentation's TypeScript snippets (`test/docs/snippets.test.ts`).
 * A snippet is compiled as a module of its own, under --strict, against the built package
 * (`import ... from 'fastify-passbase'` resolves to dist/ as it does for a host app). A
 * fragment may use the names below without declaring them: they stand for what the
 * surrounding host app would have. Anything else a snippet uses it must import or declare,
 * as a reader copying it would. A snippet that declares one of these names itself (e.g. its
 * own `const app = Fastify()`) shadows the harness's.
 *
 * This folder is not part of `tsc -p .` (tsconfig.json excludes it): these globals must
 * not leak into the project's own code.
 */
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics'
import type { SpanExporter } from '@opentelemetry/sdk-trace-base'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPassbaseOptions, PassbaseStore, fastifyPassbase as plugin } from 'fastify-passbase'

/** What a host's SQL client offers (`db.tx(fn)` runs `fn` in one transaction). */
interface HostDatabase {
  tx: <T>(fn: (tx: { query: (sql: string, params?: unknown[]) => Promise<{ rowCount: number | null }> }) => Promise<T>) => Promise<T>
}

declare global {
  /** the host app, with the plugin registered */
  const app: FastifyInstance
  /** the plugin (the default export of 'fastify-passbase') */
  const fastifyPassbase: typeof plugin
  /** the host's other plugin options (`{ ...options, reauth }`) */
  const options: FastifyPassbaseOptions
  /** a route handler of the host */
  const handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>
  /** the host's route handlers in docs/step-up.md */
  const withdraw: typeof handler
  const closeAccount: typeof handler
  const payout: typeof handler
  /** a host function that builds its app (docs/testing.md) */
  const buildApp: (overrides?: Partial<FastifyPassbaseOptions>) => Promise<FastifyInstance>
  /** the webhook secret the host configured */
  const webhookSecret: string
  /** an identity id the host holds */
  const identityId: string
  /** the host's database (docs/compliance.md) */
  const db: HostDatabase
  /** where the host exports audit entries */
  const exportLine: (line: string) => void
  /** the host's OpenTelemetry exporters (docs/provider.md) */
  const exporter: PushMetricExporter
  const spanExporter: SpanExporter
  /** a custom store adapter being written (docs/stores.md) */
  class MyStore {
    constructor (options?: { url?: string })
  }
  interface MyStore extends PassbaseStore {}
}

import type { FastifyInstance } from 'fastify'
import type { Sandbox } from '../src/sandbox/index.js'

export interface StartOptions {
  /** default PORT or 3000; 0 for a random free port */
  port?: number
  /** default HOST or 127.0.0.1 */
  host?: string
  /** where the SQLite file, the secrets and the sandbox snapshot live; default DATA_DIR or example/data */
  dataDir?: string
  /** PostgreSQL instead of SQLite; default DATABASE_URL */
  databaseUrl?: string
  /** an external provider instead of the in-process sandbox; default PASSBASE_API_URL */
  apiUrl?: string
  /** the in-process sandbox's delay before its webhooks; default PASSBASE_PROCESSING_DELAY_MS or 3000 */
  processingDelayMs?: number
  /** seconds an approval stays valid (plugin option `expiry.maxAge`); 0: never expires; default PASSBASE_EXPIRY_MAX_AGE or one year */
  expiryMaxAge?: number
  /** the plugin's and the in-process sandbox's clock (epoch ms), for tests that move time */
  clock?: { now: () => number }
  /** Fastify's logger option; default warnings only */
  logger?: boolean | { level: string }
  env?: Record<string, string | undefined>
}

export interface Wallet {
  app: FastifyInstance
  /** the in-process sandbox, null with PASSBASE_API_URL */
  sandbox: Sandbox | null
  /** e.g. http://127.0.0.1:3000 */
  url: string
  /** what the log line says to open, e.g. http://localhost:3000 */
  publicUrl: string
  close: () => Promise<void>
}

export function start (options?: StartOptions): Promise<Wallet>

/** an IBAN checked (ISO 13616 mod 97) and grouped by four, or null */
export function normalizeIban (raw: string): string | null

/** what the user confirms for a payout: `{ type: 'payout', amount: '50.00 EUR', payee: 'DE89 …' }` */
export function payoutAction (body: { amount: number, payee: string }): { type: 'payout', amount: string, payee: string }

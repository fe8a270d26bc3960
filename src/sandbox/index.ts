import { resolveOptions } from './options.js'
import { ProviderSandbox } from './sandbox.js'
import type { Sandbox, SandboxOptions } from './types.js'

/**
 * The local, wire-faithful Passbase provider: API, webhook dispatcher, button.js and
 * verification page, a control API and an identities page, with fault injection and an
 * injectable clock for tests. `createSandbox` listens on `host:port` and resolves once
 * it is reachable.
 */

export type * from './types.js'
export type { SandboxButtonApi, SandboxButtonHandle, SandboxButtonOptions, SandboxErrorContext } from './browser/button-api.js'
export type { ButtonErrorCode, FlowStep, IntegrationType } from './browser/protocol.js'
export {
  DOCUMENT_TYPES, EVENT_NAMES, IDENTITY_STATUSES, RESOURCE_FILE_TYPES, RESOURCE_STATUSES,
  SDK_EXTRA_IDENTITY_STATUSES, SPEC_IDENTITY_STATUSES
} from './wire.js'

export async function createSandbox (options: SandboxOptions): Promise<Sandbox> {
  const resolved = resolveOptions(options)
  const sandbox = new ProviderSandbox(resolved)
  try {
    await sandbox.listen(resolved.host, resolved.port)
  } catch (err) {
    await sandbox.close()
    throw err
  }
  return sandbox
}

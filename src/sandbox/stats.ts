import type { ApiKind, SandboxStats } from './types.js'

/** Counts provider API requests, per route kind and per identity (single-flight tests). */
export class ApiCounters {
  #total = 0
  #byKind = ApiCounters.#zero()
  #byIdentity = new Map<string, number>()

  static #zero (): Record<ApiKind, number> {
    return { getIdentity: 0, listIdentities: 0, listResources: 0, getResource: 0, getResourceFile: 0, settings: 0 }
  }

  get total (): number {
    return this.#total
  }

  count (kind: ApiKind, identityId?: string): void {
    this.#total++
    this.#byKind[kind]++
    if (identityId !== undefined) this.#byIdentity.set(identityId, (this.#byIdentity.get(identityId) ?? 0) + 1)
  }

  snapshot (): SandboxStats['api'] {
    return { total: this.#total, byKind: { ...this.#byKind }, byIdentity: Object.fromEntries(this.#byIdentity) }
  }

  reset (): void {
    this.#total = 0
    this.#byKind = ApiCounters.#zero()
    this.#byIdentity.clear()
  }
}

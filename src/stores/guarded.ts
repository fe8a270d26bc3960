import { StoreUnavailableError } from '../errors.js'
import { STORE_METHODS } from './methods.js'
import type { PassbaseStore } from './types.js'

/**
 * The host's store as the plugin uses it: a failure of any method (a rejection or a
 * synchronous throw) becomes FST_PASSBASE_STORE_UNAVAILABLE, with the original error as
 * `cause`, so that errors are classified where they arise. Methods the store lacks stay
 * absent (the register-time check decides whether that is allowed).
 */
export function guardStore<S extends PassbaseStore> (store: S): S {
  const guarded: Record<string, unknown> = {}
  const names = [...Object.values(STORE_METHODS).flat(), 'init', 'close'] as const
  const target = store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>
  for (const name of names) {
    if (typeof target[name] !== 'function') continue
    guarded[name] = async function guardedMethod (...args: unknown[]): Promise<unknown> {
      try {
        // looked up per call: a host (or a test) may wrap a method after registering
        return await target[name]!.apply(store, args)
      } catch (err) {
        throw storeError(err)
      }
    }
  }
  if (typeof store.subscribe === 'function') guarded.subscribe = store.subscribe.bind(store)
  return guarded as unknown as S
}

function storeError (err: unknown): Error {
  if (err instanceof StoreUnavailableError) return err
  const wrapped = new StoreUnavailableError()
  wrapped.cause = err
  return wrapped
}

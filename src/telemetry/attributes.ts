import type { Attributes } from '@opentelemetry/api'

/**
 * Attribute sets reused across recordings: a repeated combination of values returns
 * the same frozen object, so a hot-path counter call allocates nothing. Each cache
 * holds at most `limit` combinations; past that, new ones are built per call (bounded
 * memory, whatever values a caller passes).
 */

const DEFAULT_LIMIT = 1024

export class AttributeCache1<A extends string> {
  readonly #key: A
  readonly #limit: number
  readonly #sets = new Map<string, Attributes>()

  constructor (key: A, limit = DEFAULT_LIMIT) {
    this.#key = key
    this.#limit = limit
  }

  get (value: string): Attributes {
    let set = this.#sets.get(value)
    if (set === undefined) {
      set = Object.freeze({ [this.#key]: value })
      if (this.#sets.size < this.#limit) this.#sets.set(value, set)
    }
    return set
  }
}

export class AttributeCache2<A extends string, B extends string> {
  readonly #a: A
  readonly #b: B
  readonly #limit: number
  readonly #sets = new Map<string, Map<string | number, Attributes>>()
  #size = 0

  constructor (a: A, b: B, limit = DEFAULT_LIMIT) {
    this.#a = a
    this.#b = b
    this.#limit = limit
  }

  /** `b` may be a number (e.g. an HTTP status): it is recorded as its decimal string. */
  get (a: string, b: string | number): Attributes {
    let inner = this.#sets.get(a)
    let set = inner?.get(b)
    if (set === undefined) {
      set = Object.freeze({ [this.#a]: a, [this.#b]: typeof b === 'number' ? String(b) : b })
      if (this.#size < this.#limit) {
        if (inner === undefined) {
          inner = new Map()
          this.#sets.set(a, inner)
        }
        inner.set(b, set)
        this.#size++
      }
    }
    return set
  }
}

/**
 * Prefix key → small integer maps for the RIB tables (prefix keys: wire/prefix.ts).
 *
 * A JS Map of a million IPv4 keys costs ~45 bytes per entry (an entry triple plus a HeapNumber per key above
 * 2^31, which /24 keys are) and ~700 ns per insert on our CI machines. The IPv4 tables are therefore an
 * open-addressing hash over typed arrays:
 *
 *   k: Float64Array   prefix key + 1 (addr * 64 + len < 2^38, exact in a double); EMPTY = 0 when free, so a
 *                     new array needs no fill: growing is allocate (zeroed by the allocator) + rehash
 *   v: Int32Array     the value (an AttrSet id, or a packed Loc-RIB outcome)
 *
 * (An interleaved Int32Array [addr, len, value] per slot measured ~15% slower here, despite one cache line.)
 * 12 bytes per slot, load factor <= 3/4, linear probing, backward-shift deletion (no tombstones), shrinks
 * when mostly empty. No object per prefix. IPv6 keys (strings) use a JS Map behind the same interface.
 * Values are int32 and never -1, which get/set/delete return for "absent".
 * Do not mutate a map while iterating its keys().
 */
/** A compact prefix key of any family: V4Key (number) or V6Key (latin1 string), see wire/prefix.ts. */
export type PrefixKey = number | string

export const ABSENT = -1

export interface IntPrefixMap<K extends PrefixKey> {
  readonly size: number
  /** The value, or ABSENT. */
  get(key: K): number
  /** Store `value` (never ABSENT); returns the previous value or ABSENT. */
  set(key: K, value: number): number
  /** set() without reading the previous value (a JS Map then costs one lookup, not two). */
  put(key: K, value: number): void
  /** Remove; returns the previous value or ABSENT. */
  delete(key: K): number
  has(key: K): boolean
  keys(): IterableIterator<K>
  /** Calls fn(value, key) for each entry. */
  forEach(fn: (value: number, key: K) => void): void
  clear(): void
}

/** A free slot; stored keys are key + 1 (key 0 is 0.0.0.0/0). */
const EMPTY = 0
const MIN_CAPACITY = 16

/** IPv4 keys (numbers). */
export class V4IntMap implements IntPrefixMap<number> {
  private cap: number
  private mask: number
  private k: Float64Array
  private v: Int32Array
  private n = 0

  /** `sizeHint`: expected entries (e.g. the peer's max-prefix), to skip the rehashes while filling. */
  constructor(sizeHint = 0) {
    let cap = MIN_CAPACITY
    while (cap * 3 < sizeHint * 4) cap *= 2
    this.cap = cap
    this.mask = cap - 1
    this.k = new Float64Array(cap)
    this.v = new Int32Array(cap)
  }

  get size(): number {
    return this.n
  }

  /** `key`: the stored form (prefix key + 1). */
  private slot(key: number): number {
    // Both halves of the 38-bit key through murmur3's finalizer: /24 neighbours differ only above bit 14.
    let h = Math.imul((key >>> 0) ^ Math.imul((key / 4294967296) | 0, 0x9e3779b1), 0x85ebca6b)
    h ^= h >>> 15
    h = Math.imul(h, 0xc2b2ae35)
    h ^= h >>> 13
    return h & this.mask
  }

  get(key: number): number {
    const k = this.k
    key++
    for (let i = this.slot(key); ; i = (i + 1) & this.mask) {
      const x = k[i]!
      if (x === key) return this.v[i]!
      if (x === EMPTY) return ABSENT
    }
  }

  has(key: number): boolean {
    return this.get(key) !== ABSENT
  }

  set(key: number, value: number): number {
    if ((this.n + 1) * 4 > this.cap * 3) this.resize(this.cap * 2)
    const k = this.k
    key++
    for (let i = this.slot(key); ; i = (i + 1) & this.mask) {
      const x = k[i]!
      if (x === key) {
        const old = this.v[i]!
        this.v[i] = value
        return old
      }
      if (x === EMPTY) {
        k[i] = key
        this.v[i] = value
        this.n++
        return ABSENT
      }
    }
  }

  put(key: number, value: number): void {
    this.set(key, value)
  }

  delete(key: number): number {
    const k = this.k
    const v = this.v
    const mask = this.mask
    key++
    let i = this.slot(key)
    for (; ; i = (i + 1) & mask) {
      const x = k[i]!
      if (x === key) break
      if (x === EMPTY) return ABSENT
    }
    const old = v[i]!
    // Backward shift: pull later entries of the probe run into the hole when their home slot allows it.
    for (let j = (i + 1) & mask; k[j] !== EMPTY; j = (j + 1) & mask) {
      const h = this.slot(k[j]!)
      if (((j - h) & mask) >= ((j - i) & mask)) {
        k[i] = k[j]!
        v[i] = v[j]!
        i = j
      }
    }
    k[i] = EMPTY
    this.n--
    if (this.cap > MIN_CAPACITY && this.n * 8 < this.cap) this.resize(this.cap / 2)
    return old
  }

  private resize(cap: number): void {
    const ok = this.k
    const ov = this.v
    this.cap = cap
    this.mask = cap - 1
    const k = (this.k = new Float64Array(cap))
    const v = (this.v = new Int32Array(cap))
    for (let j = 0; j < ok.length; j++) {
      const key = ok[j]!
      if (key === EMPTY) continue
      let i = this.slot(key)
      while (k[i] !== EMPTY) i = (i + 1) & this.mask
      k[i] = key
      v[i] = ov[j]!
    }
  }

  *keys(): IterableIterator<number> {
    const k = this.k
    for (let i = 0; i < k.length; i++) if (k[i] !== EMPTY) yield k[i]! - 1
  }

  forEach(fn: (value: number, key: number) => void): void {
    const k = this.k
    const v = this.v
    for (let i = 0; i < k.length; i++) if (k[i] !== EMPTY) fn(v[i]!, k[i]! - 1)
  }

  clear(): void {
    this.cap = MIN_CAPACITY
    this.mask = MIN_CAPACITY - 1
    this.k = new Float64Array(MIN_CAPACITY)
    this.v = new Int32Array(MIN_CAPACITY)
    this.n = 0
  }
}

/** Any other key type (IPv6 latin1 strings): a JS Map. */
export class GenericIntMap<K extends PrefixKey> implements IntPrefixMap<K> {
  private readonly m = new Map<K, number>()

  get size(): number {
    return this.m.size
  }

  get(key: K): number {
    return this.m.get(key) ?? ABSENT
  }

  has(key: K): boolean {
    return this.m.has(key)
  }

  set(key: K, value: number): number {
    const old = this.m.get(key) ?? ABSENT
    this.m.set(key, value)
    return old
  }

  put(key: K, value: number): void {
    this.m.set(key, value)
  }

  delete(key: K): number {
    const old = this.m.get(key)
    if (old === undefined) return ABSENT
    this.m.delete(key)
    return old
  }

  keys(): IterableIterator<K> {
    return this.m.keys()
  }

  forEach(fn: (value: number, key: K) => void): void {
    this.m.forEach(fn)
  }

  clear(): void {
    this.m.clear()
  }
}

/** The map for a family's keys: typed-array hash for IPv4 (afi 1), JS Map otherwise. */
export function makeIntPrefixMap<K extends PrefixKey>(afi: number, sizeHint = 0): IntPrefixMap<K> {
  return (afi === 1 ? new V4IntMap(sizeHint) : new GenericIntMap<K>()) as unknown as IntPrefixMap<K>
}

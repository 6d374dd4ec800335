/**
 * Prefix key → small integer maps for the RIB tables (prefix keys: wire/prefix.ts).
 *
 * A JS Map of a million IPv4 keys costs ~45 bytes per entry (an entry triple plus a HeapNumber per key above
 * 2^31, which /24 keys are) and ~700 ns per insert on our CI machines. The tables are therefore open-addressing
 * hashes over typed arrays, no object per prefix: V4IntMap, V6IntMap (below). Common to both: linear probing,
 * load factor <= 3/4, backward-shift deletion (no tombstones), shrink when mostly empty; a free slot holds 0
 * (keys are stored + 1), so a new array needs no fill and growing is allocate (zeroed) + rehash.
 *
 * The home slot is the TOP bits of the hash, not the low ones: a table is then (nearly) ordered by hash, and
 * doubling it sends slot i's entries to slots 2i and 2i + 1, so a rehash reads the old array and writes the
 * new one in order instead of at random (growing to a million entries measured ~10% faster in total).
 * Each map hashes with its own seed: iterating one map (in its hash order) while inserting into another
 * would otherwise feed the second keys in ITS hash order too, all homed in the first slots while it is
 * small: one long probe run, quadratic time (e.g. copying a table, or a full Loc-RIB dump to a peer).
 *
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
  /**
   * A hint before a batch of operations on `keys` (no effect on the contents): with `inserting`, grow now if
   * adding them all could need it; then load each key's home slot. The loads are independent, so their cache
   * and TLB misses overlap, where the operations would take them one at a time (a batch of 1000 /24s into
   * two tables of a million measured ~35% faster).
   */
  prefetch(keys: ArrayLike<K>, inserting?: boolean): void
}

/** A free slot; stored keys are key + 1 (key 0 is 0.0.0.0/0). */
const EMPTY = 0
const MIN_CAPACITY = 16
const MIN_SHIFT = 32 - 4

/** murmur3's 32-bit finalizer. */
function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return h ^ (h >>> 16)
}

/** Home slot of `x` in a table of 2^(32 - shift) slots: the top bits of two multiply rounds (well mixed). */
function home(x: number, shift: number): number {
  const h = Math.imul(x, 0x85ebca6b)
  return Math.imul(h ^ (h >>> 15), 0xc2b2ae35) >>> shift
}

let seeds = 0

/** A distinct hash seed per map (deterministic: runs are reproducible). */
function nextSeed(): number {
  return fmix(Math.imul(++seeds, 0x9e3779b9))
}

/** Capacity (a power of two, >= MIN_CAPACITY) holding `n` entries at load factor <= 3/4. */
function capacityFor(n: number): number {
  let cap = MIN_CAPACITY
  while (cap * 3 < n * 4) cap *= 2
  return cap
}

/**
 * A zeroed Int32Array of `n` elements with every 4 KiB page already written once. A fresh array is mapped
 * lazily, and a first access that READS a page (a rehash probing for a free slot, a prefetch) maps the shared
 * zero page, then the first write takes a second fault to copy it: two faults per page where one write takes
 * one (~2.5 µs each on our VMs, about half the cost of doubling a 16 MiB table).
 */
function touchedInt32(n: number): Int32Array<ArrayBuffer> {
  const a = new Int32Array(n)
  for (let i = 0; i < n; i += 1024) a[i] = 0
  return a
}

function touchedFloat64(n: number): Float64Array<ArrayBuffer> {
  const a = new Float64Array(n)
  for (let i = 0; i < n; i += 512) a[i] = 0
  return a
}

/**
 * IPv4 keys (numbers: addr * 64 + len < 2^38). Nearly every key of a real table is a /24 or shorter, and then
 * the fourth octet is zero (the NLRI carries ceil(len / 8) octets): such a key packs into 30 bits,
 * (octets 1-3) << 6 | len, and a slot is two int32s in one array:
 *
 *   a[2i]     packed key + 1
 *   a[2i + 1] the value (an AttrSet id, or a packed Loc-RIB outcome)
 *
 * 8 bytes per slot, one cache line per probe. Other keys (/25 to /32, or host bits in the fourth octet) go to
 * V4LongMap (12 bytes per slot) beside it.
 */
export class V4IntMap implements IntPrefixMap<number> {
  private cap: number
  private shift: number
  private a: Int32Array
  private n = 0
  private long: V4LongMap | null = null
  private readonly seed = nextSeed()
  /** XOR of the words prefetch() loaded: it is stored only so that the loads are not optimised away. */
  touched = 0

  /** `sizeHint`: expected entries (e.g. the peer's max-prefix), to skip the rehashes while filling. */
  constructor(sizeHint = 0) {
    this.cap = capacityFor(sizeHint)
    this.shift = 32 - Math.log2(this.cap)
    this.a = touchedInt32(this.cap * 2)
  }

  get size(): number {
    return this.long === null ? this.n : this.n + this.long.size
  }

  /** `s`: a stored (packed + 1) key. */
  private slot(s: number): number {
    return home(s ^ this.seed, this.shift)
  }

  /** The slot holding stored key `s`, or -1. */
  private find(s: number): number {
    const a = this.a
    const mask = this.cap - 1
    for (let i = this.slot(s); ; i = (i + 1) & mask) {
      const x = a[2 * i]!
      if (x === s) return i
      if (x === EMPTY) return -1
    }
  }

  get(key: number): number {
    const s = packV4(key)
    if (s === EMPTY) return this.long === null ? ABSENT : this.long.get(key)
    const i = this.find(s)
    return i < 0 ? ABSENT : this.a[2 * i + 1]!
  }

  has(key: number): boolean {
    return this.get(key) !== ABSENT
  }

  set(key: number, value: number): number {
    const s = packV4(key)
    if (s === EMPTY) return (this.long ??= new V4LongMap()).set(key, value)
    if ((this.n + 1) * 4 > this.cap * 3) this.resize(this.cap * 2)
    const a = this.a
    const mask = this.cap - 1
    for (let i = this.slot(s); ; i = (i + 1) & mask) {
      const x = a[2 * i]!
      if (x === s) {
        const old = a[2 * i + 1]!
        a[2 * i + 1] = value
        return old
      }
      if (x === EMPTY) {
        a[2 * i] = s
        a[2 * i + 1] = value
        this.n++
        return ABSENT
      }
    }
  }

  put(key: number, value: number): void {
    this.set(key, value)
  }

  delete(key: number): number {
    const s = packV4(key)
    if (s === EMPTY) return this.long === null ? ABSENT : this.long.delete(key)
    let i = this.find(s)
    if (i < 0) return ABSENT
    const a = this.a
    const mask = this.cap - 1
    const old = a[2 * i + 1]!
    // Backward shift: pull later entries of the probe run into the hole when their home slot allows it.
    for (let j = (i + 1) & mask; a[2 * j] !== EMPTY; j = (j + 1) & mask) {
      const h = this.slot(a[2 * j]!)
      if (((j - h) & mask) >= ((j - i) & mask)) {
        a[2 * i] = a[2 * j]!
        a[2 * i + 1] = a[2 * j + 1]!
        i = j
      }
    }
    a[2 * i] = EMPTY
    this.n--
    if (this.cap > MIN_CAPACITY && this.n * 8 < this.cap) this.resize(this.cap / 2)
    return old
  }

  private resize(cap: number): void {
    const o = this.a
    this.cap = cap
    const shift = (this.shift = 32 - Math.log2(cap))
    const seed = this.seed
    const mask = cap - 1
    const a = (this.a = touchedInt32(cap * 2))
    for (let j = 0; j < o.length; j += 2) {
      const s = o[j]!
      if (s === EMPTY) continue
      let i = home(s ^ seed, shift)
      while (a[2 * i] !== EMPTY) i = (i + 1) & mask
      a[2 * i] = s
      a[2 * i + 1] = o[j + 1]!
    }
  }

  *keys(): IterableIterator<number> {
    const a = this.a
    for (let i = 0; i < a.length; i += 2) if (a[i] !== EMPTY) yield unpackV4(a[i]!)
    if (this.long !== null) yield* this.long.keys()
  }

  forEach(fn: (value: number, key: number) => void): void {
    const a = this.a
    for (let i = 0; i < a.length; i += 2) if (a[i] !== EMPTY) fn(a[i + 1]!, unpackV4(a[i]!))
    this.long?.forEach(fn)
  }

  clear(): void {
    this.cap = MIN_CAPACITY
    this.shift = MIN_SHIFT
    this.a = new Int32Array(MIN_CAPACITY * 2)
    this.n = 0
    this.long = null
  }

  prefetch(keys: ArrayLike<number>, inserting = false): void {
    if (inserting && (this.n + keys.length) * 4 > this.cap * 3) this.resize(capacityFor(this.n + keys.length))
    const a = this.a
    const shift = this.shift
    const seed = this.seed
    let acc = 0
    for (let j = 0; j < keys.length; j++) {
      const s = packV4(keys[j]!)
      if (s !== EMPTY) acc ^= a[2 * home(s ^ seed, shift)]!
    }
    this.touched = acc
  }
}

/**
 * The stored (+ 1) packed form of a V4 key when it is a /24 or shorter with a zero fourth octet:
 * (addr >>> 8) << 6 | len, + 1; EMPTY otherwise. The key's low 14 bits are the fourth octet << 6 | len, so
 * both tests are one comparison.
 */
function packV4(key: number): number {
  const hi = (key / 16384) | 0
  const lo = key - hi * 16384
  return lo > 24 ? EMPTY : hi * 64 + lo + 1
}

function unpackV4(s: number): number {
  s--
  return (s >>> 6) * 16384 + (s & 63)
}

/** V4IntMap's other keys: Float64Array k (key + 1, exact in a double) and Int32Array v, 12 bytes per slot. */
class V4LongMap {
  private cap = MIN_CAPACITY
  private shift = MIN_SHIFT
  private k = new Float64Array(MIN_CAPACITY)
  private v = new Int32Array(MIN_CAPACITY)
  private n = 0
  private readonly seed = nextSeed()

  get size(): number {
    return this.n
  }

  /** `key`: the stored form (prefix key + 1). */
  private slot(key: number): number {
    // Both halves of the 38-bit key.
    return home((key >>> 0) ^ Math.imul((key / 4294967296) | 0, 0x9e3779b1) ^ this.seed, this.shift)
  }

  get(key: number): number {
    const k = this.k
    const mask = this.cap - 1
    key++
    for (let i = this.slot(key); ; i = (i + 1) & mask) {
      const x = k[i]!
      if (x === key) return this.v[i]!
      if (x === EMPTY) return ABSENT
    }
  }

  set(key: number, value: number): number {
    if ((this.n + 1) * 4 > this.cap * 3) this.resize(this.cap * 2)
    const k = this.k
    const mask = this.cap - 1
    key++
    for (let i = this.slot(key); ; i = (i + 1) & mask) {
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

  delete(key: number): number {
    const k = this.k
    const v = this.v
    const mask = this.cap - 1
    key++
    let i = this.slot(key)
    for (; ; i = (i + 1) & mask) {
      const x = k[i]!
      if (x === key) break
      if (x === EMPTY) return ABSENT
    }
    const old = v[i]!
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
    this.shift = 32 - Math.log2(cap)
    const mask = cap - 1
    const k = (this.k = touchedFloat64(cap))
    const v = (this.v = touchedInt32(cap))
    for (let j = 0; j < ok.length; j++) {
      const key = ok[j]!
      if (key === EMPTY) continue
      let i = this.slot(key)
      while (k[i] !== EMPTY) i = (i + 1) & mask
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
}

/** Any key type, in a JS Map (families other than IPv4 and IPv6). */
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

  prefetch(): void {}
}

/**
 * IPv6 keys (latin1 strings: length char, then the prefix octets as sent; wire/prefix.ts) without keeping the
 * strings: a decoded key is a fresh string per prefix, and a JS Map holding a million of them costs ~80 bytes
 * per entry per table (entry triple, bucket, the string itself). Keys of length <= 56 bits (the IPv6 DFZ is
 * filtered at /48) are packed into two int32 words; a slot is three int32s:
 *
 *   a[3i]     word 0 + 1: length << 24 | octets 1-3   (+ 1 so EMPTY = 0 is never a key; length <= 56 < 127)
 *   a[3i + 1] word 1: octets 4-7
 *   a[3i + 2] the value
 *
 * 12 bytes per slot, in one array. Longer prefixes (/57 to /128), and any string not in the canonical key form,
 * go to a JS Map beside it. keys() and forEach() rebuild the key strings.
 */
export class V6IntMap implements IntPrefixMap<string> {
  private cap: number
  private mask: number
  private shift: number
  private a: Int32Array
  private n = 0
  private readonly long = new Map<string, number>()
  private readonly seed = nextSeed()
  /** XOR of the words prefetch() loaded: it is stored only so that the loads are not optimised away. */
  touched = 0

  constructor(sizeHint = 0) {
    this.cap = capacityFor(sizeHint)
    this.mask = this.cap - 1
    this.shift = 32 - Math.log2(this.cap)
    this.a = touchedInt32(this.cap * 3)
  }

  get size(): number {
    return this.n + this.long.size
  }

  private slot(w0: number, w1: number): number {
    return home(w0 ^ Math.imul(w1, 0x9e3779b1) ^ this.seed, this.shift)
  }

  /** The slot holding the packed key (W0, W1), or -1. */
  private find(w0: number, w1: number): number {
    const a = this.a
    for (let i = this.slot(w0, w1); ; i = (i + 1) & this.mask) {
      const x = a[3 * i]!
      if (x === w0 && a[3 * i + 1] === w1) return i
      if (x === EMPTY) return -1
    }
  }

  get(key: string): number {
    if (!pack(key)) return this.long.get(key) ?? ABSENT
    const i = this.find(W0, W1)
    return i < 0 ? ABSENT : this.a[3 * i + 2]!
  }

  has(key: string): boolean {
    return this.get(key) !== ABSENT
  }

  set(key: string, value: number): number {
    if (!pack(key)) {
      const old = this.long.get(key) ?? ABSENT
      this.long.set(key, value)
      return old
    }
    if ((this.n + 1) * 4 > this.cap * 3) this.resize(this.cap * 2)
    const w0 = W0
    const w1 = W1
    const a = this.a
    for (let i = this.slot(w0, w1); ; i = (i + 1) & this.mask) {
      const x = a[3 * i]!
      if (x === w0 && a[3 * i + 1] === w1) {
        const old = a[3 * i + 2]!
        a[3 * i + 2] = value
        return old
      }
      if (x === EMPTY) {
        a[3 * i] = w0
        a[3 * i + 1] = w1
        a[3 * i + 2] = value
        this.n++
        return ABSENT
      }
    }
  }

  put(key: string, value: number): void {
    this.set(key, value)
  }

  delete(key: string): number {
    if (!pack(key)) {
      const old = this.long.get(key)
      if (old === undefined) return ABSENT
      this.long.delete(key)
      return old
    }
    let i = this.find(W0, W1)
    if (i < 0) return ABSENT
    const a = this.a
    const mask = this.mask
    const old = a[3 * i + 2]!
    // Backward shift: pull later entries of the probe run into the hole when their home slot allows it.
    for (let j = (i + 1) & mask; a[3 * j] !== EMPTY; j = (j + 1) & mask) {
      const h = this.slot(a[3 * j]!, a[3 * j + 1]!)
      if (((j - h) & mask) >= ((j - i) & mask)) {
        a[3 * i] = a[3 * j]!
        a[3 * i + 1] = a[3 * j + 1]!
        a[3 * i + 2] = a[3 * j + 2]!
        i = j
      }
    }
    a[3 * i] = EMPTY
    this.n--
    if (this.cap > MIN_CAPACITY && this.n * 8 < this.cap) this.resize(this.cap / 2)
    return old
  }

  private resize(cap: number): void {
    const o = this.a
    this.cap = cap
    this.mask = cap - 1
    this.shift = 32 - Math.log2(cap)
    const mask = this.mask
    const a = (this.a = touchedInt32(cap * 3))
    for (let j = 0; j < o.length; j += 3) {
      const w0 = o[j]!
      if (w0 === EMPTY) continue
      const w1 = o[j + 1]!
      let i = this.slot(w0, w1)
      while (a[3 * i] !== EMPTY) i = (i + 1) & mask
      a[3 * i] = w0
      a[3 * i + 1] = w1
      a[3 * i + 2] = o[j + 2]!
    }
  }

  *keys(): IterableIterator<string> {
    const a = this.a
    for (let i = 0; i < a.length; i += 3) if (a[i] !== EMPTY) yield unpack(a[i]!, a[i + 1]!)
    yield* this.long.keys()
  }

  forEach(fn: (value: number, key: string) => void): void {
    const a = this.a
    for (let i = 0; i < a.length; i += 3) if (a[i] !== EMPTY) fn(a[i + 2]!, unpack(a[i]!, a[i + 1]!))
    this.long.forEach(fn)
  }

  clear(): void {
    this.cap = MIN_CAPACITY
    this.mask = MIN_CAPACITY - 1
    this.shift = MIN_SHIFT
    this.a = new Int32Array(MIN_CAPACITY * 3)
    this.n = 0
    this.long.clear()
  }

  prefetch(keys: ArrayLike<string>, inserting = false): void {
    if (inserting && (this.n + keys.length) * 4 > this.cap * 3) this.resize(capacityFor(this.n + keys.length))
    const a = this.a
    let acc = 0
    for (let j = 0; j < keys.length; j++) if (pack(keys[j]!)) acc ^= a[3 * this.slot(W0, W1)]!
    this.touched = acc
  }
}

/** pack()'s result: the two words of the last packed key (module scratch, so packing allocates nothing). */
let W0 = 0
let W1 = 0

/** Longest prefix, in bits, packed into two words by V6IntMap. */
const V6_PACKED_MAX_LEN = 56

/** Pack a V6 key into W0 (+ 1) and W1; false when it is longer than /56 or not in canonical key form. */
function pack(key: string): boolean {
  const len = key.charCodeAt(0)
  const n = key.length
  if (!(len <= V6_PACKED_MAX_LEN) || n !== 1 + ((len + 7) >> 3)) return false
  let w0 = len << 24
  let w1 = 0
  for (let i = 1; i < n; i++) {
    const c = key.charCodeAt(i)
    if (c > 255) return false
    if (i < 4) w0 |= c << (8 * (3 - i))
    else w1 |= c << (8 * (7 - i))
  }
  W0 = w0 + 1
  W1 = w1
  return true
}

function unpack(w0: number, w1: number): string {
  w0--
  const len = w0 >>> 24
  const n = (len + 7) >> 3
  let s = String.fromCharCode(len)
  for (let i = 1; i <= n; i++) s += String.fromCharCode(i < 4 ? (w0 >>> (8 * (3 - i))) & 255 : (w1 >>> (8 * (7 - i))) & 255)
  return s
}

/** The map for a family's keys: typed-array hashes for IPv4 (afi 1) and IPv6 (afi 2), a JS Map otherwise. */
export function makeIntPrefixMap<K extends PrefixKey>(afi: number, sizeHint = 0): IntPrefixMap<K> {
  const m = afi === 1 ? new V4IntMap(sizeHint) : afi === 2 ? new V6IntMap(sizeHint) : new GenericIntMap<K>()
  return m as unknown as IntPrefixMap<K>
}

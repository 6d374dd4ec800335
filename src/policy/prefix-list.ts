/**
 * Prefix lists: a route matches an entry P/len (ge G) (le L) when the first `len` bits of its prefix equal P's
 * and its own length r satisfies G <= r <= L (Cisco/FRR "ip prefix-list" semantics):
 *   no ge, no le   r = len exactly
 *   ge G           G <= r <= 32 (128)
 *   le L           len <= r <= L
 *
 * Entry text: "192.0.2.0/24", "10.0.0.0/8 le 24", "10.0.0.0/8 ge 16 le 24", "2001:db8::/32+" (len..max), or
 * "10.0.0.0/8{16,24}" (BIRD); or objects { prefix, ge?, le? }. Host bits in the prefix are cleared.
 *
 * Compiled once, matched on compact keys (src/wire/prefix.ts), no text per route:
 * - IPv4: for each route length r (0..32) a sorted array of merged address intervals [lo, hi] of the entries
 *   that admit r; a match is one binary search on the key's address.
 * - IPv6: a binary trie of the entry prefixes; each node that ends an entry holds its [G, L] ranges; a match
 *   walks at most r bits of the key.
 */
import { parsePrefix } from '../wire/prefix.js'
import { PolicyError } from './errors.js'

export type PrefixListEntry = string | { prefix: string; ge?: number; le?: number }

interface Parsed {
  afi: 1 | 2
  key: number | string
  len: number
  ge: number
  le: number
}

type Fail = (index: number, reason: string) => never

const defaultFail: Fail = (i, reason) => {
  throw new PolicyError(reason, { key: `[${i}]` })
}

const RANGE_TEXT = /^(\S+?)(?:\+|\{(\d+),(\d+)\}|((?:\s+(?:ge|le)\s+\d+)+))?$/

function parseEntry(e: PrefixListEntry, i: number, fail: Fail): Parsed {
  let text: string
  let ge: number | undefined
  let le: number | undefined
  let plus = false
  if (typeof e === 'string') {
    const m = RANGE_TEXT.exec(e.trim())
    if (m === null) return fail(i, `bad prefix list entry ${JSON.stringify(e)}`)
    text = m[1]!
    plus = e.trim().endsWith('+')
    if (m[2] !== undefined) {
      ge = Number(m[2])
      le = Number(m[3])
    }
    if (m[4] !== undefined) {
      const words = m[4].trim().split(/\s+/)
      for (let w = 0; w < words.length; w += 2) {
        const n = Number(words[w + 1])
        if (words[w] === 'ge') {
          if (ge !== undefined) return fail(i, `"ge" given twice in ${JSON.stringify(e)}`)
          ge = n
        } else {
          if (le !== undefined) return fail(i, `"le" given twice in ${JSON.stringify(e)}`)
          le = n
        }
      }
    }
  } else if (typeof e === 'object' && e !== null && typeof e.prefix === 'string') {
    for (const k of Object.keys(e)) if (k !== 'prefix' && k !== 'ge' && k !== 'le') fail(i, `unknown key "${k}"`)
    text = e.prefix
    ge = e.ge
    le = e.le
  } else {
    return fail(i, 'a prefix list entry is a string or { prefix, ge?, le? }')
  }
  const p = parsePrefix(text)
  if (p === null) return fail(i, `bad prefix ${JSON.stringify(text)}`)
  const max = p.afi === 1 ? 32 : 128
  const len = p.afi === 1 ? (p.key as number) % 64 : (p.key as string).charCodeAt(0)
  for (const [name, v] of [['ge', ge], ['le', le]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > max)) return fail(i, `${name} ${v} is not a length in 0..${max}`)
  }
  if (plus) {
    ge = len
    le = max
  }
  const lo = ge ?? len
  const hi = le ?? (ge !== undefined ? max : len)
  if (lo < len) return fail(i, `ge ${lo} is shorter than the prefix length ${len}`)
  if (hi < lo) return fail(i, `le ${hi} is shorter than ge ${lo}`)
  return { afi: p.afi, key: p.key, len, ge: lo, le: hi }
}

class V6Node {
  zero: V6Node | null = null
  one: V6Node | null = null
  /** Flat [ge, le, ge, le, ...] of entries ending here; null when none does. */
  ranges: number[] | null = null
}

export class PrefixList {
  /** Index r: flat sorted, merged [lo, hi, lo, hi, ...] address intervals admitting length r; null when empty. */
  private readonly v4: Array<Float64Array | null>
  private readonly v6: V6Node | null
  readonly size: number

  constructor(entries: readonly PrefixListEntry[], fail: Fail = defaultFail) {
    const parsed = entries.map((e, i) => parseEntry(e, i, fail))
    this.size = parsed.length
    this.v4 = buildV4(parsed.filter((p) => p.afi === 1))
    this.v6 = buildV6(parsed.filter((p) => p.afi === 2))
  }

  /** Whether the route key (of family afi) matches any entry. */
  matches(afi: number, key: number | string): boolean {
    return afi === 1 ? this.matchV4(key as number) : afi === 2 ? this.matchV6(key as string) : false
  }

  matchV4(key: number): boolean {
    // key = addr * 64 + len; floor() instead of % 64, which is a slow fmod on doubles past 2^31
    const a = Math.floor(key / 64)
    const iv = this.v4[key - a * 64]
    if (iv === null || iv === undefined) return false
    // last interval with lo <= a
    let lo = 0
    let hi = (iv.length >> 1) - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (iv[mid * 2]! <= a) lo = mid + 1
      else hi = mid - 1
    }
    return hi >= 0 && a <= iv[hi * 2 + 1]!
  }

  matchV6(key: string): boolean {
    let node = this.v6
    const r = key.charCodeAt(0)
    for (let d = 0; node !== null; d++) {
      const rs = node.ranges
      if (rs !== null) for (let i = 0; i < rs.length; i += 2) if (rs[i]! <= r && r <= rs[i + 1]!) return true
      if (d === r) return false
      const bit = (key.charCodeAt(1 + (d >> 3)) >> (7 - (d & 7))) & 1
      node = bit === 0 ? node.zero : node.one
    }
    return false
  }
}

export function compilePrefixList(entries: readonly PrefixListEntry[], fail?: Fail): PrefixList {
  return new PrefixList(entries, fail)
}

function buildV4(list: readonly Parsed[]): Array<Float64Array | null> {
  const out: Array<Float64Array | null> = []
  for (let r = 0; r <= 32; r++) {
    const iv: Array<[number, number]> = []
    for (const p of list) {
      if (p.ge > r || r > p.le) continue
      const lo = ((p.key as number) - p.len) / 64
      iv.push([lo, lo + 2 ** (32 - p.len) - 1])
    }
    if (iv.length === 0) {
      out.push(null)
      continue
    }
    iv.sort((x, y) => x[0] - y[0])
    const merged: number[] = []
    for (const [lo, hi] of iv) {
      const n = merged.length
      if (n > 0 && lo <= merged[n - 1]! + 1) merged[n - 1] = Math.max(merged[n - 1]!, hi)
      else merged.push(lo, hi)
    }
    out.push(Float64Array.from(merged))
  }
  return out
}

function buildV6(list: readonly Parsed[]): V6Node | null {
  if (list.length === 0) return null
  const root = new V6Node()
  for (const p of list) {
    const key = p.key as string
    let node = root
    for (let d = 0; d < p.len; d++) {
      const bit = (key.charCodeAt(1 + (d >> 3)) >> (7 - (d & 7))) & 1
      if (bit === 0) node = node.zero ??= new V6Node()
      else node = node.one ??= new V6Node()
    }
    ;(node.ranges ??= []).push(p.ge, p.le)
  }
  return root
}

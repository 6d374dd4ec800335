/**
 * Set-like views of the three community attributes of a route (RFC 1997 COMMUNITIES, RFC 8092 LARGE_COMMUNITY,
 * RFC 4360 EXTENDED_COMMUNITIES), for policy hooks:
 *
 *   route.attributes.communities.add('graceful-shutdown')
 *   route.attributes.communities.remove('65000:*')
 *   route.attributes.largeCommunities.has('65000:1:0')
 *
 * Values keep the codec's form (numbers, flat triples, 16-hex strings) and their order; add() appends only
 * what is missing, so nothing is duplicated and an add of a present value changes nothing (the attribute set
 * stays the same object). Each change writes a new array through the copy-on-write host: the previous array
 * may belong to an interned, frozen attribute set. A set emptied by remove() drops the attribute, because
 * RFC 7606 §7.8/§7.14 and RFC 8092 §5 make a zero-length community attribute malformed.
 */
import type { PathAttributes } from '../wire/types.js'
import {
  type CommunityPattern,
  type LargeCommunityPattern,
  communityMatches,
  formatCommunity,
  formatExtendedCommunity,
  formatLargeCommunity,
  largeCommunityMatches,
  parseCommunity,
  parseCommunityPattern,
  parseExtendedCommunity,
  parseLargeCommunity,
  parseLargeCommunityPattern,
} from './community-text.js'
import { PolicyError } from './errors.js'

/** What the sets read and write through (AttributesView). */
export interface AttributeHost {
  current(): Readonly<PathAttributes>
  /** The private copy, made on first write. */
  write(): PathAttributes
}

export type CommunityInput = string | number
export type LargeCommunityInput = string | readonly [number, number, number]

/**
 * Hooks tend to pass the same few literals ("65000:1") for every route; parsed ones are kept so a hook does not
 * parse text per route. Bounded: cleared when full.
 */
const PARSED_LIMIT = 1024
const parsedPatterns = new Map<string, CommunityPattern>()

/** A single community (no wildcard). */
function exact(x: CommunityInput): number {
  const c = typeof x === 'number' ? parseCommunity(x) : null
  if (c !== null) return c
  const p = typeof x === 'string' ? pattern(x) : null
  if (p === null || p.mask !== 0xffffffff) throw new PolicyError(`bad community ${JSON.stringify(x)}`)
  return p.value
}
function pattern(x: CommunityInput): CommunityPattern {
  if (typeof x === 'string') {
    const hit = parsedPatterns.get(x)
    if (hit !== undefined) return hit
  }
  const p = parseCommunityPattern(x)
  if (p === null) throw new PolicyError(`bad community ${JSON.stringify(x)}`)
  if (typeof x === 'string') {
    if (parsedPatterns.size >= PARSED_LIMIT) parsedPatterns.clear()
    parsedPatterns.set(x, p)
  }
  return p
}

export class CommunitySet implements Iterable<number> {
  constructor(private readonly host: AttributeHost) {}

  /** The communities as 32-bit numbers, in order. Read-only: change them with add/remove/replace. */
  values(): readonly number[] {
    return this.host.current().communities ?? []
  }
  get size(): number {
    return this.values().length
  }
  [Symbol.iterator](): Iterator<number> {
    return this.values()[Symbol.iterator]()
  }
  /** "65000:1" text, in order. */
  toStrings(): string[] {
    return this.values().map(formatCommunity)
  }
  /** Whether some community matches (text, number, well-known name, or a "65000:*" pattern). */
  has(x: CommunityInput): boolean {
    return this.hasPattern(pattern(x))
  }
  hasPattern(p: CommunityPattern): boolean {
    const v = this.values()
    for (let i = 0; i < v.length; i++) if (communityMatches(v[i]!, p)) return true
    return false
  }
  add(...xs: CommunityInput[]): void {
    this.addNumbers(xs.map(exact))
  }
  addNumbers(cs: readonly number[]): void {
    const v = this.values()
    let next: number[] | null = null
    for (const c of cs) {
      if (v.includes(c) || (next !== null && next.includes(c))) continue
      ;(next ??= [...v]).push(c)
    }
    if (next !== null) this.host.write().communities = next
  }
  /** Remove every community matching any of xs (patterns allowed). */
  remove(...xs: CommunityInput[]): void {
    this.removePatterns(xs.map(pattern))
  }
  removePatterns(ps: readonly CommunityPattern[]): void {
    const v = this.values()
    const kept = v.filter((c) => !ps.some((p) => communityMatches(c, p)))
    if (kept.length !== v.length) this.store(kept)
  }
  replace(xs: Iterable<CommunityInput>): void {
    this.replaceNumbers([...xs].map(exact))
  }
  replaceNumbers(cs: readonly number[]): void {
    const next = [...new Set(cs)]
    const v = this.host.current().communities
    if (v !== undefined && v.length === next.length && v.every((c, i) => c === next[i])) return
    if (v === undefined && next.length === 0) return
    this.store(next)
  }
  clear(): void {
    if (this.host.current().communities !== undefined) this.store([])
  }
  private store(next: number[]): void {
    const w = this.host.write()
    if (next.length > 0) w.communities = next
    else delete w.communities
  }
}

function exactLarge(x: LargeCommunityInput): readonly [number, number, number] {
  const c = parseLargeCommunity(x)
  if (c === null) throw new PolicyError(`bad large community ${JSON.stringify(x)}`)
  return c
}
function patternLarge(x: LargeCommunityInput): LargeCommunityPattern {
  const p = parseLargeCommunityPattern(x)
  if (p === null) throw new PolicyError(`bad large community ${JSON.stringify(x)}`)
  return p
}

/** Large communities; values() is the codec's flat form [global, local1, local2, ...]. */
export class LargeCommunitySet {
  constructor(private readonly host: AttributeHost) {}

  values(): readonly number[] {
    return this.host.current().largeCommunities ?? []
  }
  get size(): number {
    return Math.floor(this.values().length / 3)
  }
  toStrings(): string[] {
    const v = this.values()
    const out: string[] = []
    for (let i = 0; i + 2 < v.length; i += 3) out.push(formatLargeCommunity(v[i]!, v[i + 1]!, v[i + 2]!))
    return out
  }
  has(x: LargeCommunityInput): boolean {
    return this.hasPattern(patternLarge(x))
  }
  hasPattern(p: LargeCommunityPattern): boolean {
    const v = this.values()
    for (let i = 0; i + 2 < v.length; i += 3) if (largeCommunityMatches(v, i, p)) return true
    return false
  }
  add(...xs: LargeCommunityInput[]): void {
    this.addTriples(xs.map(exactLarge))
  }
  addTriples(ts: ReadonlyArray<readonly [number, number, number]>): void {
    let next: number[] | null = null
    for (const t of ts) {
      const cur: readonly number[] = next ?? this.values()
      if (indexOfTriple(cur, t) >= 0) continue
      ;(next ??= [...cur]).push(t[0], t[1], t[2])
    }
    if (next !== null) this.host.write().largeCommunities = next
  }
  remove(...xs: LargeCommunityInput[]): void {
    this.removePatterns(xs.map(patternLarge))
  }
  removePatterns(ps: readonly LargeCommunityPattern[]): void {
    const v = this.values()
    const kept: number[] = []
    for (let i = 0; i + 2 < v.length; i += 3) if (!ps.some((p) => largeCommunityMatches(v, i, p))) kept.push(v[i]!, v[i + 1]!, v[i + 2]!)
    if (kept.length !== v.length) this.store(kept)
  }
  replace(xs: Iterable<LargeCommunityInput>): void {
    this.replaceTriples([...xs].map(exactLarge))
  }
  replaceTriples(ts: ReadonlyArray<readonly [number, number, number]>): void {
    const next: number[] = []
    for (const t of ts) if (indexOfTriple(next, t) < 0) next.push(t[0], t[1], t[2])
    const v = this.host.current().largeCommunities
    if (v !== undefined && v.length === next.length && v.every((c, i) => c === next[i])) return
    if (v === undefined && next.length === 0) return
    this.store(next)
  }
  clear(): void {
    if (this.host.current().largeCommunities !== undefined) this.store([])
  }
  private store(next: number[]): void {
    const w = this.host.write()
    if (next.length > 0) w.largeCommunities = next
    else delete w.largeCommunities
  }
}

function indexOfTriple(flat: readonly number[], t: readonly [number, number, number]): number {
  for (let i = 0; i + 2 < flat.length; i += 3) if (flat[i] === t[0] && flat[i + 1] === t[1] && flat[i + 2] === t[2]) return i
  return -1
}

function exactExt(x: string): string {
  const c = parseExtendedCommunity(x)
  if (c === null) throw new PolicyError(`bad extended community ${JSON.stringify(x)}`)
  return c
}

/** Extended communities as the codec keeps them: 16 lowercase hex digits each. */
export class ExtendedCommunitySet {
  constructor(private readonly host: AttributeHost) {}

  values(): readonly string[] {
    return this.host.current().extendedCommunities ?? []
  }
  get size(): number {
    return this.values().length
  }
  /** "target:65000:100" where the type has a text form, else the hex. */
  toStrings(): string[] {
    return this.values().map(formatExtendedCommunity)
  }
  has(x: string): boolean {
    const c = exactExt(x)
    return this.values().some((v) => v.toLowerCase() === c)
  }
  add(...xs: string[]): void {
    this.addHex(xs.map(exactExt))
  }
  addHex(cs: readonly string[]): void {
    const v = this.values()
    let next: string[] | null = null
    for (const c of cs) {
      if (v.includes(c) || (next !== null && next.includes(c))) continue
      ;(next ??= [...v]).push(c)
    }
    if (next !== null) this.host.write().extendedCommunities = next
  }
  remove(...xs: string[]): void {
    this.removeHex(xs.map(exactExt))
  }
  removeHex(cs: readonly string[]): void {
    const v = this.values()
    const kept = v.filter((c) => !cs.includes(c.toLowerCase()))
    if (kept.length !== v.length) this.store(kept)
  }
  replace(xs: Iterable<string>): void {
    this.replaceHex([...xs].map(exactExt))
  }
  replaceHex(cs: readonly string[]): void {
    const next = [...new Set(cs)]
    const v = this.host.current().extendedCommunities
    if (v !== undefined && v.length === next.length && v.every((c, i) => c === next[i])) return
    if (v === undefined && next.length === 0) return
    this.store(next)
  }
  clear(): void {
    if (this.host.current().extendedCommunities !== undefined) this.store([])
  }
  private store(next: string[]): void {
    const w = this.host.write()
    if (next.length > 0) w.extendedCommunities = next
    else delete w.extendedCommunities
  }
}

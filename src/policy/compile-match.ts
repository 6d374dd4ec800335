/**
 * Compiles a term's `match` (rules.ts) into an array of small predicates, validated once. Each predicate
 * reads the compact forms only: keys for prefixes, numbers for communities, the cached AS_PATH text; none
 * formats text or allocates per route. Cheap tests come first so most routes leave a term early.
 */
import { Origin } from '../wire/iana.js'
import type { AsPathSegment, PathAttributes } from '../wire/types.js'
import { asPathLength, asPathText, compileAsPathRegex } from './as-path-match.js'
import {
  type CommunityPattern,
  type LargeCommunityPattern,
  communityMatches,
  largeCommunityMatches,
  parseCommunityPattern,
  parseExtendedCommunity,
  parseLargeCommunityPattern,
} from './community-text.js'
import type { PolicyContext } from './hook.js'
import { compilePrefixList, type PrefixListEntry } from './prefix-list.js'
import { canonicalAddress, type RouteView } from './route-view.js'
import { MATCH_KEYS, type AsPathMatch, type OneOrMany, type PolicyMatch, type SetMatch } from './rules.js'
import type { Where } from './where.js'

export type Matcher = (r: RouteView, a: Readonly<PathAttributes>, ctx: PolicyContext) => boolean

function list<T>(v: OneOrMany<T>): readonly T[] {
  return Array.isArray(v) ? (v as readonly T[]) : [v as T]
}

function nonEmpty<T>(at: Where, key: string, v: OneOrMany<T>): readonly T[] {
  const l = list(v)
  if (l.length === 0) at.fail(key, 'empty list (it would match nothing)')
  return l
}

function addressSet(at: Where, key: string, v: OneOrMany<string>): Set<string> {
  const s = new Set<string>()
  nonEmpty(at, key, v).forEach((a, i) => {
    if (typeof a !== 'string') at.fail(`${key}[${i}]`, `not an address: ${JSON.stringify(a)}`)
    try {
      s.add(canonicalAddress(a))
    } catch {
      at.fail(`${key}[${i}]`, `bad address ${JSON.stringify(a)}`)
    }
  })
  return s
}

/** Session addresses come from the speaker in canonical form; other spellings are canonicalized on a miss. */
function hasAddress(s: Set<string>, a: string): boolean {
  if (s.has(a)) return true
  if (!a.includes(':')) return false
  try {
    return s.has(canonicalAddress(a))
  } catch {
    return false
  }
}

function asnSet(at: Where, key: string, v: OneOrMany<number>): Set<number> {
  const s = new Set<number>()
  nonEmpty(at, key, v).forEach((n, i) => {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) at.fail(`${key}[${i}]`, `not an AS number: ${JSON.stringify(n)}`)
    s.add(n)
  })
  return s
}

interface SetParts<P> {
  any: P[] | null
  all: P[] | null
  none: P[] | null
}

function setParts<T, P>(at: Where, key: string, v: SetMatch<T>, parse: (x: T) => P | null, what: string): SetParts<P> {
  const out: SetParts<P> = { any: null, all: null, none: null }
  const one = (k: string, xs: readonly T[]): P[] => {
    if (!Array.isArray(xs) || xs.length === 0) at.fail(k, 'expected a non-empty list')
    return xs.map((x, i) => parse(x) ?? at.fail(`${k}[${i}]`, `bad ${what} ${JSON.stringify(x)}`))
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as { any?: readonly T[]; all?: readonly T[]; none?: readonly T[] }
    for (const k of Object.keys(o)) if (k !== 'any' && k !== 'all' && k !== 'none') at.fail(`${key}.${k}`, 'unknown key (any, all, none)')
    if (o.any !== undefined) out.any = one(`${key}.any`, o.any)
    if (o.all !== undefined) out.all = one(`${key}.all`, o.all)
    if (o.none !== undefined) out.none = one(`${key}.none`, o.none)
    if (out.any === null && out.all === null && out.none === null) at.fail(key, 'give any, all or none')
  } else {
    out.any = one(key, list(v as OneOrMany<T>))
  }
  return out
}

function communityMatcher(p: SetParts<CommunityPattern>): Matcher {
  // Exact communities go into a Set, wildcard patterns stay a short list.
  const anyExact = new Set<number>()
  const anyWild: CommunityPattern[] = []
  for (const x of p.any ?? []) (x.mask === 0xffffffff ? anyExact.add(x.value) : anyWild.push(x))
  const hasAny = p.any !== null
  const all = p.all ?? []
  const none = p.none ?? []
  const some = (cs: readonly number[], x: CommunityPattern): boolean => {
    for (let i = 0; i < cs.length; i++) if (communityMatches(cs[i]!, x)) return true
    return false
  }
  return (_r, a) => {
    const cs = a.communities ?? []
    if (hasAny) {
      let found = false
      for (let i = 0; i < cs.length && !found; i++) {
        const c = cs[i]!
        if (anyExact.has(c)) found = true
        else for (let j = 0; j < anyWild.length; j++) if (communityMatches(c, anyWild[j]!)) found = true
      }
      if (!found) return false
    }
    for (let j = 0; j < all.length; j++) if (!some(cs, all[j]!)) return false
    for (let j = 0; j < none.length; j++) if (some(cs, none[j]!)) return false
    return true
  }
}

function largeMatcher(p: SetParts<LargeCommunityPattern>): Matcher {
  const some = (v: readonly number[], x: LargeCommunityPattern): boolean => {
    for (let i = 0; i + 2 < v.length; i += 3) if (largeCommunityMatches(v, i, x)) return true
    return false
  }
  const { any, all, none } = p
  return (_r, a) => {
    const v = a.largeCommunities ?? []
    if (any !== null && !any.some((x) => some(v, x))) return false
    if (all !== null && !all.every((x) => some(v, x))) return false
    if (none !== null && none.some((x) => some(v, x))) return false
    return true
  }
}

function extendedMatcher(p: SetParts<string>): Matcher {
  const any = p.any === null ? null : new Set(p.any)
  const { all, none } = p
  return (_r, a) => {
    const v = a.extendedCommunities ?? []
    if (any !== null && !v.some((x) => any.has(x))) return false
    if (all !== null && !all.every((x) => v.includes(x))) return false
    if (none !== null && none.some((x) => v.includes(x))) return false
    return true
  }
}

function asPathMatcher(at: Where, m: string | AsPathMatch): Matcher {
  const o: AsPathMatch = typeof m === 'string' ? { regex: m } : m
  if (typeof o !== 'object' || o === null) at.fail('match.asPath', 'expected a regex string or { regex, minLength, maxLength }')
  for (const k of Object.keys(o)) if (k !== 'regex' && k !== 'minLength' && k !== 'maxLength') at.fail(`match.asPath.${k}`, 'unknown key (regex, minLength, maxLength)')
  const res =
    o.regex === undefined
      ? null
      : nonEmpty(at, 'match.asPath.regex', o.regex).map((p, i) => {
          if (typeof p !== 'string' && !(p instanceof RegExp)) at.fail(`match.asPath.regex[${i}]`, 'expected a string or RegExp')
          try {
            return compileAsPathRegex(p)
          } catch (e) {
            return at.fail(Array.isArray(o.regex) ? `match.asPath.regex[${i}]` : 'match.asPath.regex', `bad regex ${JSON.stringify(String(p))}: ${(e as Error).message}`)
          }
        })
  const bound = (k: 'minLength' | 'maxLength'): number | undefined => {
    const v = o[k]
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) at.fail(`match.asPath.${k}`, `expected a non-negative integer, got ${JSON.stringify(v)}`)
    return v
  }
  const min = bound('minLength') ?? 0
  const max = bound('maxLength') ?? Infinity
  if (min > max) at.fail('match.asPath', `minLength ${min} > maxLength ${max}`)
  if (res === null && o.minLength === undefined && o.maxLength === undefined) at.fail('match.asPath', 'give regex, minLength or maxLength')
  const checkLen = o.minLength !== undefined || o.maxLength !== undefined
  const test = (path: readonly AsPathSegment[] | undefined): boolean => {
    if (checkLen) {
      const n = asPathLength(path)
      if (n < min || n > max) return false
    }
    if (res === null) return true
    const s = asPathText(path)
    for (let i = 0; i < res.length; i++) if (res[i]!.test(s)) return true
    return false
  }
  // The verdict is cached per AS_PATH array like its text: an interned set's path is tested once, not per prefix.
  const verdicts = new WeakMap<readonly AsPathSegment[], boolean>()
  const empty = test(undefined)
  return (_r, a) => {
    const path = a.asPath
    if (path === undefined) return empty
    let v = verdicts.get(path)
    if (v === undefined) {
      v = test(path)
      verdicts.set(path, v)
    }
    return v
  }
}

function enumSet<T extends string, V>(at: Where, key: string, v: OneOrMany<T>, table: Record<string, V>): Set<V> {
  const s = new Set<V>()
  nonEmpty(at, key, v).forEach((x, i) => {
    const val = typeof x === 'string' ? table[x.toLowerCase()] : undefined
    if (val === undefined) at.fail(Array.isArray(v) ? `${key}[${i}]` : key, `expected one of ${Object.keys(table).join(', ')}, got ${JSON.stringify(x)}`)
    s.add(val)
  })
  return s
}

const ORIGINS: Record<string, number> = { igp: Origin.IGP, egp: Origin.EGP, incomplete: Origin.INCOMPLETE }
const SOURCES: Record<string, string> = { static: 'static', api: 'api', peer: 'peer' }
const FAMILIES: Record<string, number> = { ipv4: 1, ipv6: 2, 'ipv4-unicast': 1, 'ipv6-unicast': 2 }

export function compileMatch(at: Where, m: PolicyMatch | undefined): Matcher[] {
  if (m === undefined || m === null) return []
  if (typeof m !== 'object' || Array.isArray(m)) return at.fail('match', 'expected an object')
  for (const k of Object.keys(m)) if (!MATCH_KEYS.has(k)) at.fail(`match.${k}`, `unknown match key (known: ${[...MATCH_KEYS].join(', ')})`)
  const out: Matcher[] = []
  if (m.source !== undefined) {
    const s = enumSet(at, 'match.source', m.source, SOURCES)
    out.push((r) => s.has(r.source))
  }
  if (m.family !== undefined) {
    const s = enumSet(at, 'match.family', m.family, FAMILIES)
    out.push((r) => s.has(r.afi))
  }
  if (m.peerType !== undefined) {
    if (m.peerType !== 'ebgp' && m.peerType !== 'ibgp') at.fail('match.peerType', `expected ebgp or ibgp, got ${JSON.stringify(m.peerType)}`)
    const ebgp = m.peerType === 'ebgp'
    out.push((_r, _a, ctx) => ctx.peer.ebgp === ebgp)
  }
  if (m.peer !== undefined) {
    const s = addressSet(at, 'match.peer', m.peer)
    out.push((_r, _a, ctx) => hasAddress(s, ctx.peer.address))
  }
  if (m.peerAs !== undefined) {
    const s = asnSet(at, 'match.peerAs', m.peerAs)
    out.push((_r, _a, ctx) => s.has(ctx.peer.asn))
  }
  if (m.neighbor !== undefined) {
    const s = addressSet(at, 'match.neighbor', m.neighbor)
    out.push((r) => r.neighbor !== undefined && hasAddress(s, r.neighbor.address))
  }
  if (m.neighborAs !== undefined) {
    const s = asnSet(at, 'match.neighborAs', m.neighborAs)
    out.push((r) => r.neighbor !== undefined && s.has(r.neighbor.asn))
  }
  if (m.origin !== undefined) {
    const s = enumSet(at, 'match.origin', m.origin, ORIGINS)
    out.push((_r, a) => a.origin !== undefined && s.has(a.origin))
  }
  if (m.prefix !== undefined) {
    const entries = nonEmpty(at, 'match.prefix', m.prefix) as readonly PrefixListEntry[]
    const pl = compilePrefixList(entries, (i, reason) => at.fail(Array.isArray(m.prefix) ? `match.prefix[${i}]` : 'match.prefix', reason))
    out.push((r) => pl.matches(r.afi, r.key))
  }
  if (m.community !== undefined) out.push(communityMatcher(setParts(at, 'match.community', m.community, parseCommunityPattern, 'community')))
  if (m.largeCommunity !== undefined) out.push(largeMatcher(setParts(at, 'match.largeCommunity', m.largeCommunity, parseLargeCommunityPattern, 'large community')))
  if (m.extendedCommunity !== undefined) out.push(extendedMatcher(setParts(at, 'match.extendedCommunity', m.extendedCommunity, parseExtendedCommunity, 'extended community')))
  if (m.asPath !== undefined) out.push(asPathMatcher(at, m.asPath))
  return out
}

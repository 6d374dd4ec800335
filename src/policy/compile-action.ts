/**
 * Compiles a term's `action` (rules.ts) into setter calls on the copy-on-write attribute view, validated once:
 * every community is parsed to numbers here, so applying an action formats and parses nothing.
 * RFC references: MED RFC 4271 §5.1.4, LOCAL_PREF §5.1.5, AS_PATH prepend §5.1.2, NEXT_HOP §5.1.3,
 * communities RFC 1997 / RFC 8092 / RFC 4360.
 */
import {
  type CommunityPattern,
  type LargeCommunity,
  type LargeCommunityPattern,
  parseCommunity,
  parseCommunityPattern,
  parseExtendedCommunity,
  parseLargeCommunity,
  parseLargeCommunityPattern,
} from './community-text.js'
import type { PolicyContext } from './hook.js'
import { type AttributesView, canonicalAddress } from './route-view.js'
import { ACTION_KEYS, type CommunityEdit, type PolicyAction, type TermThen } from './rules.js'
import type { Where } from './where.js'

export type Action = (v: AttributesView, ctx: PolicyContext) => void

export const Then = { NEXT: 0, ACCEPT: 1, REJECT: 2 } as const
export type Then = (typeof Then)[keyof typeof Then]

const U32_MAX = 0xffffffff
/** LOCAL_PREF assumed when raising or lowering a route that has none (the common vendor default; RFC 4271 gives none). */
export const DEFAULT_LOCAL_PREF = 100

function u32(at: Where, key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > U32_MAX) at.fail(key, `expected an integer in 0..4294967295, got ${JSON.stringify(v)}`)
  return v
}

function thenOf(at: Where, key: string, v: unknown): Then {
  if (v === 'accept') return Then.ACCEPT
  if (v === 'reject') return Then.REJECT
  if (v === 'next') return Then.NEXT
  return at.fail(key, `expected accept, reject or next, got ${JSON.stringify(v)}`)
}

interface Edit<E, P> {
  replace: E[] | null
  remove: P[] | null
  add: E[] | null
}

function edit<T, E, P>(at: Where, key: string, v: CommunityEdit<T>, exact: (x: T) => E | null, pattern: (x: T) => P | null, what: string): Edit<E, P> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) at.fail(key, 'expected { replace?, remove?, add? }')
  for (const k of Object.keys(v)) if (k !== 'replace' && k !== 'remove' && k !== 'add') at.fail(`${key}.${k}`, 'unknown key (replace, remove, add)')
  const parse = <R>(k: string, xs: readonly T[] | undefined, f: (x: T) => R | null, emptyOk: boolean): R[] | null => {
    if (xs === undefined) return null
    if (!Array.isArray(xs)) return at.fail(`${key}.${k}`, 'expected a list')
    if (xs.length === 0 && !emptyOk) return at.fail(`${key}.${k}`, 'empty list')
    return xs.map((x, i) => f(x) ?? at.fail(`${key}.${k}[${i}]`, `bad ${what} ${JSON.stringify(x)}`))
  }
  const out = { replace: parse('replace', v.replace, exact, true), remove: parse('remove', v.remove, pattern, false), add: parse('add', v.add, exact, false) }
  if (out.replace === null && out.remove === null && out.add === null) at.fail(key, 'give replace, remove or add')
  return out
}

function localPrefAction(at: Where, v: PolicyAction['localPref']): Action {
  if (typeof v === 'number') {
    const n = u32(at, 'action.localPref', v)
    return (a) => {
      a.localPref = n
    }
  }
  if (typeof v !== 'object' || v === null) return at.fail('action.localPref', 'expected a number or { set | raise | lower: n }')
  const keys = Object.keys(v)
  if (keys.length !== 1 || !['set', 'raise', 'lower'].includes(keys[0]!)) return at.fail('action.localPref', 'expected exactly one of set, raise, lower')
  const k = keys[0] as 'set' | 'raise' | 'lower'
  const n = u32(at, `action.localPref.${k}`, (v as Record<string, unknown>)[k])
  if (k === 'set')
    return (a) => {
      a.localPref = n
    }
  // Clamped: LOCAL_PREF is an unsigned 32-bit field (RFC 4271 §4.3), neither wraps nor goes negative.
  if (k === 'raise')
    return (a) => {
      a.localPref = Math.min(U32_MAX, (a.localPref ?? DEFAULT_LOCAL_PREF) + n)
    }
  return (a) => {
    a.localPref = Math.max(0, (a.localPref ?? DEFAULT_LOCAL_PREF) - n)
  }
}

function prependAction(at: Where, v: PolicyAction['prepend']): Action {
  let asn: number | undefined
  let count: unknown = v
  if (typeof v === 'object' && v !== null) {
    for (const k of Object.keys(v)) if (k !== 'asn' && k !== 'count') at.fail(`action.prepend.${k}`, 'unknown key (asn, count)')
    if (v.asn !== undefined) asn = u32(at, 'action.prepend.asn', v.asn)
    count = v.count
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 255) {
    return at.fail(typeof v === 'object' ? 'action.prepend.count' : 'action.prepend', `expected a count in 1..255, got ${JSON.stringify(count)}`)
  }
  const n = count
  return asn === undefined ? (a, ctx) => a.prepend(ctx.localAs, n) : (a) => a.prepend(asn, n)
}

function nextHopAction(at: Where, v: unknown): Action {
  if (v === 'self') {
    // The route's per-family address first (the speaker sets it), then the session's (ctx).
    return (a, ctx) => {
      a.nextHop = a.selfNextHop() ?? ctx.peer.localAddress ?? 'self'
    }
  }
  if (typeof v !== 'string') return at.fail('action.nextHop', 'expected "self" or an address')
  let addr: string
  try {
    addr = canonicalAddress(v)
  } catch {
    return at.fail('action.nextHop', `bad address ${JSON.stringify(v)}`)
  }
  return (a) => {
    a.nextHop = addr
  }
}

export interface CompiledAction {
  acts: Action[]
  then: Then
  /**
   * The result depends on more than the attributes: ctx (own AS for prepend, the "self" address) or the route's
   * family (a next hop goes to NEXT_HOP or MP_REACH_NLRI, and one interned set can serve both families).
   */
  usesCtx: boolean
}

export function compileAction(at: Where, action: PolicyAction | TermThen | undefined): CompiledAction {
  if (typeof action === 'string') return { acts: [], then: thenOf(at, 'action', action), usesCtx: false }
  if (typeof action !== 'object' || action === null || Array.isArray(action)) return at.fail('action', 'expected accept, reject, next, or an object with then')
  for (const k of Object.keys(action)) if (!ACTION_KEYS.has(k)) at.fail(`action.${k}`, `unknown action key (known: ${[...ACTION_KEYS].join(', ')})`)
  if (action.then === undefined) return at.fail('action.then', 'required: accept, reject or next')
  const then = thenOf(at, 'action.then', action.then)
  const acts: Action[] = []
  if (action.med !== undefined) {
    const n = u32(at, 'action.med', action.med)
    acts.push((a) => {
      a.med = n
    })
  }
  if (action.localPref !== undefined) acts.push(localPrefAction(at, action.localPref))
  if (action.prepend !== undefined) acts.push(prependAction(at, action.prepend))
  if (action.communities !== undefined) {
    const e = edit<string | number, number, CommunityPattern>(at, 'action.communities', action.communities, parseCommunity, parseCommunityPattern, 'community')
    acts.push((a) => {
      const s = a.communities
      if (e.replace !== null) s.replaceNumbers(e.replace)
      if (e.remove !== null) s.removePatterns(e.remove)
      if (e.add !== null) s.addNumbers(e.add)
    })
  }
  if (action.largeCommunities !== undefined) {
    const e = edit<string, LargeCommunity, LargeCommunityPattern>(at, 'action.largeCommunities', action.largeCommunities, parseLargeCommunity, parseLargeCommunityPattern, 'large community')
    acts.push((a) => {
      const s = a.largeCommunities
      if (e.replace !== null) s.replaceTriples(e.replace)
      if (e.remove !== null) s.removePatterns(e.remove)
      if (e.add !== null) s.addTriples(e.add)
    })
  }
  if (action.extendedCommunities !== undefined) {
    const e = edit<string, string, string>(at, 'action.extendedCommunities', action.extendedCommunities, parseExtendedCommunity, parseExtendedCommunity, 'extended community')
    acts.push((a) => {
      const s = a.extendedCommunities
      if (e.replace !== null) s.replaceHex(e.replace)
      if (e.remove !== null) s.removeHex(e.remove)
      if (e.add !== null) s.addHex(e.add)
    })
  }
  if (action.nextHop !== undefined) acts.push(nextHopAction(at, action.nextHop))
  if (then === Then.REJECT && acts.length > 0) at.fail('action', 'changes with then: reject have no effect; remove them or use next/accept')
  const p = action.prepend
  const usesCtx = action.nextHop !== undefined || typeof p === 'number' || (typeof p === 'object' && p !== null && p.asn === undefined)
  return { acts, then, usesCtx }
}

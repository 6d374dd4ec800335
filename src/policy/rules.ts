/**
 * The declarative policy form, for configuration users (YAML/JSON). compile.ts turns it into a PolicyHook.
 *
 *   { defaultAction: 'reject', terms: [
 *       { name: 'bogons', match: { prefix: ['10.0.0.0/8 le 32'] }, action: 'reject' },
 *       { name: 'gshut',  match: { peerType: 'ibgp' },
 *         action: { communities: { add: ['graceful-shutdown'] }, localPref: 0, then: 'next' } },
 *       { name: 'service', match: { source: ['static', 'api'] }, action: { med: 50, then: 'accept' } } ] }
 *
 * Terms run in order. A term matches when every key of `match` matches (an absent or empty match matches
 * every route); list values inside one key match when any element does. A matching term applies its action's
 * changes, then `then`: 'accept' or 'reject' ends the policy, 'next' continues with the next term. `then` is
 * required, so a term never ends or continues by accident. After the last term, `defaultAction` decides; it
 * has no default either (accept suits exports of locally originated routes, reject imports).
 *
 * Keys may also be written in kebab-case (`local-pref`, `large-community`, `peer-type`), as YAML files do.
 */
import type { PrefixListEntry } from './prefix-list.js'
import type { OriginText, RouteSource } from './route-view.js'

export type OneOrMany<T> = T | readonly T[]
export type TermThen = 'accept' | 'reject' | 'next'
export type FamilyText = 'ipv4' | 'ipv6' | 'ipv4-unicast' | 'ipv6-unicast'

/** A list (any of it), or any/all/none of lists; communities as text ("65000:1", "65000:*", "no-export") or numbers. */
export type SetMatch<T> = OneOrMany<T> | { any?: readonly T[]; all?: readonly T[]; none?: readonly T[] }

export interface AsPathMatch {
  /** Regular expression(s) on the AS_PATH text (as-path-match.ts); `_` is a delimiter. Any of them. */
  regex?: OneOrMany<string | RegExp>
  /** RFC 4271 §9.1.2.2 a) length bounds, inclusive. */
  minLength?: number
  maxLength?: number
}

export interface PolicyMatch {
  /** Prefix list (prefix-list.ts), IPv4 and IPv6 mixed. */
  prefix?: OneOrMany<PrefixListEntry>
  /** Address of the peer the route was learned from (never matches static/api routes). */
  neighbor?: OneOrMany<string>
  neighborAs?: OneOrMany<number>
  /** Address of the session the policy runs for (ctx.peer: the sender on import, the receiver on export). */
  peer?: OneOrMany<string>
  peerAs?: OneOrMany<number>
  peerType?: 'ebgp' | 'ibgp'
  /** A regex string alone is shorthand for { regex }. */
  asPath?: string | AsPathMatch
  community?: SetMatch<string | number>
  largeCommunity?: SetMatch<string>
  extendedCommunity?: SetMatch<string>
  origin?: OneOrMany<OriginText>
  source?: OneOrMany<RouteSource>
  family?: OneOrMany<FamilyText>
}

/** Applied in this order: replace, remove (patterns allowed), add. */
export interface CommunityEdit<T> {
  replace?: readonly T[]
  remove?: readonly T[]
  add?: readonly T[]
}

export type LocalPrefAction = number | { set: number } | { raise: number } | { lower: number }

export interface PolicyAction {
  med?: number
  /** Set, or raise/lower by n, clamped to 0..2^32-1 (an absent LOCAL_PREF counts as 100, the common default). */
  localPref?: LocalPrefAction
  /** Prepend our own AS (ctx.localAs) n times, or { asn, count }. */
  prepend?: number | { asn?: number; count: number }
  communities?: CommunityEdit<string | number>
  largeCommunities?: CommunityEdit<string>
  extendedCommunities?: CommunityEdit<string>
  /** "self" (the route's selfNextHop, else ctx.peer.localAddress) or an address. */
  nextHop?: string
  then: TermThen
}

export interface PolicyTerm {
  name?: string
  match?: PolicyMatch
  /** The full action, or 'accept' | 'reject' | 'next' alone. */
  action: PolicyAction | TermThen
}

export interface PolicyRules {
  name?: string
  terms: readonly PolicyTerm[]
  defaultAction: 'accept' | 'reject'
}

export const MATCH_KEYS: ReadonlySet<string> = new Set<keyof PolicyMatch>([
  'prefix',
  'neighbor',
  'neighborAs',
  'peer',
  'peerAs',
  'peerType',
  'asPath',
  'community',
  'largeCommunity',
  'extendedCommunity',
  'origin',
  'source',
  'family',
])

export const ACTION_KEYS: ReadonlySet<string> = new Set<keyof PolicyAction>([
  'med',
  'localPref',
  'prepend',
  'communities',
  'largeCommunities',
  'extendedCommunities',
  'nextHop',
  'then',
])

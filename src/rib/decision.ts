/**
 * The BGP decision process, RFC 4271 §9.1 (with RFC 4456 §9, RFC 5004, RFC 7911).
 *
 * RFC 4271 §9.1: "The Decision Process selects routes for subsequent advertisement by applying the policies
 * in the local Policy Information Base (PIB) to the routes stored in its Adj-RIBs-In."
 *  - Phase 1 (§9.1.1) computes a degree of preference for each route: for routes from internal peers the
 *    LOCAL_PREF, for routes from external peers a value from local policy.
 *  - Phase 2 (§9.1.2) installs the most preferred route per destination in the Loc-RIB. "If the NEXT_HOP
 *    attribute of a BGP route depicts an address that is not resolvable, or if it would become unresolvable
 *    if the route was installed in the routing table, the BGP route MUST be excluded from the Phase 2
 *    decision function."
 *  - §9.1.2.2 breaks ties among routes of equal preference, in order:
 *      a) fewest AS numbers in the AS_PATH (an AS_SET counts 1);
 *      b) lowest ORIGIN;
 *      c) lowest MULTI_EXIT_DISC among routes "learned from the same neighboring AS" ("a route with no MED
 *         is treated as having the lowest possible MED value" — RFC 4271 §9.1.2.2 c);
 *      d) "If at least one of the candidate routes was received via EBGP, remove from consideration all
 *         routes that were received via IBGP";
 *      e) lowest interior cost to the NEXT_HOP;
 *      f) lowest BGP Identifier of the advertising speaker;
 *      g) lowest peer address.
 *  - RFC 4456 §9: "If a route carries the ORIGINATOR_ID attribute, then in Step f) the ORIGINATOR_ID SHOULD
 *    be treated as the BGP Identifier"; "a BGP Speaker SHOULD prefer a route with the shorter CLUSTER_LIST
 *    length" between f) and g).
 *
 * Our implementation, as OpenBGPD rde_decide.c prefix_cmp(): a pairwise comparison, steps numbered below.
 * Each step is one function returning <0 when `a` is better, >0 when `b` is, 0 on a tie; the table STEPS
 * pairs it with the DecisionReason reported when it decides.
 *   0. next hop reachable (the Loc-RIB fills Path.reachable/igpCost from its resolver; default reachable, 0)
 *   a. highest LOCAL_PREF (absent: options.defaultLocalPref, 100) — the §9.1.1 degree of preference
 *   b. shortest AS_PATH (RFC a; options.ignoreAsPathLength skips it)
 *   c. lowest ORIGIN (RFC b)
 *   d. lowest MED, same neighbour AS only (RFC c; alwaysCompareMed, missingMedAsWorst = 2^32-1,
 *      deterministicMed = group by neighbour AS first, which makes the result independent of input order
 *      as the RFC's elimination is; without it the pairwise scan depends on order, like most routers)
 *   e. eBGP over iBGP (RFC d)
 *   f. lowest IGP cost to the next hop (RFC e)
 *   g. oldest eBGP path (RFC 5004, options.preferOldest; off by default)
 *   h. lowest BGP Identifier, ORIGINATOR_ID when present (RFC f, RFC 4456 §9)
 *   i. shortest CLUSTER_LIST (RFC 4456 §9)
 *   j. lowest peer address (RFC g)
 *   k. lowest Path Identifier (RFC 7911 ADD-PATH: several paths from one peer tie on everything above)
 * Multipath (not in RFC 4271): paths equal to the best through options.multipathUpTo (default: step f),
 * with the same neighbour AS unless multipathRelax, at most maxPaths including the best.
 */
import type { Path } from './path.js'

export const DecisionReason = {
  /** Not decided by a step: the only path, the best itself, or two identical paths. */
  NONE: 0,
  NEXTHOP_UNREACHABLE: 1,
  LOCAL_PREF: 2,
  AS_PATH_LENGTH: 3,
  ORIGIN: 4,
  MED: 5,
  EBGP_OVER_IBGP: 6,
  IGP_COST: 7,
  OLDEST_EBGP: 8,
  BGP_ID: 9,
  CLUSTER_LIST: 10,
  PEER_ADDRESS: 11,
  PATH_ID: 12,
} as const
export type DecisionReason = (typeof DecisionReason)[keyof typeof DecisionReason]
export const DecisionReasonName: Record<number, string> = Object.fromEntries(
  Object.entries(DecisionReason).map(([k, v]) => [v, k]),
)

export interface DecisionOptions {
  /** RFC 4271 §9.1.1 degree of preference for routes without LOCAL_PREF. */
  readonly defaultLocalPref: number
  readonly ignoreAsPathLength: boolean
  readonly alwaysCompareMed: boolean
  readonly deterministicMed: boolean
  /** Treat a missing MED as 2^32-1 instead of the RFC's 0. */
  readonly missingMedAsWorst: boolean
  /** RFC 5004: prefer the oldest of two eBGP paths before the BGP Identifier step. */
  readonly preferOldest: boolean
  /** Paths equal to the best through this step are multipath candidates (a DecisionReason). */
  readonly multipathUpTo: DecisionReason
  /** Allow multipath across different neighbour ASes. */
  readonly multipathRelax: boolean
  /** Most paths in a multipath set, best included; 1 disables multipath. */
  readonly maxPaths: number
}

export const DEFAULT_LOCAL_PREF = 100
export const DEFAULT_MAX_PATHS = 16

export const DEFAULT_DECISION_OPTIONS: DecisionOptions = Object.freeze({
  defaultLocalPref: DEFAULT_LOCAL_PREF,
  ignoreAsPathLength: false,
  alwaysCompareMed: false,
  deterministicMed: false,
  missingMedAsWorst: false,
  preferOldest: false,
  multipathUpTo: DecisionReason.IGP_COST,
  multipathRelax: false,
  maxPaths: DEFAULT_MAX_PATHS,
})

/** Options with defaults filled in, validated once. */
export function makeDecisionOptions(o: Partial<DecisionOptions> = {}): DecisionOptions {
  const r = { ...DEFAULT_DECISION_OPTIONS, ...o }
  if (!Number.isInteger(r.maxPaths) || r.maxPaths < 1) throw new RangeError(`maxPaths must be an integer >= 1, got ${r.maxPaths}`)
  if (!Number.isInteger(r.defaultLocalPref) || r.defaultLocalPref < 0 || r.defaultLocalPref > 0xffffffff) {
    throw new RangeError(`defaultLocalPref must be a 32-bit unsigned integer, got ${r.defaultLocalPref}`)
  }
  if (DecisionReasonName[r.multipathUpTo] === undefined || r.multipathUpTo === DecisionReason.NONE) {
    throw new RangeError(`multipathUpTo must be a DecisionReason step, got ${r.multipathUpTo}`)
  }
  return Object.freeze(r)
}

export type Step = (a: Path, b: Path, o: DecisionOptions) => number

/** 0. RFC 4271 §9.1.2: an unresolvable NEXT_HOP is "excluded from the Phase 2 decision function". */
export function stepNextHop(a: Path, b: Path): number {
  return a.reachable === b.reachable ? 0 : a.reachable ? -1 : 1
}

export function effectiveLocalPref(p: Path, o: DecisionOptions): number {
  return p.attrSet.localPref ?? o.defaultLocalPref
}

/** a. RFC 4271 §9.1.1: "the local speaker ... computes the degree of preference" — highest LOCAL_PREF. */
export function stepLocalPref(a: Path, b: Path, o: DecisionOptions): number {
  return effectiveLocalPref(b, o) - effectiveLocalPref(a, o)
}

/** b. RFC 4271 §9.1.2.2 a): "routes that are not tied for having the smallest number of AS numbers". */
export function stepAsPathLength(a: Path, b: Path, o: DecisionOptions): number {
  return o.ignoreAsPathLength ? 0 : a.attrSet.asPathLength - b.attrSet.asPathLength
}

/** c. RFC 4271 §9.1.2.2 b): "not tied for having the lowest Origin number". */
export function stepOrigin(a: Path, b: Path): number {
  return a.attrSet.origin - b.attrSet.origin
}

export function effectiveMed(p: Path, o: DecisionOptions): number {
  return p.attrSet.hasMed ? p.attrSet.med : o.missingMedAsWorst ? 0xffffffff : 0
}

/**
 * d. RFC 4271 §9.1.2.2 c): "MEDs are only comparable between routes learned from the same neighboring AS
 * ... a route with no MED is treated as having the lowest possible MED value".
 */
export function stepMed(a: Path, b: Path, o: DecisionOptions): number {
  if (!o.alwaysCompareMed && a.attrSet.neighborAs !== b.attrSet.neighborAs) return 0
  return effectiveMed(a, o) - effectiveMed(b, o)
}

/** e. RFC 4271 §9.1.2.2 d): "remove from consideration all routes that were received via IBGP". */
export function stepEbgp(a: Path, b: Path): number {
  return a.peer.ebgp === b.peer.ebgp ? 0 : a.peer.ebgp ? -1 : 1
}

/** f. RFC 4271 §9.1.2.2 e): "Remove from consideration any routes with less-preferred interior cost." */
export function stepIgpCost(a: Path, b: Path): number {
  return a.igpCost - b.igpCost
}

/** g. RFC 5004 §2: "prefer the route that was received first" when both are external; optional. */
export function stepOldest(a: Path, b: Path, o: DecisionOptions): number {
  if (!o.preferOldest || !a.peer.ebgp || !b.peer.ebgp) return 0
  return a.receivedAt - b.receivedAt
}

/** The BGP Identifier step h compares: ORIGINATOR_ID when present (RFC 4456 §9), else the peer's. */
export function routerIdOf(p: Path): number {
  return p.attrSet.originatorId >= 0 ? p.attrSet.originatorId : p.peer.bgpIdNum
}

/** h. RFC 4271 §9.1.2.2 f): "the route that was advertised by the BGP speaker with the lowest BGP Identifier". */
export function stepBgpId(a: Path, b: Path): number {
  return routerIdOf(a) - routerIdOf(b)
}

/** i. RFC 4456 §9: "prefer a route with the shorter CLUSTER_LIST length". */
export function stepClusterList(a: Path, b: Path): number {
  return a.attrSet.clusterListLength - b.attrSet.clusterListLength
}

/** j. RFC 4271 §9.1.2.2 g): "Prefer the route received from the lowest peer address." */
export function stepPeerAddress(a: Path, b: Path): number {
  const x = a.peer.addressKey
  const y = b.peer.addressKey
  return x === y ? 0 : x < y ? -1 : 1
}

/** k. RFC 7911 paths from one peer: the lowest Path Identifier, so the result does not depend on order. */
export function stepPathId(a: Path, b: Path): number {
  return a.pathId - b.pathId
}

/** The steps in order with the reason each reports. */
export const STEPS: ReadonlyArray<readonly [DecisionReason, Step]> = [
  [DecisionReason.NEXTHOP_UNREACHABLE, stepNextHop],
  [DecisionReason.LOCAL_PREF, stepLocalPref],
  [DecisionReason.AS_PATH_LENGTH, stepAsPathLength],
  [DecisionReason.ORIGIN, stepOrigin],
  [DecisionReason.MED, stepMed],
  [DecisionReason.EBGP_OVER_IBGP, stepEbgp],
  [DecisionReason.IGP_COST, stepIgpCost],
  [DecisionReason.OLDEST_EBGP, stepOldest],
  [DecisionReason.BGP_ID, stepBgpId],
  [DecisionReason.CLUSTER_LIST, stepClusterList],
  [DecisionReason.PEER_ADDRESS, stepPeerAddress],
  [DecisionReason.PATH_ID, stepPathId],
]

/** The signed reason: -reason when `a` is better, +reason when `b` is, 0 when they tie throughout. */
export function compareSigned(a: Path, b: Path, o: DecisionOptions): number {
  for (let i = 0; i < STEPS.length; i++) {
    const s = STEPS[i]!
    const c = s[1](a, b, o)
    if (c !== 0) return c < 0 ? -s[0] : s[0]
  }
  return 0
}

/** winner -1: `a` is better; 1: `b` is; 0: tie (same peer, path id and preference). */
export function compare(a: Path, b: Path, o: DecisionOptions = DEFAULT_DECISION_OPTIONS): { winner: -1 | 1 | 0; reason: DecisionReason } {
  const c = compareSigned(a, b, o)
  return { winner: c < 0 ? -1 : c > 0 ? 1 : 0, reason: Math.abs(c) as DecisionReason }
}

export interface Selection {
  /** null when no path is eligible (none given, or every next hop unreachable). */
  best: Path | null
  /** reasons[i]: the step at which paths[i] lost; NONE for the best. */
  reasons: DecisionReason[]
}

/** The pairwise scan over paths[idx[...]]; fills reasons for the losers and returns the winner's index. */
function scan(paths: readonly Path[], idx: readonly number[], reasons: DecisionReason[], o: DecisionOptions): number {
  let best = -1
  for (const i of idx) {
    const p = paths[i]!
    if (!p.reachable) {
      reasons[i] = DecisionReason.NEXTHOP_UNREACHABLE
      continue
    }
    if (best < 0) {
      best = i
      continue
    }
    const c = compareSigned(p, paths[best]!, o)
    if (c < 0) {
      reasons[best] = -c as DecisionReason
      best = i
    } else {
      // c === 0: a duplicate of the best (same peer and path id); it loses at the last step.
      reasons[i] = (c === 0 ? DecisionReason.PATH_ID : c) as DecisionReason
    }
  }
  return best
}

/** RFC 4271 §9.1.2: the best path among `paths`, and why each other path lost. */
export function selectBest(paths: readonly Path[], o: DecisionOptions = DEFAULT_DECISION_OPTIONS): Selection {
  const reasons: DecisionReason[] = new Array<DecisionReason>(paths.length).fill(DecisionReason.NONE)
  let best: number
  if (!o.deterministicMed || paths.length < 3) {
    best = scan(paths, paths.map((_, i) => i), reasons, o)
  } else {
    // Deterministic MED: the best of each neighbour AS first (MED decides within a group), then the group
    // winners against each other, where step d no longer applies (different neighbour AS).
    const groups = new Map<number, number[]>()
    for (let i = 0; i < paths.length; i++) {
      const as = paths[i]!.attrSet.neighborAs
      const g = groups.get(as)
      if (g === undefined) groups.set(as, [i])
      else g.push(i)
    }
    const winners: number[] = []
    for (const g of groups.values()) {
      const w = scan(paths, g, reasons, o)
      if (w >= 0) winners.push(w)
    }
    best = scan(paths, winners, reasons, o)
  }
  if (best >= 0) reasons[best] = DecisionReason.NONE
  return { best: best < 0 ? null : paths[best]!, reasons }
}

/** Whether `p` ties `best` on every step up to and including `upTo`. */
export function equalThrough(p: Path, best: Path, upTo: DecisionReason, o: DecisionOptions): boolean {
  for (const [reason, step] of STEPS) {
    if (step(p, best, o) !== 0) return false
    if (reason === upTo) break
  }
  return true
}

/**
 * Multipath: `best` first, then the paths equal to it through options.multipathUpTo, in decision order,
 * at most options.maxPaths. Without multipathRelax a path must have the best's neighbour AS, as routers
 * require by default for eBGP multipath.
 */
export function selectMultipath(paths: readonly Path[], best: Path | null, o: DecisionOptions = DEFAULT_DECISION_OPTIONS): Path[] {
  if (best === null) return []
  if (o.maxPaths <= 1 || paths.length < 2) return [best]
  const eq: Path[] = []
  for (const p of paths) {
    if (p === best || !p.reachable) continue
    if (!o.multipathRelax && p.attrSet.neighborAs !== best.attrSet.neighborAs) continue
    if (equalThrough(p, best, o.multipathUpTo, o)) eq.push(p)
  }
  if (eq.length === 0) return [best]
  eq.sort((x, y) => compareSigned(x, y, o))
  if (eq.length > o.maxPaths - 1) eq.length = o.maxPaths - 1
  eq.unshift(best)
  return eq
}

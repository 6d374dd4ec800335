/**
 * Capability negotiation (RFC 5492 §3): what both OPENs together mean for this session.
 * A capability is in use when both sides advertised it; ADD-PATH (RFC 7911 §4) is decided per
 * family and direction; the hold time is the smaller of both (RFC 4271 §4.2).
 */
import { isRawCapability } from '../wire/capabilities/index.js'
import { makeWireContext, type WireContext } from '../wire/context.js'
import { AddPathMode, Afi, BgpRole, familyKey, Safi } from '../wire/iana.js'
import { openAsn, openCapabilities } from '../wire/open.js'
import type { Capability, Open } from '../wire/types.js'

export type FamilyPair = readonly [afi: number, safi: number]

export interface NegotiatedSession {
  localAs: number
  peerAs: number
  peerBgpId: string
  /** RFC 6793: both sides advertised the 4-octet AS capability. */
  as4: boolean
  /** Families both sides will exchange. */
  families: FamilyPair[]
  /** RFC 7911: families whose received NLRI carry a Path Identifier. */
  addPathRx: FamilyPair[]
  /** RFC 7911: families whose sent NLRI carry a Path Identifier. */
  addPathTx: FamilyPair[]
  /** RFC 8654 */
  extendedMessage: boolean
  /** RFC 2918: the peer accepts ROUTE-REFRESH from us (it advertised code 2, or Cisco's 128). */
  routeRefresh: boolean
  /** RFC 7313 */
  enhancedRouteRefresh: boolean
  /** RFC 4724: the peer's Graceful Restart capability (it keeps our routes when it restarts), or null. */
  gracefulRestart: Extract<Capability, { code: 64 }> | null
  /** RFC 8538 §2: both sides set the N bit; NOTIFICATIONs other than Hard Reset keep GR. */
  notificationGr: boolean
  /** RFC 8950 entries both sides advertised. */
  extendedNextHop: Array<{ afi: number; safi: number; nextHopAfi: number }>
  /** RFC 9234 roles, when both sides sent one. */
  role: { local: number; remote: number } | null
  /** RFC 4271 §4.2: smaller of both Hold Times; 0 = no HoldTimer and no KEEPALIVEs. */
  holdTimeSec: number
  /** 0 when holdTimeSec is 0. */
  keepaliveSec: number
  rxContext: WireContext
  txContext: WireContext
}

type Cap<C extends number> = Extract<Capability, { code: C }>

function modeled(caps: readonly Capability[]): Capability[] {
  return caps.filter((c) => !isRawCapability(c))
}

function find<C extends Capability['code'] & number>(caps: readonly Capability[], code: C): Cap<C> | undefined {
  return caps.find((c) => c.code === code) as Cap<C> | undefined
}

/** RFC 4760 §8 / RFC 4271: a speaker that sends no Multiprotocol capability carries IPv4 unicast only. */
export function advertisedFamilies(caps: readonly Capability[]): FamilyPair[] {
  const mp = caps.filter((c): c is Cap<1> => c.code === 1)
  if (mp.length === 0) return [[Afi.IPV4, Safi.UNICAST]]
  const seen = new Set<number>()
  const out: FamilyPair[] = []
  for (const c of mp) {
    const k = familyKey(c.afi, c.safi)
    if (!seen.has(k)) {
      seen.add(k)
      out.push([c.afi, c.safi])
    }
  }
  return out
}

function addPathModes(caps: readonly Capability[]): Map<number, number> {
  const m = new Map<number, number>()
  for (const c of caps) if (c.code === 69) for (const f of (c as Cap<69>).families) m.set(familyKey(f.afi, f.safi), f.mode)
  return m
}

const sends = (mode: number | undefined): boolean => mode === AddPathMode.SEND || mode === AddPathMode.BOTH
const receives = (mode: number | undefined): boolean => mode === AddPathMode.RECEIVE || mode === AddPathMode.BOTH

/** RFC 9234 §4.2 Table 2: the allowed (local, remote) role pairs. */
export function rolesMatch(local: number, remote: number): boolean {
  switch (local) {
    case BgpRole.PROVIDER:
      return remote === BgpRole.CUSTOMER
    case BgpRole.CUSTOMER:
      return remote === BgpRole.PROVIDER
    case BgpRole.RS:
      return remote === BgpRole.RS_CLIENT
    case BgpRole.RS_CLIENT:
      return remote === BgpRole.RS
    case BgpRole.PEER:
      return remote === BgpRole.PEER
    default:
      return false
  }
}

export interface NegotiateOptions {
  /** Configured keepalive; the effective one never exceeds a third of the hold time. */
  keepaliveSec?: number | null
}

export function negotiate(local: Open, remote: Open, opts: NegotiateOptions = {}): NegotiatedSession {
  const lc = modeled(openCapabilities(local))
  const rc = modeled(openCapabilities(remote))

  const as4 = find(lc, 65) !== undefined && find(rc, 65) !== undefined

  // RFC 4760 / RFC 5492: a family is exchanged only when both sides advertised it (paraphrase).
  const remoteFam = new Set(advertisedFamilies(rc).map(([a, s]) => familyKey(a, s)))
  const families = advertisedFamilies(lc).filter(([a, s]) => remoteFam.has(familyKey(a, s)))

  // RFC 7911 §4: we receive Path Identifiers for F when we advertised Receive/Both for F and the
  // peer advertised Send/Both for F; we send them in the mirror case.
  const lAp = addPathModes(lc)
  const rAp = addPathModes(rc)
  const addPathRx: FamilyPair[] = []
  const addPathTx: FamilyPair[] = []
  for (const f of families) {
    const k = familyKey(f[0], f[1])
    if (receives(lAp.get(k)) && sends(rAp.get(k))) addPathRx.push(f)
    if (sends(lAp.get(k)) && receives(rAp.get(k))) addPathTx.push(f)
  }

  // RFC 8654: Extended Messages are used only when both sides advertised the capability (paraphrase).
  const extendedMessage = find(lc, 6) !== undefined && find(rc, 6) !== undefined
  const routeRefresh = find(lc, 2) !== undefined && (find(rc, 2) !== undefined || find(rc, 128) !== undefined)
  const enhancedRouteRefresh = routeRefresh && find(lc, 70) !== undefined && find(rc, 70) !== undefined
  const lGr = find(lc, 64)
  const rGr = find(rc, 64)
  const gracefulRestart = rGr ?? null
  const notificationGr = lGr !== undefined && rGr !== undefined && lGr.notification && rGr.notification

  const rEnh = find(rc, 5)?.entries ?? []
  const extendedNextHop = (find(lc, 5)?.entries ?? []).filter((e) =>
    rEnh.some((r) => r.afi === e.afi && r.safi === e.safi && r.nextHopAfi === e.nextHopAfi),
  )

  const lRole = find(lc, 9)
  const rRole = find(rc, 9)
  const role = lRole && rRole ? { local: lRole.role, remote: rRole.role } : null

  // RFC 4271 §4.2: "a BGP speaker MUST calculate the value of the Hold Timer by using the smaller
  // of its configured Hold Time and the Hold Time received in the OPEN message".
  const holdTimeSec = Math.min(local.holdTime, remote.holdTime)
  // RFC 4271 §4.4: "A reasonable maximum time between KEEPALIVE messages would be one third of the Hold Time interval."
  const third = Math.floor(holdTimeSec / 3)
  const keepaliveSec = holdTimeSec === 0 ? 0 : Math.max(1, Math.min(opts.keepaliveSec ?? third, third))

  const enhPairs = extendedNextHop.map((e) => [e.afi, e.safi] as const)
  return {
    localAs: openAsn(local),
    peerAs: openAsn(remote),
    peerBgpId: remote.bgpId,
    as4,
    families,
    addPathRx,
    addPathTx,
    extendedMessage,
    routeRefresh,
    enhancedRouteRefresh,
    gracefulRestart,
    notificationGr,
    extendedNextHop,
    role,
    holdTimeSec,
    keepaliveSec,
    rxContext: makeWireContext({ as4, extendedMessage, addPath: addPathRx, extendedNextHop: enhPairs }),
    txContext: makeWireContext({ as4, extendedMessage, addPath: addPathTx, extendedNextHop: enhPairs }),
  }
}

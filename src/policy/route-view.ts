/**
 * Route: the typed, mutable view of one route that a policy hook sees (RFC 4271 §3.2 "route": a destination
 * and the attributes of a path to it).
 *
 *   Route ──► original PathAttributes (usually an interned, frozen AttrSet's attrs; never written)
 *     └─ attributes (made on first use) ── cur: the original until the first setter, then a private shallow copy
 *
 * Copy-on-write keeps the common case free: a policy that only reads allocates nothing besides the Route,
 * and toAttributes() then returns the very object it was given, so the RIB interns it to the same AttrSet.
 * Setters that do not change a value (same MED, a community already present) do not copy either.
 * The prefix is a compact key (src/wire/prefix.ts); its text is made only when a hook reads `prefix`.
 */
import { ipv4ToNumber, ipv6ToString, parseIpv6 } from '../wire/address.js'
import { AsPathSegmentType, Origin } from '../wire/iana.js'
import { formatKey, parsePrefix, type V4Key, type V6Key } from '../wire/prefix.js'
import type { AsPathSegment, PathAttributes } from '../wire/types.js'
import { asPathLength, asPathText } from './as-path-match.js'
import { type AttributeHost, CommunitySet, ExtendedCommunitySet, LargeCommunitySet } from './community-sets.js'
import { PolicyError } from './errors.js'

export type RouteSource = 'static' | 'api' | 'peer'
export type OriginText = 'igp' | 'egp' | 'incomplete'

/** The peer a route was learned from. */
export interface RouteNeighbor {
  readonly address: string
  readonly asn: number
  readonly ebgp: boolean
}

export interface MutableAttributes {
  /** RFC 4271 §5.1.1 ORIGIN (Origin.IGP/EGP/INCOMPLETE); set also takes 'igp' | 'egp' | 'incomplete'. */
  get origin(): number | undefined
  set origin(v: number | OriginText | undefined)
  /** RFC 4271 §5.1.4 MULTI_EXIT_DISC; undefined removes it. */
  med: number | undefined
  /** RFC 4271 §5.1.5 LOCAL_PREF; undefined removes it. */
  localPref: number | undefined
  /** RFC 4271 §5.1.2 AS_PATH segments (read-only arrays; assign a new path to change it). */
  get asPath(): readonly AsPathSegment[]
  set asPath(v: readonly AsPathSegment[] | undefined)
  /** "65000 64512 {1,2}" (as-path-match.ts), cached per path. */
  readonly asPathText: string
  /** RFC 4271 §9.1.2.2 a) length. */
  readonly asPathLength: number
  /** Prepend `asn` n times (RFC 4271 §5.1.2; a new AS_SEQUENCE segment past 255 ASes). */
  prepend(asn: number, n?: number): void
  /** NEXT_HOP, or MP_REACH_NLRI's next hop for a family carried there; set takes an address or "self". */
  get nextHop(): string | undefined
  set nextHop(v: string | undefined)
  readonly communities: CommunitySet
  readonly largeCommunities: LargeCommunitySet
  readonly extendedCommunities: ExtendedCommunitySet
  /** Whether any setter changed something. */
  readonly modified: boolean
  /** The current attributes, read-only (no copy). */
  current(): Readonly<PathAttributes>
  /** The result: the original object when nothing changed, else the modified copy (later writes copy again). */
  toAttributes(): PathAttributes
}

export interface Route {
  /** Prefix text ("192.0.2.0/24"), made on first read. */
  readonly prefix: string
  readonly afi: 1 | 2
  /** Compact key: V4Key (number) when afi is 1, V6Key (string) when afi is 2. */
  readonly key: V4Key | V6Key
  /** RFC 7911 Path Identifier, when the route came with one. */
  readonly pathId?: number | undefined
  readonly source: RouteSource
  /** The peer it was learned from (source 'peer'). */
  readonly neighbor?: RouteNeighbor | undefined
  readonly attributes: MutableAttributes
}

export interface RouteInit {
  afi: 1 | 2
  key: V4Key | V6Key
  attributes: PathAttributes
  source: RouteSource
  neighbor?: RouteNeighbor
  pathId?: number
  /** The address "next hop self" stands for, for this route's family; when absent, ctx.peer.localAddress is used. */
  selfNextHop?: string
}

const U32_MAX = 0xffffffff
const EMPTY_PATH: readonly AsPathSegment[] = Object.freeze([])

function u32(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > U32_MAX) throw new PolicyError(`${name} must be an integer in 0..4294967295, got ${v}`)
  return v
}

export class RouteView implements Route {
  readonly afi: 1 | 2
  readonly key: V4Key | V6Key
  readonly source: RouteSource
  readonly neighbor: RouteNeighbor | undefined
  readonly pathId: number | undefined
  selfNextHop: string | undefined
  private text: string | undefined = undefined
  private view: AttributesView | null = null
  /** The attributes the route was made with (what `modified` compares against). */
  readonly original: PathAttributes
  /** The current attributes while no view exists (the original, or an object adopted from a policy memo). */
  private cur: PathAttributes

  constructor(init: RouteInit) {
    this.afi = init.afi
    this.key = init.key
    this.original = init.attributes
    this.cur = init.attributes
    this.source = init.source
    this.neighbor = init.neighbor
    this.pathId = init.pathId
    this.selfNextHop = init.selfNextHop
  }

  get prefix(): string {
    return (this.text ??= formatKey(this.afi, this.key))
  }
  get attributes(): AttributesView {
    return (this.view ??= new AttributesView(this.cur, this))
  }
  /** The current attributes without making the attribute view. */
  peek(): Readonly<PathAttributes> {
    return this.view === null ? this.cur : this.view.current()
  }
  /** The result attributes without making the attribute view. */
  result(): PathAttributes {
    return this.view === null ? this.cur : this.view.toAttributes()
  }
  /**
   * Make `a` the current attributes, shared and never written (a later setter copies it): compiled rules use
   * this to give every route that took the same path through the same terms one result object.
   */
  adopt(a: PathAttributes): void {
    if (this.view === null) this.cur = a
    else this.view.adopt(a)
  }
}

export function createRoute(init: RouteInit): Route {
  return new RouteView(init)
}

/** A route from prefix text (API announcements, configuration); throws PolicyError on bad text. */
export function routeFromPrefix(prefix: string, attributes: PathAttributes, source: RouteSource, more?: Partial<Omit<RouteInit, 'afi' | 'key' | 'attributes' | 'source'>>): Route {
  const p = parsePrefix(prefix)
  if (p === null) throw new PolicyError(`bad prefix ${JSON.stringify(prefix)}`)
  return new RouteView({ ...more, afi: p.afi, key: p.key, attributes, source })
}

/** Any Route as a RouteView (a Route built elsewhere is copied once). */
export function asRouteView(r: Route): RouteView {
  if (r instanceof RouteView) return r
  const init: RouteInit = { afi: r.afi, key: r.key, attributes: r.attributes.toAttributes(), source: r.source }
  if (r.neighbor !== undefined) init.neighbor = r.neighbor
  if (r.pathId !== undefined) init.pathId = r.pathId
  return new RouteView(init)
}

/** The attributes a policy produced (the original object when unmodified). */
export function routeAttributes(r: Route): PathAttributes {
  return r instanceof RouteView ? r.result() : r.attributes.toAttributes()
}

/** The current attributes, read-only, without allocating. */
export function peekAttributes(r: Route): Readonly<PathAttributes> {
  return r instanceof RouteView ? r.peek() : r.attributes.current()
}

export class AttributesView implements MutableAttributes, AttributeHost {
  private cur: PathAttributes
  /** cur is our private copy (not base, not handed out by toAttributes). */
  private owned = false
  private cs: CommunitySet | null = null
  private ls: LargeCommunitySet | null = null
  private es: ExtendedCommunitySet | null = null

  constructor(
    start: PathAttributes,
    private readonly route: RouteView,
  ) {
    this.cur = start
  }

  current(): Readonly<PathAttributes> {
    return this.cur
  }
  write(): PathAttributes {
    if (!this.owned) {
      const { wire: _order, ...copy } = this.cur
      // The `wire` record (attribute order/flags as received) describes the received bytes, not ours.
      this.cur = copy
      this.owned = true
    }
    return this.cur
  }
  toAttributes(): PathAttributes {
    this.owned = false
    return this.cur
  }
  adopt(a: PathAttributes): void {
    this.cur = a
    this.owned = false
  }
  get modified(): boolean {
    return this.cur !== this.route.original
  }

  get origin(): number | undefined {
    return this.cur.origin
  }
  set origin(v: number | OriginText | undefined) {
    const n = typeof v === 'string' ? Origin[v.toUpperCase() as keyof typeof Origin] : v
    const bad = n === undefined ? v !== undefined : !Number.isInteger(n) || n < 0 || n > 2
    if (bad) throw new PolicyError(`origin must be igp, egp or incomplete (0..2), got ${v}`)
    if (this.cur.origin === n) return
    if (n === undefined) delete this.write().origin
    else this.write().origin = n
  }

  get med(): number | undefined {
    return this.cur.med
  }
  set med(v: number | undefined) {
    if (this.cur.med === v) return
    if (v === undefined) delete this.write().med
    else this.write().med = u32('med', v)
  }

  get localPref(): number | undefined {
    return this.cur.localPref
  }
  set localPref(v: number | undefined) {
    if (this.cur.localPref === v) return
    if (v === undefined) delete this.write().localPref
    else this.write().localPref = u32('localPref', v)
  }

  get asPath(): readonly AsPathSegment[] {
    return this.cur.asPath ?? EMPTY_PATH
  }
  set asPath(v: readonly AsPathSegment[] | undefined) {
    if (v === undefined) {
      if (this.cur.asPath !== undefined) delete this.write().asPath
      return
    }
    const copy = v.map((s, i) => {
      if (!Number.isInteger(s.type) || s.type < 1 || s.type > 4) throw new PolicyError(`asPath[${i}].type must be 1..4, got ${s.type}`)
      return { type: s.type, asns: s.asns.map((a) => u32('ASN', a)) }
    })
    this.write().asPath = copy
  }
  get asPathText(): string {
    return asPathText(this.cur.asPath)
  }
  get asPathLength(): number {
    return asPathLength(this.cur.asPath)
  }

  prepend(asn: number, n = 1): void {
    u32('ASN', asn)
    if (!Number.isInteger(n) || n < 0 || n > 255) throw new PolicyError(`prepend count must be 0..255, got ${n}`)
    if (n === 0) return
    const path = this.cur.asPath ?? EMPTY_PATH
    const first = path[0]
    const SEQ = AsPathSegmentType.AS_SEQUENCE
    // RFC 4271 §5.1.2: prepend to a leading AS_SEQUENCE; "If the act of prepending will cause an overflow in the
    // AS_PATH segment (i.e., more than 255 ASes), it SHOULD prepend a new segment of type AS_SEQUENCE".
    const room = first !== undefined && first.type === SEQ ? 255 - first.asns.length : 0
    const into = Math.min(room, n)
    const out: AsPathSegment[] = []
    let left = n - into
    while (left > 0) {
      const k = left % 255 === 0 ? 255 : left % 255
      out.push({ type: SEQ, asns: new Array<number>(k).fill(asn) })
      left -= k
    }
    if (into > 0) {
      out.push({ type: SEQ, asns: [...new Array<number>(into).fill(asn), ...first!.asns] })
      for (let i = 1; i < path.length; i++) out.push(path[i]!)
    } else for (const s of path) out.push(s)
    this.write().asPath = out
  }

  /** The family's next hop: MP_REACH_NLRI's when it carries this route's AFI (RFC 4760 §3), else NEXT_HOP. */
  private usesMpReach(): boolean {
    const mp = this.cur.mpReach
    return mp !== undefined && (mp.afi === this.route.afi || this.cur.nextHop === undefined)
  }
  get nextHop(): string | undefined {
    return this.usesMpReach() ? this.cur.mpReach!.nextHop[0] : this.cur.nextHop
  }
  set nextHop(v: string | undefined) {
    if (v === undefined) {
      if (this.cur.nextHop !== undefined) delete this.write().nextHop
      return
    }
    let addr = v
    if (v === 'self') {
      if (this.route.selfNextHop === undefined) throw new PolicyError('next hop "self" needs the local address of the session (ctx.peer.localAddress)')
      addr = this.route.selfNextHop
    }
    addr = canonicalAddress(addr)
    const v6 = addr.includes(':')
    if (this.usesMpReach()) {
      const mp = this.cur.mpReach!
      // RFC 4760 §3 / RFC 2545 §3: an IPv6 family's next hop is an IPv6 address.
      if (mp.afi === 2 && !v6) throw new PolicyError(`next hop ${addr} is not an IPv6 address (MP_REACH_NLRI of AFI 2)`)
      if (mp.nextHop.length === 1 && mp.nextHop[0] === addr && mp.nextHopRaw === undefined) return
      const { nextHopRaw: _raw, ...rest } = mp
      this.write().mpReach = { ...rest, nextHop: [addr] }
    } else if (v6) {
      // RFC 4271 §5.1.3: NEXT_HOP is "the IP address" in 4 octets; IPv6 next hops travel in MP_REACH_NLRI.
      throw new PolicyError(`next hop ${addr} is IPv6 but this route's next hop is the IPv4 NEXT_HOP attribute`)
    } else if (this.cur.nextHop !== addr) {
      this.write().nextHop = addr
    }
  }

  /** The route's own "self" next hop (RouteInit.selfNextHop), if it has one. */
  selfNextHop(): string | undefined {
    return this.route.selfNextHop
  }

  get communities(): CommunitySet {
    return (this.cs ??= new CommunitySet(this))
  }
  get largeCommunities(): LargeCommunitySet {
    return (this.ls ??= new LargeCommunitySet(this))
  }
  get extendedCommunities(): ExtendedCommunitySet {
    return (this.es ??= new ExtendedCommunitySet(this))
  }
}

const v6scratch = new Uint8Array(16)

/** IPv4 dotted quad as is, IPv6 in RFC 5952 form; PolicyError otherwise. */
export function canonicalAddress(a: string): string {
  if (!Number.isNaN(ipv4ToNumber(a))) return a
  if (a.includes(':') && parseIpv6(a, v6scratch)) return ipv6ToString(v6scratch, 0)
  throw new PolicyError(`bad address ${JSON.stringify(a)}`)
}

/**
 * The Speaker's routing tables and the one place Loc-RIB changes fan out (RFC 4271 §9: "The Decision
 * Process ... Phase 3: is invoked after the Loc-RIB has changed" — here: mark the prefix for every other
 * peer's Adj-RIB-Out and report the change to the API).
 *
 *   inTable: AttrSetTable ── shared by every Adj-RIB-In (pre and post policy), the local routes and the Loc-RIBs
 *   outTable: AttrSetTable ─ attribute sets as sent (after export rules and policy), held by the Adj-RIBs-Out
 *   loc.ipv4 / loc.ipv6 ──── Loc-RIB per family; sources: one post-policy Adj-RIB-In per peer + `local`
 *   local.ipv4 / ipv6 ───── routes originated with Speaker.announce() (source 'api', PeerInfo peerId 0)
 *
 * changed() is called with the LocRib.updatePrefix() results of one batch; it keeps the per-peer "best"
 * counters, marks the prefixes dirty for every peer with the family up, asks outbound to schedule a flush,
 * and builds bestPathChange events only while someone listens.
 */
import { AdjRibIn } from '../rib/adj-rib-in.js'
import { AttrSetTable } from '../rib/attr-set.js'
import { DecisionReason, type DecisionOptions } from '../rib/decision.js'
import type { LocalRouter } from '../rib/export-rules.js'
import { LocRib, type LocChange } from '../rib/loc-rib.js'
import { makePeerInfo, type Path, type PeerInfo } from '../rib/path.js'
import type { PrefixKey } from '../rib/prefix-map.js'
import { formatKey } from '../wire/prefix.js'
import type { BestPathChangeEvent, RouteInfo } from './events.js'
import type { DecisionConfig, FamilyName, ResolvedSpeakerOptions } from './options.js'
import { FAMILY_AFI, type FamilyState, type PeerState } from './peer-state.js'
import { toRouteAttributes } from './route-info.js'

export interface RibCoreHooks {
  /** Whether anyone listens to bestPathChange (events are built only then). */
  wantsBestPathEvents(): boolean
  emitBestPathChange(e: BestPathChangeEvent): void
  /** Prefixes became dirty for `ps`; `urgent`: a withdrawal is among them (not held back by MRAI). */
  scheduleFlush(ps: PeerState, urgent: boolean): void
}

export function decisionOptions(d: DecisionConfig): Partial<DecisionOptions> {
  const o: { -readonly [K in keyof DecisionOptions]?: DecisionOptions[K] } = {}
  o.maxPaths = d.multipath ? (d.maxPaths ?? 16) : 1
  if (d.multipathRelax !== undefined) o.multipathRelax = d.multipathRelax
  if (d.alwaysCompareMed !== undefined) o.alwaysCompareMed = d.alwaysCompareMed
  if (d.deterministicMed !== undefined) o.deterministicMed = d.deterministicMed
  if (d.missingMedAsWorst !== undefined) o.missingMedAsWorst = d.missingMedAsWorst
  if (d.preferOldest !== undefined) o.preferOldest = d.preferOldest
  if (d.defaultLocalPref !== undefined) o.defaultLocalPref = d.defaultLocalPref
  if (d.ignoreAsPathLength !== undefined) o.ignoreAsPathLength = d.ignoreAsPathLength
  o.multipathUpTo = DecisionReason.IGP_COST
  return o
}

export class RibCore {
  readonly inTable = new AttrSetTable()
  readonly outTable = new AttrSetTable()
  readonly self: LocalRouter
  readonly localInfo: PeerInfo
  readonly loc: { ipv4: LocRib<number>; ipv6: LocRib<string> }
  readonly local: { ipv4: AdjRibIn<number>; ipv6: AdjRibIn<string> }
  readonly peers = new Map<string, PeerState>()
  readonly byId = new Map<number, PeerState>()

  constructor(
    readonly opts: ResolvedSpeakerOptions,
    private readonly hooks: RibCoreHooks,
  ) {
    this.self = { localAs: opts.localAs, routerId: opts.routerId, defaultLocalPref: opts.decision.defaultLocalPref ?? 100 }
    if (opts.clusterId !== undefined) this.self.clusterId = opts.clusterId
    this.localInfo = makePeerInfo({ peerId: 0, peerBgpId: opts.routerId, peerAs: opts.localAs, local: true })
    const decision = decisionOptions(opts.decision)
    this.loc = {
      ipv4: new LocRib<number>(this.inTable, { afi: 1, safi: 1, decision }),
      ipv6: new LocRib<string>(this.inTable, { afi: 2, safi: 1, decision }),
    }
    this.local = {
      ipv4: new AdjRibIn<number>(this.localInfo, this.inTable, { afi: 1, safi: 1 }),
      ipv6: new AdjRibIn<string>(this.localInfo, this.inTable, { afi: 2, safi: 1 }),
    }
    this.loc.ipv4.addSource(this.local.ipv4)
    this.loc.ipv6.addSource(this.local.ipv6)
  }

  locRib(f: FamilyName): LocRib<PrefixKey> {
    return this.loc[f] as LocRib<PrefixKey>
  }

  /** The table of locally originated routes of family `f`. */
  localRib(f: FamilyName): AdjRibIn<PrefixKey> {
    return this.local[f] as AdjRibIn<PrefixKey>
  }

  /** Re-decide `keys` of family `f` and fan out the changes. */
  redecide(f: FamilyName, keys: Iterable<PrefixKey>): void {
    const loc = this.locRib(f)
    const out: Array<LocChange<PrefixKey>> = []
    for (const k of keys) {
      const c = loc.updatePrefix(k)
      if (c !== null) out.push(c)
    }
    this.changed(f, out)
  }

  changed(f: FamilyName, changes: ReadonlyArray<LocChange<PrefixKey>>): void {
    if (changes.length === 0) return
    let withdrawn = false
    // The per-peer "best" counters; consecutive changes mostly share a source, so its FamilyState is reused.
    let lastPeer: PeerInfo | null = null
    let lastFs: FamilyState | undefined
    for (const c of changes) {
      const o = c.oldPeer
      const n = c.newPeer
      if (n === null) withdrawn = true
      if (o === n) continue
      if (o !== null && !o.local) {
        if (o !== lastPeer) lastFs = this.byId.get((lastPeer = o).peerId)?.families.get(f)
        if (lastFs !== undefined) lastFs.best--
      }
      if (n !== null && !n.local) {
        if (n !== lastPeer) lastFs = this.byId.get((lastPeer = n).peerId)?.families.get(f)
        if (lastFs !== undefined) lastFs.best++
      }
    }
    for (const ps of this.peers.values()) {
      const fs = ps.families.get(f)
      if (fs === undefined || !fs.active) continue
      // A prefix whose best path is none, or comes from this very peer, exports nothing to it (export-rules.ts
      // SAME_PEER, before any policy): unless the peer holds a route of ours for it, there is nothing to do.
      // The common case (routes learned from the only peer) then queues nothing and allocates nothing.
      const out = fs.out
      const id = ps.peerId
      let added = 0
      for (const c of changes) {
        const np = c.newPeer
        if ((np === null || (!np.local && np.peerId === id)) && (out === null || !out.holds(c.prefix))) continue
        fs.dirty.add(c.prefix)
        added++
      }
      if (added > 0) this.hooks.scheduleFlush(ps, withdrawn)
    }
    if (!this.hooks.wantsBestPathEvents()) return
    for (const c of changes) {
      const prefix = formatKey(FAMILY_AFI[f], c.prefix)
      const e: BestPathChangeEvent = {
        prefix,
        family: f,
        best: c.newBest === null ? null : routeInfo(prefix, f, c.newBest),
        previous: c.oldBest === null ? null : routeInfo(prefix, f, c.oldBest),
        multipath: c.newBest === null ? [] : c.newMultipath.map((p) => routeInfo(prefix, f, p)),
      }
      this.hooks.emitBestPathChange(e)
    }
  }

  /** Release every table (the speaker is closed). */
  clear(): void {
    this.loc.ipv4.clear()
    this.loc.ipv6.clear()
    this.local.ipv4.clear()
    this.local.ipv6.clear()
  }
}

export function routeInfo(prefix: string, family: FamilyName, p: Path): RouteInfo {
  return {
    prefix,
    family,
    source: p.peer.local ? 'api' : 'bgp',
    peer: p.peer.peerAddress,
    peerAs: p.peer.peerAs,
    peerRouterId: p.peer.peerBgpId,
    stale: p.stale,
    attributes: toRouteAttributes(p.attrSet.attrs),
  }
}

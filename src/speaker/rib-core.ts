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
 * redecide() re-decides a batch of prefixes and fans the changes out (Fanout): it keeps the per-peer "best"
 * counters, marks the prefixes dirty for every peer with the family up, asks outbound to schedule a flush,
 * and builds bestPathChange events only while someone listens. Without a listener it uses LocRib.decide(),
 * which makes no change record: ingesting a table then allocates nothing per prefix. changed() fans out
 * records made elsewhere (LocRib.removeSource).
 */
import { AdjRibIn } from '../rib/adj-rib-in.js'
import { AttrSetTable, type AttrSet } from '../rib/attr-set.js'
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
  /** The families of peers we send ADD-PATH to (RFC 7911), and their peers: outbound.ts touchAddPath() walks only these. */
  readonly addPathSenders = new Map<FamilyState, PeerState>()

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

  /**
   * Re-decide `keys` of family `f` and fan out the changes. `from`: what one source now holds for every key
   * (`set`, or null: nothing), when the caller just stored it (LocRib.decideKnown).
   */
  redecide(f: FamilyName, keys: Iterable<PrefixKey>, from?: { src: AdjRibIn<PrefixKey>; set: AttrSet | null }): void {
    const loc = this.locRib(f)
    if (this.hooks.wantsBestPathEvents()) {
      const out: Array<LocChange<PrefixKey>> = []
      for (const k of keys) {
        const c = loc.updatePrefix(k)
        if (c !== null) out.push(c)
      }
      this.changed(f, out)
      return
    }
    // Nobody reads change records: LocRib.decide() tells only where the best paths come from.
    const fan = new Fanout(this, f)
    const src = from?.src ?? null
    const set = from?.set ?? null
    // A whole batch from one source, when no key of it needs a Path (the common ingest): one call.
    if (src !== null && Array.isArray(keys) && loc.decideMany(keys as PrefixKey[], src, set)) fan.addMany(keys as PrefixKey[], loc, set === null ? null : src.peer)
    else for (const k of keys) if (loc.decideKnown(k, src, set)) fan.add(k, loc.lastOldPeer, loc.lastNewPeer)
    fan.finish(this.hooks)
  }

  changed(f: FamilyName, changes: ReadonlyArray<LocChange<PrefixKey>>): void {
    if (changes.length === 0) return
    const fan = new Fanout(this, f)
    for (const c of changes) fan.add(c.prefix, c.oldPeer, c.newPeer)
    fan.finish(this.hooks)
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

/**
 * Fans one batch of Loc-RIB changes out (per change: the prefix and the sources of its old and new best):
 * - the per-peer "best" counters (FamilyState.best); consecutive changes mostly share a source, so its
 *   FamilyState is looked up once per run;
 * - the prefix marked dirty for every peer with the family up, and their flushes scheduled at the end. A
 *   prefix whose best path is none, or comes from this very peer, exports nothing to it (export-rules.ts
 *   SAME_PEER, before any policy): unless the peer holds a route of ours for it, there is nothing to do. The
 *   common case (routes learned from the only peer) then queues nothing and allocates nothing per prefix.
 */
class Fanout {
  private lastPeer: PeerInfo | null = null
  private lastFs: FamilyState | undefined
  /** The peers with the family up, their FamilyStates, and how many prefixes each got. */
  private readonly ps: PeerState[] = []
  private readonly fs: FamilyState[] = []
  private readonly added: number[] = []
  /** A prefix lost its best path: the flush is urgent (not held back by MRAI). */
  private withdrawn = false

  constructor(
    private readonly core: RibCore,
    private readonly f: FamilyName,
  ) {
    for (const ps of core.peers.values()) {
      const fs = ps.families.get(f)
      if (fs === undefined || !fs.active) continue
      this.ps.push(ps)
      this.fs.push(fs)
      this.added.push(0)
    }
  }

  add(prefix: PrefixKey, o: PeerInfo | null, n: PeerInfo | null): void {
    if (n === null) this.withdrawn = true
    if (o !== n) {
      if (o !== null && !o.local) {
        const fs = this.fsOf(o)
        if (fs !== undefined) fs.best--
      }
      if (n !== null && !n.local) {
        const fs = this.fsOf(n)
        if (fs !== undefined) fs.best++
      }
    }
    for (let i = 0; i < this.fs.length; i++) {
      const fs = this.fs[i]!
      const out = fs.out
      if ((n === null || (!n.local && n.peerId === this.ps[i]!.peerId)) && (out === null || !out.holds(prefix))) continue
      fs.dirty.add(prefix)
      this.added[i]!++
    }
  }

  /**
   * add() for each change LocRib.decideMany() recorded in `loc` (keys[batchAt[j]], old peer batchOld[j]), all
   * with the new best from `n`. A peer that gets nothing from any of them (n is none or the peer itself, and
   * the peer holds nothing from us) is skipped without looking at the keys.
   */
  addMany(keys: readonly PrefixKey[], loc: LocRib<PrefixKey>, n: PeerInfo | null): void {
    const count = loc.batchCount
    if (count === 0) return
    const at = loc.batchAt
    const olds = loc.batchOld
    if (n === null) this.withdrawn = true
    const nfs = n !== null && !n.local ? this.fsOf(n) : undefined
    for (let j = 0; j < count; j++) {
      const o = olds[j] ?? null
      if (o === n) continue
      if (o !== null && !o.local) {
        const fs = this.fsOf(o)
        if (fs !== undefined) fs.best--
      }
      if (nfs !== undefined) nfs.best++
    }
    for (let i = 0; i < this.fs.length; i++) {
      const fs = this.fs[i]!
      const out = fs.out
      const none = n === null || (!n.local && n.peerId === this.ps[i]!.peerId)
      // sentCount and pendingCount 0: out.holds() is false for every key.
      if (none && (out === null || (out.sentCount === 0 && out.pendingCount === 0))) continue
      for (let j = 0; j < count; j++) {
        const prefix = keys[at[j]!]!
        if (none && (out === null || !out.holds(prefix))) continue
        fs.dirty.add(prefix)
        this.added[i]!++
      }
    }
  }

  finish(hooks: RibCoreHooks): void {
    for (let i = 0; i < this.ps.length; i++) if (this.added[i]! > 0) hooks.scheduleFlush(this.ps[i]!, this.withdrawn)
  }

  private fsOf(p: PeerInfo): FamilyState | undefined {
    if (p !== this.lastPeer) this.lastFs = this.core.byId.get((this.lastPeer = p).peerId)?.families.get(this.f)
    return this.lastFs
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

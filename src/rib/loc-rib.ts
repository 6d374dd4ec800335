/**
 * Loc-RIB, RFC 4271 §3.2: "The Loc-RIB contains the local routing information the BGP speaker selected by
 * applying its local policies to the routing information contained in its Adj-RIBs-In." One per family.
 *
 * Candidates are not copied: they are read from the registered sources (one Adj-RIB-In per peer, plus one
 * for locally originated routes) when a prefix is re-decided. The table keeps, per prefix, only the outcome:
 *
 *   entries: IntPrefixMap<prefix key → int32>   (prefix-map.ts: typed-array hash for IPv4)
 *     >= 0     attrSet.id * 1024 + source index: one candidate, from a source without ADD-PATH; it is the best
 *              and the whole multipath set. No object per prefix, which is the whole table in the common
 *              one-peer (or one-path-per-prefix) case. The Loc-RIB holds a reference on that AttrSet, so its
 *              id cannot be reused while the entry names it.
 *     IN_OBJS  several candidates: `objs` maps the prefix to a LocEntry (the best Path and the multipath set).
 *
 * updatePrefix(key) is called after the Adj-RIBs-In changed for `key`; it re-runs the decision (decision.ts)
 * and returns a change record only when the best path or the multipath set changed.
 * Cost per call: one table lookup per registered source. Fine for the few peers an anycast speaker has; a
 * route server with hundreds of peers would want a per-prefix candidate list instead.
 */
import { MAX_ATTR_SET_ID, type AttrSet, type AttrSetTable } from './attr-set.js'
import type { AdjRibIn, PrefixKey } from './adj-rib-in.js'
import { makeDecisionOptions, selectBest, selectMultipath, type DecisionOptions } from './decision.js'
import { Path, PathFlag, samePath, type PeerInfo } from './path.js'
import { ABSENT, makeIntPrefixMap, type IntPrefixMap } from './prefix-map.js'

export interface NextHopResolution {
  reachable: boolean
  /** RFC 4271 §9.1.2.2 e) interior cost to the next hop. */
  igpCost: number
}
/** Next-hop resolver hook; the default says every next hop is reachable at cost 0. */
export type NextHopResolver = (nextHop: string) => NextHopResolution

export interface LocRibOptions {
  afi: number
  safi: number
  decision?: Partial<DecisionOptions>
  resolveNextHop?: NextHopResolver
  /** Expected number of prefixes: the IPv4 table is sized once. */
  sizeHint?: number
}

/**
 * The outcome of re-deciding one prefix. Multipath sets start with the best; empty when there is none.
 * An old best from a compact entry is rebuilt from its AttrSet and source: its stale flag, receivedAt and
 * IGP cost are the source's current ones.
 */
export interface LocChange<K extends PrefixKey = PrefixKey> {
  readonly prefix: K
  readonly oldBest: Path | null
  readonly newBest: Path | null
  readonly oldMultipath: readonly Path[]
  readonly newMultipath: readonly Path[]
  /** oldBest?.peer and newBest?.peer, without making the Paths (they are made when first read). */
  readonly oldPeer: PeerInfo | null
  readonly newPeer: PeerInfo | null
}

/**
 * LocChange whose Paths and single-path multipath sets are made only when read: a compact entry's side keeps
 * its parts (set, source peer, receivedAt and flags as they were at the change), so the ingest path, where
 * nobody reads them, allocates one object per changed prefix and no Path.
 */
class Change<K extends PrefixKey> implements LocChange<K> {
  /** Made already (an IN_OBJS entry, or a next-hop resolver is configured), else undefined. */
  ob: Path | null | undefined = undefined
  nb: Path | null | undefined = undefined
  oSet: AttrSet | null = null
  oPeer: PeerInfo | null = null
  oRecv = 0
  oFlags = 0
  nSet: AttrSet | null = null
  nPeer: PeerInfo | null = null
  nRecv = 0
  nFlags = 0
  /** null = [best]. */
  oldMp: readonly Path[] | null = NO_PATHS
  newMp: readonly Path[] | null = NO_PATHS

  constructor(readonly prefix: K) {}

  get oldBest(): Path | null {
    if (this.ob === undefined) this.ob = this.oSet === null ? null : new Path(this.oSet, this.oPeer!, 0, this.oRecv, this.oFlags)
    return this.ob
  }

  get newBest(): Path | null {
    if (this.nb === undefined) this.nb = this.nSet === null ? null : new Path(this.nSet, this.nPeer!, 0, this.nRecv, this.nFlags)
    return this.nb
  }

  get oldMultipath(): readonly Path[] {
    return (this.oldMp ??= [this.oldBest!])
  }

  get newMultipath(): readonly Path[] {
    return (this.newMp ??= [this.newBest!])
  }

  get oldPeer(): PeerInfo | null {
    return this.ob === undefined ? this.oPeer : (this.ob?.peer ?? null)
  }

  get newPeer(): PeerInfo | null {
    return this.nb === undefined ? this.nPeer : (this.nb?.peer ?? null)
  }

  /** samePath(oldBest, newBest) without making the Paths. */
  sameBest(): boolean {
    const os = this.ob === undefined ? this.oSet : (this.ob?.attrSet ?? null)
    const ns = this.nb === undefined ? this.nSet : (this.nb?.attrSet ?? null)
    if (os !== ns) return false
    if (os === null) return true
    const op = this.ob === undefined ? this.oPeer : this.ob!.peer
    const np = this.nb === undefined ? this.nPeer : this.nb!.peer
    return op === np && (this.ob?.pathId ?? 0) === (this.nb?.pathId ?? 0)
  }
}

export class LocEntry {
  constructor(
    readonly best: Path,
    readonly multipath: readonly Path[],
  ) {}
}

/** Sources per Loc-RIB, bounded so (set id, source index) packs into an int32. */
export const MAX_SOURCES = 1024
const IN_OBJS = -2
/** quickOutcome(): the decision needs Path objects. */
const FULL = -3
const NO_PATHS: readonly Path[] = Object.freeze([])

export class LocRib<K extends PrefixKey = PrefixKey> {
  readonly afi: number
  readonly safi: number
  readonly options: DecisionOptions
  private readonly resolve: NextHopResolver | undefined
  /** By source index; a removed source leaves a hole that is reused. */
  private readonly sources: Array<AdjRibIn<K> | undefined> = []
  /** The sources whose paths are candidates, and their indexes (dense, for the per-prefix loop). */
  private active: Array<AdjRibIn<K>> = []
  private activeIdx: number[] = []
  private readonly entries: IntPrefixMap<K>
  private readonly objs = new Map<K, LocEntry>()
  /** The AttrSet of quickOutcome()'s last packed result. */
  private quickSet: AttrSet | null = null
  /** Set by decide() when it returns true. */
  lastOldPeer: PeerInfo | null = null
  lastNewPeer: PeerInfo | null = null
  /** Set by decideMany() when it returns true: the changed keys' indexes and their old best's source. */
  readonly batchAt: number[] = []
  readonly batchOld: Array<PeerInfo | null> = []
  batchCount = 0

  constructor(
    readonly table: AttrSetTable,
    o: LocRibOptions,
  ) {
    this.afi = o.afi
    this.safi = o.safi
    this.options = makeDecisionOptions(o.decision)
    this.resolve = o.resolveNextHop
    this.entries = makeIntPrefixMap<K>(o.afi, o.sizeHint)
  }

  /** Prefixes with a best path. */
  get size(): number {
    return this.entries.size
  }

  keys(): IterableIterator<K> {
    return this.entries.keys()
  }

  /** Register an Adj-RIB-In (or the local-routes table); its existing prefixes are NOT re-decided here. */
  addSource(src: AdjRibIn<K>): void {
    if (src.table !== this.table) throw new Error('an Adj-RIB-In must share the Loc-RIB attribute table')
    if (src.afi !== this.afi || src.safi !== this.safi) throw new Error(`source family ${src.afi}/${src.safi} differs`)
    if (this.sources.includes(src)) return
    let idx = this.sources.indexOf(undefined)
    if (idx < 0) idx = this.sources.length
    if (idx >= MAX_SOURCES) throw new Error(`more than ${MAX_SOURCES} sources in one Loc-RIB`)
    this.sources[idx] = src
    this.active.push(src)
    this.activeIdx.push(idx)
  }

  /**
   * Withdraw a source's paths from the decision (peer down) and re-decide each prefix it held. Call it while
   * the Adj-RIB-In still holds its routes (before clear()).
   */
  removeSource(src: AdjRibIn<K>): Array<LocChange<K>> {
    const idx = this.sources.indexOf(src)
    if (idx < 0) return []
    const a = this.active.indexOf(src)
    this.active = this.active.filter((_, i) => i !== a)
    this.activeIdx = this.activeIdx.filter((_, i) => i !== a)
    const out: Array<LocChange<K>> = []
    for (const k of src.keys()) {
      const c = this.updatePrefix(k)
      if (c !== null) out.push(c)
    }
    // Entries still naming the source (the caller changed it without updatePrefix): re-decide them too,
    // before its index can be reused.
    const left: K[] = []
    this.entries.forEach((e, k) => {
      if (e >= 0 && e % MAX_SOURCES === idx) left.push(k)
    })
    for (const k of left) {
      const c = this.updatePrefix(k)
      if (c !== null) out.push(c)
    }
    this.sources[idx] = undefined
    return out
  }

  /**
   * A hint before re-deciding each of `keys` (updatePrefix / decide): see IntPrefixMap.prefetch. `inserting`:
   * the prefixes may be new here (false when the batch only withdraws).
   */
  prefetch(keys: readonly K[], inserting = true): void {
    this.entries.prefetch(keys, inserting)
  }

  /** RFC 4271 §9.1.2 for one prefix. Returns null when neither the best nor the multipath set changed. */
  updatePrefix(key: K): LocChange<K> | null {
    const old = this.entries.get(key)
    const q = this.quickOutcome(key)
    if (q !== FULL) return old === q ? null : this.install(key, old, q, null)
    const paths = this.candidatesInto(key, [])
    const { best } = selectBest(paths, this.options)
    if (best === null) return old === ABSENT ? null : this.install(key, old, ABSENT, null)
    const mp = selectMultipath(paths, best, this.options)
    if (old === IN_OBJS) {
      const e = this.objs.get(key)!
      if (samePath(e.best, best) && sameSet(e.multipath, mp)) return null
    }
    return this.install(key, old, IN_OBJS, new LocEntry(best, mp))
  }

  /**
   * updatePrefix() for callers that need only where the best paths come from (RibCore when nobody listens to
   * best-path events): true when the best path or the multipath set changed, and then lastOldPeer and
   * lastNewPeer name the sources of the old and new best (null: none). The common case (one candidate, before
   * and after, no next-hop resolver) makes no change record, so ingesting a table allocates nothing per prefix.
   */
  decide(key: K): boolean {
    return this.decideKnown(key, null, null)
  }

  /**
   * decide() when the caller knows what one source holds for `key`: `set`, or nothing (null), as right after
   * src.update(key, set) or src.withdraw(key). Saves looking it up. `src` must not be an ADD-PATH table (its
   * other path ids would count too); null: no hint.
   */
  decideKnown(key: K, src: AdjRibIn<K> | null, set: AttrSet | null): boolean {
    if (src !== null && src.addPath) src = null
    // Without full entries (objs empty) the old value cannot be IN_OBJS: the outcome is computed first and
    // stored with one probe of the table (set / delete return the old value).
    const q = this.resolve !== undefined ? FULL : this.quickOutcome(key, src, set)
    let old: number
    if (q === FULL || this.objs.size > 0) {
      old = this.entries.get(key)
      if (q === FULL || old === IN_OBJS) return this.decideFull(key)
      if (q === old) return false
      if (q === ABSENT) this.entries.delete(key)
      else this.entries.put(key, q)
    } else {
      old = q === ABSENT ? this.entries.delete(key) : this.entries.set(key, q)
      if (q === old) return false
    }
    let newPeer: PeerInfo | null = null
    let newSet: AttrSet | null = null
    if (q !== ABSENT) {
      // Take the new reference before dropping the old one: they may be the same set.
      newSet = this.quickSet!
      newSet.refs++
      newPeer = this.sources[q % MAX_SOURCES]!.peer
    }
    let oldPeer: PeerInfo | null = null
    if (old !== ABSENT) {
      oldPeer = this.sources[old % MAX_SOURCES]!.peer
      const oldSet = this.table.get(Math.floor(old / MAX_SOURCES))!
      this.table.release(oldSet)
      // Another source with the same peer and set: samePath(), the change record would be null too.
      if (oldSet === newSet && oldPeer === newPeer) return false
    }
    this.lastOldPeer = oldPeer
    this.lastNewPeer = newPeer
    return true
  }

  /**
   * decideKnown(key, src, set) for every key of `keys`, in one call, when none of them can need a Path: no
   * next-hop resolver, no full entry in the table, `src` an active source without ADD-PATH and the only one
   * holding routes. Then every key's outcome is the same packed entry (or none), and the loop is one probe per
   * key with nothing allocated (no boxed key per call either). Returns false, having done nothing, when that
   * does not hold: decide key by key. On true, the keys whose best changed are keys[batchAt[j]] for j below
   * batchCount, batchOld[j] the source of the old best (null: none); the new best is src's route (null set: none).
   */
  decideMany(keys: readonly K[], src: AdjRibIn<K>, set: AttrSet | null): boolean {
    if (this.resolve !== undefined || this.objs.size > 0 || src.addPath || (set !== null && set.id > MAX_ATTR_SET_ID)) return false
    const act = this.active
    let srcIdx = -1
    for (let i = 0; i < act.length; i++) {
      if (act[i] === src) srcIdx = this.activeIdx[i]!
      else if (act[i]!.count > 0) return false
    }
    if (srcIdx < 0) return false
    const entries = this.entries
    const table = this.table
    const sources = this.sources
    const at = this.batchAt
    const olds = this.batchOld
    const newPeer = set === null ? null : src.peer
    const q = set === null ? ABSENT : set.id * MAX_SOURCES + srcIdx
    let n = 0
    for (let i = 0; i < keys.length; i++) {
      const old = q === ABSENT ? entries.delete(keys[i]!) : entries.set(keys[i]!, q)
      if (old === q) continue
      let oldPeer: PeerInfo | null = null
      if (set !== null) set.refs++
      if (old !== ABSENT) {
        oldPeer = sources[old % MAX_SOURCES]!.peer
        const oldSet = table.get(Math.floor(old / MAX_SOURCES))!
        table.release(oldSet)
        // As decideKnown(): the same set from another source of the same peer is no change.
        if (oldSet === set && oldPeer === newPeer) continue
      }
      at[n] = i
      olds[n] = oldPeer
      n++
    }
    // The arrays are reused: drop the previous batch's references to peers beyond this one.
    for (let j = n; j < this.batchCount; j++) olds[j] = null
    this.batchCount = n
    return true
  }

  private decideFull(key: K): boolean {
    const c = this.updatePrefix(key)
    if (c === null) return false
    this.lastOldPeer = c.oldPeer
    this.lastNewPeer = c.newPeer
    return true
  }

  /**
   * The outcome when it needs no Path objects: ABSENT (no usable candidate), a packed entry (exactly one
   * candidate, from a source without ADD-PATH), or FULL (run the decision over Paths). Counts candidates
   * with one table lookup per source.
   */
  private quickOutcome(key: K, known: AdjRibIn<K> | null = null, knownSet: AttrSet | null = null): number {
    let hits = 0
    let set: AttrSet | undefined
    let srcIdx = -1
    const act = this.active
    for (let i = 0; i < act.length; i++) {
      const s = act[i]!
      let x: AttrSet | undefined
      if (s === known) {
        if (knownSet === null) continue
        x = knownSet
      } else {
        // An empty source (typically the local routes while only peers' routes come in) costs no lookup.
        if (s.count === 0) continue
        if (s.addPath) {
          if (s.has(key)) hits += 2
          continue
        }
        x = s.get(key)
      }
      if (x !== undefined && hits++ === 0) {
        set = x
        srcIdx = this.activeIdx[i]!
      }
    }
    if (hits === 0) return ABSENT
    if (hits > 1 || set!.id > MAX_ATTR_SET_ID) return FULL
    if (this.resolve !== undefined && !this.resolve(set!.nextHop).reachable) return ABSENT
    this.quickSet = set!
    return set!.id * MAX_SOURCES + srcIdx
  }

  /** Store the new outcome, keep the set references right, and describe the change. */
  private install(key: K, old: number, next: number, entry: LocEntry | null): LocChange<K> | null {
    // Multipath null = just [best] (a compact entry), so the common case allocates no array.
    const c = new Change<K>(key)
    let oldSet: AttrSet | null = null
    if (old === IN_OBJS) {
      const e = this.objs.get(key)!
      c.ob = e.best
      c.oldMp = e.multipath
      if (next !== IN_OBJS) this.objs.delete(key)
    } else if (old !== ABSENT) {
      oldSet = this.table.get(Math.floor(old / MAX_SOURCES))!
      const src = this.sources[old % MAX_SOURCES]!
      if (this.resolve !== undefined) c.ob = this.unpack(key, old)
      else {
        c.oSet = oldSet
        c.oPeer = src.peer
        c.oRecv = src.receivedAt(key)
        c.oFlags = src.isStale(key) ? PathFlag.STALE : 0
      }
      c.oldMp = null
    }
    if (next === ABSENT) {
      this.entries.delete(key)
    } else if (next === IN_OBJS) {
      this.entries.put(key, IN_OBJS)
      this.objs.set(key, entry!)
      c.nb = entry!.best
      c.newMp = entry!.multipath
    } else {
      const set = this.table.get(Math.floor(next / MAX_SOURCES))!
      set.refs++
      this.entries.put(key, next)
      const src = this.sources[next % MAX_SOURCES]!
      if (this.resolve !== undefined) c.nb = this.unpack(key, next)
      else {
        c.nSet = set
        c.nPeer = src.peer
        c.nRecv = src.receivedAt(key)
        c.nFlags = src.isStale(key) ? PathFlag.STALE : 0
      }
      c.newMp = null
    }
    if (oldSet !== null) this.table.release(oldSet)
    if (c.sameBest() && sameMultipath(c.oldMp, c.oldBest, c.newMp, c.newBest)) return null
    return c
  }

  private unpack(key: K, packed: number): Path {
    const set = this.table.get(Math.floor(packed / MAX_SOURCES))!
    const src = this.sources[packed % MAX_SOURCES]!
    const p = new Path(set, src.peer, 0, src.receivedAt(key), src.isStale(key) ? PathFlag.STALE : 0)
    this.resolveInto(p)
    return p
  }

  private resolveInto(p: Path): void {
    if (this.resolve === undefined) return
    const r = this.resolve(p.attrSet.nextHop)
    p.reachable = r.reachable
    p.igpCost = r.igpCost
  }

  private candidatesInto(key: K, out: Path[]): Path[] {
    for (const s of this.active) s.collect(key, out)
    if (this.resolve !== undefined) for (const p of out) this.resolveInto(p)
    return out
  }

  /** Every candidate path for the prefix from the active sources, with next hops resolved. */
  candidates(key: K): Path[] {
    return this.candidatesInto(key, [])
  }

  best(key: K): Path | null {
    const e = this.entries.get(key)
    return e === ABSENT ? null : e === IN_OBJS ? this.objs.get(key)!.best : this.unpack(key, e)
  }

  /** The best path's attributes without making a Path (Adj-RIB-Out diffing). */
  bestAttrSet(key: K): AttrSet | undefined {
    const e = this.entries.get(key)
    return e === ABSENT ? undefined : e === IN_OBJS ? this.objs.get(key)!.best.attrSet : this.table.get(Math.floor(e / MAX_SOURCES))
  }

  multipath(key: K): readonly Path[] {
    const e = this.entries.get(key)
    return e === ABSENT ? NO_PATHS : e === IN_OBJS ? this.objs.get(key)!.multipath : [this.unpack(key, e)]
  }

  /** Re-decide every prefix (next-hop resolution or decision options changed). */
  recompute(): Array<LocChange<K>> {
    const keys = new Set<K>(this.entries.keys())
    for (const s of this.active) for (const k of s.keys()) keys.add(k)
    const out: Array<LocChange<K>> = []
    for (const k of keys) {
      const c = this.updatePrefix(k)
      if (c !== null) out.push(c)
    }
    return out
  }

  /** Release every reference (the Loc-RIB is being discarded). */
  clear(): void {
    this.entries.forEach((e) => {
      if (e >= 0) this.table.release(this.table.get(Math.floor(e / MAX_SOURCES))!)
    })
    this.entries.clear()
    this.objs.clear()
  }
}

/** sameSet where null stands for [best]. */
function sameMultipath(a: readonly Path[] | null, aBest: Path | null, b: readonly Path[] | null, bBest: Path | null): boolean {
  const n = a === null ? 1 : a.length
  if (n !== (b === null ? 1 : b.length)) return false
  for (let i = 0; i < n; i++) if (!samePath(a === null ? aBest : a[i]!, b === null ? bBest : b[i]!)) return false
  return true
}

function sameSet(a: readonly Path[], b: readonly Path[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (!samePath(a[i]!, b[i]!)) return false
  return true
}

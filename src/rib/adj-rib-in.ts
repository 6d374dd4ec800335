/**
 * Adj-RIB-In, RFC 4271 §3.2: "Adj-RIBs-In contains unprocessed routing information that has been advertised
 * to the local BGP speaker by its peers." One table per peer per address family.
 *
 *   peer (PeerInfo, once) ──► routes: IntPrefixMap<prefix key → AttrSet id>            without ADD-PATH
 *                             apRoutes: Map<prefix key, Map<pathId, AttrSet>>          with ADD-PATH (RFC 7911)
 *                             stale / apStale: same shapes, retained over a restart    (RFC 4724 §4.2)
 *
 * A route is one hash slot holding the id of a shared interned AttrSet: no object per prefix (IPv4: 12 bytes
 * per slot in typed arrays, prefix-map.ts). Each stored path holds one reference on its set, so the id stays
 * valid while stored. ADD-PATH sessions are rarer and use plain Maps.
 *
 * Graceful restart without per-route flags: markStale() moves the whole `routes` table to `stale` and starts
 * an empty one; re-learning a prefix moves it back; sweepStale() drops what is left. Nothing is copied.
 */
import type { AttrSet, AttrSetTable } from './attr-set.js'
import { Path, PathFlag, type PeerInfo } from './path.js'
import { ABSENT, makeIntPrefixMap, type IntPrefixMap, type PrefixKey } from './prefix-map.js'

export type { PrefixKey } from './prefix-map.js'

export interface AdjRibInOptions {
  afi: number
  safi: number
  /** RFC 7911: this peer sends Path Identifiers for the family (several paths per prefix). */
  addPath?: boolean
  /**
   * Keep the time each path arrived (RFC 5004 "oldest path" needs it); costs a JS Map entry per route.
   * Without ADD-PATH only; otherwise receivedAt is 0.
   */
  trackTime?: boolean
  /** Expected number of prefixes (e.g. the max-prefix limit): the IPv4 table is sized once. */
  sizeHint?: number
}

type PathMap = Map<number, AttrSet>

export class AdjRibIn<K extends PrefixKey = PrefixKey> {
  readonly afi: number
  readonly safi: number
  readonly addPath: boolean
  private routes: IntPrefixMap<K>
  private stale: IntPrefixMap<K> | null = null
  private apRoutes = new Map<K, PathMap>()
  private apStale: Map<K, PathMap> | null = null
  private readonly times: Map<K, number> | null
  private paths = 0
  private stalePaths = 0

  constructor(
    readonly peer: PeerInfo,
    readonly table: AttrSetTable,
    o: AdjRibInOptions,
  ) {
    this.afi = o.afi
    this.safi = o.safi
    this.addPath = o.addPath ?? false
    this.routes = makeIntPrefixMap<K>(o.afi, o.sizeHint)
    this.times = o.trackTime && !this.addPath ? new Map() : null
  }

  /**
   * An independent table with the same paths (fresh and stale, times included), one new reference per path:
   * lets a pre-policy table share the post-policy one until they first differ (speaker/inbound.ts).
   */
  copy(): AdjRibIn<K> {
    const c = new AdjRibIn<K>(this.peer, this.table, { afi: this.afi, safi: this.safi, addPath: this.addPath, trackTime: this.times !== null, sizeHint: this.paths })
    const table = this.table
    if (this.addPath) {
      const dup = (m: Map<K, PathMap>): Map<K, PathMap> => {
        const o = new Map<K, PathMap>()
        for (const [k, pm] of m) {
          for (const s of pm.values()) table.retain(s)
          o.set(k, new Map(pm))
        }
        return o
      }
      c.apRoutes = dup(this.apRoutes)
      c.apStale = this.apStale === null ? null : dup(this.apStale)
    } else {
      const routes = c.routes
      this.routes.forEach((id, k) => {
        table.retain(table.get(id)!)
        routes.set(k, id)
      })
      const stale = this.stale
      if (stale !== null) {
        const cs = (c.stale = makeIntPrefixMap<K>(this.afi, stale.size))
        stale.forEach((id, k) => {
          table.retain(table.get(id)!)
          cs.set(k, id)
        })
      }
    }
    if (this.times !== null) for (const [k, t] of this.times) c.times!.set(k, t)
    c.paths = this.paths
    c.stalePaths = this.stalePaths
    return c
  }

  /** Paths held, stale ones included. */
  get count(): number {
    return this.paths
  }

  get staleCount(): number {
    return this.stalePaths
  }

  /** The attributes of one path, fresh or stale. */
  get(key: K, pathId = 0): AttrSet | undefined {
    if (this.addPath) return this.apRoutes.get(key)?.get(pathId) ?? this.apStale?.get(key)?.get(pathId)
    let id = this.routes.get(key)
    if (id === ABSENT && this.stale !== null) id = this.stale.get(key)
    return id === ABSENT ? undefined : this.table.get(id)
  }

  /** Whether any path (fresh or stale) exists for the prefix. */
  has(key: K): boolean {
    if (this.addPath) return this.apRoutes.has(key) || (this.apStale !== null && this.apStale.has(key))
    return this.routes.has(key) || (this.stale !== null && this.stale.has(key))
  }

  isStale(key: K, pathId = 0): boolean {
    if (this.addPath) return this.apStale?.get(key)?.has(pathId) ?? false
    return this.stale !== null && this.stale.has(key)
  }

  receivedAt(key: K): number {
    return this.times === null ? 0 : (this.times.get(key) ?? 0)
  }

  /** A hint before update() (inserting) or withdraw() of each of `keys`: see IntPrefixMap.prefetch. */
  prefetch(keys: readonly K[], inserting: boolean): void {
    if (!this.addPath) this.routes.prefetch(keys, inserting)
  }

  /**
   * RFC 4271 §3.1: a new route for a prefix "implicitly withdraws" the previous one from the same peer.
   * Takes one reference on `set`. Returns false when nothing changed (the same set re-announced).
   */
  update(key: K, set: AttrSet, pathId = 0, now = 0): boolean {
    // The caller holds a reference (from intern): a released set's id may already name another set.
    if (set.refs <= 0) throw new Error('AttrSet used after release')
    if (this.addPath) return this.updateAddPath(key, set, pathId)
    const old = this.routes.set(key, set.id)
    if (old === set.id) return false
    set.refs++
    if (old !== ABSENT) {
      this.table.release(this.table.get(old)!)
    } else {
      const s = this.stale === null ? ABSENT : this.stale.delete(key)
      if (s !== ABSENT) {
        // RFC 4724 §4.2: "The Receiving Speaker MUST replace the stale routes by the routing updates received".
        this.stalePaths--
        this.table.release(this.table.get(s)!)
        if (s === set.id) return false
      } else {
        this.paths++
      }
    }
    if (this.times !== null) this.times.set(key, now)
    return true
  }

  /**
   * update(key, set) for every key of `keys` (path id 0): null when every route changed (the usual case,
   * nothing allocated), else the keys whose route changed. The loop stays in here so that a key (an IPv4 key
   * is a double above 2^31) is not boxed per call, and the common table (no ADD-PATH, no stale routes, no
   * times) is updated with one probe and no per-key checks.
   */
  updateMany(keys: readonly K[], set: AttrSet): K[] | null {
    if (set.refs <= 0) throw new Error('AttrSet used after release')
    let changed: K[] | null = null
    if (this.addPath || this.stale !== null || this.times !== null) {
      for (let i = 0; i < keys.length; i++) {
        if (this.update(keys[i]!, set)) changed?.push(keys[i]!)
        else changed ??= keys.slice(0, i)
      }
      return changed
    }
    const routes = this.routes
    const table = this.table
    const id = set.id
    let added = 0
    for (let i = 0; i < keys.length; i++) {
      const old = routes.set(keys[i]!, id)
      if (old === id) {
        changed ??= keys.slice(0, i)
        continue
      }
      changed?.push(keys[i]!)
      // Take the new reference before dropping the old one (update() does the same).
      set.refs++
      if (old === ABSENT) added++
      else table.release(table.get(old)!)
    }
    this.paths += added
    return changed
  }

  private updateAddPath(key: K, set: AttrSet, pathId: number): boolean {
    let m = this.apRoutes.get(key)
    if (m === undefined) this.apRoutes.set(key, (m = new Map()))
    const old = m.get(pathId)
    if (old === set) return false
    set.refs++
    m.set(pathId, set)
    if (old !== undefined) {
      this.table.release(old)
      return true
    }
    const sm = this.apStale?.get(key)
    const s = sm?.get(pathId)
    if (s !== undefined) {
      sm!.delete(pathId)
      if (sm!.size === 0) this.apStale!.delete(key)
      this.stalePaths--
      this.table.release(s)
      return s !== set
    }
    this.paths++
    return true
  }

  /** RFC 4271 §4.3 Withdrawn Routes / RFC 4760 MP_UNREACH_NLRI. Returns false when the path was unknown. */
  withdraw(key: K, pathId = 0): boolean {
    if (this.addPath) return this.withdrawFrom(this.apRoutes, key, pathId, false) || this.withdrawFrom(this.apStale, key, pathId, true)
    let old = this.routes.delete(key)
    if (old === ABSENT && this.stale !== null) {
      old = this.stale.delete(key)
      if (old !== ABSENT) this.stalePaths--
    }
    if (old === ABSENT) return false
    this.paths--
    if (this.times !== null) this.times.delete(key)
    this.table.release(this.table.get(old)!)
    return true
  }

  private withdrawFrom(map: Map<K, PathMap> | null, key: K, pathId: number, stale: boolean): boolean {
    const m = map?.get(key)
    const s = m?.get(pathId)
    if (s === undefined) return false
    m!.delete(pathId)
    if (m!.size === 0) map!.delete(key)
    this.paths--
    if (stale) this.stalePaths--
    this.table.release(s)
    return true
  }

  /** Push a Path per path of the prefix onto `out` (for the decision); returns how many. */
  collect(key: K, out: Path[]): number {
    const n = out.length
    if (this.addPath) {
      const m = this.apRoutes.get(key)
      if (m !== undefined) for (const [id, s] of m) out.push(new Path(s, this.peer, id, 0, 0))
      const sm = this.apStale?.get(key)
      if (sm !== undefined) for (const [id, s] of sm) out.push(new Path(s, this.peer, id, 0, PathFlag.STALE))
      return out.length - n
    }
    let id = this.routes.get(key)
    let flags = 0
    if (id === ABSENT && this.stale !== null) {
      id = this.stale.get(key)
      flags = PathFlag.STALE
    }
    if (id !== ABSENT) out.push(new Path(this.table.get(id)!, this.peer, 0, this.receivedAt(key), flags))
    return out.length - n
  }

  /** Prefixes with at least one path, fresh or stale (each once). */
  *keys(): IterableIterator<K> {
    if (this.addPath) {
      yield* this.apRoutes.keys()
      if (this.apStale !== null) for (const k of this.apStale.keys()) if (!this.apRoutes.has(k)) yield k
      return
    }
    yield* this.routes.keys()
    // Without ADD-PATH a prefix is either fresh or stale, never both.
    if (this.stale !== null) yield* this.stale.keys()
  }

  /**
   * RFC 4724 §4.2: on the peer's restart "MUST retain the routes received from the peer ... and MUST mark
   * them as stale routing information". Returns the number of stale paths.
   */
  markStale(): number {
    if (this.addPath) {
      if (this.apStale === null || this.apStale.size === 0) {
        this.apStale = this.apRoutes
      } else {
        // A second restart before End-of-RIB: whatever was re-learned meanwhile becomes stale again.
        for (const [k, m] of this.apRoutes) {
          let sm = this.apStale.get(k)
          if (sm === undefined) this.apStale.set(k, (sm = new Map()))
          for (const [id, s] of m) sm.set(id, s)
        }
      }
      this.apRoutes = new Map()
    } else {
      if (this.stale === null || this.stale.size === 0) {
        this.stale = this.routes
      } else {
        const stale = this.stale
        this.routes.forEach((id, k) => stale.set(k, id))
      }
      this.routes = makeIntPrefixMap<K>(this.afi)
    }
    this.stalePaths = this.paths
    return this.stalePaths
  }

  /**
   * RFC 4724 §4.2: "Once the End-of-RIB marker for an address family is received from the peer, it MUST
   * immediately remove any routes from the peer that are still marked as stale". Returns their prefixes.
   */
  sweepStale(): K[] {
    const out: K[] = []
    if (this.addPath) {
      const stale = this.apStale
      this.apStale = null
      if (stale !== null) {
        for (const [k, m] of stale) {
          out.push(k)
          for (const s of m.values()) this.table.release(s)
        }
      }
    } else {
      const stale = this.stale
      this.stale = null
      if (stale !== null) {
        stale.forEach((id, k) => {
          out.push(k)
          this.table.release(this.table.get(id)!)
          if (this.times !== null) this.times.delete(k)
        })
      }
    }
    this.paths -= this.stalePaths
    this.stalePaths = 0
    return out
  }

  /** Drop everything (session down without graceful restart). Returns the prefixes that were held. */
  clear(): K[] {
    const out = [...this.keys()]
    if (this.addPath) {
      for (const map of [this.apRoutes, this.apStale]) {
        if (map !== null) for (const m of map.values()) for (const s of m.values()) this.table.release(s)
      }
      this.apRoutes = new Map()
      this.apStale = null
    } else {
      const release = (id: number): void => this.table.release(this.table.get(id)!)
      this.routes.forEach(release)
      this.stale?.forEach(release)
      this.routes.clear()
      this.stale = null
    }
    this.times?.clear()
    this.paths = 0
    this.stalePaths = 0
    return out
  }
}

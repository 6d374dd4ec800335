/**
 * Adj-RIB-Out for a peer we send ADD-PATH to (RFC 7911): several paths per prefix, each under a Path
 * Identifier of ours. One per peer per family, used instead of AdjRibOut (it extends it so FamilyState and
 * the Fanout see one type; the typed-array AdjRibOut stays the only structure of every other peer).
 *
 *   syncPaths(key, [{ source, set }...])     the paths the peer should have for `key`, after export rules
 *        │                                   (source: who the path is from, see OutPath.source)
 *        ▼
 *   prefixes: Map<key, Map<source, Slot>>    Slot = { id, sent, next }: what the peer has, what it will get
 *        │  markSent()                       pendingPaths() groups announcements by AttrSet: one UPDATE per set
 *        ▼
 *   sent ← next; a withdrawn slot is deleted and its id is free again
 *
 * RFC 7911 §3: "the Path Identifier ... is assigned by the sender" and, with the prefix, identifies the path.
 * A slot's id is the smallest one not used by another slot of the prefix when the source first appears, and
 * it stays while the source's path is advertised (a new set from the same source replaces the path under the
 * same id, an implicit withdrawal of the old one). It is reused only after its withdrawal was written
 * (markSent()), never while an UPDATE naming it could still be pending.
 * Storage is objects per prefix: ADD-PATH peers are few (collectors, route reflector clients) and
 * this keeps the plain AdjRibOut free of any per-path state.
 */
import type { AttrSet, AttrSetTable } from './attr-set.js'
import { AdjRibOut } from './adj-rib-out.js'
import type { PrefixKey } from './prefix-map.js'

/** One path to advertise: `set` from the peer's output table (the caller keeps its own reference). */
export interface OutPath {
  /**
   * The path's origin, stable while the path lives: e.g. source peer id * 2^32 + received Path Identifier
   * (outPathSource()). Two paths of one prefix never share it.
   */
  readonly source: number
  readonly set: AttrSet
}

/** OutPath.source for a path received from `peerId` (0: our own routes) with Path Identifier `pathId`. */
export function outPathSource(peerId: number, pathId: number): number {
  return peerId * 0x100000000 + pathId
}

/** sync()/announce() of the single-path API: the one source used. */
const SINGLE = -1

interface Slot {
  readonly id: number
  /** What the peer has under `id`, or null (not yet sent). */
  sent: AttrSet | null
  /** Pending: a set to announce, null to withdraw, undefined no change. */
  next: AttrSet | null | undefined
}

/** Prefixes and Path Identifiers in parallel arrays (NlriList order). */
export interface KeysWithIds<K> {
  keys: K[]
  ids: number[]
}

export class AdjRibOutAddPath<K extends PrefixKey = PrefixKey> extends AdjRibOut<K> {
  private readonly prefixes = new Map<K, Map<number, Slot>>()
  /** Prefixes with a pending change, in arrival order. */
  private readonly changed = new Set<K>()
  private nSent = 0
  private nAnnounce = 0
  private nWithdraw = 0

  constructor(table: AttrSetTable, afi: number, safi: number) {
    super(table, afi, safi, 0)
  }

  /** Paths (prefix, path id) the peer currently has from us. */
  override get sentCount(): number {
    return this.nSent
  }

  override get pendingCount(): number {
    return this.nAnnounce + this.nWithdraw
  }

  /** The paths the peer has for `key`, by path id. */
  sentPaths(key: K): Array<{ id: number; set: AttrSet }> {
    const out: Array<{ id: number; set: AttrSet }> = []
    const slots = this.prefixes.get(key)
    if (slots !== undefined) for (const s of slots.values()) if (s.sent !== null) out.push({ id: s.id, set: s.sent })
    return out.sort((a, b) => a.id - b.id)
  }

  /** The attributes of the lowest path id the peer has for `key`. */
  override sentAttrs(key: K): AttrSet | undefined {
    return this.sentPaths(key)[0]?.set
  }

  override *sentKeys(): IterableIterator<K> {
    for (const [k, slots] of this.prefixes) {
      for (const s of slots.values()) {
        if (s.sent !== null) {
          yield k
          break
        }
      }
    }
  }

  /** Whether the peer has, or is about to get, some path for `key` from us (a slot exists only then). */
  override holds(key: K): boolean {
    return this.prefixes.has(key)
  }

  /**
   * Make the peer's paths for `key` exactly `paths` (distinct sources): new sources get an id, changed ones
   * are re-announced under theirs, missing ones are withdrawn. Only differences are queued.
   */
  syncPaths(key: K, paths: readonly OutPath[]): void {
    let slots = this.prefixes.get(key)
    if (slots === undefined) {
      if (paths.length === 0) return
      this.prefixes.set(key, (slots = new Map()))
    }
    for (const [src, s] of slots) if (!paths.some((p) => p.source === src)) this.change(key, slots, src, s, null)
    for (const p of paths) {
      if (p.set.refs <= 0) throw new Error('AttrSet used after release')
      let s = slots.get(p.source)
      if (s === undefined) slots.set(p.source, (s = { id: freeId(slots), sent: null, next: undefined }))
      this.change(key, slots, p.source, s, p.set)
    }
    if (slots.size === 0) this.prefixes.delete(key)
  }

  override announce(key: K, set: AttrSet): void {
    this.syncPaths(key, [{ source: SINGLE, set }])
  }

  override announceNew(key: K, set: AttrSet): void {
    this.announce(key, set)
  }

  override withdraw(key: K): void {
    this.syncPaths(key, [])
  }

  override sync(key: K, set: AttrSet | undefined): void {
    this.syncPaths(key, set === undefined ? [] : [{ source: SINGLE, set }])
  }

  /** Pending announcements grouped by attribute set, with their path ids. */
  pendingPaths(): Map<AttrSet, KeysWithIds<K>> {
    const out = new Map<AttrSet, KeysWithIds<K>>()
    if (this.nAnnounce === 0) return out
    for (const k of this.changed) {
      const slots = this.prefixes.get(k)
      if (slots === undefined) continue
      for (const s of slots.values()) {
        if (s.next === undefined || s.next === null) continue
        let g = out.get(s.next)
        if (g === undefined) out.set(s.next, (g = { keys: [], ids: [] }))
        g.keys.push(k)
        g.ids.push(s.id)
      }
    }
    return out
  }

  /** Pending withdrawals with their path ids. */
  withdrawnPaths(): KeysWithIds<K> {
    const out: KeysWithIds<K> = { keys: [], ids: [] }
    if (this.nWithdraw === 0) return out
    for (const k of this.changed) {
      const slots = this.prefixes.get(k)
      if (slots === undefined) continue
      for (const s of slots.values()) {
        if (s.next !== null) continue
        out.keys.push(k)
        out.ids.push(s.id)
      }
    }
    return out
  }

  override pending(): Map<AttrSet, K[]> {
    const out = new Map<AttrSet, K[]>()
    for (const [set, g] of this.pendingPaths()) out.set(set, g.keys)
    return out
  }

  override withdrawals(): K[] {
    return this.withdrawnPaths().keys
  }

  override markSent(): void {
    const table = this.table
    for (const k of this.changed) {
      const slots = this.prefixes.get(k)
      if (slots === undefined) continue
      for (const [src, s] of slots) {
        const n = s.next
        if (n === undefined) continue
        s.next = undefined
        if (s.sent !== null) table.release(s.sent)
        else this.nSent++
        if (n === null) {
          // Written: the id is free for another path of the prefix from now on.
          slots.delete(src)
          this.nSent--
        }
        s.sent = n
      }
      if (slots.size === 0) this.prefixes.delete(k)
    }
    this.changed.clear()
    this.nAnnounce = 0
    this.nWithdraw = 0
  }

  override settle(): boolean {
    return true
  }

  /** RFC 2918 ROUTE-REFRESH: re-queue every path the peer has (pending changes stay on top). */
  override resendAll(): void {
    for (const [k, slots] of this.prefixes) {
      for (const s of slots.values()) {
        if (s.sent === null || s.next !== undefined) continue
        this.table.retain(s.sent)
        s.next = s.sent
        this.nAnnounce++
        this.changed.add(k)
      }
    }
  }

  /** Session down: release every reference; ids start again from 1 on the next session. */
  override reset(): void {
    const table = this.table
    for (const slots of this.prefixes.values()) {
      for (const s of slots.values()) {
        if (s.sent !== null) table.release(s.sent)
        if (s.next !== undefined && s.next !== null) table.release(s.next)
      }
    }
    this.prefixes.clear()
    this.changed.clear()
    this.nSent = 0
    this.nAnnounce = 0
    this.nWithdraw = 0
  }

  /** Set slot `s`'s pending change to `v` (a set: announce it; null: withdraw), dropping what it replaces. */
  private change(key: K, slots: Map<number, Slot>, src: number, s: Slot, v: AttrSet | null): void {
    if (s.next === v) return
    if (s.next !== undefined) {
      if (s.next !== null) {
        this.table.release(s.next)
        this.nAnnounce--
      } else this.nWithdraw--
      s.next = undefined
    }
    if (v === s.sent) {
      // The peer already has exactly that; a slot never sent and now unwanted frees its id at once.
      if (v === null) slots.delete(src)
      return
    }
    if (v !== null) {
      v.refs++
      this.nAnnounce++
    } else this.nWithdraw++
    s.next = v
    this.changed.add(key)
  }
}

/** The smallest Path Identifier >= 1 no slot of the prefix uses. */
function freeId(slots: Map<number, Slot>): number {
  const used = new Set<number>()
  for (const s of slots.values()) used.add(s.id)
  let id = 1
  while (used.has(id)) id++
  return id
}

/**
 * Adj-RIB-Out, RFC 4271 §3.2: "Adj-RIBs-Out contains information that the local BGP speaker selected for
 * advertisement to its peers." One per peer per family.
 *
 *   announce(key, set) / withdraw(key)          (after export rules, sets from the peer's output table)
 *        │
 *        ▼
 *   pending: keys[] + ids[] (set id, or WITHDRAW), in arrival order; index: key → position
 *        │  markSent()                              pending() groups by AttrSet: one UPDATE per set
 *        ▼                                          (§9.2, STYLE.md "Build UPDATEs per interned attribute set")
 *   sent: IntPrefixMap<key → set id>   what the peer has been told
 *     + log: keys[] + ids[]            sent by announceNew(), not yet in `sent` (settle() moves them)
 *
 * RFC 4271 §9.2: "Any routes in the Loc-RIB marked as unfeasible ... MUST be removed" and only changes need
 * sending: a re-announcement of what the peer already has is dropped, and a prefix announced then withdrawn
 * before the flush sends nothing (§9.2.1.1 rate limiting makes such coalescing normal).
 *
 * Storage: `sent` is the whole table a peer holds from us, so it is an int map (prefix-map.ts: typed arrays
 * for IPv4, 12 bytes per slot, no object per prefix); a set is named by its id in `table`, and each stored id
 * (pending or sent) holds one reference on the set, so the id stays valid. The pending queue is arrays, and a
 * change that cancels an earlier pending one leaves a hole (CANCELLED) rather than shifting the arrays.
 * The first dump of a session (announceNew()) skips every lookup, and what it sent is appended to the log, to
 * be inserted into `sent` by settle() after the dump (outbound.ts does it in idle turns), or at once by any
 * method that reads `sent`. At a million prefixes each insert is a cache and TLB miss (~250 ns on our VMs),
 * which would otherwise sit between Established and the last UPDATE.
 * ADD-PATH send (RFC 7911) needs a (prefix, path id) key: peers that negotiated it get adj-rib-out-addpath.ts.
 */
import type { AttrSet, AttrSetTable } from './attr-set.js'
import { ABSENT, makeIntPrefixMap, type IntPrefixMap, type PrefixKey } from './prefix-map.js'

/** pending ids[] entry: a withdrawal. */
const WITHDRAW = -2
/** pending ids[] entry: superseded by a later change of the same key (or cancelled). */
const CANCELLED = -3

export class AdjRibOut<K extends PrefixKey = PrefixKey> {
  private readonly sent: IntPrefixMap<K>
  private pKeys: K[] = []
  private pIds: number[] = []
  /** Position of each pending key in pKeys / pIds, for the entries before `indexed` (announceNew() defers it). */
  private pIndex: IntPrefixMap<K>
  private indexed = 0
  private pAnnounce = 0
  private pWithdraw = 0
  /** pending entry i came from announceNew(). */
  private pNew: boolean[] = []
  private logKeys: K[] = []
  private logIds: number[] = []
  /** log entries before this one are in `sent` already. */
  private logAt = 0

  /**
   * `sizeHint`: prefixes the peer is expected to get (the Loc-RIB size at session up): `sent` is sized once
   * instead of rehashing while the first dump fills it.
   */
  constructor(
    readonly table: AttrSetTable,
    readonly afi: number,
    readonly safi: number,
    sizeHint = 0,
  ) {
    this.sent = makeIntPrefixMap<K>(afi, sizeHint)
    this.pIndex = makeIntPrefixMap<K>(afi)
  }

  /** Prefixes the peer currently has from us. */
  get sentCount(): number {
    return this.sent.size + this.logKeys.length - this.logAt
  }

  /** Announcements plus withdrawals waiting for the next flush. */
  get pendingCount(): number {
    return this.pAnnounce + this.pWithdraw
  }

  sentAttrs(key: K): AttrSet | undefined {
    this.settle()
    const id = this.sent.get(key)
    return id === ABSENT ? undefined : this.table.get(id)
  }

  /** The prefixes the peer has from us (do not change this table while iterating). */
  sentKeys(): IterableIterator<K> {
    this.settle()
    return this.sent.keys()
  }

  /** Whether the peer has, or is about to get, a route for `key` from us (a withdrawal would change something). */
  holds(key: K): boolean {
    this.settle()
    if (this.sent.size > 0 && this.sent.has(key)) return true
    if (this.pAnnounce === 0) return false
    const i = this.pendingAt(key)
    return i !== ABSENT && this.pIds[i]! >= 0
  }

  /** Queue `set` for `key`, unless the peer already has exactly that. */
  announce(key: K, set: AttrSet): void {
    if (set.refs <= 0) throw new Error('AttrSet used after release')
    const id = set.id
    this.settle()
    const i = this.pendingAt(key)
    if (i !== ABSENT) {
      const p = this.pIds[i]!
      if (p === id) return
      this.drop(i)
    }
    if (this.sent.get(key) === id) return
    set.refs++
    this.push(key, id, i)
    this.pAnnounce++
  }

  /** Queue a withdrawal; cancels a pending announcement, and sends nothing when the peer never had it. */
  withdraw(key: K): void {
    this.settle()
    const i = this.pendingAt(key)
    if (i !== ABSENT) {
      if (this.pIds[i] === WITHDRAW) return
      this.drop(i)
    }
    if (!this.sent.has(key)) return
    this.push(key, WITHDRAW, i)
    this.pWithdraw++
  }

  /**
   * announce() for a key the caller knows was neither sent nor is pending since the last reset() (the first
   * table dump of a session: distinct Loc-RIB keys into an empty table). Skips both lookups: at a million
   * prefixes each is a cache and TLB miss into `sent`, measured as a third of the whole dump.
   */
  announceNew(key: K, set: AttrSet): void {
    if (set.refs <= 0) throw new Error('AttrSet used after release')
    set.refs++
    this.pKeys.push(key)
    this.pIds.push(set.id)
    this.pNew[this.pKeys.length - 1] = true
    this.pAnnounce++
  }

  /** announce(set) or withdraw() from the new export outcome of a prefix. */
  sync(key: K, set: AttrSet | undefined): void {
    if (set === undefined) this.withdraw(key)
    else this.announce(key, set)
  }

  /** Pending announcements grouped by attribute set: each group is one (or more, if large) UPDATE. */
  pending(): Map<AttrSet, K[]> {
    const out = new Map<AttrSet, K[]>()
    const keys = this.pKeys
    const ids = this.pIds
    let lastId = -1
    let last: K[] | undefined
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!
      if (id < 0) continue
      // Runs of one set are the common case (a batch of one source's routes): one Map lookup per run.
      if (id !== lastId) {
        const set = this.table.get(id)!
        last = out.get(set)
        if (last === undefined) out.set(set, (last = []))
        lastId = id
      }
      last!.push(keys[i]!)
    }
    return out
  }

  withdrawals(): K[] {
    const out: K[] = []
    if (this.pWithdraw === 0) return out
    const ids = this.pIds
    for (let i = 0; i < ids.length; i++) if (ids[i] === WITHDRAW) out.push(this.pKeys[i]!)
    return out
  }

  /** The pending changes were written to the peer: they become its state. */
  markSent(): void {
    const keys = this.pKeys
    const ids = this.pIds
    const isNew = this.pNew
    const sent = this.sent
    const table = this.table
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!
      if (id === CANCELLED) continue
      if (isNew[i] === true) {
        // Never sent before (announceNew): its reference moves to the log, `sent` is not touched now.
        this.logKeys.push(keys[i]!)
        this.logIds.push(id)
        continue
      }
      // `sent` may hold the key in its log part: settle first (once).
      if (this.logAt < this.logKeys.length) this.settle()
      // The pending reference moves to `sent`; the one `sent` held for the old set is dropped.
      const old = id === WITHDRAW ? sent.delete(keys[i]!) : sent.set(keys[i]!, id)
      if (old !== ABSENT) table.release(table.get(old)!)
    }
    this.clearPending()
  }

  /**
   * Insert up to `max` log entries into `sent`; true when none is left. Every read of `sent` settles all first.
   */
  settle(max = Infinity): boolean {
    const keys = this.logKeys
    if (this.logAt >= keys.length) return true
    const ids = this.logIds
    const end = Math.min(keys.length, this.logAt + max)
    const sent = this.sent
    for (let i = this.logAt; i < end; i++) sent.put(keys[i]!, ids[i]!)
    this.logAt = end
    if (end < keys.length) return false
    this.logKeys = []
    this.logIds = []
    this.logAt = 0
    return true
  }

  /**
   * RFC 2918 ROUTE-REFRESH: the peer asks for everything again. Re-queues all sent routes; pending changes
   * stay queued on top.
   */
  resendAll(): void {
    const table = this.table
    this.settle()
    this.indexPending()
    this.sent.forEach((id, k) => {
      if (this.pIndex.size > 0 && this.pIndex.get(k) !== ABSENT) return
      // Bypasses announce()'s "peer already has it" check; `sent` stays as is, so a later withdraw still goes out.
      table.retain(table.get(id)!)
      this.push(k, id, ABSENT)
      this.pAnnounce++
    })
  }

  /** Session down: the peer has nothing of ours any more; release every reference. */
  reset(): void {
    const table = this.table
    this.sent.forEach((id) => table.release(table.get(id)!))
    this.sent.clear()
    for (let i = this.logAt; i < this.logIds.length; i++) table.release(table.get(this.logIds[i]!)!)
    this.logKeys = []
    this.logIds = []
    this.logAt = 0
    for (const id of this.pIds) if (id >= 0) table.release(table.get(id)!)
    this.clearPending()
  }

  /** The key's pending position, or ABSENT. */
  private pendingAt(key: K): number {
    if (this.pKeys.length === 0) return ABSENT
    this.indexPending()
    return this.pIndex.get(key)
  }

  /** Index what announceNew() appended. */
  private indexPending(): void {
    const keys = this.pKeys
    for (let i = this.indexed; i < keys.length; i++) this.pIndex.put(keys[i]!, i)
    this.indexed = keys.length
  }

  /** Append a pending entry (after indexPending()); `prev` (or ABSENT) is the key's superseded position. */
  private push(key: K, id: number, prev: number): void {
    const at = this.pKeys.length
    this.pKeys.push(key)
    this.pIds.push(id)
    this.pNew[at] = false
    if (prev === ABSENT) this.pIndex.put(key, at)
    else this.pIndex.set(key, at)
    this.indexed = at + 1
  }

  /** Cancel the pending entry at `i` (its key stays indexed until it is replaced or the queue is cleared). */
  private drop(i: number): void {
    const id = this.pIds[i]!
    if (id >= 0) {
      this.table.release(this.table.get(id)!)
      this.pAnnounce--
    } else if (id === WITHDRAW) this.pWithdraw--
    this.pIds[i] = CANCELLED
  }

  private clearPending(): void {
    if (this.pKeys.length === 0) return
    const n = this.pKeys.length
    this.pKeys = []
    this.pIds = []
    this.pNew = []
    this.pAnnounce = 0
    this.pWithdraw = 0
    // Sized for a queue like the last one (only if it was used): the next flush batch fills it without rehashing.
    if (this.indexed > 0) this.pIndex = makeIntPrefixMap<K>(this.afi, n)
    this.indexed = 0
  }
}

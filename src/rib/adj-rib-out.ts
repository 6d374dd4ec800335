/**
 * Adj-RIB-Out, RFC 4271 §3.2: "Adj-RIBs-Out contains information that the local BGP speaker selected for
 * advertisement to its peers." One per peer per family.
 *
 *   announce(key, set) / withdraw(key)          (after export rules, sets from the peer's output table)
 *        │
 *        ▼
 *   pendingAnnounce: Map<key, AttrSet>   pendingWithdraw: Set<key>      ── pending() groups by AttrSet:
 *        │  markSent()                                                     one UPDATE per set (§9.2,
 *        ▼                                                                 STYLE.md "Build UPDATEs per
 *   sent: Map<key, AttrSet>   what the peer has been told                  interned attribute set")
 *
 * RFC 4271 §9.2: "Any routes in the Loc-RIB marked as unfeasible ... MUST be removed" and only changes need
 * sending: a re-announcement of what the peer already has is dropped, and a prefix announced then withdrawn
 * before the flush sends nothing (§9.2.1.1 rate limiting makes such coalescing normal).
 * Each stored set (pending or sent) holds one reference in `table`.
 * Not covered: ADD-PATH send (RFC 7911), which needs a (prefix, path id) key.
 */
import type { AttrSet, AttrSetTable } from './attr-set.js'
import type { PrefixKey } from './adj-rib-in.js'

export class AdjRibOut<K extends PrefixKey = PrefixKey> {
  private readonly sent = new Map<K, AttrSet>()
  private readonly pendingAnnounce = new Map<K, AttrSet>()
  private readonly pendingWithdraw = new Set<K>()

  constructor(
    readonly table: AttrSetTable,
    readonly afi: number,
    readonly safi: number,
  ) {}

  /** Prefixes the peer currently has from us. */
  get sentCount(): number {
    return this.sent.size
  }

  /** Announcements plus withdrawals waiting for the next flush. */
  get pendingCount(): number {
    return this.pendingAnnounce.size + this.pendingWithdraw.size
  }

  sentAttrs(key: K): AttrSet | undefined {
    return this.sent.get(key)
  }

  /** Whether the peer has, or is about to get, a route for `key` from us (a withdrawal would change something). */
  holds(key: K): boolean {
    return (this.sent.size > 0 && this.sent.has(key)) || (this.pendingAnnounce.size > 0 && this.pendingAnnounce.has(key))
  }

  /** Queue `set` for `key`, unless the peer already has exactly that. */
  announce(key: K, set: AttrSet): void {
    if (set.refs <= 0) throw new Error('AttrSet used after release')
    const p = this.pendingAnnounce.get(key)
    if (p === set) return
    if (p !== undefined) {
      this.pendingAnnounce.delete(key)
      this.table.release(p)
    }
    this.pendingWithdraw.delete(key)
    if (this.sent.get(key) === set) return
    set.refs++
    this.pendingAnnounce.set(key, set)
  }

  /** Queue a withdrawal; cancels a pending announcement, and sends nothing when the peer never had it. */
  withdraw(key: K): void {
    const p = this.pendingAnnounce.get(key)
    if (p !== undefined) {
      this.pendingAnnounce.delete(key)
      this.table.release(p)
    }
    if (this.sent.has(key)) this.pendingWithdraw.add(key)
  }

  /** announce(set) or withdraw() from the new export outcome of a prefix. */
  sync(key: K, set: AttrSet | undefined): void {
    if (set === undefined) this.withdraw(key)
    else this.announce(key, set)
  }

  /** Pending announcements grouped by attribute set: each group is one (or more, if large) UPDATE. */
  pending(): Map<AttrSet, K[]> {
    const out = new Map<AttrSet, K[]>()
    for (const [k, s] of this.pendingAnnounce) {
      const l = out.get(s)
      if (l === undefined) out.set(s, [k])
      else l.push(k)
    }
    return out
  }

  withdrawals(): K[] {
    return [...this.pendingWithdraw]
  }

  /** The pending changes were written to the peer: they become its state. */
  markSent(): void {
    for (const [k, s] of this.pendingAnnounce) {
      const old = this.sent.get(k)
      this.sent.set(k, s) // the pending reference moves to `sent`
      if (old !== undefined) this.table.release(old)
    }
    this.pendingAnnounce.clear()
    for (const k of this.pendingWithdraw) {
      const old = this.sent.get(k)
      if (old === undefined) continue
      this.sent.delete(k)
      this.table.release(old)
    }
    this.pendingWithdraw.clear()
  }

  /**
   * RFC 2918 ROUTE-REFRESH: the peer asks for everything again. Re-queues all sent routes; pending changes
   * stay queued on top.
   */
  resendAll(): void {
    for (const [k, s] of this.sent) {
      if (this.pendingAnnounce.has(k) || this.pendingWithdraw.has(k)) continue
      // Bypasses announce()'s "peer already has it" check; `sent` stays as is, so a later withdraw still goes out.
      s.refs++
      this.pendingAnnounce.set(k, s)
    }
  }

  /** Session down: the peer has nothing of ours any more; release every reference. */
  reset(): void {
    for (const s of this.sent.values()) this.table.release(s)
    for (const s of this.pendingAnnounce.values()) this.table.release(s)
    this.sent.clear()
    this.pendingAnnounce.clear()
    this.pendingWithdraw.clear()
  }
}

/**
 * What the Speaker keeps per configured peer: the session (src/session/peer.ts), and per address family the
 * RIBs of RFC 4271 §3.2 with their counters.
 *
 *   PeerState ── peer: Peer (FSM + TCP)        info: PeerInfo (rib/path.ts), made at Established
 *      └─ families: ipv4 / ipv6 ── pre:  AdjRibIn  pre-policy routes (soft reconfiguration inbound), optional;
 *                                        null while they equal `post` (preShared: nothing stored twice)
 *                                  post: AdjRibIn  post-policy routes, a Loc-RIB source
 *                                  out:  AdjRibOut what the peer has / will get from us
 *                                  dirty + dump: prefixes whose export must be recomputed (outbound.ts)
 *
 * Counters are read from the tables (their sizes are kept by the tables) or kept incrementally (`best`), so
 * Speaker.peers() costs O(peers), never O(routes).
 */
import { familyKey } from '../wire/iana.js'
import type { AdjRibIn } from '../rib/adj-rib-in.js'
import type { AdjRibOut } from '../rib/adj-rib-out.js'
import type { AttrSet, AttrSetTable } from '../rib/attr-set.js'
import type { ExportPeer } from '../rib/export-rules.js'
import { GR_IDLE, type GrHelperState } from '../rib/graceful-restart.js'
import type { PeerInfo } from '../rib/path.js'
import type { PrefixKey } from '../rib/prefix-map.js'
import type { NegotiatedSession } from '../session/negotiate.js'
import type { Peer } from '../session/peer.js'
import type { PolicyContext } from '../policy/hook.js'
import type { FamilyName, PeerConfig, ResolvedPeerConfig } from './options.js'
import type { PeerStateName } from './events.js'

export const FAMILY_AFI: Record<FamilyName, 1 | 2> = { ipv4: 1, ipv6: 2 }

export class FamilyState<K extends PrefixKey = PrefixKey> {
  pre: AdjRibIn<K> | null = null
  /**
   * keepPrePolicy while every route so far was imported unchanged (no import policy, no attribute change,
   * no loop rejection): the pre-policy routes ARE the post-policy ones, `post` stands for both and `pre`
   * stays null. The first UPDATE (or policy change) that would make them differ copies `post` into `pre`.
   */
  preShared = false
  post: AdjRibIn<K> | null = null
  out: AdjRibOut<K> | null = null
  /** Negotiated on the current session (exchanging UPDATEs for it). */
  active = false
  /** Prefixes changed in the Loc-RIB since the last flush (insertion ordered, each once). */
  readonly dirty = new Set<K>()
  /**
   * Snapshot of Loc-RIB prefixes still to (re)consider: the initial table dump, or an export policy change
   * (IPv4: a Float64Array of the exact size, see outbound.ts snapshotKeys).
   */
  dump: readonly K[] | Float64Array | null = null
  dumpAt = 0
  /**
   * The current dump is the Adj-RIB-Out's first content: it started on an empty table and no dirty prefix was
   * exported since, so its keys go in with AdjRibOut.announceNew() (no lookups).
   */
  freshDump = false
  /** outbound.ts settles `out`'s log in idle turns (AdjRibOut.settle). */
  settling = false
  eorSent = false
  eorReceived = false
  /** How exports to this peer are built; null while no next hop is known for the family (nothing exported). */
  exportPeer: ExportPeer | null = null
  /** exportVerdict + exportAttributes per (source peer id, source AttrSet): one reference each in the out table. */
  readonly exportCache = new Map<number, Map<AttrSet, AttrSet | null>>()
  exportCacheSize = 0
  /** Loc-RIB best paths that come from this peer. */
  best = 0

  constructor(
    readonly name: FamilyName,
    readonly afi: 1 | 2,
  ) {}

  /** The pre-policy routes: `pre`, or `post` while shared; null when not kept. */
  get preTable(): AdjRibIn<K> | null {
    return this.pre ?? (this.preShared ? this.post : null)
  }

  /** Stop sharing: from now on the pre-policy table is its own (see preShared). */
  unsharePre(): void {
    if (!this.preShared) return
    this.preShared = false
    if (this.post !== null) this.pre = this.post.copy()
  }

  /** Drop the export cache, releasing its references. */
  clearExportCache(outTable: AttrSetTable): void {
    for (const m of this.exportCache.values()) for (const s of m.values()) if (s !== null) outTable.release(s)
    this.exportCache.clear()
    this.exportCacheSize = 0
  }
}

export interface FamilyCounters {
  /** Paths received (pre-policy; null when pre-policy routes are not kept). */
  received: number | null
  /** Paths accepted by import policy (in the post-policy Adj-RIB-In, stale ones included). */
  accepted: number
  /** Prefixes whose Loc-RIB best path comes from this peer. */
  best: number
  /** Prefixes the peer has from us. */
  advertised: number
}

/** The Speaker.peers() row: plain data. */
export interface PeerSummary {
  address: string
  remoteAs: number
  description?: string
  state: PeerStateName
  /** Milliseconds in Established, 0 when down. */
  uptimeMs: number
  /** Wall-clock time (ms since the epoch) of the last transition into or out of Established; null never. */
  lastChangeAt: number | null
  /** Last NOTIFICATION or session-ending reason, "NOTIFICATION sent Cease / Administrative Shutdown". */
  lastError: string | null
  peerRouterId: string | null
  /** Families negotiated on the current session. */
  families: Partial<Record<FamilyName, FamilyCounters>>
  /** Graceful restart helper: families whose routes are stale. */
  staleFamilies: FamilyName[]
}

export class PeerState {
  info: PeerInfo | null = null
  session: NegotiatedSession | null = null
  /** The session's local address (next hop self). */
  localAddress: string | null = null
  readonly families = new Map<FamilyName, FamilyState>()
  /** Bumped whenever the session goes down: pending async work of an older session drops its results. */
  gen = 0
  up = false
  establishedAt = 0
  lastChangeAt: number | null = null
  lastError: string | null = null
  /** A NOTIFICATION was sent or received since the session came up (it is the better lastError). */
  notifiedThisSession = false
  gr: GrHelperState = GR_IDLE
  grTimer: NodeJS.Timeout | null = null
  /** Import work waiting on an async policy, in UPDATE order. */
  inbound: Promise<void> | null = null
  /** Outbound scheduling (outbound.ts). */
  flushTimer: NodeJS.Timeout | null = null
  flushImmediate: NodeJS.Immediate | null = null
  flushing = false
  flushAgain = false
  lastFlushMs = 0
  drainWaiters: Array<() => void> = []
  detach: (() => void) | null = null
  removed = false
  /** Policy contexts of the current session (made once per session, not per route). */
  policyCtx: Partial<Record<'import' | 'export', PolicyContext>> = {}

  constructor(
    /** The configuration as given (updatePeer merges into it). */
    public input: PeerConfig,
    public cfg: ResolvedPeerConfig,
    readonly peer: Peer,
    readonly peerId: number,
  ) {
    for (const f of cfg.families) this.families.set(f, new FamilyState(f, FAMILY_AFI[f]))
  }

  family(name: FamilyName): FamilyState | undefined {
    return this.families.get(name)
  }

  /** Wake every flush waiting for 'drain' (drain, session down, close). */
  wakeDrainWaiters(): void {
    for (const w of this.drainWaiters.splice(0)) w()
  }

  clearTimers(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer)
    if (this.flushImmediate !== null) clearImmediate(this.flushImmediate)
    if (this.grTimer !== null) clearTimeout(this.grTimer)
    this.flushTimer = null
    this.flushImmediate = null
    this.grTimer = null
  }

  summary(nowMs: number): PeerSummary {
    const families: PeerSummary['families'] = {}
    for (const [name, fs] of this.families) {
      if (fs.post === null && !fs.active) continue
      families[name] = {
        received: fs.preTable?.count ?? null,
        accepted: fs.post?.count ?? 0,
        best: fs.best,
        advertised: fs.out?.sentCount ?? 0,
      }
    }
    const s: PeerSummary = {
      address: this.cfg.address,
      remoteAs: this.cfg.remoteAs,
      state: this.peer.state,
      uptimeMs: this.up ? nowMs - this.establishedAt : 0,
      lastChangeAt: this.lastChangeAt,
      lastError: this.lastError,
      peerRouterId: this.info?.peerBgpId ?? null,
      families,
      staleFamilies: [...this.families.values()].filter((f) => this.gr.staleFamilies.has(familyKey(f.afi, 1))).map((f) => f.name),
    }
    if (this.cfg.description !== undefined) s.description = this.cfg.description
    return s
  }
}

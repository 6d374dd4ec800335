/**
 * Graceful Restart, Receiving Speaker ("helper") mode, RFC 4724 §4.2. Pure state plus functions; time is
 * passed in (ms) and deadlines come out for the driver's one timer.
 *
 *   session with GR peer goes down ──► grSessionDown: mark its paths stale (families in its last GR
 *        │                              capability), flush the others; restart deadline = now + Restart Time
 *        ▼
 *   session re-established ──────────► grSessionUp: flush families absent from the new capability or
 *        │                              without the F bit; the rest wait for End-of-RIB (stale deadline)
 *        ▼
 *   End-of-RIB per family ────────────► grEndOfRib: flush what is still stale in that family
 *   deadline passed ──────────────────► grTimer: flush everything still stale
 *
 * Each function mutates only the Adj-RIBs-In it is given (markStale / sweepStale / clear) and returns the
 * prefixes whose paths were removed, so the caller can re-run LocRib.updatePrefix on them.
 */
import { familyKey } from '../wire/iana.js'
import type { AdjRibIn, PrefixKey } from './adj-rib-in.js'

/** The peer's Graceful Restart capability (RFC 4724 §3), the fields helper mode uses. */
export interface GrCapability {
  /** Restart Time, seconds. */
  restartTime: number
  families: ReadonlyArray<{ afi: number; safi: number; forwardingState: boolean }>
}

export interface GrHelperState {
  /** Families (familyKey) whose paths are stale and not yet refreshed by End-of-RIB. */
  readonly staleFamilies: ReadonlySet<number>
  /** While the session is down: when the stale paths go if it is not re-established (RFC 4724 Restart Time). */
  readonly restartDeadlineMs: number | null
  /** Upper bound on keeping stale paths once the session is back ("MAY support a (configurable) timer"). */
  readonly staleDeadlineMs: number | null
}

export interface GrFlushed {
  afi: number
  safi: number
  keys: PrefixKey[]
}

export interface GrResult {
  state: GrHelperState
  flushed: GrFlushed[]
}

/** Default upper bound on stale paths after re-establishment, seconds (FRR / Cisco default). */
export const DEFAULT_STALE_PATH_TIME_SEC = 360

export const GR_IDLE: GrHelperState = Object.freeze({ staleFamilies: new Set<number>(), restartDeadlineMs: null, staleDeadlineMs: null })

type Ribs = ReadonlyMap<number, AdjRibIn>

function clearFamily(rib: AdjRibIn): GrFlushed {
  return { afi: rib.afi, safi: rib.safi, keys: rib.clear() }
}

function sweepFamily(rib: AdjRibIn): GrFlushed {
  return { afi: rib.afi, safi: rib.safi, keys: rib.sweepStale() }
}

/**
 * The session went down. `cap`: the GR capability the peer sent in the session that ended (null: none, or
 * the NOTIFICATION rules of RFC 8538 say hard reset) — then everything is flushed as without GR.
 */
export function grSessionDown(ribs: Ribs, cap: GrCapability | null, nowMs: number): GrResult {
  const flushed: GrFlushed[] = []
  if (cap === null) {
    for (const rib of ribs.values()) flushed.push(clearFamily(rib))
    return { state: GR_IDLE, flushed }
  }
  const gr = new Set(cap.families.map((f) => familyKey(f.afi, f.safi)))
  const stale = new Set<number>()
  for (const [fk, rib] of ribs) {
    // RFC 4724 §4.2: "MUST retain the routes received from the peer for all the address families that were
    // previously received in the Graceful Restart Capability and MUST mark them as stale routing information."
    if (gr.has(fk)) {
      rib.markStale()
      stale.add(fk)
    } else {
      flushed.push(clearFamily(rib))
    }
  }
  // RFC 4724 §4.2: "If the session does not get re-established within the "Restart Time" that the peer
  // advertised previously, the Receiving Speaker MUST delete all the stale routes from the peer".
  return { state: { staleFamilies: stale, restartDeadlineMs: nowMs + cap.restartTime * 1000, staleDeadlineMs: null }, flushed }
}

/** The session is Established again; `cap` is the GR capability in the new OPEN (null when absent). */
export function grSessionUp(
  state: GrHelperState,
  ribs: Ribs,
  cap: GrCapability | null,
  nowMs: number,
  staleTimeSec = DEFAULT_STALE_PATH_TIME_SEC,
): GrResult {
  const flushed: GrFlushed[] = []
  const keep = new Set<number>()
  for (const fk of state.staleFamilies) {
    const rib = ribs.get(fk)
    if (rib === undefined) continue
    // RFC 4724 §4.2: "If the Forwarding State bit for a specific address family is not set in the newly
    // received Graceful Restart Capability, or if a specific address family is not included in the newly
    // received Graceful Restart Capability, or if the Graceful Restart Capability is not received in the
    // re-established session at all, then the Receiving Speaker MUST immediately remove all the stale routes
    // from the peer that it is retaining for that address family."
    const f = cap?.families.find((x) => familyKey(x.afi, x.safi) === fk)
    if (f === undefined || !f.forwardingState) flushed.push(sweepFamily(rib))
    else keep.add(fk)
  }
  const state2: GrHelperState = {
    staleFamilies: keep,
    restartDeadlineMs: null,
    staleDeadlineMs: keep.size > 0 ? nowMs + staleTimeSec * 1000 : null,
  }
  return { state: state2, flushed }
}

/**
 * End-of-RIB received for a family (RFC 4724 §2: an UPDATE with no reachable NLRI and empty withdrawn routes).
 * "Once the End-of-RIB marker for an address family is received from the peer, it MUST immediately remove
 * any routes from the peer that are still marked as stale for that address family."
 */
export function grEndOfRib(state: GrHelperState, ribs: Ribs, afi: number, safi: number): GrResult {
  const fk = familyKey(afi, safi)
  const rib = ribs.get(fk)
  if (!state.staleFamilies.has(fk) || rib === undefined) return { state, flushed: [] }
  const keep = new Set(state.staleFamilies)
  keep.delete(fk)
  return {
    state: { staleFamilies: keep, restartDeadlineMs: state.restartDeadlineMs, staleDeadlineMs: keep.size > 0 ? state.staleDeadlineMs : null },
    flushed: [sweepFamily(rib)],
  }
}

/** The next deadline the driver must wake up for, or null. */
export function grNextDeadline(state: GrHelperState): number | null {
  const a = state.restartDeadlineMs
  const b = state.staleDeadlineMs
  if (a === null) return b
  if (b === null) return a
  return Math.min(a, b)
}

/** Time passed: when a deadline is reached, every stale path of the peer goes. */
export function grTimer(state: GrHelperState, ribs: Ribs, nowMs: number): GrResult {
  const d = grNextDeadline(state)
  if (d === null || nowMs < d) return { state, flushed: [] }
  const flushed: GrFlushed[] = []
  for (const fk of state.staleFamilies) {
    const rib = ribs.get(fk)
    if (rib !== undefined) flushed.push(sweepFamily(rib))
  }
  return { state: GR_IDLE, flushed }
}

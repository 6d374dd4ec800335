/**
 * Session up / session down for the RIBs (RFC 4271 §8.2.2 Established: "deletes all routes associated with
 * this connection" when it ends), and the Graceful Restart helper (RFC 4724 §4.2, rib/graceful-restart.ts).
 *
 *   established ─► PeerInfo, per negotiated family: Adj-RIB-In (pre/post, Loc-RIB source), Adj-RIB-Out
 *                  (AdjRibOutAddPath when we send ADD-PATH, RFC 7911),
 *                  ExportPeer (next hop self = the session's local address), initial dump → End-of-RIB
 *                  GR: grSessionUp — stale families wait for the peer's End-of-RIB (or the stale timer)
 *   routesDeleted ─► graceful: grSessionDown (mark stale, Restart Time deadline); else: remove the peer's
 *                  paths from the Loc-RIB and clear its tables; Adj-RIBs-Out reset either way
 */
import { isIpv4 } from '../wire/address.js'
import { familyKey } from '../wire/iana.js'
import { AdjRibIn } from '../rib/adj-rib-in.js'
import type { ExportPeer } from '../rib/export-rules.js'
import {
  GR_IDLE,
  grEndOfRib,
  grNextDeadline,
  grSessionDown,
  grSessionUp,
  grTimer,
  type GrCapability,
  type GrResult,
} from '../rib/graceful-restart.js'
import { makePeerInfo } from '../rib/path.js'
import type { PrefixKey } from '../rib/prefix-map.js'
import type { NegotiatedSession } from '../session/negotiate.js'
import type { InboundHost } from './inbound.js'
import { forgetAdjRibOut, hasAddPathSenders, newAdjRibOut, startDump, touchAddPath, type OutboundHost } from './outbound.js'
import type { FamilyName } from './options.js'
import type { FamilyState, PeerState } from './peer-state.js'

export interface LifecycleHost extends InboundHost, OutboundHost {
  warn(ps: PeerState, msg: string): void
}

const familyOf = (afi: number): FamilyName | null => (afi === 1 ? 'ipv4' : afi === 2 ? 'ipv6' : null)

function grCap(s: NegotiatedSession | null): GrCapability | null {
  const c = s?.gracefulRestart
  return c == null ? null : { restartTime: c.restartTime, families: c.families }
}

function postRibs(ps: PeerState): Map<number, AdjRibIn> {
  const m = new Map<number, AdjRibIn>()
  for (const fs of ps.families.values()) if (fs.post !== null) m.set(familyKey(fs.afi, 1), fs.post)
  return m
}

/** Re-decide what a GR step removed, and keep the pre-policy tables in step. */
function applyGr(host: LifecycleHost, ps: PeerState, r: GrResult, preAction: 'sweep' | 'clear'): void {
  ps.gr = r.state
  for (const f of r.flushed) {
    const name = familyOf(f.afi)
    if (name === null) continue
    const fs = ps.families.get(name)
    if (preAction === 'sweep') fs?.pre?.sweepStale()
    else fs?.pre?.clear()
    host.core.redecide(name, f.keys as PrefixKey[])
    // Stale paths that were not best are gone too: ADD-PATH peers may hold them (RFC 7911).
    touchAddPath(host, name, f.keys as PrefixKey[], ps, true)
  }
  armGrTimer(host, ps)
}

function armGrTimer(host: LifecycleHost, ps: PeerState): void {
  if (ps.grTimer !== null) clearTimeout(ps.grTimer)
  ps.grTimer = null
  const d = grNextDeadline(ps.gr)
  if (d === null || ps.removed) return
  ps.grTimer = setTimeout(
    () => {
      ps.grTimer = null
      // RFC 4724 §4.2: Restart Time passed without a new session, or stale routes outlived the stale timer.
      applyGr(host, ps, grTimer(ps.gr, postRibs(ps), performance.now()), 'sweep')
    },
    Math.max(0, d - performance.now()),
  )
}

function makeExportPeer(host: LifecycleHost, ps: PeerState, fs: FamilyState): ExportPeer | null {
  const local = ps.localAddress
  const nh =
    fs.afi === 1
      ? (ps.cfg.nextHop ?? (local !== null && isIpv4(local) ? local : undefined))
      : (ps.cfg.nextHop6 ?? (local !== null && !isIpv4(local) ? local : undefined))
  if (nh === undefined) {
    host.warn(ps, `no ${fs.name} next hop for this session (local address ${local ?? 'unknown'}): set ${fs.afi === 1 ? 'nextHop' : 'nextHop6'}; ${fs.name} routes are not exported to this peer`)
    return null
  }
  const info = ps.info!
  return { peerId: ps.peerId, ebgp: info.ebgp, rrClient: ps.cfg.rrClient, nextHopAddress: nh, nextHopSelf: ps.cfg.nextHopSelf, sendMed: ps.cfg.sendMed }
}

/** Export settings changed (policy, next hop): rebuild the export and resend only the differences. */
export function refreshExports(host: LifecycleHost, ps: PeerState): void {
  for (const fs of ps.families.values()) {
    if (!fs.active) continue
    fs.clearExportCache(host.core.outTable)
    fs.exportPeer = makeExportPeer(host, ps, fs)
    startDump(host, ps, fs)
  }
}

function dropFamily(host: LifecycleHost, ps: PeerState, fs: FamilyState): void {
  if (fs.post === null) return
  // The peer's paths that were not best leave too: ADD-PATH peers may hold them (RFC 7911).
  const keys = hasAddPathSenders(host.core) ? [...fs.post.keys()] : null
  const changes = host.core.locRib(fs.name).removeSource(fs.post as AdjRibIn<PrefixKey>)
  fs.post.clear()
  fs.pre?.clear()
  fs.post = null
  fs.pre = null
  fs.preShared = false
  host.core.changed(fs.name, changes)
  if (keys !== null) touchAddPath(host, fs.name, keys, ps, true)
}

export function sessionUp(host: LifecycleHost, ps: PeerState, s: NegotiatedSession): void {
  const core = host.core
  ps.session = s
  ps.up = true
  ps.establishedAt = Date.now()
  ps.lastChangeAt = ps.establishedAt
  ps.localAddress = ps.peer.localEndpoint?.address || ps.cfg.localAddress || null
  ps.policyCtx = {}
  const same = ps.info !== null && ps.info.peerBgpId === s.peerBgpId && ps.info.peerAs === s.peerAs
  if (!same) {
    // A different router answers: nothing kept from the previous one (GR applies to the same speaker).
    for (const fs of ps.families.values()) dropFamily(host, ps, fs)
    ps.gr = GR_IDLE
    ps.info = makePeerInfo({
      peerId: ps.peerId,
      peerAddress: ps.cfg.address,
      peerBgpId: s.peerBgpId,
      peerAs: s.peerAs,
      ebgp: s.peerAs !== core.opts.localAs,
      rrClient: ps.cfg.rrClient,
    })
  }
  const info = ps.info!
  for (const fs of ps.families.values()) {
    const negotiated = s.families.some(([a, sf]) => a === fs.afi && sf === 1)
    fs.active = negotiated
    fs.eorSent = false
    fs.eorReceived = false
    if (!negotiated) {
      dropFamily(host, ps, fs)
      continue
    }
    if (fs.post === null) {
      const addPath = s.addPathRx.some(([a, sf]) => a === fs.afi && sf === 1)
      fs.post = new AdjRibIn<PrefixKey>(info, core.inTable, { afi: fs.afi, safi: 1, addPath })
      core.locRib(fs.name).addSource(fs.post)
      // Pre-policy routes start as the post-policy ones (FamilyState.preShared): nothing extra is stored.
      fs.preShared = ps.cfg.keepPrePolicy
    }
    const addPathTx = s.addPathTx.some(([a, sf]) => a === fs.afi && sf === 1)
    fs.out = newAdjRibOut(core, ps, fs, addPathTx)
    fs.exportPeer = makeExportPeer(host, ps, fs)
    startDump(host, ps, fs)
  }
  if (ps.gr.staleFamilies.size > 0) applyGr(host, ps, grSessionUp(ps.gr, postRibs(ps), grCap(s), performance.now()), 'sweep')
}

export function sessionDown(host: LifecycleHost, ps: PeerState, graceful: boolean): void {
  if (!ps.up) return
  ps.up = false
  ps.gen++
  ps.flushing = false
  ps.flushAgain = false
  ps.inbound = null
  ps.lastChangeAt = Date.now()
  if (ps.flushTimer !== null) clearTimeout(ps.flushTimer)
  if (ps.flushImmediate !== null) clearImmediate(ps.flushImmediate)
  ps.flushTimer = null
  ps.flushImmediate = null
  ps.wakeDrainWaiters()
  for (const fs of ps.families.values()) {
    fs.active = false
    fs.out?.reset()
    fs.out = null
    forgetAdjRibOut(host.core, fs)
    fs.dirty.clear()
    fs.dump = null
    fs.clearExportCache(host.core.outTable)
  }
  const cap = graceful && !ps.removed ? grCap(ps.session) : null
  ps.session = null
  if (cap !== null) {
    // RFC 4724 §4.2: keep the routes of the families in the peer's GR capability, marked stale.
    const r = grSessionDown(postRibs(ps), cap, performance.now())
    for (const fs of ps.families.values()) if (r.state.staleFamilies.has(familyKey(fs.afi, 1))) fs.pre?.markStale()
    applyGr(host, ps, r, 'clear')
    return
  }
  for (const fs of ps.families.values()) dropFamily(host, ps, fs)
  ps.gr = GR_IDLE
  armGrTimer(host, ps)
}

/** RFC 4724 §2 End-of-RIB from the peer: "MUST immediately remove any routes from the peer that are still marked as stale". */
export function endOfRibReceived(host: LifecycleHost, ps: PeerState, name: FamilyName): void {
  const fs = ps.families.get(name)
  if (fs === undefined) return
  fs.eorReceived = true
  if (ps.gr.staleFamilies.has(familyKey(fs.afi, 1))) applyGr(host, ps, grEndOfRib(ps.gr, postRibs(ps), fs.afi, 1), 'sweep')
}

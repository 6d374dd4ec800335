/**
 * Adj-RIB-Out flush with back-pressure (RFC 4271 §9.2 Update-Send Process, §9.2.1.1 MRAI, RFC 4724 §2
 * End-of-RIB).
 *
 *   Loc-RIB change ─► fs.dirty ─┐           (rib-core.ts)                 per peer, per family:
 *   session up / policy ─► dump ┴─► BATCH prefixes at a time ─► export (rules + policy) ─► AdjRibOut.sync
 *                                       ▲                                              │ pending() per AttrSet
 *                                       │ 'drain'                                      ▼
 *                                       └──── false ◄── peer.sendUpdates(packUpdates(set, prefixes))
 *
 * - Export of a prefix: the Loc-RIB best path; exportVerdict/exportAttributes (rib/export-rules.ts) once per
 *   (source peer, source AttrSet), cached; then the peer's export policy per prefix (src/policy).
 * - Batching: a flush runs at the end of the event-loop turn (setImmediate), so everything changed in one
 *   turn goes out together, one UPDATE per attribute set (STYLE.md "Build UPDATEs per interned attribute
 *   set"). With MRAI > 0 a flush waits until MRAI has passed since the previous one; "the MRAI does not
 *   apply to routes that are being withdrawn" (RFC 4271 §9.2.1.1 paraphrase) — a withdrawal flushes at once
 *   (and takes pending announcements along: a deviation, MRAI is kept per peer, not per destination).
 * - Back-pressure: at most BATCH prefixes are encoded at a time; when the socket is above its high-water
 *   mark (sendUpdates() returns false) the flush waits for the peer's 'drain'. A full table is never held as
 *   encoded bytes beyond the transport's high-water mark plus one batch.
 * - End-of-RIB goes out per family once the initial dump is written (RFC 4724 §2: "indicate ... the
 *   completion of the initial routing update after the session is established").
 * - ADD-PATH send (RFC 7911), for a family where we negotiated it: the Adj-RIB-Out is an AdjRibOutAddPath and a
 *   prefix exports a set of paths (PeerConfig.addPath send mode: best / multipath set / every valid path up to
 *   N), export rules and policy per path, each under its own Path Identifier. The Loc-RIB reports only best and
 *   multipath changes, so every change of a prefix's candidate paths is also marked dirty for such peers
 *   (touchAddPath(), called by the speaker where sources change: UPDATEs, session down, GR, local routes).
 */
import { AdjRibOut } from '../rib/adj-rib-out.js'
import { AdjRibOutAddPath, outPathSource, type OutPath } from '../rib/adj-rib-out-addpath.js'
import type { AttrSet } from '../rib/attr-set.js'
import { compareSigned } from '../rib/decision.js'
import { exportAttributes, exportVerdict, ExportVerdict, type ExportPeer } from '../rib/export-rules.js'
import type { LocRib } from '../rib/loc-rib.js'
import { samePath, type Path, type PeerInfo } from '../rib/path.js'
import type { PrefixKey } from '../rib/prefix-map.js'
import { endOfRib, packUpdates } from '../wire/update-packer.js'
import type { NlriList } from '../wire/prefix.js'
import type { PathAttributes, Update } from '../wire/types.js'
import { applyPolicy, isPromiseLike, type PolicyContext, type PolicyResult } from '../policy/hook.js'
import { createRoute, routeAttributes } from '../policy/route-view.js'
import type { EndOfRibEvent } from './events.js'
import type { AddPathSend, FamilyName } from './options.js'
import type { FamilyState, PeerState } from './peer-state.js'
import type { RibCore } from './rib-core.js'

/**
 * Prefixes exported and encoded per step before the socket's state is checked again. 8192 IPv4 /24s are
 * ~32 KiB of UPDATEs (8 full 4096-octet messages and one partial): small next to the transport's high-water
 * mark, large enough that the per-step costs (grouping, one partial message, one write) stay in the noise.
 */
export const OUTBOUND_BATCH = 8192
/** Export cache entries per peer family before it is dropped and rebuilt (bounds memory under churn). */
export const EXPORT_CACHE_LIMIT = 65536

export interface OutboundHost {
  core: RibCore
  policyContext(ps: PeerState, direction: 'import' | 'export'): PolicyContext
  emitEndOfRib(e: EndOfRibEvent): void
  error(ps: PeerState, err: Error): void
}

/** Ask for a flush of `ps`: next turn, or after MRAI unless `urgent`. */
export function scheduleFlush(host: OutboundHost, ps: PeerState, urgent: boolean): void {
  if (!ps.up || ps.removed || ps.flushImmediate !== null) return
  const wait = urgent || ps.cfg.mraiMs === 0 ? 0 : ps.lastFlushMs + ps.cfg.mraiMs - performance.now()
  if (wait <= 0) {
    if (ps.flushTimer !== null) {
      clearTimeout(ps.flushTimer)
      ps.flushTimer = null
    }
    ps.flushImmediate = setImmediate(() => {
      ps.flushImmediate = null
      void runFlush(host, ps)
    })
  } else if (ps.flushTimer === null) {
    ps.flushTimer = setTimeout(() => {
      ps.flushTimer = null
      void runFlush(host, ps)
    }, wait)
  }
}

async function runFlush(host: OutboundHost, ps: PeerState): Promise<void> {
  try {
    await flushPeer(host, ps)
  } catch (e) {
    host.error(ps, e as Error)
  }
}

/** Write everything pending for `ps`; one flush at a time per peer. */
export async function flushPeer(host: OutboundHost, ps: PeerState): Promise<void> {
  if (ps.flushing) {
    ps.flushAgain = true
    return
  }
  ps.flushing = true
  const gen = ps.gen
  ps.lastFlushMs = performance.now()
  try {
    do {
      ps.flushAgain = false
      for (const fs of ps.families.values()) {
        if (!fs.active || fs.out === null) continue
        for (;;) {
          const dirty = fs.dirty.size > 0
          const work = takeWork(fs)
          if (work === null) break
          const out = fs.out
          // Changed prefixes may also be in the rest of the dump: from then on it must look at what was sent.
          // They are distinct (a Set), so into an empty Adj-RIB-Out (a table announced after the session came
          // up) they go without lookups too.
          if (dirty) fs.freshDump = false
          const fresh = dirty ? out.sentCount === 0 && out.pendingCount === 0 : fs.freshDump
          const ap = out instanceof AdjRibOutAddPath ? out : null
          for (let at = 0; at < work.length; ) {
            const end = Math.min(work.length, at + OUTBOUND_BATCH)
            for (; at < end; at++) {
              const k = work[at]!
              if (ap !== null) {
                let paths = exportPaths(host, ps, fs, k)
                if (isPromiseLike<OutPath[]>(paths)) paths = await paths
                const stale = gen !== ps.gen || !fs.active || ps.removed
                if (!stale) ap.syncPaths(k, paths)
                for (const p of paths) host.core.outTable.release(p.set)
                if (stale) return
                continue
              }
              let r = exportPrefix(host, ps, fs, k)
              if (isPromiseLike<AttrSet | undefined>(r)) r = await r
              if (gen !== ps.gen || !fs.active || ps.removed) {
                if (r !== undefined) host.core.outTable.release(r)
                return
              }
              if (!fresh) out.sync(k, r)
              else if (r !== undefined) out.announceNew(k, r) // never sent, so nothing to withdraw either
              if (r !== undefined) host.core.outTable.release(r)
            }
            if (!sendPending(ps, fs)) {
              await new Promise<void>((resolve) => ps.drainWaiters.push(resolve))
              if (gen !== ps.gen || ps.removed) return
            }
          }
        }
        if (gen !== ps.gen) return
        if (!fs.eorSent && fs.dump === null) {
          fs.eorSent = true
          if (!ps.peer.sendUpdates([endOfRib(fs.afi, 1)])) await new Promise<void>((resolve) => ps.drainWaiters.push(resolve))
          host.emitEndOfRib({ peer: ps.cfg.address, family: fs.name, direction: 'sent' })
          if (gen !== ps.gen) return
        }
      }
    } while (ps.flushAgain && gen === ps.gen)
    // Everything is written: now the first dump's bookkeeping (AdjRibOut.settle()), in idle turns.
    for (const fs of ps.families.values()) settleInBackground(fs)
  } finally {
    if (gen === ps.gen) ps.flushing = false
  }
}

/** Log entries moved into an Adj-RIB-Out's table per event-loop turn (~15 ms at a million prefixes). */
export const SETTLE_CHUNK = 65536
/** AdjRibOut.settle() SETTLE_CHUNK entries per turn until its log is empty (a reset empties it too). */
function settleInBackground(fs: FamilyState): void {
  const out = fs.out
  if (out === null || fs.settling || out.settle(0)) return
  fs.settling = true
  const step = (): void => {
    // The family may have gone down (out dropped or replaced) meanwhile: then nothing is left to settle here.
    if (fs.out !== out || out.settle(SETTLE_CHUNK)) fs.settling = false
    else setImmediate(step)
  }
  setImmediate(step)
}

/**
 * The next prefixes to export: every dirty one at once (taken with one clear(): deleting a Set's entries one
 * by one while re-iterating it from the start is quadratic in the holes left behind), else the next
 * OUTBOUND_BATCH of the dump; null when there is nothing left. The caller exports them OUTBOUND_BATCH at a time.
 */
function takeWork(fs: FamilyState): ArrayLike<PrefixKey> | null {
  if (fs.dirty.size > 0) {
    const all = Array.from(fs.dirty)
    fs.dirty.clear()
    return all
  }
  const d = fs.dump
  if (d === null) return null
  const from = fs.dumpAt
  const to = Math.min(d.length, from + OUTBOUND_BATCH)
  fs.dumpAt = to
  if (to >= d.length) {
    fs.dump = null
    fs.dumpAt = 0
  }
  return d.slice(from, to)
}

/** Encode the Adj-RIB-Out's pending changes and hand them to the session. Returns `writable`. */
function sendPending(ps: PeerState, fs: FamilyState): boolean {
  const out = fs.out!
  if (out.pendingCount === 0) {
    out.markSent() // drops changes that cancelled out
    return true
  }
  const ctx = ps.session!.txContext
  const bufs: Buffer[] = []
  if (out instanceof AdjRibOutAddPath) {
    // RFC 7911 §3: every NLRI, withdrawn ones too, carries its Path Identifier.
    const w = out.withdrawnPaths()
    if (w.keys.length > 0) bufs.push(...packUpdates({ attributes: {}, withdraw: nlri(fs.afi, w.keys, w.ids) }, ctx))
    for (const [set, g] of out.pendingPaths()) {
      bufs.push(...packUpdates({ attributes: set.attrs as PathAttributes, announce: nlri(fs.afi, g.keys, g.ids) }, ctx))
    }
    out.markSent()
    return bufs.length === 0 ? true : ps.peer.sendUpdates(bufs)
  }
  const w = out.withdrawals()
  if (w.length > 0) bufs.push(...packUpdates({ attributes: {}, withdraw: nlri(fs.afi, w) }, ctx))
  for (const [set, keys] of out.pending()) {
    bufs.push(...packUpdates({ attributes: set.attrs as PathAttributes, announce: nlri(fs.afi, keys) }, ctx))
  }
  out.markSent()
  return bufs.length === 0 ? true : ps.peer.sendUpdates(bufs)
}

function nlri(afi: 1 | 2, keys: PrefixKey[], pathIds: number[] | null = null): NlriList {
  return afi === 1 ? { afi: 1, keys: keys as number[], pathIds } : { afi: 2, keys: keys as string[], pathIds }
}

/**
 * What `ps` should have for `key`: an AttrSet of the out table with one reference for the caller, or
 * undefined (withdraw / not advertised).
 */
export function exportPrefix(host: OutboundHost, ps: PeerState, fs: FamilyState, key: PrefixKey): AttrSet | undefined | Promise<AttrSet | undefined> {
  const to = fs.exportPeer
  if (to === null) return undefined
  const best = host.core.locRib(fs.name).best(key)
  if (best === null) return undefined
  return exportPath(host, ps, fs, to, key, best.attrSet, best.peer)
}

/** exportPrefix() for one path (`attrSet` from `from`): export rules (cached per source set), then policy. */
function exportPath(
  host: OutboundHost,
  ps: PeerState,
  fs: FamilyState,
  to: ExportPeer,
  key: PrefixKey,
  attrSet: AttrSet,
  from: PeerInfo,
): AttrSet | undefined | Promise<AttrSet | undefined> {
  const outTable = host.core.outTable
  if (fs.exportCacheSize >= EXPORT_CACHE_LIMIT) fs.clearExportCache(outTable)
  let perFrom = fs.exportCache.get(from.peerId)
  if (perFrom === undefined) fs.exportCache.set(from.peerId, (perFrom = new Map()))
  let set = perFrom.get(attrSet)
  if (set === undefined) {
    // RFC 4271 §9.2 / RFC 1997 / RFC 4456 §6 (verdict), §5.1 attribute rules (export-rules.ts).
    set = exportVerdict(attrSet, from, to) === ExportVerdict.ALLOW ? outTable.intern(exportAttributes(attrSet, from, to, host.core.self)) : null
    perFrom.set(attrSet, set)
    fs.exportCacheSize++
  }
  if (set === null) return undefined
  const policy = ps.cfg.exportPolicy
  if (policy === null) {
    outTable.retain(set)
    return set
  }
  const route = createRoute({
    afi: fs.afi,
    key,
    attributes: set.attrs as PathAttributes,
    source: from.local ? 'api' : 'peer',
    neighbor: from.local ? undefined : { address: from.peerAddress, asn: from.peerAs, ebgp: from.ebgp },
    selfNextHop: to.nextHopAddress,
  })
  const base = set
  const finish = (r: PolicyResult): AttrSet | undefined => {
    if (r === null) return undefined
    const a = routeAttributes(r)
    if (a === base.attrs) {
      outTable.retain(base)
      return base
    }
    return outTable.intern(a)
  }
  // A policy that throws (or rejects) withholds the route from this peer; the error is reported.
  const failed = (e: unknown): null => {
    host.error(ps, e as Error)
    return null
  }
  let r: PolicyResult | Promise<PolicyResult>
  try {
    r = applyPolicy(policy, route, host.policyContext(ps, 'export'))
  } catch (e) {
    r = failed(e)
  }
  return isPromiseLike<PolicyResult>(r) ? Promise.resolve(r).catch(failed).then(finish) : finish(r)
}

/** A Loc-RIB snapshot to (re)send: session up (initial dump) or export policy / next hop change. */
export function startDump(host: OutboundHost, ps: PeerState, fs: FamilyState): void {
  fs.dump = snapshotKeys(host.core.locRib(fs.name))
  fs.dumpAt = 0
  const out = fs.out
  if (out !== null) {
    // Not while a flush runs: it may be between exporting a prefix and queueing it (async export policy).
    fs.freshDump = out.sentCount === 0 && out.pendingCount === 0 && !ps.flushing
  }
  scheduleFlush(host, ps, true)
}

/**
 * The Loc-RIB's prefixes, in its own order. IPv4 keys go into one Float64Array of the exact size (a full
 * table spread into a JS array costs repeated regrowth and garbage, measured at ~200 ms for 1M at session up).
 * takeWork() reads only `length` and slice(), which a typed array has too.
 */
function snapshotKeys(loc: LocRib<PrefixKey>): readonly PrefixKey[] | Float64Array {
  if (loc.afi !== 1) return [...loc.keys()]
  const a = new Float64Array(loc.size)
  let i = 0
  for (const k of loc.keys()) a[i++] = k as number
  return i === a.length ? a : a.subarray(0, i)
}

/**
 * The Adj-RIB-Out of a family coming up: an AdjRibOutAddPath when we negotiated sending Path Identifiers for it
 * (RFC 7911 §4, `addPathTx`) and the peer's config asks for it, else the plain table sized for the dump.
 */
export function newAdjRibOut(core: RibCore, ps: PeerState, fs: FamilyState, addPathTx: boolean): AdjRibOut<PrefixKey> {
  const send = ps.cfg.addPath[fs.name]?.send ?? null
  core.addPathSenders.delete(fs)
  if (!addPathTx || send === null) return new AdjRibOut<PrefixKey>(core.outTable, fs.afi, 1, core.locRib(fs.name).size)
  core.addPathSenders.set(fs, ps)
  return new AdjRibOutAddPath<PrefixKey>(core.outTable, fs.afi, 1)
}

/** The family went down (its Adj-RIB-Out is dropped). */
export function forgetAdjRibOut(core: RibCore, fs: FamilyState): void {
  core.addPathSenders.delete(fs)
}

/** Whether some peer with a session up gets ADD-PATH from us (otherwise the touch functions do nothing). */
export function hasAddPathSenders(core: RibCore): boolean {
  return core.addPathSenders.size > 0
}

/**
 * The candidate paths of `keys` (family `f`) changed in a way the Loc-RIB may not report (a path that is not
 * best nor in the multipath set): mark them dirty for every ADD-PATH peer but `except` (the source itself:
 * its own paths never go back to it). `urgent`: some path was withdrawn (not held back by MRAI).
 */
export function touchAddPath(host: OutboundHost, f: FamilyName, keys: ArrayLike<PrefixKey>, except: PeerState | null, urgent: boolean): void {
  const m = host.core.addPathSenders
  if (m.size === 0 || keys.length === 0) return
  for (const [fs, ps] of m) {
    if (ps === except || fs.name !== f || !fs.active) continue
    for (let i = 0; i < keys.length; i++) fs.dirty.add(keys[i]!)
    scheduleFlush(host, ps, urgent)
  }
}

/** touchAddPath() for the prefixes an UPDATE from `from` announced or withdrew (RFC 4760 MP ones included). */
export function touchUpdate(host: OutboundHost, from: PeerState, u: Update): void {
  const mpR = u.attributes.mpReach
  const mpU = u.attributes.mpUnreach
  const lists: Array<[NlriList, boolean]> = [
    [u.nlri, false],
    [u.withdrawn, true],
  ]
  if (mpR !== undefined && mpR.safi === 1 && !('raw' in mpR.nlri)) lists.push([mpR.nlri, false])
  if (mpU !== undefined && mpU.safi === 1 && !('raw' in mpU.withdrawn)) lists.push([mpU.withdrawn, true])
  for (const [l, withdrawn] of lists) {
    if (l.keys.length === 0) continue
    touchAddPath(host, l.afi === 1 ? 'ipv4' : 'ipv6', l.keys, from, withdrawn)
  }
}

const sendMode = (ps: PeerState, fs: FamilyState): AddPathSend => ps.cfg.addPath[fs.name]?.send ?? 'best'

/**
 * The Loc-RIB paths of `key` an ADD-PATH peer is offered, best first: the best; the multipath set; or the
 * multipath set followed by every other valid candidate (next hop reachable) in decision order.
 */
export function pathsToOffer(loc: LocRib<PrefixKey>, key: PrefixKey, mode: AddPathSend): readonly Path[] {
  if (mode === 'best' || mode === 1) {
    const b = loc.best(key)
    return b === null ? [] : [b]
  }
  const mp = loc.multipath(key)
  if (mode === 'multipath' || mp.length === 0) return mp
  const rest = loc.candidates(key).filter((p) => p.reachable && !mp.some((q) => samePath(p, q)))
  if (rest.length === 0) return mp
  rest.sort((a, b) => compareSigned(a, b, loc.options))
  return [...mp, ...rest]
}

/**
 * What an ADD-PATH peer should have for `key`: the offered paths that pass export rules and policy, at most N
 * for a numeric send mode. Each set carries one reference for the caller.
 */
export function exportPaths(host: OutboundHost, ps: PeerState, fs: FamilyState, key: PrefixKey): OutPath[] | Promise<OutPath[]> {
  const out: OutPath[] = []
  const to = fs.exportPeer
  if (to === null) return out
  const mode = sendMode(ps, fs)
  const limit = typeof mode === 'number' ? mode : Infinity
  const offer = pathsToOffer(host.core.locRib(fs.name), key, mode)
  const step = (i: number): OutPath[] | Promise<OutPath[]> => {
    for (; i < offer.length && out.length < limit; i++) {
      const p = offer[i]!
      const source = outPathSource(p.peer.peerId, p.pathId)
      const r = exportPath(host, ps, fs, to, key, p.attrSet, p.peer)
      if (isPromiseLike<AttrSet | undefined>(r)) {
        const next = i + 1
        return Promise.resolve(r).then((set) => {
          if (set !== undefined) out.push({ source, set })
          return step(next)
        })
      }
      if (r !== undefined) out.push({ source, set: r })
    }
    return out
  }
  return step(0)
}

/**
 * Adj-RIB-Out flush with back-pressure (RFC 4271 §9.2 Update-Send Process, §9.2.1.1 MRAI, RFC 4724 §2
 * End-of-RIB).
 *
 *   Loc-RIB change ─► fs.dirty ─┐           (rib-core.ts)                 per peer, per family:
 *   session up / policy ─► dump ┴─► take BATCH prefixes ─► export (rules + policy) ─► AdjRibOut.sync
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
 */
import type { AttrSet } from '../rib/attr-set.js'
import { exportAttributes, exportVerdict, ExportVerdict } from '../rib/export-rules.js'
import type { PrefixKey } from '../rib/prefix-map.js'
import { endOfRib, packUpdates } from '../wire/update-packer.js'
import type { NlriList } from '../wire/prefix.js'
import type { PathAttributes } from '../wire/types.js'
import { applyPolicy, isPromiseLike, type PolicyContext, type PolicyResult } from '../policy/hook.js'
import { createRoute, routeAttributes } from '../policy/route-view.js'
import type { EndOfRibEvent } from './events.js'
import type { FamilyState, PeerState } from './peer-state.js'
import type { RibCore } from './rib-core.js'

/** Prefixes exported and encoded per step before the socket's state is checked again. */
export const OUTBOUND_BATCH = 2048
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
          const batch = takeBatch(fs, OUTBOUND_BATCH)
          if (batch.length === 0) break
          for (const k of batch) {
            let r = exportPrefix(host, ps, fs, k)
            if (isPromiseLike<AttrSet | undefined>(r)) r = await r
            if (gen !== ps.gen || !fs.active || ps.removed) {
              if (r !== undefined) host.core.outTable.release(r)
              return
            }
            fs.out.sync(k, r)
            if (r !== undefined) host.core.outTable.release(r)
          }
          if (!sendPending(ps, fs)) {
            await new Promise<void>((resolve) => ps.drainWaiters.push(resolve))
            if (gen !== ps.gen || ps.removed) return
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
  } finally {
    if (gen === ps.gen) ps.flushing = false
  }
}

function takeBatch(fs: FamilyState, n: number): PrefixKey[] {
  const out: PrefixKey[] = []
  for (const k of fs.dirty) {
    out.push(k)
    fs.dirty.delete(k)
    if (out.length >= n) return out
  }
  const d = fs.dump
  if (d !== null) {
    while (fs.dumpAt < d.length && out.length < n) out.push(d[fs.dumpAt++]!)
    if (fs.dumpAt >= d.length) {
      fs.dump = null
      fs.dumpAt = 0
    }
  }
  return out
}

/** Encode the Adj-RIB-Out's pending changes and hand them to the session. Returns `writable`. */
function sendPending(ps: PeerState, fs: FamilyState): boolean {
  const out = fs.out!
  if (out.pendingCount === 0) return true
  const ctx = ps.session!.txContext
  const bufs: Buffer[] = []
  const w = out.withdrawals()
  if (w.length > 0) bufs.push(...packUpdates({ attributes: {}, withdraw: nlri(fs.afi, w) }, ctx))
  for (const [set, keys] of out.pending()) {
    bufs.push(...packUpdates({ attributes: set.attrs as PathAttributes, announce: nlri(fs.afi, keys) }, ctx))
  }
  out.markSent()
  return bufs.length === 0 ? true : ps.peer.sendUpdates(bufs)
}

function nlri(afi: 1 | 2, keys: PrefixKey[]): NlriList {
  return afi === 1 ? { afi: 1, keys: keys as number[], pathIds: null } : { afi: 2, keys: keys as string[], pathIds: null }
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
  const from = best.peer
  const outTable = host.core.outTable
  if (fs.exportCacheSize >= EXPORT_CACHE_LIMIT) fs.clearExportCache(outTable)
  let perFrom = fs.exportCache.get(from.peerId)
  if (perFrom === undefined) fs.exportCache.set(from.peerId, (perFrom = new Map()))
  let set = perFrom.get(best.attrSet)
  if (set === undefined) {
    // RFC 4271 §9.2 / RFC 1997 / RFC 4456 §6 (verdict), §5.1 attribute rules (export-rules.ts).
    set = exportVerdict(best.attrSet, from, to) === ExportVerdict.ALLOW ? outTable.intern(exportAttributes(best.attrSet, from, to, host.core.self)) : null
    perFrom.set(best.attrSet, set)
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
  fs.dump = [...host.core.locRib(fs.name).keys()]
  fs.dumpAt = 0
  scheduleFlush(host, ps, true)
}

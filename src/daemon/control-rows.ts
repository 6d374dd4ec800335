/**
 * Control API rows (control/handler.ts) from the Speaker's plain data and the service monitors' state.
 * `routes` is a generator: the control server pulls rows one at a time (bounded memory for a full table);
 * `routeCounts` is O(peers + our prefixes), never a walk over the Loc-RIB.
 */
import type { Speaker } from '../speaker/speaker.js'
import type { PeerSummary } from '../speaker/peer-state.js'
import type { ServiceConfig } from './config/types.js'
import type { RouteRow, ServiceRow, StatusInfo } from './control/handler.js'
import type { RoutesQuery } from './control/protocol.js'
import type { Announcement, ServiceState } from './service-state.js'

export function* routeRows(speaker: Speaker, q: RoutesQuery, signal: AbortSignal): Generator<RouteRow> {
  const fam = (f: string): boolean => q.family === undefined || q.family === f
  if (q.view === 'advertised') {
    for (const p of speaker.peers()) {
      if (q.neighbor !== undefined && p.address !== q.neighbor) continue
      for (const r of speaker.adjRibOut(p.address)) {
        if (signal.aborted) return
        if (fam(r.family)) yield { prefix: r.prefix, family: r.family, peer: p.address, attributes: r.attributes }
      }
    }
    return
  }
  if (q.view === 'received') {
    for (const p of speaker.peers()) {
      if (q.neighbor !== undefined && p.address !== q.neighbor) continue
      for (const r of speaker.adjRibIn(p.address, { prePolicy: q.prePolicy === true })) {
        if (signal.aborted) return
        if (fam(r.family)) yield { prefix: r.prefix, family: r.family, peer: r.peer, peerAs: r.peerAs, source: r.source, stale: r.stale, attributes: r.attributes }
      }
    }
    return
  }
  for (const e of speaker.locRib()) {
    if (signal.aborted) return
    for (const [i, r] of e.multipath.entries()) {
      if (!fam(r.family) || (q.neighbor !== undefined && r.peer !== q.neighbor)) continue
      yield { prefix: r.prefix, family: r.family, peer: r.peer, peerAs: r.peerAs, source: r.source, best: i === 0, stale: r.stale, attributes: r.attributes }
    }
  }
}

/** Loc-RIB prefixes per family: best paths learned from peers (kept per peer) plus our own prefixes. */
export function routeCounts(peers: readonly PeerSummary[], ours: readonly string[]): StatusInfo['routes'] {
  const routes: StatusInfo['routes'] = {}
  for (const p of peers) {
    for (const [f, k] of Object.entries(p.families) as Array<['ipv4' | 'ipv6', { best: number } | undefined]>) {
      if (k !== undefined && k.best > 0) routes[f] = (routes[f] ?? 0) + k.best
    }
  }
  for (const prefix of ours) {
    const f = prefix.includes(':') ? 'ipv6' : 'ipv4'
    routes[f] = (routes[f] ?? 0) + 1
  }
  return routes
}

export function serviceRow(
  cfg: ServiceConfig,
  st: ServiceState | null,
  a: Announcement | null,
  lastDetail: ReadonlyMap<string, { detail: string; durationMs: number }>,
  reason: string | null,
  startedAt: number,
): ServiceRow {
  return {
    name: cfg.name,
    state: st?.state ?? 'starting',
    since: st === null ? startedAt : Math.round(st.sinceMs),
    announced: a?.announce === true,
    health: st?.health ?? 'unknown',
    prefixes: cfg.prefixes.map((p) => p.prefix),
    uniquePrefixes: cfg.uniquePrefixes.map((p) => p.prefix),
    checks: cfg.checks.map((c, i) => {
      const k = st?.counters[i]
      const d = lastDetail.get(c.name)
      return {
        name: c.name, kind: c.spec.kind, status: k?.status ?? 'unknown', passes: k?.passes ?? 0, fails: k?.fails ?? 0,
        ...(d === undefined ? {} : { detail: d.detail, lastDurationMs: d.durationMs }),
      }
    }),
    maintenance: [...(st?.maintenance ?? [])],
    med: a?.announce === true ? a.med : null,
    reason,
  }
}

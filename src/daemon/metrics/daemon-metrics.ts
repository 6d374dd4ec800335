/**
 * The metrics the daemon exports, by name, in one place (dashboards and alerts depend on these
 * names: change them deliberately). Label `neighbor` is the neighbor's canonical address,
 * `family` is ipv4/ipv6, `service` and `check` are the config names.
 *
 *   tsbgp_session_up{neighbor}                      1 while Established
 *   tsbgp_session_state_changes_total{neighbor}     FSM state changes
 *   tsbgp_prefixes_received{neighbor,family}        accepted by import policy (set at scrape)
 *   tsbgp_prefixes_advertised{neighbor,family}      in the neighbor's Adj-RIB-Out (set at scrape)
 *   tsbgp_updates_in_total{neighbor}, tsbgp_updates_out_total{neighbor}
 *   tsbgp_check_result{service,check}               1 last probe passed, 0 failed
 *   tsbgp_check_duration_seconds{service,check}     probe latency histogram
 *   tsbgp_service_announced{service}                1 while the service's prefixes are announced
 */
import { Registry, type Counter, type Gauge, type Histogram } from './registry.js'

/** Probe latencies: a local exec/tcp/dns check answers in ~1-50 ms; timeouts default to 1 s. */
export const CHECK_DURATION_BUCKETS_SEC: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export interface DaemonMetrics {
  readonly registry: Registry
  readonly sessionUp: Gauge
  readonly sessionStateChanges: Counter
  readonly prefixesReceived: Gauge
  readonly prefixesAdvertised: Gauge
  readonly updatesIn: Counter
  readonly updatesOut: Counter
  readonly checkResult: Gauge
  readonly checkDuration: Histogram
  readonly serviceAnnounced: Gauge
}

export function createDaemonMetrics(registry = new Registry()): DaemonMetrics {
  return {
    registry,
    sessionUp: registry.gauge('tsbgp_session_up', 'Whether the BGP session is Established (1) or not (0).', ['neighbor']),
    sessionStateChanges: registry.counter('tsbgp_session_state_changes_total', 'BGP FSM state changes (RFC 4271 §8).', ['neighbor']),
    prefixesReceived: registry.gauge('tsbgp_prefixes_received', 'Prefixes received from the neighbor and accepted by import policy.', ['neighbor', 'family']),
    prefixesAdvertised: registry.gauge('tsbgp_prefixes_advertised', 'Prefixes advertised to the neighbor.', ['neighbor', 'family']),
    updatesIn: registry.counter('tsbgp_updates_in_total', 'UPDATE messages received.', ['neighbor']),
    updatesOut: registry.counter('tsbgp_updates_out_total', 'UPDATE messages sent.', ['neighbor']),
    checkResult: registry.gauge('tsbgp_check_result', 'Result of the last health probe: 1 passed, 0 failed.', ['service', 'check']),
    checkDuration: registry.histogram('tsbgp_check_duration_seconds', 'Health probe duration.', ['service', 'check'], CHECK_DURATION_BUCKETS_SEC),
    serviceAnnounced: registry.gauge('tsbgp_service_announced', 'Whether the service prefixes are announced (1) or withdrawn (0).', ['service']),
  }
}

/** Drops every series of a neighbor removed by reload, so it stops being exported. */
export function forgetNeighbor(m: DaemonMetrics, neighbor: string): void {
  for (const x of [m.sessionUp, m.sessionStateChanges, m.prefixesReceived, m.prefixesAdvertised, m.updatesIn, m.updatesOut]) x.removeMatching('neighbor', neighbor)
}

/** Same for a service removed by reload. */
export function forgetService(m: DaemonMetrics, service: string): void {
  for (const x of [m.checkResult, m.checkDuration, m.serviceAnnounced]) x.removeMatching('service', service)
}

/** One probe result: tsbgp_check_result and tsbgp_check_duration_seconds. */
export function recordVerdict(m: DaemonMetrics, service: string, v: { name: string; ok: boolean; durationMs: number }): void {
  m.checkResult.labels(service, v.name).set(v.ok ? 1 : 0)
  m.checkDuration.labels(service, v.name).observe(v.durationMs / 1000)
}

/** A ServiceMonitor change: tsbgp_service_announced. */
export function recordServiceChange(m: DaemonMetrics, c: { service: string; announcement: { announce: boolean } }): void {
  m.serviceAnnounced.labels(c.service).set(c.announcement.announce ? 1 : 0)
}

/** A session state change: tsbgp_session_state_changes_total and tsbgp_session_up. */
export function recordSessionState(m: DaemonMetrics, neighbor: string, to: string): void {
  m.sessionStateChanges.labels(neighbor).inc()
  m.sessionUp.labels(neighbor).set(to === 'Established' ? 1 : 0)
}

/** Per-scrape prefix gauges from Speaker.peers()-like rows (O(peers)); call from a registry collector. */
export function recordPrefixCounts(
  m: DaemonMetrics,
  peers: ReadonlyArray<{ address: string; families: Partial<Record<string, { accepted: number; advertised: number }>> }>,
): void {
  for (const p of peers) {
    for (const [family, k] of Object.entries(p.families)) {
      if (k === undefined) continue
      m.prefixesReceived.labels(p.address, family).set(k.accepted)
      m.prefixesAdvertised.labels(p.address, family).set(k.advertised)
    }
  }
}

/**
 * The `tsbgp demo` topology (issue 5): the anycast server cluster of the seed slides ("a cluster of servers
 * share a common virtual interface attached to their loopback devices, and speak ... to an adjacent
 * BGP-speaking border router"), all on 127.0.0.0/8 and unprivileged ports.
 *
 *                        border router  AS65000  127.0.0.1:<free port>
 *                        multipath (ECMP), import: 65535:0 → LOCAL_PREF 0 (RFC 8326 §4.1)
 *                 ┌─────────────────────────┼─────────────────────────┐
 *          eBGP   │                  eBGP   │                  eBGP   │
 *     srv1 127.0.0.11 MED 100   srv2 127.0.0.12 MED 100   srv3 127.0.0.13 MED 200
 *     instance 65010:1:0        instance 65010:2:0        instance 65010:3:0
 *     203.0.113.11/32           203.0.113.12/32           203.0.113.13/32
 *             └── all announce 198.51.100.1/32 and 2001:db8:ffff::1/128 (AS65010) ──┘
 *
 * The servers share one AS so the router compares their MEDs (RFC 4271 §9.1.2.2 (c) compares MED only
 * between routes from the same neighbouring AS) and may use them as eBGP multipath, as routers require by
 * default: srv1 and srv2 tie (the ECMP pair), srv3's higher MED makes it the backup. Every address is a
 * documentation one (RFC 5737, RFC 3849); the IPv6 next hops are only attributes, no traffic is sent.
 *
 * Each server is described by the same DaemonConfig a config file would produce, so the demo runs the
 * daemon's wiring (service state machine, checks, instance community) and not a special path.
 */
import type { DaemonConfig, NeighborConfig, PrefixConfig, ServiceConfig } from '../config/types.js'

export const ROUTER_ADDRESS = '127.0.0.1'
export const ROUTER_AS = 65000
export const ROUTER_ID = '10.0.0.1'
export const SERVER_AS = 65010
export const ROUTER_MAX_PATHS = 16

export const SERVICE_NAME = 'anycast'
export const SERVICE_PREFIX4 = '198.51.100.1/32'
export const SERVICE_PREFIX6 = '2001:db8:ffff::1/128'
export const SERVICE_PREFIXES: readonly string[] = [SERVICE_PREFIX4, SERVICE_PREFIX6]

/** Health check timing the issue asks for: fast enough for a demo, the same shape as production. */
export const CHECK_INTERVAL_MS = 200
export const CHECK_FAST_INTERVAL_MS = 50
export const CHECK_TIMEOUT_MS = 150
export const CHECK_RISE = 2
export const CHECK_FALL = 2
export const DRAIN_PERIOD_MS = 1000

export interface DemoServerSpec {
  /** srv1, srv2, srv3 */
  readonly name: string
  /** RFC 8092 instance community SERVER_AS:instanceId:0 */
  readonly instanceId: number
  /** Loopback address the server speaks BGP from and its dummy service listens on. */
  readonly address: string
  readonly routerId: string
  readonly med: number
  /** IPv6 next hop sent over the IPv4 session (an IPv4 session has no IPv6 address of its own). */
  readonly nextHop6: string
  readonly uniquePrefix: string
}

export const DEMO_SERVERS: readonly DemoServerSpec[] = [1, 2, 3].map((i) =>
  Object.freeze({
    name: `srv${i}`,
    instanceId: i,
    address: `127.0.0.${10 + i}`,
    routerId: `10.0.0.${10 + i}`,
    med: i === 3 ? 200 : 100,
    nextHop6: `2001:db8:ffff::${10 + i}`,
    uniquePrefix: `203.0.113.${10 + i}/32`,
  }),
)

/** Instance name from an RFC 8092 "65010:N:0" large community, or null. */
export function instanceOf(largeCommunities: readonly string[] | undefined): string | null {
  for (const c of largeCommunities ?? []) {
    const m = /^(\d+):(\d+):0$/.exec(c)
    if (m !== null && Number(m[1]) === SERVER_AS) return DEMO_SERVERS.find((s) => s.instanceId === Number(m[2]))?.name ?? null
  }
  return null
}

function prefixConfig(p: string): PrefixConfig {
  const length = Number(p.slice(p.indexOf('/') + 1))
  return { prefix: p, family: p.includes(':') ? 'ipv6' : 'ipv4', length }
}

const NO_OVERRIDES = { med: null, localPref: null, prepend: null, communities: [], largeCommunities: [] } as const

/** The effective config of one demo server: one neighbour (the router), one health-checked service. */
export function demoServerConfig(s: DemoServerSpec, routerPort: number, servicePort: number): DaemonConfig {
  const router: NeighborConfig = {
    address: ROUTER_ADDRESS,
    addressFamily: 'ipv4',
    remoteAs: ROUTER_AS,
    internal: false,
    localAddress: s.address,
    port: routerPort,
    holdTimeSec: 90,
    keepaliveSec: null,
    connectRetrySec: 1,
    passive: false,
    multihopTtl: null,
    password: null,
    ttlSecurityHops: null,
    families: ['ipv4', 'ipv6'],
    nextHopSelf: false,
    nextHopIpv4: null,
    nextHopIpv6: s.nextHop6,
    description: 'border router',
    overrides: NO_OVERRIDES,
    exportPolicy: [],
  }
  const service: ServiceConfig = {
    name: SERVICE_NAME,
    prefixes: SERVICE_PREFIXES.map(prefixConfig),
    uniquePrefixes: [prefixConfig(s.uniquePrefix)],
    checks: [
      {
        name: 'tcp',
        spec: { kind: 'tcp', host: s.address, port: servicePort },
        intervalMs: CHECK_INTERVAL_MS,
        fastIntervalMs: CHECK_FAST_INTERVAL_MS,
        timeoutMs: CHECK_TIMEOUT_MS,
        rise: CHECK_RISE,
        fall: CHECK_FALL,
      },
    ],
    combine: 'all',
    attributes: { ...NO_OVERRIDES, med: s.med },
    neighbors: [ROUTER_ADDRESS],
    onFailure: { action: 'withdraw' },
    announceOnStart: false,
    // No hold-down: the demo brings srv1 back on purpose and wants to see it at once.
    holdDownMs: 0,
    drain: { periodMs: DRAIN_PERIOD_MS, localPref: null, prepend: null, communities: [] },
    dynamicMed: null,
  }
  return {
    file: `<tsbgp demo ${s.name}>`,
    routerId: s.routerId,
    localAs: SERVER_AS,
    instanceId: s.instanceId,
    listen: null,
    neighbors: [router],
    services: [service],
    policy: [],
    control: { socket: '', mode: 0o600 },
    metrics: { listen: null },
    log: { level: 'silent' },
  }
}

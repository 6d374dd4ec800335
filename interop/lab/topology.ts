// The anycast cluster of DESIGN.md, in network namespaces:
//
//                 client (optional)
//                   | eth0 192.0.2.130/26, 2001:db8:0:100::2/64
//                   | client 192.0.2.129/26, 2001:db8:0:100::1/64
//        +--------------------------------+
//        |             router             |   forwarding on, L4 multipath hash
//        +--------------------------------+
//        srvI |  router side: 192.0.2.(4(I-1)+1)/30, 2001:db8:0:I::1/64
//             |  (with /31: 192.0.2.(2(I-1))/31)
//        eth0 |  server side: 192.0.2.(4(I-1)+2)/30, 2001:db8:0:I::2/64
//        +---------+
//        |  srvI   |  lo: 198.51.100.1/32, 2001:db8:ffff::1/128 (service, anycast)
//        +---------+      203.0.113.I/32, 2001:db8:fffe::I/128 (unique per instance)
//
// Servers and client default-route to the router; the router learns the
// loopback addresses only through BGP (that is what the lab tests).
// Namespace names carry a per-run tag `tsbgp-<pid>-<k>-` (see cleanup.ts
// sweepStale, which keeps names whose owner PID is alive).

import { CleanupRegistry } from './cleanup.js'
import { addAddress, addNetns, addRoute, addVeth, sysctl } from './netns.js'

export const LAB_PREFIX = 'tsbgp-'
export const ANYCAST_V4 = '198.51.100.1'
export const ANYCAST_V6 = '2001:db8:ffff::1'

let clusterCounter = 0

/** A per-run unique namespace name tag: `tsbgp-<pid>-<k>-`. */
export function runTag (): string {
  clusterCounter++
  return `${LAB_PREFIX}${process.pid}-${clusterCounter}-`
}

export interface ServerNode {
  index: number
  name: string
  netns: string
  ifname: string
  addr4: string
  addr6: string
  routerAddr4: string
  routerAddr6: string
  routerIfname: string
  unique4: string
  unique6: string
}

export interface ClientNode {
  netns: string
  ifname: string
  addr4: string
  addr6: string
  routerAddr4: string
  routerAddr6: string
  routerIfname: string
}

export interface ClusterOptions {
  servers: number
  client?: boolean
  /** /30 (default) or /31 point-to-point IPv4 links. */
  v4LinkLen?: 30 | 31
  registry: CleanupRegistry
  tag?: string
}

export interface Cluster {
  tag: string
  router: { netns: string, addr4: string }
  servers: ServerNode[]
  client: ClientNode | null
  namespaces: string[]
}

export function serverAddressing (i: number, v4LinkLen: 30 | 31): Pick<ServerNode, 'addr4' | 'routerAddr4' | 'addr6' | 'routerAddr6' | 'unique4' | 'unique6'> {
  const base = v4LinkLen === 30 ? 4 * (i - 1) : 2 * (i - 1)
  const r = v4LinkLen === 30 ? base + 1 : base
  return {
    routerAddr4: `192.0.2.${r}`,
    addr4: `192.0.2.${r + 1}`,
    routerAddr6: `2001:db8:0:${i.toString(16)}::1`,
    addr6: `2001:db8:0:${i.toString(16)}::2`,
    unique4: `203.0.113.${i}`,
    unique6: `2001:db8:fffe::${i.toString(16)}`,
  }
}

/** Builds router, servers and optional client; everything goes into `registry`. */
export async function buildCluster (opts: ClusterOptions): Promise<Cluster> {
  const len = opts.v4LinkLen ?? 30
  const maxServers = len === 30 ? 32 : 64 // 192.0.2.0/25 holds the server links
  if (opts.servers < 1 || opts.servers > maxServers) throw new Error(`servers must be 1..${maxServers}`)
  const tag = opts.tag ?? runTag()
  const reg = opts.registry
  const routerNs = await addNetns(`${tag}router`, reg)
  await sysctl(routerNs, 'net.ipv4.ip_forward', 1)
  await sysctl(routerNs, 'net.ipv6.conf.all.forwarding', 1)
  // Hash on ports too, so distinct client flows spread over the ECMP nexthops.
  await sysctl(routerNs, 'net.ipv4.fib_multipath_hash_policy', 1)
  await sysctl(routerNs, 'net.ipv6.fib_multipath_hash_policy', 1)
  const namespaces = [routerNs]

  const servers = await Promise.all(Array.from({ length: opts.servers }, async (_, k) => {
    const i = k + 1
    const a = serverAddressing(i, len)
    const netns = await addNetns(`${tag}srv${i}`, reg)
    const s: ServerNode = { index: i, name: `srv${i}`, netns, ifname: 'eth0', routerIfname: `srv${i}`, ...a }
    await addVeth({ netns: routerNs, ifname: s.routerIfname }, { netns, ifname: s.ifname }, reg)
    await addAddress(routerNs, s.routerIfname, `${s.routerAddr4}/${len}`)
    await addAddress(routerNs, s.routerIfname, `${s.routerAddr6}/64`)
    await addAddress(netns, s.ifname, `${s.addr4}/${len}`)
    await addAddress(netns, s.ifname, `${s.addr6}/64`)
    for (const cidr of [`${ANYCAST_V4}/32`, `${ANYCAST_V6}/128`, `${s.unique4}/32`, `${s.unique6}/128`]) await addAddress(netns, 'lo', cidr)
    await addRoute(netns, 'default', s.routerAddr4)
    await addRoute(netns, 'default', s.routerAddr6)
    return s
  }))
  namespaces.push(...servers.map((s) => s.netns))

  let client: ClientNode | null = null
  if (opts.client === true) {
    const netns = await addNetns(`${tag}client`, reg)
    client = { netns, ifname: 'eth0', routerIfname: 'client', addr4: '192.0.2.130', routerAddr4: '192.0.2.129', addr6: '2001:db8:0:100::2', routerAddr6: '2001:db8:0:100::1' }
    await addVeth({ netns: routerNs, ifname: client.routerIfname }, { netns, ifname: client.ifname }, reg)
    await addAddress(routerNs, client.routerIfname, `${client.routerAddr4}/26`)
    await addAddress(routerNs, client.routerIfname, `${client.routerAddr6}/64`)
    await addAddress(netns, client.ifname, `${client.addr4}/26`)
    await addAddress(netns, client.ifname, `${client.addr6}/64`)
    await addRoute(netns, 'default', client.routerAddr4)
    await addRoute(netns, 'default', client.routerAddr6)
    namespaces.push(netns)
  }
  return { tag, router: { netns: routerNs, addr4: servers[0].routerAddr4 }, servers, client, namespaces }
}

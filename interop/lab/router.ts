// One view of the border router whatever runs it (BIRD, FRR or GoBGP), so
// the anycast scenarios (scenarios.ts) run unchanged against each:
//   paths(prefix)   BGP paths with next hop, MED, LOCAL_PREF, AS path,
//                   communities ("a:b") and large communities ("a:b:c")
//   kernel(prefix)  the next hops installed in the router namespace's kernel
//                   (BIRD: kernel protocol with merge paths; FRR: zebra), or
//                   null for GoBGP, which runs without zebra and programs no
//                   kernel route: its checks are on the RIB only
//   sessions()      neighbour address → BGP state
// Every router config carries the GSHUT import policy (65535:0 → LOCAL_PREF 0,
// RFC 8326; rendered by the drivers) and multipath.

import { BirdInstance, type BirdNeighbor } from './bird.js'
import { CleanupRegistry } from './cleanup.js'
import { FrrInstance, type FrrNeighbor } from './frr.js'
import { GobgpInstance, type GobgpNeighbor } from './gobgp.js'
import { kernelRoute } from './netns.js'
import { freeTcpPort, LabProcess } from './proc.js'

export type RouterKind = 'bird' | 'frr' | 'gobgp'

export interface RouterPath {
  prefix: string
  /** Neighbour (session) address the path came from. */
  from?: string
  nextHop?: string
  med?: number
  localPref?: number
  asPath: number[]
  communities: string[]
  largeCommunities: string[]
  best: boolean
}

export interface KernelNexthop { gateway?: string, dev?: string }

export interface RouterNeighborSpec {
  /** Protocol name (BIRD) / label. */
  name: string
  address: string
  as: number
  /** Families carried on the session. */
  families: Array<'ipv4' | 'ipv6'>
}

export interface RouterSpec {
  kind: RouterKind
  netns: string
  routerId: string
  as: number
  neighbors: RouterNeighborSpec[]
  holdTime: number
  registry: CleanupRegistry
}

export interface LabRouter {
  readonly kind: RouterKind
  readonly netns: string
  /** True when the router programs the kernel (data-plane checks apply). */
  readonly installsKernelRoutes: boolean
  paths: (prefix: string) => Promise<RouterPath[]>
  kernel: (prefix: string) => Promise<KernelNexthop[] | null>
  sessions: () => Promise<Record<string, string>>
  /** Every process of the router (for the torn-down assertion). */
  pids: () => number[]
  procs: () => LabProcess[]
}

const GSHUT_NAMES: Record<string, string> = { 'graceful-shutdown': '65535:0', 'no-export': '65535:65281', 'no-advertise': '65535:65282', blackhole: '65535:666' }

class BirdRouter implements LabRouter {
  readonly kind = 'bird' as const
  readonly installsKernelRoutes = true
  constructor (readonly b: BirdInstance, readonly netns: string) {}
  async paths (prefix: string): Promise<RouterPath[]> {
    const addr = prefix.split('/')[0]
    return (await this.b.routeFor(addr)).filter((p) => p.prefix === prefix).map((p) => ({
      prefix: p.prefix,
      from: p.from,
      nextHop: p.nextHop,
      med: p.med,
      localPref: p.localPref,
      asPath: p.asPath,
      communities: p.communities.map(([a, b]) => `${a}:${b}`),
      largeCommunities: p.largeCommunities.map(([a, b, c]) => `${a}:${b}:${c}`),
      best: p.primary,
    }))
  }

  async kernel (prefix: string): Promise<KernelNexthop[]> { return (await kernelRoute(this.netns, prefix))?.nexthops ?? [] }
  async sessions (): Promise<Record<string, string>> {
    const out: Record<string, string> = {}
    for (const p of await this.b.protocols()) if (p.proto === 'BGP' && p.neighborAddress !== undefined) out[p.neighborAddress] = p.bgpState ?? p.state
    return out
  }

  pids (): number[] { return [this.b.proc.pid] }
  procs (): LabProcess[] { return [this.b.proc] }
}

class FrrRouter implements LabRouter {
  readonly kind = 'frr' as const
  readonly installsKernelRoutes = true
  constructor (readonly f: FrrInstance, readonly netns: string) {}
  async paths (prefix: string): Promise<RouterPath[]> {
    return (await this.f.routeFor(prefix)).map((p) => ({
      prefix,
      from: p.from,
      nextHop: p.nextHop,
      med: p.med,
      localPref: p.localPref,
      asPath: p.asPath,
      communities: p.communities.map((c) => GSHUT_NAMES[c] ?? c),
      largeCommunities: p.largeCommunities,
      best: p.best,
    }))
  }

  async kernel (prefix: string): Promise<KernelNexthop[]> { return (await kernelRoute(this.netns, prefix))?.nexthops ?? [] }
  async sessions (): Promise<Record<string, string>> {
    const out: Record<string, string> = {}
    for (const af of ['ipv4', 'ipv6'] as const) {
      for (const [a, s] of Object.entries(await this.f.summary(af))) out[a] = s.state
    }
    return out
  }

  pids (): number[] { return [this.f.zebra.pid, this.f.bgpd.pid] }
  procs (): LabProcess[] { return [this.f.zebra, this.f.bgpd] }
}

class GobgpRouter implements LabRouter {
  readonly kind = 'gobgp' as const
  readonly installsKernelRoutes = false
  constructor (readonly g: GobgpInstance, readonly netns: string) {}
  async paths (prefix: string): Promise<RouterPath[]> {
    return (await this.g.routeFor(prefix)).filter((p) => p.prefix === prefix).map((p) => ({
      prefix: p.prefix,
      from: p.from,
      nextHop: p.nextHop,
      med: p.med,
      localPref: p.localPref,
      asPath: p.asPath,
      communities: p.communities.map((c) => `${Math.floor(c / 65536)}:${c % 65536}`),
      largeCommunities: p.largeCommunities,
      best: p.best,
    }))
  }

  /** GoBGP runs without zebra: no kernel routes at all. */
  async kernel (): Promise<null> { return null }
  async sessions (): Promise<Record<string, string>> {
    const out: Record<string, string> = {}
    for (const n of await this.g.neighbors()) out[n.address] = n.state === 'established' ? 'Established' : n.state
    return out
  }

  pids (): number[] { return [this.g.proc.pid] }
  procs (): LabProcess[] { return [this.g.proc] }
}

/** Starts the router daemon of `spec.kind` in the router namespace with one session per neighbour. */
export async function startRouter (spec: RouterSpec): Promise<LabRouter> {
  const keepalive = 1
  if (spec.kind === 'bird') {
    const neighbors: BirdNeighbor[] = spec.neighbors.map((n) => ({
      name: n.name,
      address: n.address,
      as: n.as,
      localAs: spec.as,
      holdTime: spec.holdTime,
      keepaliveTime: keepalive,
      // iBGP (BIRD: multihop by default) on the directly connected link: no IGP to resolve next hops through.
      direct: n.as === spec.as ? true : undefined,
      ipv4: n.families.includes('ipv4') ? {} : undefined,
      ipv6: n.families.includes('ipv6') ? {} : undefined,
    }))
    const b = await BirdInstance.start({ name: 'router', netns: spec.netns, registry: spec.registry, config: { routerId: spec.routerId, kernel: { mergePathsLimit: 16 }, neighbors } })
    return new BirdRouter(b, spec.netns)
  }
  if (spec.kind === 'frr') {
    const neighbors: FrrNeighbor[] = spec.neighbors.map((n) => ({
      address: n.address,
      as: n.as,
      holdTime: spec.holdTime,
      keepaliveTime: keepalive,
      connectRetryTime: 1,
      ipv4: n.families.includes('ipv4') ? {} : false,
      ipv6: n.families.includes('ipv6') ? {} : undefined,
    }))
    const f = await FrrInstance.start({ name: 'frr-router', netns: spec.netns, registry: spec.registry, config: { hostname: 'router', routerId: spec.routerId, as: spec.as, multipathRelax: true, maximumPaths: 16, neighbors } })
    return new FrrRouter(f, spec.netns)
  }
  const neighbors: GobgpNeighbor[] = spec.neighbors.map((n) => ({
    address: n.address,
    as: n.as,
    holdTime: spec.holdTime,
    keepaliveTime: keepalive,
    connectRetryTime: 1,
    idleHoldTimeAfterReset: 1,
    families: n.families.map((f) => (f === 'ipv4' ? 'ipv4-unicast' : 'ipv6-unicast')),
  }))
  const g = await GobgpInstance.start({ name: 'gobgp-router', netns: spec.netns, apiPort: await freeTcpPort(), registry: spec.registry, config: { as: spec.as, routerId: spec.routerId, multipath: true, export: 'none', neighbors } })
  return new GobgpRouter(g, spec.netns)
}

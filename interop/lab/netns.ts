// Network namespaces and veth links, built with iproute2 (`ip`).
//
// Veth ends are created directly inside their namespaces
// (`ip link add A netns X type veth peer name B netns Y`), so interface names
// never touch the host's namespace and parallel runs cannot collide on them;
// only namespace names need the per-run tag. Deleting a namespace removes its
// veth ends, and a veth pair dies with either end.
//
// IPv6 DAD is off in lab namespaces (accept_dad=0 by default and per address
// `nodad`), so addresses are usable at once instead of "tentative" for ~1 s.

import { exec } from './proc.js'
import { CleanupRegistry, listNetnsSync } from './cleanup.js'

/** Linux IFNAMSIZ is 16 including the NUL. */
export const IFNAME_MAX = 15

/**
 * Documentation ranges only (RFC 5737, RFC 3849); the lab refuses anything
 * else so no test can send traffic outside the namespaces it built.
 */
export function isDocumentationAddress (addr: string): boolean {
  const a = addr.split('/')[0].toLowerCase()
  if (a.includes(':')) return /^2001:0?db8:/.test(a)
  return a.startsWith('192.0.2.') || a.startsWith('198.51.100.') || a.startsWith('203.0.113.')
}

function assertDoc (addr: string): void {
  if (!isDocumentationAddress(addr)) throw new Error(`lab address ${addr} is outside the documentation ranges`)
}

function assertIfname (n: string): void {
  if (n.length === 0 || n.length > IFNAME_MAX || !/^[A-Za-z0-9_.-]+$/.test(n)) throw new Error(`bad interface name ${JSON.stringify(n)}`)
}

export async function ip (args: readonly string[], netns?: string): Promise<string> {
  const full = netns === undefined ? args : ['-n', netns, ...args]
  return (await exec('ip', full)).stdout
}

export async function ipJson<T = unknown> (args: readonly string[], netns?: string): Promise<T> {
  const out = await ip(['-j', ...args], netns)
  return (out.trim() === '' ? [] : JSON.parse(out)) as T
}

export async function sysctl (netns: string, key: string, value: string | number): Promise<void> {
  await exec('sysctl', ['-qw', `${key}=${value}`], { netns })
}

/** Creates a namespace with lo up and DAD off; registered for deletion. */
export async function addNetns (name: string, registry: CleanupRegistry): Promise<string> {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`bad namespace name ${JSON.stringify(name)}`)
  await exec('ip', ['netns', 'add', name])
  registry.addNetns(name)
  await ip(['link', 'set', 'lo', 'up'], name)
  await sysctl(name, 'net.ipv6.conf.all.accept_dad', 0)
  await sysctl(name, 'net.ipv6.conf.default.accept_dad', 0)
  return name
}

export async function delNetns (name: string): Promise<void> {
  await exec('ip', ['netns', 'del', name], { check: false })
}

export function listNetns (): string[] {
  return listNetnsSync()
}

export interface VethEnd { netns: string, ifname: string }

/** A veth pair with each end born inside its namespace; both ends set up. */
export async function addVeth (a: VethEnd, b: VethEnd, registry: CleanupRegistry): Promise<void> {
  assertIfname(a.ifname)
  assertIfname(b.ifname)
  await exec('ip', ['link', 'add', a.ifname, 'netns', a.netns, 'type', 'veth', 'peer', 'name', b.ifname, 'netns', b.netns])
  registry.addLink(a.ifname, a.netns)
  await sysctl(a.netns, `net.ipv6.conf.${a.ifname}.accept_dad`, 0)
  await sysctl(b.netns, `net.ipv6.conf.${b.ifname}.accept_dad`, 0)
  await ip(['link', 'set', a.ifname, 'up'], a.netns)
  await ip(['link', 'set', b.ifname, 'up'], b.netns)
}

/** Adds an address (CIDR); IPv6 ones with `nodad`. */
export async function addAddress (netns: string, ifname: string, cidr: string): Promise<void> {
  assertDoc(cidr)
  const extra = cidr.includes(':') ? ['nodad'] : []
  await ip(['addr', 'add', cidr, 'dev', ifname, ...extra], netns)
}

/** `ip route replace` with documentation-range gateways only. */
export async function addRoute (netns: string, dst: string, via: string, dev?: string): Promise<void> {
  if (dst !== 'default') assertDoc(dst)
  assertDoc(via)
  const fam = via.includes(':') ? '-6' : '-4'
  await ip([fam, 'route', 'replace', dst, 'via', via, ...(dev === undefined ? [] : ['dev', dev])], netns)
}

export interface KernelRoute { dst: string, nexthops: Array<{ gateway?: string, dev?: string }>, protocol?: string }

interface IpRouteJson {
  dst: string
  gateway?: string
  dev?: string
  protocol?: string
  nhid?: number
  nexthops?: Array<{ gateway?: string, dev?: string }>
}
interface IpNexthopJson { id: number, gateway?: string, dev?: string, group?: Array<{ id: number }> }

/**
 * Kernel route lookup, flattening the three shapes the kernel may use: a single
 * gateway, a `nexthops` list (BIRD), or a nexthop object `nhid` (FRR zebra's
 * nexthop groups), which is resolved through `ip nexthop`.
 */
export async function kernelRoute (netns: string, prefix: string): Promise<KernelRoute | null> {
  const fam = prefix.includes(':') ? '-6' : '-4'
  const routes = await ipJson<IpRouteJson[]>([fam, 'route', 'show', 'exact', prefix], netns)
  if (routes.length === 0) return null
  const r = routes[0]
  let nexthops: Array<{ gateway?: string, dev?: string }> = []
  if (r.nexthops !== undefined) nexthops = r.nexthops.map((n) => ({ gateway: n.gateway, dev: n.dev }))
  else if (r.nhid !== undefined) nexthops = await resolveNhid(netns, r.nhid)
  else nexthops = [{ gateway: r.gateway, dev: r.dev }]
  return { dst: r.dst, nexthops, protocol: r.protocol }
}

async function resolveNhid (netns: string, id: number): Promise<Array<{ gateway?: string, dev?: string }>> {
  const nhs = await ipJson<IpNexthopJson[]>(['nexthop', 'show', 'id', String(id)], netns)
  const nh = nhs[0]
  if (nh === undefined) return []
  if (nh.group === undefined) return [{ gateway: nh.gateway, dev: nh.dev }]
  const out: Array<{ gateway?: string, dev?: string }> = []
  for (const m of nh.group) out.push(...await resolveNhid(netns, m.id))
  return out
}

// FRR 8.4 driver (see /work/shared/PEERS.md): one zebra + one bgpd per
// instance, every path explicit so instances never share /var/run/frr:
//   zebra -f zebra.conf -i zebra.pid -z zserv.api --vty_socket DIR -u root -g frrvty -P 0 --log stdout
//   bgpd  -f bgpd.conf  -i bgpd.pid  -z zserv.api --vty_socket DIR -u root -g frrvty -P 0 --log stdout -p PORT
// `-P 0` turns off the TCP vty (2601/2605 would clash between instances);
// queries go over the unix vty socket: `vtysh --vty_socket DIR -d bgpd -c '... json'`.
// bgpd's `-l ADDR` implies `-n` (no kernel install), so the driver passes it
// only when asked and never when kernel ECMP is wanted.

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CleanupRegistry } from './cleanup.js'
import { exec, LabProcess, spawnProcess, waitReady } from './proc.js'

export const FRR_BIN = '/usr/lib/frr'

/** 'all' | 'none' | prefix list + route-map `set` clauses (e.g. 'metric 10'). */
export type FrrFilterSpec = 'all' | 'none' | { prefixes?: string[], set?: string[] }

export interface FrrNeighbor {
  address: string
  as: number
  port?: number
  updateSource?: string
  passive?: boolean
  ebgpMultihop?: number
  holdTime?: number
  keepaliveTime?: number
  connectRetryTime?: number
  password?: string
  /** GTSM: `ttl-security hops N`. */
  ttlSecurityHops?: number
  ipv4?: FrrAf | false
  ipv6?: FrrAf
  extra?: string[]
}

export interface FrrAf {
  import?: FrrFilterSpec
  export?: FrrFilterSpec
  addpathTxAllPaths?: boolean
  extra?: string[]
}

export interface FrrConfig {
  hostname: string
  routerId: string
  as: number
  neighbors: FrrNeighbor[]
  /** `network X` per family (no import check, so no RIB route is needed). */
  networks?: string[]
  /** `maximum-paths N` (and ibgp); default 16. */
  maximumPaths?: number
  /** `bgp bestpath as-path multipath-relax`: ECMP over different neighbour ASes. */
  multipathRelax?: boolean
  /** RFC 8326: 65535:0 → local-preference 0 on import (default true). */
  gshut?: boolean
  extra?: string[]
}

function safe (s: string): string {
  if (!/^[A-Za-z0-9_.:/-]+$/.test(s)) throw new Error(`unsafe token for FRR config: ${JSON.stringify(s)}`)
  return s
}

function mapName (n: FrrNeighbor, af: string, dir: 'in' | 'out'): string {
  return `N-${safe(n.address).replace(/[.:]/g, '_')}-${af}-${dir}`
}

function isV6 (p: string): boolean { return p.includes(':') }

/** Route-map (+ prefix-list) for one neighbour/family/direction. */
function renderPolicy (name: string, af: 'ipv4' | 'ipv6', spec: FrrFilterSpec, gshut: boolean, out: string[]): void {
  const seqs: string[] = []
  if (gshut) seqs.push(`route-map ${name} permit 5\n match community GSHUT\n set local-preference 0\n on-match next`)
  if (spec === 'none') {
    seqs.push(`route-map ${name} deny 10`)
  } else if (spec === 'all') {
    seqs.push(`route-map ${name} permit 10`)
  } else {
    const lines = [`route-map ${name} permit 10`]
    if (spec.prefixes !== undefined) {
      const pl = `${name}-PL`
      const kw = af === 'ipv4' ? 'ip' : 'ipv6'
      spec.prefixes.forEach((p, i) => { out.push(`${kw} prefix-list ${pl} seq ${(i + 1) * 5} permit ${p.split(' ').map(safe).join(' ')}`) })
      lines.push(` match ${kw} address prefix-list ${pl}`)
    }
    for (const s of spec.set ?? []) lines.push(` set ${s}`)
    seqs.push(lines.join('\n'))
    seqs.push(`route-map ${name} deny 20`)
  }
  out.push(...seqs)
}

export function renderBgpdConfig (c: FrrConfig): string {
  const gshut = c.gshut ?? true
  const pre: string[] = ['frr defaults traditional', `hostname ${safe(c.hostname)}`, 'log stdout informational', 'service integrated-vtysh-config']
  if (gshut) pre.push('bgp community-list standard GSHUT seq 5 permit graceful-shutdown')
  const policies: string[] = []
  const r: string[] = [`router bgp ${c.as}`, ` bgp router-id ${safe(c.routerId)}`, ' no bgp ebgp-requires-policy', ' no bgp default ipv4-unicast', ' no bgp network import-check']
  if (c.multipathRelax === true) r.push(' bgp bestpath as-path multipath-relax')
  for (const n of c.neighbors) {
    const a = safe(n.address)
    r.push(` neighbor ${a} remote-as ${n.as}`)
    if (n.port !== undefined) r.push(` neighbor ${a} port ${n.port}`)
    if (n.updateSource !== undefined) r.push(` neighbor ${a} update-source ${safe(n.updateSource)}`)
    if (n.passive === true) r.push(` neighbor ${a} passive`)
    if (n.ebgpMultihop !== undefined) r.push(` neighbor ${a} ebgp-multihop ${n.ebgpMultihop}`)
    if (n.holdTime !== undefined) r.push(` neighbor ${a} timers ${n.keepaliveTime ?? Math.max(1, Math.floor(n.holdTime / 3))} ${n.holdTime}`)
    r.push(` neighbor ${a} timers connect ${n.connectRetryTime ?? 2}`)
    if (n.password !== undefined) r.push(` neighbor ${a} password ${safe(n.password)}`)
    if (n.ttlSecurityHops !== undefined) r.push(` neighbor ${a} ttl-security hops ${n.ttlSecurityHops}`)
    r.push(...(n.extra ?? []).map((x) => ` ${x}`))
  }
  for (const af of ['ipv4', 'ipv6'] as const) {
    const members = c.neighbors.map((n) => ({ n, cfg: af === 'ipv4' ? (n.ipv4 === false ? undefined : n.ipv4 ?? (n.ipv6 === undefined ? {} : undefined)) : n.ipv6 }))
      .filter((m): m is { n: FrrNeighbor, cfg: FrrAf } => m.cfg !== undefined)
    const nets = (c.networks ?? []).filter((p) => isV6(p) === (af === 'ipv6'))
    if (members.length === 0 && nets.length === 0) continue
    r.push(` address-family ${af} unicast`)
    for (const p of nets) r.push(`  network ${safe(p)}`)
    const mp = c.maximumPaths ?? 16
    r.push(`  maximum-paths ${mp}`, `  maximum-paths ibgp ${mp}`)
    for (const { n, cfg } of members) {
      const a = n.address
      r.push(`  neighbor ${a} activate`)
      const inName = mapName(n, af, 'in')
      const outName = mapName(n, af, 'out')
      renderPolicy(inName, af, cfg.import ?? 'all', gshut, policies)
      renderPolicy(outName, af, cfg.export ?? 'none', false, policies)
      r.push(`  neighbor ${a} route-map ${inName} in`, `  neighbor ${a} route-map ${outName} out`)
      if (cfg.addpathTxAllPaths === true) r.push(`  neighbor ${a} addpath-tx-all-paths`)
      r.push(...(cfg.extra ?? []).map((x) => `  ${x}`))
    }
    r.push(' exit-address-family')
  }
  return ['! generated by interop/lab/frr.ts', ...pre, '!', ...r, 'exit', '!', ...policies, '!', ...(c.extra ?? []), 'end', ''].join('\n')
}

export interface FrrStartOptions {
  name: string
  config: FrrConfig
  registry: CleanupRegistry
  netns?: string
  /** BGP listen port (bgpd -p); default 179. */
  bgpPort?: number
  /** bgpd -l: listen address. Implies -n (no kernel routes)! */
  listenAddress?: string
  /** bgpd -n: keep routes out of the kernel. */
  noKernel?: boolean
}

export class FrrInstance {
  readonly name: string
  readonly netns: string | undefined
  readonly dir: string
  readonly vtyDir: string
  config: FrrConfig
  zebra!: LabProcess
  bgpd!: LabProcess

  private constructor (o: FrrStartOptions, dir: string) {
    this.name = o.name
    this.netns = o.netns
    this.dir = dir
    this.vtyDir = join(dir, 'vty')
    this.config = o.config
  }

  static async start (o: FrrStartOptions): Promise<FrrInstance> {
    const dir = mkdtempSync(join(tmpdir(), `tsbgp-${process.pid}-${o.name}-`))
    o.registry.addDir(dir)
    const f = new FrrInstance(o, dir)
    await exec('mkdir', ['-p', '-m', '0775', f.vtyDir])
    await exec('chgrp', ['frrvty', f.vtyDir])
    const zconf = join(dir, 'zebra.conf')
    const bconf = join(dir, 'bgpd.conf')
    writeFileSync(zconf, `hostname ${safe(o.config.hostname)}\nlog stdout informational\n`)
    writeFileSync(bconf, renderBgpdConfig(o.config))
    const zsock = join(dir, 'zserv.api')
    const common = ['-z', zsock, '--vty_socket', f.vtyDir, '-u', 'root', '-g', 'frrvty', '-P', '0', '--log', 'stdout']
    const check = await exec(`${FRR_BIN}/bgpd`, ['-C', '-f', bconf, ...common], { check: false })
    if (check.code !== 0) throw new Error(`bgpd rejected its config: ${check.stderr.trim() || check.stdout.trim()}\n${renderBgpdConfig(o.config)}`)
    f.zebra = spawnProcess({ name: `zebra-${o.name}`, cmd: `${FRR_BIN}/zebra`, args: ['-f', zconf, '-i', join(dir, 'zebra.pid'), ...common], netns: o.netns, logFile: join(dir, 'zebra.log'), registry: o.registry })
    await waitReady(f.zebra, 'vty socket', async () => (await f.vtysh('zebra', 'show version', 3000)).includes('FRRouting'), { timeoutMs: 10_000, intervalMs: 50 })
    const bargs = ['-f', bconf, '-i', join(dir, 'bgpd.pid'), ...common, '-p', String(o.bgpPort ?? 179)]
    if (o.listenAddress !== undefined) bargs.push('-l', safe(o.listenAddress))
    if (o.noKernel === true) bargs.push('-n')
    f.bgpd = spawnProcess({ name: `bgpd-${o.name}`, cmd: `${FRR_BIN}/bgpd`, args: bargs, netns: o.netns, logFile: join(dir, 'bgpd.log'), registry: o.registry })
    await waitReady(f.bgpd, 'vty socket', async () => (await f.vtysh('bgpd', 'show bgp summary json', 3000)).trim().startsWith('{'), { timeoutMs: 10_000, intervalMs: 50 })
    return f
  }

  /** vtysh over the unix socket dir (runs in the host namespace). */
  async vtysh (daemon: 'bgpd' | 'zebra', cmd: string, timeoutMs = 10_000): Promise<string> {
    const r = await exec('vtysh', ['--vty_socket', this.vtyDir, '-d', daemon, '-c', cmd], { timeoutMs, check: false })
    if (r.code !== 0) throw new Error(`vtysh -d ${daemon} -c '${cmd}': exit ${String(r.code)}: ${r.stderr.trim() || r.stdout.trim()}`)
    return r.stdout
  }

  async json<T = any> (daemon: 'bgpd' | 'zebra', cmd: string): Promise<T> {
    const out = await this.vtysh(daemon, cmd)
    try { return JSON.parse(out) as T } catch { throw new Error(`vtysh '${cmd}' did not return JSON: ${out.slice(0, 300)}`) }
  }

  /** Peers of `show bgp summary json` for a family: address → {state, pfxRcd, pfxSnt}. */
  async summary (af: 'ipv4' | 'ipv6' = 'ipv4'): Promise<Record<string, FrrPeerSummary>> {
    const j = await this.json<Record<string, { peers?: Record<string, any> }>>('bgpd', `show bgp ${af} unicast summary json`)
    const peers = j.peers ?? (Object.values(j)[0] as { peers?: Record<string, any> } | undefined)?.peers ?? {}
    const out: Record<string, FrrPeerSummary> = {}
    for (const [addr, p] of Object.entries(peers)) {
      out[addr] = { state: String(p.state), pfxRcd: Number(p.pfxRcd ?? 0), pfxSnt: Number(p.pfxSnt ?? 0), remoteAs: Number(p.remoteAs), uptimeMsec: Number(p.peerUptimeMsec ?? 0) }
    }
    return out
  }

  /** Paths of `show bgp ipv4 unicast X json`. */
  async routeFor (prefix: string): Promise<FrrPath[]> {
    const af = isV6(prefix) ? 'ipv6' : 'ipv4'
    const j = await this.json<{ paths?: any[] }>('bgpd', `show bgp ${af} unicast ${safe(prefix)} json`)
    return (j.paths ?? []).map((p): FrrPath => ({
      nextHop: p.nexthops?.[0]?.ip,
      from: p.peer?.peerId,
      asPath: String(p.aspath?.string ?? '').split(/\s+/).filter((x) => /^\d+$/.test(x)).map(Number),
      med: p.metric,
      localPref: p.locPrf ?? p.localpref,
      communities: String(p.community?.string ?? '').split(/\s+/).filter((x) => x !== ''),
      largeCommunities: String(p.largeCommunity?.string ?? '').split(/\s+/).filter((x) => x !== ''),
      best: p.bestpath?.overall === true,
      multipath: p.multipath === true,
      valid: p.valid === true,
    }))
  }

  /** zebra's view (`show ip route X json`): installed nexthops. */
  async zebraRoute (prefix: string): Promise<Array<{ ip?: string, interfaceName?: string, active?: boolean, fib?: boolean }>> {
    const j = await this.json<Record<string, any[]>>('zebra', `show ${isV6(prefix) ? 'ipv6' : 'ip'} route ${safe(prefix)} json`)
    const entries = j[prefix] ?? []
    return entries.flatMap((e) => (e.nexthops ?? []) as any[]).map((n) => ({ ip: n.ip, interfaceName: n.interfaceName, active: n.active, fib: n.fib }))
  }

  async waitEstablished (addresses: string[], timeoutMs = 20_000, af: 'ipv4' | 'ipv6' = 'ipv4'): Promise<number> {
    const t0 = Date.now()
    await waitReady(this.bgpd, `Established ${addresses.join(',')}`, async () => {
      const s = await this.summary(af)
      return addresses.every((a) => s[a]?.state === 'Established')
    }, { timeoutMs, intervalMs: 100 })
    return Date.now() - t0
  }

  async waitRoute (prefix: string, pred: (p: FrrPath[]) => boolean, timeoutMs = 15_000): Promise<FrrPath[]> {
    return await waitReady(this.bgpd, `route ${prefix}`, async () => {
      const p = await this.routeFor(prefix)
      return pred(p) ? p : undefined
    }, { timeoutMs, intervalMs: 100 })
  }

  /** Stops bgpd then zebra (zebra removes its kernel routes on SIGTERM). */
  async stop (): Promise<void> {
    await this.bgpd.stop()
    await this.zebra.stop()
  }
}

export interface FrrPeerSummary { state: string, pfxRcd: number, pfxSnt: number, remoteAs: number, uptimeMsec: number }

export interface FrrPath {
  nextHop?: string
  from?: string
  asPath: number[]
  med?: number
  localPref?: number
  communities: string[]
  largeCommunities: string[]
  best: boolean
  multipath: boolean
  valid: boolean
}

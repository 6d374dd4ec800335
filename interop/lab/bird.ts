// BIRD 2 driver: config generated from a typed description, run in the
// foreground with private paths (`bird -f -c CONF -s SOCK -P PID`), queried
// with birdc and parsed. See /work/shared/PEERS.md and .notes/LAB.md.
//
// Lab defaults differ from BIRD's on purpose (all overridable per neighbour):
//   connect delay time 1   (BIRD: 5 s before the first connect)
//   connect retry time 2   (BIRD: 120 s)
//   error wait time 1, 5   (BIRD: 60..300 s after a session error)
// Times print as Unix seconds (`timeformat ... "%s"`) so parsing never meets
// a date with spaces.

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CleanupRegistry } from './cleanup.js'
import { exec, LabProcess, spawnProcess, waitReady } from './proc.js'
import { parseBirdProtocols, parseBirdRoutes, parseBirdRouteCount, type BirdProtocol, type BirdRoutePath, type BirdRouteCount } from './bird-parse.js'

export type { BirdProtocol, BirdRoutePath, BirdRouteCount } from './bird-parse.js'

/** 'all' | 'none' | conditions + statements; `raw` is a full BIRD filter body. */
export type BirdFilterSpec = 'all' | 'none' | {
  /** Accept only these nets (BIRD prefix patterns, e.g. '198.51.100.0/24+'). */
  prefixes?: string[]
  /** Accept only routes from these protocols. */
  protocols?: string[]
  /** Statements run on accepted routes, e.g. 'bgp_med = 10'. */
  set?: string[]
  raw?: string
}

export interface BirdChannel {
  import?: BirdFilterSpec
  export?: BirdFilterSpec
  addPaths?: 'rx' | 'tx' | 'on' | 'off'
  nextHopSelf?: boolean
  gateway?: 'direct' | 'recursive'
  igpTable?: string
  extendedNextHop?: boolean
  extra?: string[]
}

export interface BirdNeighbor {
  /** Protocol name in BIRD (identifier). */
  name: string
  address: string
  as: number
  port?: number
  localAs: number
  localAddress?: string
  localPort?: number
  interface?: string
  passive?: boolean
  /** true = `multihop;`, a number = `multihop N;` */
  multihop?: boolean | number
  direct?: boolean
  holdTime?: number
  keepaliveTime?: number
  connectDelayTime?: number
  connectRetryTime?: number
  errorWaitTime?: [number, number]
  /** TCP MD5 (RFC 2385). */
  password?: string
  /** GTSM (RFC 5082). */
  ttlSecurity?: boolean
  strictBind?: boolean
  ipv4?: BirdChannel
  ipv6?: BirdChannel
  extra?: string[]
}

export interface BirdStaticRoute {
  prefix: string
  /** Default 'blackhole'. */
  dest?: 'blackhole' | 'unreachable' | { via: string } | { dev: string }
  /** Statements on the route, e.g. 'bgp_community.add((65000,1))'. Note BIRD drops a static bgp_med toward eBGP; set MED in the export filter. */
  set?: string[]
}

export interface BirdConfig {
  routerId: string
  neighbors?: BirdNeighbor[]
  staticRoutes?: BirdStaticRoute[]
  /** Kernel export with `merge paths on limit N` (ECMP). Omitted = no kernel protocol. */
  kernel?: { ipv4?: boolean, ipv6?: boolean, mergePathsLimit?: number, export?: BirdFilterSpec }
  /** RFC 8326: 65535:0 (GRACEFUL_SHUTDOWN) → local pref 0 on every BGP import (default true). */
  gshut?: boolean
  /** Extra top-level config lines. */
  extra?: string[]
  debugProtocols?: boolean
}

const GSHUT = 'if (65535, 0) ~ bgp_community then bgp_local_pref = 0;'

// Common BIRD keywords that cannot name a protocol (the parser fails on them).
const KEYWORDS = new Set(['router', 'table', 'protocol', 'filter', 'function', 'define', 'interface', 'neighbor', 'import', 'export', 'static', 'kernel', 'device', 'direct', 'bgp', 'ospf', 'as', 'port', 'local', 'on', 'off', 'all', 'none', 'via', 'from', 'ipv4', 'ipv6', 'source', 'preference', 'debug', 'log'])

function ident (s: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) || KEYWORDS.has(s.toLowerCase())) throw new Error(`bad BIRD identifier ${JSON.stringify(s)} (letters/digits/_, not a keyword)`)
  return s
}

function quote (s: string): string {
  if (/["\\\n]/.test(s)) throw new Error(`unsafe string for BIRD config: ${JSON.stringify(s)}`)
  return `"${s}"`
}

function isV6 (prefix: string): boolean { return prefix.includes(':') }

/** Renders a filter spec as `filter name { ... }`, or 'all'/'none' inline. */
function renderFilter (name: string, spec: BirdFilterSpec | undefined, pre: string[], fallback: 'all' | 'none'): { def: string | null, ref: string } {
  const s = spec ?? fallback
  if (pre.length === 0 && (s === 'all' || s === 'none')) return { def: null, ref: s }
  const body: string[] = [...pre]
  if (s === 'all') body.push('accept;')
  else if (s === 'none') body.push('reject;')
  else if (s.raw !== undefined) body.push(s.raw)
  else {
    const conds: string[] = []
    if (s.prefixes !== undefined) conds.push(`net ~ [ ${s.prefixes.join(', ')} ]`)
    if (s.protocols !== undefined) conds.push(`(${s.protocols.map((p) => `proto = ${quote(p)}`).join(' || ')})`)
    const acts = [...(s.set ?? []).map((x) => `${x};`), 'accept;'].join(' ')
    body.push(conds.length === 0 ? acts : `if ${conds.join(' && ')} then { ${acts} }`, 'reject;')
  }
  return { def: `filter ${name} {\n  ${body.join('\n  ')}\n}`, ref: `filter ${name}` }
}

function renderChannel (n: BirdNeighbor, af: 'ipv4' | 'ipv6', c: BirdChannel, gshut: boolean, defs: string[]): string {
  const lines: string[] = []
  const imp = renderFilter(`${n.name}_${af}_import`, c.import, gshut ? [GSHUT] : [], 'all')
  const exp = renderFilter(`${n.name}_${af}_export`, c.export, [], 'none')
  for (const f of [imp, exp]) if (f.def !== null) defs.push(f.def)
  lines.push(`import ${imp.ref};`, `export ${exp.ref};`)
  if (c.addPaths !== undefined) lines.push(`add paths ${c.addPaths};`)
  if (c.nextHopSelf === true) lines.push('next hop self;')
  if (c.gateway !== undefined) lines.push(`gateway ${c.gateway};`)
  if (c.igpTable !== undefined) lines.push(`igp table ${ident(c.igpTable)};`)
  if (c.extendedNextHop === true) lines.push('extended next hop on;')
  lines.push(...(c.extra ?? []))
  return `  ${af} {\n    ${lines.join('\n    ')}\n  };`
}

function renderNeighbor (n: BirdNeighbor, gshut: boolean, defs: string[]): string {
  ident(n.name)
  const l: string[] = []
  const local = ['local', n.localAddress, n.localPort === undefined ? undefined : `port ${n.localPort}`, `as ${n.localAs}`].filter((x) => x !== undefined)
  l.push(`${local.join(' ')};`)
  l.push(`neighbor ${n.address}${n.port === undefined ? '' : ` port ${n.port}`} as ${n.as};`)
  if (n.interface !== undefined) l.push(`interface ${quote(n.interface)};`)
  if (n.multihop === true) l.push('multihop;')
  else if (typeof n.multihop === 'number') l.push(`multihop ${n.multihop};`)
  if (n.direct === true) l.push('direct;')
  if (n.passive === true) l.push('passive on;')
  if (n.holdTime !== undefined) l.push(`hold time ${n.holdTime};`)
  if (n.keepaliveTime !== undefined) l.push(`keepalive time ${n.keepaliveTime};`)
  l.push(`connect delay time ${n.connectDelayTime ?? 1};`)
  l.push(`connect retry time ${n.connectRetryTime ?? 2};`)
  const ew = n.errorWaitTime ?? [1, 5]
  l.push(`error wait time ${ew[0]}, ${ew[1]};`)
  if (n.password !== undefined) l.push(`password ${quote(n.password)};`)
  if (n.ttlSecurity === true) l.push('ttl security on;')
  if (n.strictBind === true) l.push('strict bind on;')
  l.push(...(n.extra ?? []))
  const chans: string[] = []
  const v4 = n.ipv4 ?? (n.ipv6 === undefined ? {} : undefined)
  if (v4 !== undefined) chans.push(renderChannel(n, 'ipv4', v4, gshut, defs))
  if (n.ipv6 !== undefined) chans.push(renderChannel(n, 'ipv6', n.ipv6, gshut, defs))
  return `protocol bgp ${n.name} {\n  ${l.join('\n  ')}\n${chans.join('\n')}\n}`
}

function renderStatic (name: string, af: 'ipv4' | 'ipv6', routes: BirdStaticRoute[]): string {
  const rs = routes.map((r) => {
    const d = r.dest ?? 'blackhole'
    const dest = typeof d === 'string' ? d : 'via' in d ? `via ${d.via}` : `via ${quote(d.dev)}`
    const attrs = r.set === undefined || r.set.length === 0 ? '' : ` { ${r.set.map((x) => `${x};`).join(' ')} }`
    return `  route ${r.prefix} ${dest}${attrs};`
  })
  return `protocol static ${name} {\n  ${af};\n${rs.join('\n')}\n}`
}

/** Generates a complete bird.conf from the typed description. */
export function renderBirdConfig (c: BirdConfig): string {
  const out: string[] = [
    '# generated by interop/lab/bird.ts',
    'log stderr all;',
    `router id ${c.routerId};`,
    'timeformat protocol "%s";',
    'timeformat route "%s";',
    'timeformat base "%s";',
  ]
  if (c.debugProtocols === true) out.push('debug protocols { states, events };')
  out.push(...(c.extra ?? []))
  out.push('protocol device { scan time 2; }')
  const statics = c.staticRoutes ?? []
  const s4 = statics.filter((r) => !isV6(r.prefix))
  const s6 = statics.filter((r) => isV6(r.prefix))
  if (s4.length > 0) out.push(renderStatic('static4', 'ipv4', s4))
  if (s6.length > 0) out.push(renderStatic('static6', 'ipv6', s6))
  if (c.kernel !== undefined) {
    const limit = c.kernel.mergePathsLimit ?? 16
    for (const af of ['ipv4', 'ipv6'] as const) {
      if (c.kernel[af] === false) continue
      const f = renderFilter(`kernel_${af}_export`, c.kernel.export, [], 'all')
      if (f.def !== null) out.push(f.def)
      out.push(`protocol kernel kernel_${af} {\n  ${af} { export ${f.ref}; import none; };\n  merge paths on limit ${limit};\n  scan time 10;\n}`)
    }
  }
  const defs: string[] = []
  const bgps = (c.neighbors ?? []).map((n) => renderNeighbor(n, c.gshut ?? true, defs))
  out.push(...defs, ...bgps)
  return out.join('\n') + '\n'
}

export interface BirdStartOptions {
  name: string
  config: BirdConfig
  registry: CleanupRegistry
  netns?: string
  /** Working dir; default a fresh registered temp dir named after the run. */
  dir?: string
}

function makeDir (name: string, registry: CleanupRegistry): string {
  const d = mkdtempSync(join(tmpdir(), `tsbgp-${process.pid}-${name}-`))
  registry.addDir(d)
  return d
}

export class BirdInstance {
  readonly name: string
  readonly netns: string | undefined
  readonly dir: string
  readonly confPath: string
  readonly sock: string
  readonly pidFile: string
  config: BirdConfig
  proc!: LabProcess

  private constructor (o: BirdStartOptions) {
    this.name = o.name
    this.netns = o.netns
    this.dir = o.dir ?? makeDir(o.name, o.registry)
    this.confPath = join(this.dir, 'bird.conf')
    this.sock = join(this.dir, 'bird.ctl')
    this.pidFile = join(this.dir, 'bird.pid')
    this.config = o.config
  }

  /** Writes the config, checks it (`bird -p`), starts bird and waits for its control socket. */
  static async start (o: BirdStartOptions): Promise<BirdInstance> {
    const b = new BirdInstance(o)
    writeFileSync(b.confPath, renderBirdConfig(o.config))
    const check = await exec('bird', ['-p', '-c', b.confPath], { check: false })
    if (check.code !== 0) throw new Error(`bird config rejected: ${check.stderr.trim()}\n${renderBirdConfig(o.config)}`)
    b.proc = spawnProcess({ name: `bird-${o.name}`, cmd: 'bird', args: ['-f', '-c', b.confPath, '-s', b.sock, '-P', b.pidFile], netns: o.netns, logFile: join(b.dir, 'bird.log'), registry: o.registry })
    await waitReady(b.proc, 'control socket', async () => (await b.birdc('show status')).includes('Daemon is up'), { timeoutMs: 10_000, intervalMs: 50 })
    return b
  }

  /** birdc talks over a unix socket, so it runs from the host namespace. */
  async birdc (cmd: string, timeoutMs = 10_000): Promise<string> {
    const r = await exec('birdc', ['-s', this.sock, ...cmd.split(' ')], { timeoutMs, check: false })
    // birdc exits 1 on an error reply; "Network not found" is an answer (no route), not a failure.
    if (r.code !== 0 && !r.stdout.includes('Network not found')) throw new Error(`birdc ${cmd}: ${r.stderr.trim() || r.stdout.trim()}`)
    return r.stdout
  }

  async protocols (): Promise<BirdProtocol[]> { return parseBirdProtocols(await this.birdc('show protocols all')) }

  async protocol (name: string): Promise<BirdProtocol | undefined> {
    return (await this.protocols()).find((p) => p.name === name)
  }

  /** `show route for X all` (longest match), paths in BIRD's order (primary first). */
  async routeFor (addr: string, table?: string): Promise<BirdRoutePath[]> {
    return parseBirdRoutes(await this.birdc(`show route for ${addr}${table === undefined ? '' : ` table ${ident(table)}`} all`))
  }

  async routesAll (): Promise<BirdRoutePath[]> { return parseBirdRoutes(await this.birdc('show route all')) }

  async routeCount (): Promise<BirdRouteCount> { return parseBirdRouteCount(await this.birdc('show route count')) }

  /** Waits until every named BGP protocol is Established; returns elapsed ms. */
  async waitEstablished (names: string[], timeoutMs = 15_000): Promise<number> {
    const t0 = Date.now()
    await waitReady(this.proc, `Established ${names.join(',')}`, async () => {
      const ps = await this.protocols()
      return names.every((n) => ps.find((p) => p.name === n)?.bgpState === 'Established')
    }, { timeoutMs, intervalMs: 100 })
    return Date.now() - t0
  }

  /** Waits until `show route for addr` satisfies `pred`; returns the paths. */
  async waitRoute (addr: string, pred: (paths: BirdRoutePath[]) => boolean, timeoutMs = 15_000): Promise<BirdRoutePath[]> {
    return await waitReady(this.proc, `route ${addr}`, async () => {
      const p = await this.routeFor(addr)
      return pred(p) ? p : undefined
    }, { timeoutMs, intervalMs: 100 })
  }

  /** Writes a new config and `birdc configure`; throws with BIRD's message if rejected. */
  async reconfigure (config: BirdConfig): Promise<void> {
    writeFileSync(this.confPath, renderBirdConfig(config))
    const out = await this.birdc('configure')
    if (!/Reconfigured|Reconfiguration in progress|Reconfiguration already in progress/.test(out)) throw new Error(`bird reconfigure failed: ${out.trim()}`)
    this.config = config
  }

  async disable (protocol: string): Promise<string> { return await this.birdc(`disable ${ident(protocol)}`) }
  async enable (protocol: string): Promise<string> { return await this.birdc(`enable ${ident(protocol)}`) }

  /** SIGTERM (BIRD shuts sessions down with a Cease), SIGKILL after the grace. */
  async stop (graceMs?: number): Promise<void> { await this.proc.stop(graceMs) }

  /** SIGKILL: no NOTIFICATION, peers notice only through the hold timer. */
  async kill (): Promise<void> { await this.proc.stop(0) }
}

export interface LoopbackBirdOptions {
  name: string
  registry: CleanupRegistry
  routerId: string
  localAs: number
  /** 127.0.0.x address BIRD uses as its session source. */
  localAddress: string
  /** TCP port BIRD listens on (0.0.0.0:port — BIRD binds the wildcard even with `local A port P`). */
  localPort: number
  neighbors: Array<Omit<BirdNeighbor, 'localAs' | 'localAddress' | 'localPort' | 'multihop'> & { multihop?: boolean | number }>
  staticRoutes?: BirdStaticRoute[]
  extra?: string[]
}

/**
 * BIRD on loopback, no namespace, unprivileged ports. `direct` sessions on lo
 * fail ("Invalid remote address ...%lo": host scope), so sessions are
 * `multihop`. Recursive next hops resolve through a private IGP table holding
 * `0.0.0.0/0 via "lo"` (BIRD ignores `127.0.0.0/8 via "lo"` as a bogus route),
 * which keeps the master table clean.
 */
export async function startBirdOnLoopback (o: LoopbackBirdOptions): Promise<BirdInstance> {
  for (const a of [o.localAddress, ...o.neighbors.map((n) => n.address)]) {
    if (!/^127\.\d+\.\d+\.\d+$/.test(a)) throw new Error(`loopback mode needs 127.0.0.0/8 addresses, got ${a}`)
  }
  const config: BirdConfig = {
    routerId: o.routerId,
    staticRoutes: o.staticRoutes,
    extra: ['ipv4 table loopnh4;', 'protocol static loopnh { ipv4 { table loopnh4; }; route 0.0.0.0/0 via "lo"; }', ...(o.extra ?? [])],
    neighbors: o.neighbors.map((n) => ({
      ...n,
      localAs: o.localAs,
      localAddress: o.localAddress,
      localPort: o.localPort,
      multihop: n.multihop ?? true,
      ipv4: n.ipv4 === undefined && n.ipv6 !== undefined ? undefined : { igpTable: 'loopnh4', ...n.ipv4 },
    })),
  }
  return await BirdInstance.start({ name: o.name, config, registry: o.registry })
}

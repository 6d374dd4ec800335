// The anycast scenarios of issue #6 with tsbgp in the server role, against a
// border router of any kind (router.ts). One test file per router
// (interop/test/anycast-<router>.test.ts) picks the scenarios it runs; the
// matrix is the set of those files.
//
//   1 all healthy          5 crash (SIGKILL; SIGSTOP for the hold timer) and restart
//   2 service failure      6 two clouds (two service prefixes, overlapping server sets)
//   3 MED / prepend / LOCAL_PREF (iBGP)   7 IPv6 transport, 4-octet AS, communities
//   4 graceful drain (GSHUT, make-before-break)
//
// Each scenario is a tap subtest; its measured times go to t.comment and, with
// pass/fail, to a JSON-lines results file (Results) that also renders the
// summary table. Timings are wall clock on a shared 2-core machine: noisy.

import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { CleanupRegistry, listNetnsSync, pidAlive } from './cleanup.js'
import { addAddress } from './netns.js'
import { LabProcess, missingCommands, waitFor } from './proc.js'
import { echoPort, RESPONDER_PORT, runProbe, startResponder } from './responder.js'
import { startRouter, type LabRouter, type RouterKind, type RouterPath } from './router.js'
import { ANYCAST_V4, ANYCAST_V6, buildCluster, type Cluster, type ServerNode } from './topology.js'
import { TsbgpInstance, type TsbgpConfig, type TsbgpService } from './tsbgp.js'

/** A tap test (the scenarios run as its subtests). */
export type T = Test

export const HOLD = 3 // seconds (keepalive 1) on every session
export const CHECK_INTERVAL_MS = 500
export const CHECK_FALL = 2
export const CHECK_RISE = 2
export const DRAIN_PERIOD_MS = 2000
export const ANYCAST_B = '198.51.100.2'
export const PORT_B = 7107
const ROUTER_AS = 65000
const SERVER_AS = 65010

// ---------------------------------------------------------------- results

export interface ResultRow { scenario: string, router: RouterKind, pass: boolean, times: Record<string, number>, note?: string, at: string }

const RESULTS_DIR = process.env.TSBGP_LAB_RESULTS_DIR ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'results')

/** Rows of one router's run, appended to `<dir>/<router>.jsonl` (truncated when the run starts). */
export class Results {
  readonly rows: ResultRow[] = []
  readonly file: string
  constructor (readonly router: RouterKind) {
    mkdirSync(RESULTS_DIR, { recursive: true })
    this.file = join(RESULTS_DIR, `${router}.jsonl`)
    writeFileSync(this.file, '')
  }

  add (row: Omit<ResultRow, 'router' | 'at'>): void {
    const r = { ...row, router: this.router, at: new Date().toISOString() }
    this.rows.push(r)
    appendFileSync(this.file, JSON.stringify(r) + '\n')
  }

  /** This run's rows, then (if present) the rows of the other routers' files, as one markdown table. */
  table (): string {
    const all: ResultRow[] = []
    const kinds: RouterKind[] = ['bird', 'frr', 'gobgp']
    for (const f of kinds.map((k) => join(RESULTS_DIR, `${k}.jsonl`)).filter((x) => existsSync(x))) {
      for (const line of readFileSync(f, 'utf8').split('\n')) {
        if (line.trim() === '') continue
        const r = JSON.parse(line) as Partial<ResultRow>
        if (typeof r.scenario === 'string' && typeof r.router === 'string' && typeof r.times === 'object' && r.times !== null) all.push(r as ResultRow)
      }
    }
    return markdownTable(all)
  }
}

export function markdownTable (rows: ResultRow[]): string {
  const sorted = [...rows].sort((a, b) => a.scenario.localeCompare(b.scenario, 'en', { numeric: true }) || a.router.localeCompare(b.router))
  const fmt = (times: Record<string, number>): string => Object.entries(times).map(([k, v]) => `${k} ${v} ms`).join(', ')
  return ['| scenario | router | result | measured |', '|---|---|---|---|',
    ...sorted.map((r) => `| ${r.scenario} | ${r.router} | ${r.pass ? 'pass' : '**FAIL**'} | ${fmt(r.times)}${r.note === undefined ? '' : ` (${r.note})`} |`)].join('\n')
}

/** Runs one scenario as a subtest and records its row. */
export async function scenario (t: T, results: Results, id: string, title: string, fn: (t: any, times: Record<string, number>, note: (s: string) => void) => Promise<void>): Promise<void> {
  const times: Record<string, number> = {}
  const notes: string[] = []
  const r = await t.test(`${id}. ${title} [${results.router}]`, async (st) => { await fn(st, times, (s) => { if (!notes.includes(s)) notes.push(s); st.comment(s) }) })
  results.add({ scenario: `${id}. ${title}`, pass: r?.ok === true, times, note: notes.length === 0 ? undefined : notes.join('; ') })
}

// ---------------------------------------------------------------- lab

export const TOOLS: Record<RouterKind, string[]> = {
  bird: ['ip', 'sysctl', 'bird', 'birdc'],
  frr: ['ip', 'sysctl', '/usr/lib/frr/zebra', '/usr/lib/frr/bgpd', 'vtysh'],
  gobgp: ['ip', 'sysctl', 'gobgpd', 'gobgp'],
}

/** A missing privilege or package is a failure, not a skip. */
export async function requireLab (kind: RouterKind): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the interop lab needs root (network namespaces, veth, port 179)')
  const missing = await missingCommands(TOOLS[kind])
  if (missing.length > 0) throw new Error(`interop lab prerequisites missing: ${missing.join(', ')} (apt-get install -y iproute2 bird2 frr gobgpd)`)
}

export interface LabOptions {
  kind: RouterKind
  servers: number
  client: boolean
  /** Session transport (7: IPv6 sessions carrying the IPv6 prefixes only). */
  transport: 'ipv4' | 'ipv6'
  routerAs?: number
  serverAs?: number
  /** Per-instance attributes of the anycast service (index 0 = srv1). */
  knobs?: (i: number) => Partial<TsbgpService>
}

export interface Lab {
  kind: RouterKind
  o: LabOptions
  reg: CleanupRegistry
  c: Cluster
  dir: string
  router: LabRouter
  daemons: TsbgpInstance[]
  /** The anycast responder per server (null while stopped). */
  responders: Array<LabProcess | null>
  /** Extra processes started by scenarios (responders of a second service). */
  extra: LabProcess[]
  /** Every PID the lab ever started, for the torn-down check. */
  allPids: Set<number>
}

export function anycastService (lab: Pick<Lab, 'o'>, i: number): TsbgpService {
  const v4 = lab.o.transport === 'ipv4'
  return {
    name: 'anycast',
    prefixes: v4 ? [`${ANYCAST_V4}/32`, `${ANYCAST_V6}/128`] : [`${ANYCAST_V6}/128`],
    // The responder on the anycast address itself, from inside the server's namespace.
    check: { name: 'responder', tcp: v4 ? `${ANYCAST_V4}:${RESPONDER_PORT}` : `[${ANYCAST_V6}]:${RESPONDER_PORT}`, interval: `${CHECK_INTERVAL_MS}ms`, timeout: '400ms', rise: CHECK_RISE, fall: CHECK_FALL },
    med: 100,
    communities: ['65000:100'],
    holdDown: '0s',
    drain: { period: `${DRAIN_PERIOD_MS}ms` },
    ...lab.o.knobs?.(i),
  }
}

export function baseConfig (lab: Pick<Lab, 'o'>, s: ServerNode, services?: TsbgpService[]): TsbgpConfig {
  const v4 = lab.o.transport === 'ipv4'
  const remoteAs = lab.o.routerAs ?? ROUTER_AS
  return {
    routerId: s.addr4,
    localAs: lab.o.serverAs ?? SERVER_AS,
    instanceId: s.index,
    neighbors: [v4
      ? { address: s.routerAddr4, remoteAs, localAddress: s.addr4, holdTime: HOLD, keepalive: 1, connectRetry: 1, nextHop: { ipv6: s.addr6 } }
      : { address: s.routerAddr6, remoteAs, localAddress: s.addr6, holdTime: HOLD, keepalive: 1, connectRetry: 1, families: ['ipv6'] }],
    services: services ?? [anycastService(lab, s.index - 1), { name: 'pin', uniquePrefixes: v4 ? [`${s.unique4}/32`, `${s.unique6}/128`] : [`${s.unique6}/128`] }],
  }
}

function labRegistry (t: T, name: string): CleanupRegistry {
  const reg = new CleanupRegistry(name)
  t.teardown(async () => {
    const errors = await reg.runAll()
    if (errors.length > 0) throw new Error(`lab teardown: ${errors.map((e) => e.message).join('; ')}`)
  })
  return reg
}

/** Cluster + router + responders + one tsbgp per server; waits until the router holds every instance's paths. */
export async function startLab (t: T, o: LabOptions): Promise<Lab> {
  await requireLab(o.kind)
  const tails: Array<() => string> = []
  // Registered before the registry's teardown, which removes the log files.
  t.teardown(() => { if (!t.passing()) for (const f of tails) t.comment(f()) })
  const reg = labRegistry(t, `anycast-${o.kind}`)
  let t0 = Date.now()
  const c = await buildCluster({ servers: o.servers, client: o.client, registry: reg })
  const dir = mkdtempSync(join(tmpdir(), `tsbgp-${process.pid}-anycast-`))
  reg.addDir(dir)
  const serverAs = o.serverAs ?? SERVER_AS
  const router = await startRouter({
    kind: o.kind, netns: c.router.netns, routerId: c.router.addr4, as: o.routerAs ?? ROUTER_AS, holdTime: HOLD, registry: reg,
    neighbors: c.servers.map((s) => ({ name: s.name, address: o.transport === 'ipv4' ? s.addr4 : s.addr6, as: serverAs, families: o.transport === 'ipv4' ? ['ipv4', 'ipv6'] : ['ipv6'] })),
  })
  const responders = await Promise.all(c.servers.map(async (s) => await startResponder({ netns: s.netns, name: s.name, dir, registry: reg })))
  t.comment(`${o.kind}: cluster, router and ${c.servers.length} responders in ${Date.now() - t0} ms`)
  t0 = Date.now()
  const lab: Lab = { kind: o.kind, o, reg, c, dir, router, daemons: [], responders, extra: [], allPids: new Set([...router.pids(), ...responders.map((r) => r.pid)]) }
  lab.daemons = c.servers.map((s) => TsbgpInstance.start({ name: s.name, netns: s.netns, registry: reg, config: baseConfig(lab, s) }))
  for (const d of lab.daemons) lab.allPids.add(d.pid)
  for (const d of lab.daemons) tails.push(() => `${d.name} log tail:\n${d.proc.tail(15).split('\n').map((l) => l.slice(0, 400)).join('\n')}`)
  const ready = await Promise.all(lab.daemons.map(async (d) => await d.waitReady()))
  t.comment(`${o.kind}: ${lab.daemons.length} tsbgp daemons answer on their control sockets after ${ready.join('/')} ms`)
  await waitSessions(lab, c.servers, 'Established', 30_000)
  const est = Date.now() - t0
  const anycast = o.transport === 'ipv4' ? `${ANYCAST_V4}/32` : `${ANYCAST_V6}/128`
  await waitPaths(lab, anycast, (ss) => ss.length === c.servers.length, 20_000).catch(async (e: Error) => {
    for (const d of lab.daemons) t.comment(`${d.name} advertised: ${JSON.stringify(await d.advertised().catch((x: Error) => x.message))}`)
    t.comment(`router paths for ${anycast}: ${JSON.stringify(await router.paths(anycast))}`)
    throw e
  })
  t.comment(`${o.kind}: sessions Established ${est} ms, all ${c.servers.length} anycast paths at the router ${Date.now() - t0} ms after the daemons were started`)
  return lab
}

/** Tears the lab down now and checks that no namespace and no PID of it is left. */
export async function assertTornDown (t: T, lab: Lab): Promise<void> {
  for (const d of lab.daemons) lab.allPids.add(d.pid)
  const t0 = Date.now()
  // Graceful stops in parallel (each waits its drain period); the registry would do them one by one.
  const stops = await Promise.allSettled(lab.daemons.map(async (d) => { await d.stop() }))
  t.same(stops.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)), [], 'every tsbgp stopped on SIGTERM')
  t.same((await lab.reg.runAll()).map((e) => e.message), [], 'teardown without errors')
  t.comment(`teardown ${Date.now() - t0} ms`)
  t.same(listNetnsSync().filter((n) => lab.c.namespaces.includes(n)), [], 'no namespace of the run left')
  t.same([...lab.allPids].filter(pidAlive), [], 'no process of the run left')
}

// ---------------------------------------------------------------- helpers

/** Which server a path comes from (by session address or next hop). */
export function serverOf (lab: Lab, p: { from?: string, nextHop?: string }): string | undefined {
  return lab.c.servers.find((s) => [s.addr4, s.addr6].some((a) => a === p.from || a === p.nextHop))?.name
}

export async function pathServers (lab: Lab, prefix: string): Promise<string[]> {
  return (await lab.router.paths(prefix)).map((p) => serverOf(lab, p) ?? `?${p.from ?? ''}/${p.nextHop ?? ''}`).sort()
}

/** Kernel next hops as server names (by the router-side interface, srvI); null for a RIB-only router. */
export async function kernelServers (lab: Lab, prefix: string): Promise<string[] | null> {
  const nh = await lab.router.kernel(prefix)
  if (nh === null) return null
  return nh.map((n) => lab.c.servers.find((s) => s.routerIfname === n.dev)?.name ?? `?${n.dev ?? ''}`).sort()
}

export async function waitPaths (lab: Lab, prefix: string, pred: (servers: string[], paths: RouterPath[]) => boolean, timeoutMs: number): Promise<RouterPath[]> {
  return await waitFor(`${lab.kind}: paths for ${prefix}`, async () => {
    for (const p of lab.router.procs()) p.assertRunning()
    const ps = await lab.router.paths(prefix)
    return pred(ps.map((p) => serverOf(lab, p) ?? '?').sort(), ps) ? ps : undefined
  }, { timeoutMs, intervalMs: 20 })
}

export async function waitKernel (lab: Lab, prefix: string, want: string[], timeoutMs: number): Promise<string[] | null> {
  if (!lab.router.installsKernelRoutes) return null
  return await waitFor(`${lab.kind}: kernel ${prefix} → ${want.join(',')}`, async () => {
    const k = await kernelServers(lab, prefix)
    return k !== null && k.join() === [...want].sort().join() ? k : undefined
  }, { timeoutMs, intervalMs: 20 })
}

export async function waitSessions (lab: Lab, servers: ServerNode[], state: 'Established' | 'down', timeoutMs: number): Promise<number> {
  const t0 = Date.now()
  const addr = (s: ServerNode): string => (lab.o.transport === 'ipv4' ? s.addr4 : s.addr6)
  await waitFor(`${lab.kind}: sessions ${servers.map((s) => s.name).join(',')} ${state}`, async () => {
    const ss = await lab.router.sessions()
    return servers.every((s) => (state === 'Established' ? ss[addr(s)] === 'Established' : ss[addr(s)] !== 'Established'))
  }, { timeoutMs, intervalMs: 20 })
  return Date.now() - t0
}

function names (lab: Lab, idx: number[]): string[] { return idx.map((i) => lab.c.servers[i].name).sort() }

async function reloadAll (lab: Lab, cfg: (s: ServerNode, i: number) => TsbgpConfig): Promise<void> {
  await Promise.all(lab.daemons.map(async (d, i) => await d.reload(cfg(lab.c.servers[i], i))))
}

function withAnycast (lab: Lab, s: ServerNode, patch: Partial<TsbgpService>): TsbgpConfig {
  const c = baseConfig(lab, s)
  c.services = c.services.map((x) => (x.name === 'anycast' ? { ...x, ...patch } : x))
  return c
}

function dataPlane (lab: Lab, note: (s: string) => void): boolean {
  if (lab.router.installsKernelRoutes && lab.c.client !== null) return true
  note(`${lab.kind}: RIB only (no kernel routes), data-plane checks replaced by RIB checks`)
  return false
}

// ---------------------------------------------------------------- 1

export async function scenarioAllHealthy (t: any, lab: Lab, times: Record<string, number>, note: (s: string) => void): Promise<void> {
  const all = lab.c.servers.map((s) => s.name).sort()
  let t0 = Date.now()
  const p4 = await waitPaths(lab, `${ANYCAST_V4}/32`, (ss) => ss.join() === all.join(), 10_000)
  const p6 = await waitPaths(lab, `${ANYCAST_V6}/128`, (ss) => ss.join() === all.join(), 10_000)
  times.paths = Date.now() - t0
  t.equal(p4.length, 3, `router holds 3 paths for ${ANYCAST_V4}/32 (${p4.map((p) => serverOf(lab, p)).join(',')})`)
  t.equal(p6.length, 3, `router holds 3 paths for ${ANYCAST_V6}/128`)
  t.equal(p4.filter((p) => p.best).length, 1, 'one best path')
  for (const p of p4) {
    const i = lab.c.servers.findIndex((s) => s.name === serverOf(lab, p)) + 1
    t.same(p.asPath, [SERVER_AS], `${serverOf(lab, p)}: AS path ${SERVER_AS}`)
    t.equal(p.med, 100, `${serverOf(lab, p)}: MED 100`)
    t.ok(p.communities.includes('65000:100'), `${serverOf(lab, p)}: community 65000:100`)
    t.ok(p.largeCommunities.includes(`${SERVER_AS}:${i}:0`), `${serverOf(lab, p)}: instance-id large community ${SERVER_AS}:${i}:0 (${p.largeCommunities.join(' ')})`)
  }
  for (const s of lab.c.servers) {
    t.same(await pathServers(lab, `${s.unique4}/32`), [s.name], `unique ${s.unique4}/32 only from ${s.name}`)
    t.same(await pathServers(lab, `${s.unique6}/128`), [s.name], `unique ${s.unique6}/128 only from ${s.name}`)
  }
  if (!dataPlane(lab, note)) {
    t.equal(p4.filter((p) => !p.best).length, 2, 'GoBGP RIB: the two other paths kept (multipath RIB)')
    return
  }
  t0 = Date.now()
  t.same(await waitKernel(lab, `${ANYCAST_V4}/32`, all, 5000), all, 'kernel: 3-way ECMP for the anycast v4 /32')
  t.same(await waitKernel(lab, `${ANYCAST_V6}/128`, all, 5000), all, 'kernel: 3-way ECMP for the anycast v6 /128')
  times.kernel = Date.now() - t0
  for (const s of lab.c.servers) t.same(await waitKernel(lab, `${s.unique4}/32`, [s.name], 5000), [s.name], `kernel: ${s.unique4} via ${s.name} only`)
  t0 = Date.now()
  const client = lab.c.client?.netns ?? ''
  const res = await runProbe(client, [
    { proto: 'udp', host: ANYCAST_V4, port: RESPONDER_PORT, count: 30 },
    { proto: 'udp', host: ANYCAST_V6, port: RESPONDER_PORT, count: 12 },
    ...lab.c.servers.flatMap((s) => [{ proto: 'tcp' as const, host: s.unique4, port: RESPONDER_PORT }, { proto: 'tcp' as const, host: s.unique6, port: RESPONDER_PORT }]),
  ])
  times.probe = Date.now() - t0
  const spread = (a: Array<string | null>): string => all.map((n) => `${n}×${a.filter((x) => x === n).length}`).join(' ')
  t.ok(res[0].answers.every((a) => a !== null && all.includes(a)), `30 UDP queries to ${ANYCAST_V4}: all answered (${spread(res[0].answers)})`)
  t.ok(new Set(res[0].answers).size >= 2, 'flows spread over more than one instance')
  note(`UDP v4 spread over 30 flows: ${spread(res[0].answers)}`)
  t.ok(res[1].answers.every((a) => a !== null && all.includes(a)), `12 UDP queries to ${ANYCAST_V6}: all answered (${spread(res[1].answers)})`)
  lab.c.servers.forEach((s, i) => {
    t.equal(res[2 + 2 * i].answers[0], s.name, `TCP to ${s.unique4} reaches ${s.name}`)
    t.equal(res[3 + 2 * i].answers[0], s.name, `TCP to ${s.unique6} reaches ${s.name}`)
  })
}

// ---------------------------------------------------------------- 2

export async function scenarioServiceFailure (t: any, lab: Lab, times: Record<string, number>, note: (s: string) => void): Promise<void> {
  const k = 1 // srv2
  const s = lab.c.servers[k]
  const others = names(lab, [0, 2])
  const all = names(lab, [0, 1, 2])
  const bound = CHECK_INTERVAL_MS * CHECK_FALL + 1000
  const resp = lab.responders[k]
  if (resp === null) throw new Error('responder already stopped')
  const t0 = Date.now()
  await resp.stop()
  lab.responders[k] = null
  await waitPaths(lab, `${ANYCAST_V4}/32`, (ss) => ss.join() === others.join(), bound + 3000)
  times.withdrawn = Date.now() - t0
  t.ok(times.withdrawn <= bound, `${s.name}'s responder stopped: its path left the router after ${times.withdrawn} ms (bound interval×fall+1 s = ${bound} ms)`)
  await waitPaths(lab, `${ANYCAST_V6}/128`, (ss) => ss.join() === others.join(), 3000)
  t.pass('its IPv6 anycast path too')
  const svc = (await lab.daemons[k].services()).find((x) => x.name === 'anycast')
  t.match(svc, { state: 'down', announced: false }, `tsbgp on ${s.name} reports the service down (${svc?.reason ?? ''})`)
  t.same(await pathServers(lab, `${s.unique4}/32`), [s.name], `${s.unique4} stays announced (unique prefix, whatever the checks say)`)
  if (dataPlane(lab, note)) {
    t.same(await waitKernel(lab, `${ANYCAST_V4}/32`, others, 3000), others, 'kernel ECMP: the 2 others')
    times.kernel = Date.now() - t0
    const r = await runProbe(lab.c.client?.netns ?? '', [{ proto: 'udp', host: ANYCAST_V4, port: RESPONDER_PORT, count: 20 }])
    t.ok(r[0].answers.every((a) => a !== null && others.includes(a)), `the others keep serving: 20/20 answered by ${others.join('+')} (${r[0].answers.join(',')})`)
  }
  const t1 = Date.now()
  lab.responders[k] = await startResponder({ netns: s.netns, name: s.name, dir: lab.dir, registry: lab.reg })
  lab.allPids.add(lab.responders[k]!.pid)
  const started = Date.now() - t1
  await waitPaths(lab, `${ANYCAST_V4}/32`, (ss) => ss.join() === all.join(), 10_000)
  times.restored = Date.now() - t1
  t.ok(true, `responder restarted (${started} ms to listen); path back at the router ${times.restored} ms after the restart began (rise ${CHECK_RISE})`)
  if (lab.router.installsKernelRoutes) t.same(await waitKernel(lab, `${ANYCAST_V4}/32`, all, 3000), all, 'kernel ECMP: 3 again')
}

// ---------------------------------------------------------------- 3

export async function scenarioMedPrepend (t: any, lab: Lab, times: Record<string, number>, note: (s: string) => void): Promise<void> {
  const all = names(lab, [0, 1, 2])
  const best = async (): Promise<string | undefined> => { const p = (await lab.router.paths(`${ANYCAST_V4}/32`)).find((x) => x.best); return p === undefined ? undefined : serverOf(lab, p) }
  const dp = lab.router.installsKernelRoutes
  if (!dp) dataPlane(lab, note)
  // MED 10/20/30 (same neighbour AS 65010): the router prefers srv1 alone.
  let t0 = Date.now()
  await reloadAll(lab, (s, i) => withAnycast(lab, s, { med: 10 * (i + 1) }))
  await waitPaths(lab, `${ANYCAST_V4}/32`, (_s, ps) => ps.length === 3 && ps.every((p) => p.med === 10 * Number(serverOf(lab, p)?.slice(3))), 5000)
  t.equal(await best(), 'srv1', 'MED 10/20/30: best path srv1 (lowest MED)')
  if (dp) t.same(await waitKernel(lab, `${ANYCAST_V4}/32`, ['srv1'], 5000), ['srv1'], 'kernel: single next hop srv1')
  times.med = Date.now() - t0
  // srv1 to MED 50: srv2 (20) becomes the lowest.
  t0 = Date.now()
  await lab.daemons[0].reload(withAnycast(lab, lab.c.servers[0], { med: 50 }))
  await waitFor('best srv2', async () => (await best()) === 'srv2', { timeoutMs: 5000, intervalMs: 20 })
  if (dp) t.same(await waitKernel(lab, `${ANYCAST_V4}/32`, ['srv2'], 5000), ['srv2'], 'srv1 MED 50: kernel moves to srv2 (MED 20)')
  else t.pass('srv1 MED 50: best path moves to srv2 (MED 20)')
  times.medMove = Date.now() - t0
  if (dp && lab.c.client !== null) {
    const r = await runProbe(lab.c.client.netns, [{ proto: 'udp', host: ANYCAST_V4, port: RESPONDER_PORT, count: 10 }])
    t.same(r[0].answers, Array(10).fill('srv2'), 'all 10 UDP flows now reach srv2')
  }
  // Prepend 2 on srv1 (eBGP): longer AS path, out of the ECMP set.
  t0 = Date.now()
  await reloadAll(lab, (s, i) => withAnycast(lab, s, i === 0 ? { prepend: 2 } : {}))
  const ps = await waitPaths(lab, `${ANYCAST_V4}/32`, (_s, p) => p.some((x) => serverOf(lab, x) === 'srv1' && x.asPath.length === 3) && p.every((x) => x.med === 100), 5000)
  t.same(ps.find((x) => serverOf(lab, x) === 'srv1')?.asPath, [SERVER_AS, SERVER_AS, SERVER_AS], 'srv1 AS path prepended twice')
  if (dp) t.same(await waitKernel(lab, `${ANYCAST_V4}/32`, ['srv2', 'srv3'], 5000), ['srv2', 'srv3'], 'kernel ECMP: srv2+srv3, srv1 out')
  else t.not(await best(), 'srv1', 'srv1 (prepended) is not best')
  times.prepend = Date.now() - t0
  await reloadAll(lab, (s) => baseConfig(lab, s))
  if (dp) await waitKernel(lab, `${ANYCAST_V4}/32`, all, 5000)
  else await waitPaths(lab, `${ANYCAST_V4}/32`, (_s, p) => p.length === 3 && p.every((x) => x.asPath.length === 1), 5000)
  t.pass('back to equal attributes')
}

/** LOCAL_PREF over iBGP: its own lab (servers in the router's AS). */
export async function scenarioLocalPref (t: any, lab: Lab, times: Record<string, number>, note: (s: string) => void): Promise<void> {
  const best = async (): Promise<string | undefined> => { const p = (await lab.router.paths(`${ANYCAST_V4}/32`)).find((x) => x.best); return p === undefined ? undefined : serverOf(lab, p) }
  const ps = await waitPaths(lab, `${ANYCAST_V4}/32`, (_s, p) => p.length === 2 && p.every((x) => x.localPref !== undefined && x.localPref >= 100), 10_000)
  t.same(ps.map((p) => [serverOf(lab, p), p.localPref]).sort(), [['srv1', 200], ['srv2', 100]], 'iBGP LOCAL_PREF 200 (srv1), 100 (srv2) at the router')
  t.same(ps.map((p) => p.asPath), [[], []], 'iBGP: empty AS path')
  t.equal(await best(), 'srv1', 'best: srv1 (higher LOCAL_PREF)')
  if (lab.router.installsKernelRoutes) t.same(await waitKernel(lab, `${ANYCAST_V4}/32`, ['srv1'], 5000), ['srv1'], 'kernel: single next hop srv1')
  else dataPlane(lab, note)
  const t0 = Date.now()
  await lab.daemons[0].reload(withAnycast(lab, lab.c.servers[0], { localPref: 50 }))
  await waitFor('best srv2', async () => (await best()) === 'srv2', { timeoutMs: 5000, intervalMs: 20 })
  if (lab.router.installsKernelRoutes) t.same(await waitKernel(lab, `${ANYCAST_V4}/32`, ['srv2'], 5000), ['srv2'], 'srv1 LOCAL_PREF 50: kernel moves to srv2')
  else t.pass('srv1 LOCAL_PREF 50: best moves to srv2')
  times.lpMove = Date.now() - t0
}

// ---------------------------------------------------------------- 4

export async function scenarioDrain (t: any, lab: Lab, times: Record<string, number>, note: (s: string) => void): Promise<void> {
  const k = 2 // srv3
  const s = lab.c.servers[k]
  const d = lab.daemons[k]
  const all = names(lab, [0, 1, 2])
  const rest = names(lab, [0, 1])
  const client = lab.c.client
  if (!dataPlane(lab, note) || client === null) throw new Error('scenario 4 needs a router that programs the kernel and a client')
  // Steady stream: one short UDP query (fresh socket = fresh flow) every 10 ms; one long-lived TCP session to srv3's unique address.
  const streamN = 400
  const sessionN = 90
  const pre = await runProbe(client.netns, [{ proto: 'udp', host: ANYCAST_V4, port: RESPONDER_PORT, count: 30 }])
  t.ok(pre[0].answers.includes(s.name), `before the drain ${s.name} serves its share (${pre[0].answers.filter((a) => a === s.name).length}/30 flows)`)
  const t0 = Date.now()
  let streamDone = 0
  let sessionDone = 0
  const stream = runProbe(client.netns, [{ proto: 'udp', host: ANYCAST_V4, port: RESPONDER_PORT, count: streamN, intervalMs: 10 }]).then((r) => { streamDone = Date.now(); return r })
  const session = runProbe(client.netns, [{ proto: 'session', host: s.unique4, port: echoPort(), count: sessionN, intervalMs: 70 }], 1000).then((r) => { sessionDone = Date.now(); return r })
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const td = Date.now()
  const res = await d.drain('anycast')
  t.same(res.services, [{ name: 'anycast', state: 'draining' }], 'tsbgp drain anycast: draining')
  const g = await waitPaths(lab, `${ANYCAST_V4}/32`, (_s, ps) => ps.some((p) => serverOf(lab, p) === s.name && p.communities.includes('65535:0')), 3000)
  times.gshutSeen = Date.now() - td
  t.equal(g.find((p) => serverOf(lab, p) === s.name)?.localPref, 0, `router: ${s.name}'s path carries GRACEFUL_SHUTDOWN, LOCAL_PREF 0 by the router's GSHUT policy`)
  await waitKernel(lab, `${ANYCAST_V4}/32`, rest, 3000)
  const tk = Date.now()
  times.ecmpOut = tk - td
  t.ok(true, `kernel ECMP down to ${rest.join('+')} ${times.ecmpOut} ms after the drain, while ${s.name}'s path is still announced`)
  await waitPaths(lab, `${ANYCAST_V4}/32`, (ss) => ss.join() === rest.join(), DRAIN_PERIOD_MS + 3000)
  const tw = Date.now()
  times.withdrawn = tw - td
  t.ok(tw - tk >= DRAIN_PERIOD_MS - 700, `withdrawal arrived ${tw - tk} ms after traffic had moved (make before break; drain.period ${DRAIN_PERIOD_MS} ms)`)
  t.same(await pathServers(lab, `${s.unique4}/32`), [s.name], `${s.unique4} still announced by ${s.name}`)
  const [[st], [se]] = await Promise.all([stream, session])
  const lost = st.answers.filter((a) => a === null).length
  const before = st.answers.filter((a) => a === s.name).length
  t.equal(lost, 0, `steady stream of ${streamN} UDP queries over ${streamDone - t0} ms through drain and withdrawal: ${lost} lost (${all.map((n) => `${n}×${st.answers.filter((a) => a === n).length}`).join(' ')})`)
  t.comment(`${s.name} answered ${before} queries of the stream (its share until the drain moved traffic)`)
  const ok = se.answers.filter((a) => a === s.name).length
  t.equal(ok, sessionN, `long-lived TCP session to ${s.unique4}: ${ok}/${sessionN} exchanges answered by ${s.name}`)
  t.ok(sessionDone - tw > 1000, `the TCP session kept exchanging ${sessionDone - tw} ms past the withdrawal`)
  note(`stream ${streamN} queries, ${lost} lost; TCP session ${ok}/${sessionN}`)
  const tu = Date.now()
  await d.undrain('anycast')
  await waitKernel(lab, `${ANYCAST_V4}/32`, all, 10_000)
  times.undrain = Date.now() - tu
  t.pass(`undrain: back in the ECMP set after ${times.undrain} ms`)
}

// ---------------------------------------------------------------- 5

export async function scenarioCrash (t: any, lab: Lab, times: Record<string, number>, note: (s: string) => void): Promise<void> {
  const k = 2 // srv3
  const s = lab.c.servers[k]
  const d = lab.daemons[k]
  const all = names(lab, [0, 1, 2])
  const rest = names(lab, [0, 1])
  const anycast = lab.o.transport === 'ipv4' ? `${ANYCAST_V4}/32` : `${ANYCAST_V6}/128`
  let t0 = Date.now()
  await d.kill()
  await waitPaths(lab, anycast, (ss) => ss.join() === rest.join(), HOLD * 1000 + 3000)
  times.killed = Date.now() - t0
  t.ok(times.killed <= HOLD * 1000, `SIGKILL of tsbgp on ${s.name}: path gone at the router after ${times.killed} ms (hold time ${HOLD} s; the kernel closes the dead process's TCP connection, so the router usually learns it at once)`)
  t.not((await lab.router.sessions())[lab.o.transport === 'ipv4' ? s.addr4 : s.addr6], 'Established', 'session down at the router')
  if (lab.router.installsKernelRoutes) t.same(await waitKernel(lab, anycast, rest, 3000), rest, 'kernel ECMP: the 2 others')
  t0 = Date.now()
  d.restart()
  lab.allPids.add(d.pid)
  times.sessionBack = await waitSessions(lab, [s], 'Established', 30_000)
  await waitPaths(lab, anycast, (ss) => ss.join() === all.join(), 15_000)
  times.pathBack = Date.now() - t0
  const started = d.startedAt()
  if (started !== undefined) {
    times.processStart = started - t0
    times.startedToPath = times.pathBack - times.processStart
  }
  t.ok(true, `tsbgp restarted: session Established ${times.sessionBack} ms, path back ${times.pathBack} ms after the restart, of which ${times.processStart ?? '?'} ms is the process start up to its 'tsbgp started' log line (then ${times.startedToPath ?? '?'} ms to the path at the router)`)
  if (lab.router.installsKernelRoutes) await waitKernel(lab, anycast, all, 3000)

  // Frozen daemon (SIGSTOP): the socket stays open, no KEEPALIVE: only the router's hold timer can notice.
  const k2 = 1
  const s2 = lab.c.servers[k2]
  const rest2 = names(lab, [0, 2])
  t0 = Date.now()
  lab.daemons[k2].proc.pause()
  try {
    await waitPaths(lab, anycast, (ss) => ss.join() === rest2.join(), HOLD * 1000 + 4000)
    times.holdExpiry = Date.now() - t0
  } finally {
    lab.daemons[k2].proc.resume()
  }
  // The router's HoldTimer was restarted by the last KEEPALIVE (sent every 1 s, jittered down to 0.75 s,
  // RFC 4271 §10), up to 1 s before the SIGSTOP, and BIRD randomises the HoldTimer itself down to 75 %
  // (also §10): expiry lands between 0.75 × HOLD − 1 s and HOLD after the stop.
  const earliest = 0.75 * HOLD * 1000 - 1000 - 250
  t.ok(times.holdExpiry >= earliest && times.holdExpiry <= HOLD * 1000 + 1500, `SIGSTOP of tsbgp on ${s2.name}: path gone after ${times.holdExpiry} ms (hold timer ${HOLD} s; window ${earliest}–${HOLD * 1000 + 1500} ms)`)
  t0 = Date.now()
  await waitPaths(lab, anycast, (ss) => ss.join() === all.join(), 20_000)
  times.resumed = Date.now() - t0
  t.ok(true, `SIGCONT: session and path back after ${times.resumed} ms`)
  note(`SIGKILL → FIN from the kernel; SIGSTOP → hold timer`)
}

// ---------------------------------------------------------------- 6

export async function scenarioTwoClouds (t: any, lab: Lab, times: Record<string, number>, note: (s: string) => void): Promise<void> {
  const [s1, s2, s3] = lab.c.servers
  const A = `${ANYCAST_V4}/32`
  const B = `${ANYCAST_B}/32`
  const serviceB: TsbgpService = {
    name: 'cloud-b', prefixes: [B],
    check: { name: 'responder-b', tcp: `${ANYCAST_B}:${PORT_B}`, interval: `${CHECK_INTERVAL_MS}ms`, timeout: '400ms', rise: CHECK_RISE, fall: CHECK_FALL },
    med: 100, holdDown: '0s', drain: { period: '1s' },
  }
  const respB: Array<LabProcess | null> = [null, null, null]
  for (const i of [1, 2]) {
    const s = lab.c.servers[i]
    await addAddress(s.netns, 'lo', B)
    respB[i] = await startResponder({ netns: s.netns, name: `${s.name}-b`, port: PORT_B, dir: lab.dir, registry: lab.reg })
    lab.extra.push(respB[i]!)
    lab.allPids.add(respB[i]!.pid)
  }
  const base = (s: ServerNode): TsbgpConfig => baseConfig(lab, s)
  const svc = (s: ServerNode, which: string[]): TsbgpConfig => {
    const c = base(s)
    const any = c.services.find((x) => x.name === 'anycast')!
    const pin = c.services.find((x) => x.name === 'pin')!
    c.services = [...(which.includes('A') ? [{ ...any, prefixes: [A] }] : []), ...(which.includes('B') ? [serviceB] : []), pin]
    return c
  }
  let t0 = Date.now()
  await Promise.all([lab.daemons[0].reload(svc(s1, ['A'])), lab.daemons[1].reload(svc(s2, ['A', 'B'])), lab.daemons[2].reload(svc(s3, ['B']))])
  await waitPaths(lab, A, (ss) => ss.join() === 'srv1,srv2', 10_000)
  await waitPaths(lab, B, (ss) => ss.join() === 'srv2,srv3', 10_000)
  times.converge = Date.now() - t0
  t.pass(`reloaded: A ${A} from srv1+srv2, B ${B} from srv2+srv3 (${times.converge} ms)`)
  const dp = dataPlane(lab, note)
  if (dp) {
    t.same(await waitKernel(lab, A, ['srv1', 'srv2'], 3000), ['srv1', 'srv2'], 'kernel: A via srv1+srv2')
    t.same(await waitKernel(lab, B, ['srv2', 'srv3'], 3000), ['srv2', 'srv3'], 'kernel: B via srv2+srv3')
  }
  // Fail A on srv2 (its responder), B on srv2 keeps its path.
  let bChanged = false
  const watchB = async (): Promise<void> => { if ((await pathServers(lab, B)).join() !== 'srv2,srv3') bChanged = true }
  t0 = Date.now()
  await lab.responders[1]!.stop()
  lab.responders[1] = null
  await waitFor('A from srv1 only', async () => { await watchB(); return (await pathServers(lab, A)).join() === 'srv1' }, { timeoutMs: 5000, intervalMs: 20 })
  times.failA = Date.now() - t0
  for (let i = 0; i < 10; i++) { await watchB(); await new Promise((resolve) => setTimeout(resolve, 50)) }
  t.notOk(bChanged, `A failed on srv2 (${times.failA} ms): B kept srv2+srv3 throughout`)
  const svcs = await lab.daemons[1].services()
  t.same(svcs.filter((x) => x.name !== 'pin').map((x) => [x.name, x.state]).sort(), [['anycast', 'down'], ['cloud-b', 'up']], 'tsbgp on srv2: anycast down, cloud-b up')
  if (dp && lab.c.client !== null) {
    t.same(await waitKernel(lab, A, ['srv1'], 3000), ['srv1'], 'kernel: A via srv1 only')
    const r = await runProbe(lab.c.client.netns, [{ proto: 'udp', host: ANYCAST_V4, port: RESPONDER_PORT, count: 10 }, { proto: 'udp', host: ANYCAST_B, port: PORT_B, count: 16 }])
    t.same(r[0].answers, Array(10).fill('srv1'), 'A answered by srv1 only')
    t.ok(r[1].answers.every((a) => a === 'srv2-b' || a === 'srv3-b') && r[1].answers.includes('srv2-b'), `B answered by srv2 and srv3 (${r[1].answers.join(',')})`)
  }
  lab.responders[1] = await startResponder({ netns: s2.netns, name: s2.name, dir: lab.dir, registry: lab.reg })
  lab.allPids.add(lab.responders[1].pid)
  await waitPaths(lab, A, (ss) => ss.join() === 'srv1,srv2', 10_000)
  // And the other way round: fail B on srv2, A untouched.
  let aChanged = false
  t0 = Date.now()
  await respB[1]!.stop()
  await waitFor('B from srv3 only', async () => {
    if ((await pathServers(lab, A)).join() !== 'srv1,srv2') aChanged = true
    return (await pathServers(lab, B)).join() === 'srv3'
  }, { timeoutMs: 5000, intervalMs: 20 })
  times.failB = Date.now() - t0
  t.notOk(aChanged, `B failed on srv2 (${times.failB} ms): A kept srv1+srv2 throughout`)
  await reloadAll(lab, (s) => base(s))
  await waitPaths(lab, A, (ss) => ss.join() === 'srv1,srv2,srv3', 10_000)
  await waitPaths(lab, B, (ss) => ss.length === 0, 10_000)
  t.pass('back to one cloud on all three servers')
}

// ---------------------------------------------------------------- 7

export const AS4_ROUTER = 4200000000
export const AS4_SERVER = 4200000010

/** Lab options of scenario 7: IPv6 sessions, 4-octet ASes, communities (with NO_EXPORT, the usual anycast tag) and large communities per instance. */
export function ipv6LabOptions (kind: RouterKind): LabOptions {
  return {
    kind, servers: 3, client: true, transport: 'ipv6', routerAs: AS4_ROUTER, serverAs: AS4_SERVER,
    knobs: (i) => ({ communities: ['65000:100', `64512:${i + 1}`, '65001:65535', 'no-export'], largeCommunities: [`${AS4_SERVER}:7:${i + 1}`, `${AS4_ROUTER}:1:2`] }),
  }
}

export async function scenarioIpv6As4 (t: any, lab: Lab, times: Record<string, number>, note: (s: string) => void): Promise<void> {
  const all = lab.c.servers.map((s) => s.name).sort()
  const P = `${ANYCAST_V6}/128`
  const tp = Date.now()
  const ps = await waitPaths(lab, P, (ss) => ss.join() === all.join(), 10_000)
  times.paths = Date.now() - tp
  const sess = await lab.router.sessions()
  t.ok(lab.c.servers.every((s) => sess[s.addr6] === 'Established'), `sessions over IPv6 transport: ${lab.c.servers.map((s) => `${s.addr6} ${sess[s.addr6]}`).join(', ')}`)
  for (const p of ps) {
    const name = serverOf(lab, p) ?? '?'
    const i = Number(name.slice(3))
    t.same(p.asPath, [AS4_SERVER], `${name}: AS path ${AS4_SERVER} (4-octet, RFC 6793)`)
    t.same([...p.communities].sort(), ['64512:' + i, '65000:100', '65001:65535', '65535:65281'].sort(), `${name}: communities intact, NO_EXPORT (RFC 1997) included for the router to honour (${p.communities.join(' ')})`)
    t.same([...p.largeCommunities].sort(), [`${AS4_SERVER}:7:${i}`, `${AS4_ROUTER}:1:2`, `${AS4_SERVER}:${i}:0`].sort(), `${name}: large communities intact, with instance-id ${AS4_SERVER}:${i}:0 (${p.largeCommunities.join(' ')})`)
    t.equal(p.nextHop, lab.c.servers[i - 1].addr6, `${name}: next hop ${lab.c.servers[i - 1].addr6}`)
  }
  for (const s of lab.c.servers) t.same(await pathServers(lab, `${s.unique6}/128`), [s.name], `unique ${s.unique6}/128 from ${s.name}`)
  t.same(await pathServers(lab, `${ANYCAST_V4}/32`), [], 'no IPv4 route over the IPv6-only sessions')
  if (!dataPlane(lab, note)) return
  const t0 = Date.now()
  t.same(await waitKernel(lab, P, all, 5000), all, 'kernel: 3-way IPv6 ECMP')
  const r = await runProbe(lab.c.client?.netns ?? '', [{ proto: 'udp', host: ANYCAST_V6, port: RESPONDER_PORT, count: 24 }, ...lab.c.servers.map((s) => ({ proto: 'tcp' as const, host: s.unique6, port: RESPONDER_PORT }))])
  times.probe = Date.now() - t0
  t.ok(r[0].answers.every((a) => a !== null && all.includes(a)) && new Set(r[0].answers).size >= 2, `client: 24 UDP queries to ${ANYCAST_V6} all answered, spread (${all.map((n) => `${n}×${r[0].answers.filter((a) => a === n).length}`).join(' ')})`)
  lab.c.servers.forEach((s, i) => { t.equal(r[1 + i].answers[0], s.name, `TCP to ${s.unique6} reaches ${s.name}`) })
}

// ---------------------------------------------------------------- the matrix

const ROUTER_NAME: Record<RouterKind, string> = { bird: 'BIRD', frr: 'FRR', gobgp: 'GoBGP' }

/**
 * Every scenario against one router kind, as the three anycast-*.test.ts files run them. A router without a
 * data plane (GoBGP here: no zebra, RIB-only) has no client namespace and skips scenario 4, which is about
 * traffic moving before the withdrawal; that is said in the test name and the results, never silently.
 */
export function routerSuite (t: T, kind: RouterKind, o: { dataPlane: boolean }): void {
  const results = new Results(kind)
  const name = ROUTER_NAME[kind]
  const ids = o.dataPlane ? '1, 2, 3a, 4, 5, 6' : '1, 2, 3a, 5, 6 (no data plane: no 4)'
  t.test(`${name} router, 3 tsbgp servers over IPv4 sessions: scenarios ${ids}`, async (t) => {
    const lab = await startLab(t, { kind, servers: 3, client: o.dataPlane, transport: 'ipv4' })
    await scenario(t, results, '1', 'all healthy', async (t, times, note) => { await scenarioAllHealthy(t, lab, times, note) })
    await scenario(t, results, '2', 'service failure and restore', async (t, times, note) => { await scenarioServiceFailure(t, lab, times, note) })
    await scenario(t, results, '3a', 'MED and AS-path prepend', async (t, times, note) => { await scenarioMedPrepend(t, lab, times, note) })
    if (o.dataPlane) await scenario(t, results, '4', 'graceful drain (GSHUT, make-before-break)', async (t, times, note) => { await scenarioDrain(t, lab, times, note) })
    await scenario(t, results, '5', 'crash (SIGKILL, SIGSTOP) and restart', async (t, times, note) => { await scenarioCrash(t, lab, times, note) })
    await scenario(t, results, '6', 'two clouds, independent failures', async (t, times, note) => { await scenarioTwoClouds(t, lab, times, note) })
    await assertTornDown(t, lab)
  })
  t.test(`${name} router, 2 tsbgp servers over iBGP: scenario 3 LOCAL_PREF`, async (t) => {
    const lab = await startLab(t, { kind, servers: 2, client: false, transport: 'ipv4', routerAs: 65000, serverAs: 65000, knobs: (i) => ({ localPref: i === 0 ? 200 : 100 }) })
    await scenario(t, results, '3b', 'LOCAL_PREF via iBGP', async (t, times, note) => { await scenarioLocalPref(t, lab, times, note) })
    await assertTornDown(t, lab)
  })
  t.test(`${name} router, IPv6 sessions, 4-octet AS: scenario 7`, async (t) => {
    const lab = await startLab(t, { ...ipv6LabOptions(kind), client: o.dataPlane })
    await scenario(t, results, '7', 'IPv6 transport, 4-octet AS, communities', async (t, times, note) => { await scenarioIpv6As4(t, lab, times, note) })
    await assertTornDown(t, lab)
  })
  t.test('summary', async (t) => {
    t.ok(results.rows.length > 0, `results in ${results.file}`)
    t.comment(`\n${results.table()}`)
  })
}

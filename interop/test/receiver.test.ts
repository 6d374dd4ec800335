// tsbgp as the receiving side (issue #6 matrix): it learns a table from BIRD, FRR and GoBGP and
// selects correctly. Per daemon kind, in namespaces built by the lab (interop/lab/topology.ts):
//
//             tsbgp namespace ("router" of buildCluster): a tsbgp Speaker in a child process
//             (fixtures/receiver-child.ts), AS 65000, multipath on, exports nothing
//      192.0.2.1/30 |  192.0.2.5/30 |  192.0.2.9/30 |  192.0.2.13/30   (+ 2001:db8:0:N::1/64)
//                 A |             B |             C |              I
//   AS 4200000001   |  AS 65002     |  AS 65002     |  AS 65000 (iBGP)
//   id 192.0.2.2       id 192.0.2.6    id 192.0.2.10   id 192.0.2.14
//
// Every daemon is passive, with an IPv4 session (IPv4 unicast) and an IPv6 session (IPv6 unicast) to
// tsbgp; tsbgp dials once every daemon holds its table, so "table learn time" is the transfer alone.
// The table: every subprefix /24../32 of 198.51.100.0/24 and 203.0.113.0/24 (1022) and 512 IPv6
// prefixes of 2001:db8:1::/48 (/56) and 2001:db8:2::/48 (/64); prefix i is in category i % 10, which
// says which daemons originate it and with what MED / LOCAL_PREF / AS_PATH (CATEGORIES below), each
// with the RFC 4271 §9.1 outcome tsbgp must reach. Every origination carries a community
// (65101..65104):category and a large community AS:category:4|6, checked intact at tsbgp.
// Then B withdraws categories 1 and 4: their prefixes must leave tsbgp's Loc-RIB or fall back to C.
//
// Needs root, iproute2, bird2, frr, gobgpd: a missing one is a failure, not a skip. Namespaces and
// processes are torn down by name and PID (CleanupRegistry), also on failure. Summary rows go to
// interop/results/receiver.jsonl.

import t from 'tap'
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CleanupRegistry, listNetnsSync, pidAlive } from '../lab/cleanup.js'
import { BirdInstance, type BirdConfig, type BirdNeighbor, type BirdStaticRoute } from '../lab/bird.js'
import { FrrInstance, type FrrConfig } from '../lab/frr.js'
import { GobgpInstance } from '../lab/gobgp.js'
import { exec, freeTcpPort, missingCommands, waitFor } from '../lab/proc.js'
import { buildCluster, type Cluster, type ServerNode } from '../lab/topology.js'
import { SpeakerChild, type DumpEntry, type PeerInput } from './fixtures/receiver-client.js'

type Test = Pick<typeof t, 'teardown' | 'same' | 'comment' | 'equal' | 'ok'>

const TOOLS = ['ip', 'sysctl', 'bird', 'birdc', '/usr/lib/frr/zebra', '/usr/lib/frr/bgpd', 'vtysh', 'gobgpd', 'gobgp']
const RESULTS = fileURLToPath(new URL('../results/receiver.jsonl', import.meta.url))
const HOLD = 9
const TS_AS = 65000
const TS_ID = '192.0.2.254'

type Role = 'A' | 'B' | 'C' | 'I'
const ROLES: Role[] = ['A', 'B', 'C', 'I']
const ROLE: Record<Role, { as: number, server: number, comm: number }> = {
  A: { as: 4200000001, server: 1, comm: 65101 },
  B: { as: 65002, server: 2, comm: 65102 },
  C: { as: 65002, server: 3, comm: 65103 },
  I: { as: TS_AS, server: 4, comm: 65104 },
}

interface Attr { med?: number, localPref?: number, /** ASes after the daemon's own (eBGP) or the whole AS_PATH (iBGP). */ prepend?: number[] }
interface Category { what: string, members: Partial<Record<Role, Attr>>, best: Role, multipath: Role[] }

const A_AS = ROLE.A.as
const CATEGORIES: Category[] = [
  { what: 'A only: 4-octet AS 4200000001, MED 10', members: { A: { med: 10 } }, best: 'A', multipath: ['A'] },
  { what: 'B only, no MED', members: { B: {} }, best: 'B', multipath: ['B'] },
  { what: 'I only: iBGP, LOCAL_PREF 150, empty AS_PATH', members: { I: { localPref: 150 } }, best: 'I', multipath: ['I'] },
  { what: 'AS_PATH length: A prepends twice (3 ASes), B (1) wins', members: { A: { prepend: [A_AS, A_AS] }, B: {} }, best: 'B', multipath: ['B'] },
  { what: 'B and C equal (same neighbour AS, MED 20): multipath {B, C}, best B (lower router id)', members: { B: { med: 20 }, C: { med: 20 } }, best: 'B', multipath: ['B', 'C'] },
  { what: 'MED, same neighbour AS 65002: C (20) over B (50)', members: { B: { med: 50 }, C: { med: 20 } }, best: 'C', multipath: ['C'] },
  { what: 'LOCAL_PREF 200 via iBGP beats shorter eBGP paths (I path 65099 65098)', members: { A: {}, B: {}, I: { localPref: 200, prepend: [65099, 65098] } }, best: 'I', multipath: ['I'] },
  { what: 'eBGP over iBGP: A over I (both 1 AS, LOCAL_PREF 100)', members: { A: {}, I: { localPref: 100, prepend: [65099] } }, best: 'A', multipath: ['A'] },
  { what: 'MED before eBGP-over-iBGP: I (path 65002, MED 5) over B, C (MED 30)', members: { B: { med: 30 }, C: { med: 30 }, I: { localPref: 100, prepend: [65002], med: 5 } }, best: 'I', multipath: ['I'] },
  { what: 'MED not compared across neighbour ASes: A (MED 100) over B (MED 10) by router id', members: { A: { med: 100 }, B: { med: 10 } }, best: 'A', multipath: ['A'] },
]
/** What B withdraws in the second phase, and what each of those categories becomes. */
const WITHDRAWN_BY_B = [1, 4]
const AFTER_WITHDRAWAL: Record<number, { best: Role, multipath: Role[] } | null> = { 1: null, 4: { best: 'C', multipath: ['C'] } }

type Fam = 4 | 6
interface Prefix { prefix: string, fam: Fam, cat: number }

function prefixes (): Prefix[] {
  const out: Prefix[] = []
  const v4: string[] = []
  for (const base of ['198.51.100', '203.0.113']) {
    for (let len = 24; len <= 32; len++) {
      const step = 2 ** (32 - len)
      for (let o = 0; o < 256; o += step) v4.push(`${base}.${o}/${len}`)
    }
  }
  v4.forEach((p, i) => out.push({ prefix: p, fam: 4, cat: i % 10 }))
  // Canonical text (RFC 5952), as tsbgp prints prefixes: the URL parser compresses the zeros.
  const v6addr = (a: string): string => new URL(`http://[${a}]`).hostname.slice(1, -1)
  const v6: string[] = []
  for (let i = 0; i < 256; i++) v6.push(`${v6addr(`2001:db8:1:${(i << 8).toString(16)}::`)}/56`)
  for (let i = 0; i < 256; i++) v6.push(`${v6addr(`2001:db8:2:${i.toString(16)}::`)}/64`)
  v6.forEach((p, i) => out.push({ prefix: p, fam: 6, cat: i % 10 }))
  return out
}

const TABLE = prefixes()
const COUNT4 = TABLE.filter((p) => p.fam === 4).length
const COUNT6 = TABLE.filter((p) => p.fam === 6).length

/** Routes role `r` originates (all, or minus what it has withdrawn). */
function originations (r: Role, withdrawn = false): Prefix[] {
  return TABLE.filter((p) => CATEGORIES[p.cat].members[r] !== undefined && !(withdrawn && r === 'B' && WITHDRAWN_BY_B.includes(p.cat)))
}

const community = (r: Role, cat: number): string => `${ROLE[r].comm}:${cat}`
const largeCommunity = (r: Role, cat: number, fam: Fam): string => `${ROLE[r].as}:${cat}:${fam}`
const ebgp = (r: Role): boolean => ROLE[r].as !== TS_AS

/** The AS_PATH tsbgp must see from `r` for a category. */
function asPathAt (r: Role, a: Attr): number[] {
  return ebgp(r) ? [ROLE[r].as, ...(a.prepend ?? [])] : [...(a.prepend ?? [])]
}

// ------------------------------------------------------------------ daemons

interface Daemon {
  role: Role
  server: ServerNode
  version: string
  pids: () => number[]
  /** Waits until the daemon holds its whole table (before any session is up). */
  waitLoaded: () => Promise<void>
  /** Stops originating `ps`. */
  withdraw: (ps: Prefix[]) => Promise<void>
  stop: () => Promise<void>
}

type Kind = 'bird' | 'frr' | 'gobgp'

async function versionOf (kind: Kind): Promise<string> {
  if (kind === 'bird') return (await exec('bird', ['--version'], { check: false })).stderr.trim() || 'BIRD ?'
  if (kind === 'frr') return (await exec('/usr/lib/frr/bgpd', ['--version'], { check: false })).stdout.split('\n')[0].trim()
  return (await exec('gobgpd', ['--version'], { check: false })).stdout.trim()
}

function birdTable (r: Role, ps: Prefix[]): BirdStaticRoute[] {
  return ps.map((p) => ({ prefix: p.prefix, set: [`bgp_community.add((${ROLE[r].comm},${p.cat}))`, `bgp_large_community.add((${ROLE[r].as},${p.cat},${p.fam}))`] }))
}

/** BIRD sets MED / LOCAL_PREF / prepends in the export filter (it drops a static route's bgp_med toward eBGP). */
function birdExportFilter (r: Role): string {
  const lines: string[] = []
  CATEGORIES.forEach((c, cat) => {
    const a = c.members[r]
    if (a === undefined) return
    const st: string[] = []
    if (a.med !== undefined) st.push(`bgp_med = ${a.med};`)
    if (a.localPref !== undefined) st.push(`bgp_local_pref = ${a.localPref};`)
    for (const as of [...(a.prepend ?? [])].reverse()) st.push(`bgp_path.prepend(${as});`)
    if (st.length > 0) lines.push(`if (${ROLE[r].comm},${cat}) ~ bgp_community then { ${st.join(' ')} }`)
  })
  lines.push('accept;')
  return lines.join('\n  ')
}

function birdConfig (r: Role, s: ServerNode, withdrawn: boolean): BirdConfig {
  const raw = birdExportFilter(r)
  const ib = !ebgp(r)
  const common: Omit<BirdNeighbor, 'name' | 'address'> = { as: TS_AS, localAs: ROLE[r].as, passive: true, holdTime: HOLD, keepaliveTime: 3, direct: ib ? true : undefined }
  return {
    routerId: s.addr4,
    gshut: false,
    staticRoutes: birdTable(r, originations(r, withdrawn)),
    neighbors: [
      { ...common, name: 'ts4', address: s.routerAddr4, ipv4: { import: 'none', export: { raw }, nextHopSelf: ib } },
      { ...common, name: 'ts6', address: s.routerAddr6, ipv6: { import: 'none', export: { raw }, nextHopSelf: ib } },
    ],
  }
}

async function startBird (r: Role, s: ServerNode, reg: CleanupRegistry, version: string): Promise<Daemon> {
  const b = await BirdInstance.start({ name: `rx-bird-${r}`, netns: s.netns, registry: reg, config: birdConfig(r, s, false) })
  const want = originations(r)
  const want4 = want.filter((p) => p.fam === 4).length
  const want6 = want.length - want4
  return {
    role: r,
    server: s,
    version,
    pids: () => [b.proc.pid],
    waitLoaded: async () => {
      await waitFor(`BIRD ${r} static routes`, async () => {
        const c = await b.routeCount()
        return (c.tables.master4?.routes ?? 0) === want4 && (c.tables.master6?.routes ?? 0) === want6
      }, { timeoutMs: 20_000, intervalMs: 100 })
    },
    withdraw: async () => { await b.reconfigure(birdConfig(r, s, true)) },
    stop: async () => { await b.stop() },
  }
}

function frrRouteMap (r: Role, cat: number, fam: Fam, a: Attr): string {
  const l = [`route-map RX-${cat}-${fam} permit 10`, ` set community ${community(r, cat)}`, ` set large-community ${largeCommunity(r, cat, fam)}`]
  if (a.med !== undefined) l.push(` set metric ${a.med}`)
  if (a.localPref !== undefined) l.push(` set local-preference ${a.localPref}`)
  if (a.prepend !== undefined) l.push(` set as-path prepend ${a.prepend.join(' ')}`)
  return l.join('\n')
}

function frrConfig (r: Role, s: ServerNode): FrrConfig {
  const nets = (fam: Fam): string[] => originations(r).filter((p) => p.fam === fam).map((p) => `network ${p.prefix} route-map RX-${p.cat}-${p.fam}`)
  const maps: string[] = []
  CATEGORIES.forEach((c, cat) => {
    const a = c.members[r]
    if (a !== undefined) for (const fam of [4, 6] as const) maps.push(frrRouteMap(r, cat, fam, a))
  })
  const common = { as: TS_AS, passive: true, holdTime: HOLD, keepaliveTime: 3 }
  return {
    hostname: `rx-${r}`,
    routerId: s.addr4,
    as: ROLE[r].as,
    gshut: false,
    neighbors: [
      { ...common, address: s.routerAddr4, ipv4: { import: 'none', export: 'all', extra: nets(4) } },
      { ...common, address: s.routerAddr6, ipv4: false, ipv6: { import: 'none', export: 'all', extra: nets(6) } },
    ],
    extra: maps,
  }
}

async function startFrr (r: Role, s: ServerNode, reg: CleanupRegistry, version: string): Promise<Daemon> {
  const f = await FrrInstance.start({ name: `rx-frr-${r}`, netns: s.netns, registry: reg, noKernel: true, config: frrConfig(r, s) })
  const want = originations(r)
  const count = async (af: 'ipv4' | 'ipv6'): Promise<number> => {
    const j = await f.json<{ routes?: Record<string, unknown> }>('bgpd', `show bgp ${af} unicast json`)
    return Object.keys(j.routes ?? {}).length
  }
  return {
    role: r,
    server: s,
    version,
    pids: () => [f.zebra.pid, f.bgpd.pid],
    waitLoaded: async () => {
      const want4 = want.filter((p) => p.fam === 4).length
      await waitFor(`FRR ${r} networks`, async () => (await count('ipv4')) === want4 && (await count('ipv6')) === want.length - want4, { timeoutMs: 30_000, intervalMs: 200 })
    },
    withdraw: async (ps) => {
      for (const fam of [4, 6] as const) {
        const lines = ps.filter((p) => p.fam === fam).map((p) => `no network ${p.prefix} route-map RX-${p.cat}-${p.fam}`)
        if (lines.length === 0) continue
        const cmds = ['configure terminal', `router bgp ${ROLE[r].as}`, `address-family ipv${fam} unicast`, ...lines, 'end']
        await exec('vtysh', ['--vty_socket', f.vtyDir, '-d', 'bgpd', ...cmds.flatMap((c) => ['-c', c])], { timeoutMs: 30_000 })
      }
    },
    stop: async () => { await f.stop() },
  }
}

function gobgpArgs (r: Role, p: Prefix): string[] {
  const a = CATEGORIES[p.cat].members[r]!
  const args = ['global', 'rib', 'add', '-a', p.fam === 4 ? 'ipv4' : 'ipv6', p.prefix, 'origin', 'igp']
  if (a.prepend !== undefined) args.push('aspath', a.prepend.join(','))
  if (a.med !== undefined) args.push('med', String(a.med))
  if (a.localPref !== undefined) args.push('local-pref', String(a.localPref))
  args.push('community', community(r, p.cat), 'large-community', largeCommunity(r, p.cat, p.fam))
  return args
}

/** Runs `fn` over `items` with at most `n` in flight. */
async function pool<T> (items: T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await fn(items[i++])
  }))
}

async function startGobgp (r: Role, s: ServerNode, reg: CleanupRegistry, version: string): Promise<Daemon> {
  const common = { as: TS_AS, passive: true, holdTime: HOLD, keepaliveTime: 3, gracefulRestart: true }
  const g = await GobgpInstance.start({
    name: `rx-gobgp-${r}`,
    netns: s.netns,
    registry: reg,
    apiPort: await freeTcpPort(),
    config: {
      as: ROLE[r].as,
      routerId: s.addr4,
      gshut: false,
      neighbors: [
        { ...common, address: s.routerAddr4, families: ['ipv4-unicast'] },
        { ...common, address: s.routerAddr6, families: ['ipv6-unicast'] },
      ],
    },
  })
  const want = originations(r)
  // gobgp's CLI adds one route per call (~10 ms each); six at a time.
  await pool(want, 6, async (p) => { await g.cli(gobgpArgs(r, p)) })
  const count = async (af: 'ipv4' | 'ipv6'): Promise<number> => {
    const out = await g.cli(['global', 'rib', 'summary', '-a', af])
    return Number(/Destination:\s*(\d+)/.exec(out)?.[1] ?? -1)
  }
  return {
    role: r,
    server: s,
    version,
    pids: () => [g.proc.pid],
    waitLoaded: async () => {
      const want4 = want.filter((p) => p.fam === 4).length
      await waitFor(`GoBGP ${r} routes`, async () => (await count('ipv4')) === want4 && (await count('ipv6')) === want.length - want4, { timeoutMs: 20_000, intervalMs: 200 })
    },
    withdraw: async (ps) => { await pool(ps, 6, async (p) => { await g.delRoute(p.prefix) }) },
    stop: async () => { await g.stop() },
  }
}

const STARTERS: Record<Kind, (r: Role, s: ServerNode, reg: CleanupRegistry, version: string) => Promise<Daemon>> = { bird: startBird, frr: startFrr, gobgp: startGobgp }

// ------------------------------------------------------------------ checks

interface Mismatch { prefix: string, cat: number, problem: string }

function norm (p: string): string { return p.toLowerCase() }

/** Compares tsbgp's Loc-RIB with the model; returns one mismatch per wrong prefix, grouped later by category. */
/**
 * MED a daemon puts on a route it originates without one: FRR sends MULTI_EXIT_DISC 0 for `network`
 * routes (the route's metric), BIRD and GoBGP send none.
 */
const IMPLICIT_MED: Record<Kind, number | undefined> = { bird: undefined, frr: 0, gobgp: undefined }

function checkLocRib (kind: Kind, entries: DumpEntry[], c: Cluster, withdrawn: boolean): { mismatches: Mismatch[], checked: number } {
  const byPrefix = new Map(entries.map((e) => [norm(e.prefix), e]))
  const server = (r: Role): ServerNode => c.servers[ROLE[r].server - 1]
  const peerOf = (r: Role, fam: Fam): string => norm(fam === 4 ? server(r).addr4 : server(r).addr6)
  const mismatches: Mismatch[] = []
  let checked = 0
  for (const p of TABLE) {
    const cat = CATEGORIES[p.cat]
    let want: { best: Role, multipath: Role[] } | null = { best: cat.best, multipath: cat.multipath }
    if (withdrawn && p.cat in AFTER_WITHDRAWAL) want = AFTER_WITHDRAWAL[p.cat]
    const e = byPrefix.get(norm(p.prefix))
    byPrefix.delete(norm(p.prefix))
    checked++
    const bad = (problem: string): void => { mismatches.push({ prefix: p.prefix, cat: p.cat, problem }) }
    if (want === null) {
      if (e !== undefined) bad(`still in the Loc-RIB (best from ${e.best.peer})`)
      continue
    }
    if (e === undefined) { bad('missing'); continue }
    const r = want.best
    const a = cat.members[r]!
    if (norm(e.best.peer) !== peerOf(r, p.fam)) bad(`best from ${e.best.peer}, want ${r} ${peerOf(r, p.fam)}`)
    const mp = e.multipath.map(norm)
    const wantMp = want.multipath.map((x) => peerOf(x, p.fam))
    if (JSON.stringify(mp) !== JSON.stringify(wantMp)) bad(`multipath [${mp.join(' ')}], want [${wantMp.join(' ')}]`)
    const b = e.best
    const expect: Record<string, unknown> = {
      asPath: asPathAt(r, a),
      med: a.med ?? IMPLICIT_MED[kind],
      localPref: ebgp(r) ? undefined : (a.localPref ?? 100),
      origin: 'igp',
      nextHop: peerOf(r, p.fam),
      communities: [community(r, p.cat)],
      largeCommunities: [largeCommunity(r, p.cat, p.fam)],
    }
    const got: Record<string, unknown> = { asPath: b.asPath, med: b.med, localPref: b.localPref, origin: b.origin, nextHop: b.nextHop === undefined ? undefined : norm(b.nextHop), communities: b.communities, largeCommunities: b.largeCommunities }
    for (const k of Object.keys(expect)) {
      if (JSON.stringify(got[k]) !== JSON.stringify(expect[k])) bad(`${k} ${JSON.stringify(got[k])}, want ${JSON.stringify(expect[k])}`)
    }
  }
  for (const e of byPrefix.values()) mismatches.push({ prefix: e.prefix, cat: -1, problem: 'unexpected prefix in the Loc-RIB' })
  return { mismatches, checked }
}

function reportMismatches (t: Test, label: string, m: Mismatch[], withdrawn: boolean): void {
  CATEGORIES.forEach((c, cat) => {
    const n = TABLE.filter((p) => p.cat === cat).length
    const bad = m.filter((x) => x.cat === cat)
    const after = withdrawn && cat in AFTER_WITHDRAWAL ? ` → after B's withdrawal: ${AFTER_WITHDRAWAL[cat] === null ? 'gone' : `best ${AFTER_WITHDRAWAL[cat]!.best}`}` : ''
    t.same(bad.slice(0, 5), [], `${label} c${cat} ${c.what}${after} (${n} prefixes, ${bad.length} wrong)`)
  })
  t.same(m.filter((x) => x.cat === -1).slice(0, 5), [], `${label}: no unexpected prefix`)
}

/** The time of the Loc-RIB's last change, once no change came for `quietMs` (bounded). */
async function settled (child: SpeakerChild, quietMs = 1000, timeoutMs = 60_000): Promise<number> {
  let last = (await child.counts()).lastChangeAt
  let since = Date.now()
  return await waitFor('Loc-RIB settled', async () => {
    const now = (await child.counts()).lastChangeAt
    if (now !== last) { last = now; since = Date.now(); return undefined }
    return Date.now() - since >= quietMs ? now : undefined
  }, { timeoutMs, intervalMs: 100 })
}

function writeRow (row: object): void {
  mkdirSync(join(RESULTS, '..'), { recursive: true })
  appendFileSync(RESULTS, JSON.stringify(row) + '\n')
}

const range = (xs: number[]): string => xs.length === 0 ? '-' : `${Math.min(...xs)}..${Math.max(...xs)}`

// ------------------------------------------------------------------ the test

async function requireLab (): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the receiver lab needs root (network namespaces, veth, port 179)')
  const missing = await missingCommands(TOOLS)
  if (missing.length > 0) throw new Error(`receiver lab prerequisites missing: ${missing.join(', ')} (apt-get install -y iproute2 bird2 frr gobgpd)`)
}

async function receiverScenario (t: Test & { passing: () => boolean }, kind: Kind): Promise<void> {
  const row: Record<string, unknown> = { scenario: 'receiver', router: kind, pass: false, date: new Date().toISOString(), prefixes: { ipv4: COUNT4, ipv6: COUNT6 } }
  const reg = new CleanupRegistry(`receiver-${kind}`)
  let torn = false
  let threw = true
  t.teardown(async () => {
    if (!torn) await reg.runAll()
  })
  try {
    await requireLab()
    const c = await buildCluster({ servers: 4, registry: reg })
    const logDir = (await exec('mktemp', ['-d', `/tmp/tsbgp-${process.pid}-rx-${kind}-XXXX`])).stdout.trim()
    reg.addDir(logDir)
    const child = await SpeakerChild.start(c.router.netns, reg, join(logDir, 'child.log'))
    await child.startSpeaker({ routerId: TS_ID, localAs: TS_AS, listen: false, decision: { multipath: true } })
    const version = await versionOf(kind)
    row.version = version
    t.comment(`${kind}: ${version}`)

    let t0 = Date.now()
    const daemons: Daemon[] = []
    for (const r of ROLES) daemons.push(await STARTERS[kind](r, c.servers[ROLE[r].server - 1], reg, version))
    await Promise.all(daemons.map(async (d) => { await d.waitLoaded() }))
    const loadMs = Date.now() - t0
    t.comment(`${kind}: 4 daemons started and holding their tables (${ROLES.map((r) => `${r} ${originations(r).length}`).join(', ')} routes) in ${loadMs} ms`)

    // Graceful Restart advertised (RFC 4724): FRR sends End-of-RIB only to a peer that has it.
    const common = { holdTime: HOLD, connectRetry: 1, gracefulRestart: true }
    const peers: PeerInput[] = daemons.flatMap((d) => [
      { ...common, address: d.server.addr4, remoteAs: ROLE[d.role].as, families: ['ipv4'], localAddress: d.server.routerAddr4 },
      { ...common, address: d.server.addr6, remoteAs: ROLE[d.role].as, families: ['ipv6'], localAddress: d.server.routerAddr6 },
    ])
    const addedAt = await child.addPeers(peers)
    const est = await child.waitEstablished(peers.map((p) => p.address), 60_000)
    const estMs = Object.values(est).map((at) => at - addedAt)
    const allUp = Math.max(...Object.values(est))
    t.comment(`${kind}: 8 sessions Established ${range(estMs)} ms after tsbgp was given the peers`)
    await child.waitCounts({ ipv4: COUNT4, ipv6: COUNT6 }, 120_000)
    // Every prefix is there; the table is learned once the Loc-RIB stops changing (multipath sets fill in
    // as the second path of a prefix arrives): the last change, unchanged for a second.
    const settledAt = await settled(child)
    const learnMs = settledAt - allUp
    const eors = child.events.filter((e) => e.event === 'eor' && e.direction === 'received')
    const eorMs = peers.map((p) => { const e = eors.find((x) => x.peer === p.address); return e === undefined ? NaN : e.at - est[p.address] })
    t.comment(`${kind}: Loc-RIB complete and settled (${COUNT4} IPv4 + ${COUNT6} IPv6 prefixes, last change) ${learnMs} ms after the last session came up; per session Established → End-of-RIB ${range(eorMs.filter((x) => !Number.isNaN(x)))} ms`)
    t.equal(eors.length >= 8, true, `End-of-RIB received from all 8 sessions (${eors.length})`)
    t.same((await child.counts()).counts, { ipv4: COUNT4, ipv6: COUNT6 }, 'Loc-RIB route count')

    // Per peer: what each session delivered (accepted = post-policy Adj-RIB-In).
    const sums = await child.peers()
    for (const d of daemons) {
      for (const fam of [4, 6] as const) {
        const addr = fam === 4 ? d.server.addr4 : d.server.addr6
        const s = sums.find((x) => norm(x.address) === norm(addr))
        const got = s?.families[fam === 4 ? 'ipv4' : 'ipv6']?.accepted
        t.equal(got, originations(d.role).filter((p) => p.fam === fam).length, `${d.role} IPv${fam}: tsbgp accepted every route ${d.role} sent`)
      }
    }

    t0 = Date.now()
    const dump = await child.dump()
    const r1 = checkLocRib(kind, dump, c, false)
    t.comment(`${kind}: Loc-RIB dump of ${dump.length} prefixes checked against the model in ${Date.now() - t0} ms`)
    reportMismatches(t, `${kind}`, r1.mismatches, false)

    // Withdrawal: B stops originating categories 1 and 4.
    const b = daemons.find((d) => d.role === 'B')!
    const gone = originations('B').filter((p) => WITHDRAWN_BY_B.includes(p.cat))
    const removed = TABLE.filter((p) => AFTER_WITHDRAWAL[p.cat] === null && WITHDRAWN_BY_B.includes(p.cat))
    const want2 = { ipv4: COUNT4 - removed.filter((p) => p.fam === 4).length, ipv6: COUNT6 - removed.filter((p) => p.fam === 6).length }
    t0 = Date.now()
    await b.withdraw(gone)
    const cmdMs = Date.now() - t0
    await child.waitCounts(want2, 60_000)
    const afterAt = await settled(child)
    // Category 4 falls back to C: wait for the multipath sets to settle too (same counts throughout).
    const dump2 = await waitFor('category 4 falls back to C', async () => {
      const d = await child.dump()
      const r = checkLocRib(kind, d, c, true)
      return r.mismatches.length === 0 ? d : undefined
    }, { timeoutMs: 20_000, intervalMs: 500 }).catch(async () => await child.dump())
    const wdMs = afterAt - t0
    t.comment(`${kind}: B withdrew ${gone.length} routes (command ${cmdMs} ms); tsbgp's Loc-RIB down to ${want2.ipv4} + ${want2.ipv6} prefixes, last change ${wdMs} ms after the command started (${wdMs - cmdMs} ms after it returned)`)
    reportMismatches(t, `${kind} after withdrawal`, checkLocRib(kind, dump2, c, true).mismatches, true)
    const errs = child.events.filter((e) => e.event === 'error' || e.event === 'notification')
    t.same(errs, [], 'no NOTIFICATION and no error event during the run')

    // Teardown: tsbgp closes (Cease), daemons stop, then nothing of the run is left.
    const pids = [child.pid, ...daemons.flatMap((d) => d.pids())]
    await child.close('receiver test done')
    for (const d of daemons) await d.stop()
    torn = true
    t.same((await reg.runAll()).map((e) => e.message), [], 'teardown without errors')
    t.same(listNetnsSync().filter((n) => c.namespaces.includes(n)), [], 'no namespace of the run left')
    t.same(pids.filter(pidAlive), [], 'no process of the run left')
    Object.assign(row, {
      establishedMs: { min: Math.min(...estMs), max: Math.max(...estMs) },
      learnMs,
      eorMs: { min: Math.min(...eorMs), max: Math.max(...eorMs) },
      withdrawMs: wdMs,
      withdrawCommandMs: cmdMs,
      daemonLoadMs: loadMs,
    })
    threw = false
  } finally {
    row.pass = !threw && t.passing()
    writeRow(row)
  }
}

// One run, one set of rows (scenario × router); other helpers write other files in interop/results/.
mkdirSync(join(RESULTS, '..'), { recursive: true })
writeFileSync(RESULTS, '')
for (const kind of ['bird', 'frr', 'gobgp'] as const) {
  t.test(`tsbgp receives from ${kind}: table, RFC 4271 §9.1 selection, multipath, attributes, withdrawal`, async (t) => {
    await receiverScenario(t, kind)
  })
}

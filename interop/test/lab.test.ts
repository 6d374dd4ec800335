// Proof of the interop lab (interop/lab/*): real BIRD 2, FRR 8.4 and GoBGP
// 3.10 talking to each other in namespaces built by the lab, and two BIRDs
// on loopback. Needs root, iproute2, bird2, frr, gobgpd: a missing one is a
// failure with the list of what is missing, not a skip.
//
// Traffic: loopback and lab namespaces only, documentation ranges only.

import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { CleanupRegistry, killPid, listNetnsSync, pidAlive, sweepStale } from '../lab/cleanup.js'
import { BirdInstance, renderBirdConfig, startBirdOnLoopback, type BirdConfig, type BirdNeighbor } from '../lab/bird.js'
import { parseBirdProtocols, parseBirdRouteCount, parseBirdRoutes } from '../lab/bird-parse.js'
import { FrrInstance, renderBgpdConfig } from '../lab/frr.js'
import { GobgpInstance, renderGobgpConfig } from '../lab/gobgp.js'
import { addNetns, isDocumentationAddress, kernelRoute } from '../lab/netns.js'
import { exec, freeTcpPort, LabProcess, missingCommands, spawnProcess, waitFor } from '../lab/proc.js'
import { RESPONDER_PORT, runProbe, startResponder } from '../lab/responder.js'
import { ANYCAST_V4, ANYCAST_V6, buildCluster, LAB_PREFIX, type Cluster } from '../lab/topology.js'

type Test = Pick<typeof t, 'teardown' | 'same' | 'comment'>

const TOOLS = ['ip', 'sysctl', 'bird', 'birdc', '/usr/lib/frr/zebra', '/usr/lib/frr/bgpd', 'vtysh', 'gobgpd', 'gobgp']
const HOLD = 3 // seconds; keepalive 1

async function requireLab (): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the interop lab needs root (network namespaces, veth, port 179)')
  const missing = await missingCommands(TOOLS)
  if (missing.length > 0) throw new Error(`interop lab prerequisites missing: ${missing.join(', ')} (apt-get install -y iproute2 bird2 frr gobgpd)`)
}

/** A registry torn down by t.teardown (failure path) — tests also tear down explicitly to assert on it. */
function labRegistry (t: Test, name: string): CleanupRegistry {
  const reg = new CleanupRegistry(name)
  t.teardown(async () => {
    const errors = await reg.runAll()
    if (errors.length > 0) throw new Error(`lab teardown: ${errors.map((e) => e.message).join('; ')}`)
  })
  return reg
}

/** Tears down now and asserts nothing of the run is left: namespaces and PIDs. */
async function assertTornDown (t: Test, reg: CleanupRegistry, namespaces: string[], pids: number[]): Promise<void> {
  const t0 = Date.now()
  t.same((await reg.runAll()).map((e) => e.message), [], 'teardown without errors')
  t.comment(`teardown ${Date.now() - t0} ms`)
  const left = listNetnsSync().filter((n) => namespaces.includes(n))
  t.same(left, [], 'no namespace of the run left')
  t.same(pids.filter(pidAlive), [], 'no process of the run left')
}

// Captured from BIRD 2.0.12 with `timeformat protocol/route "%s"` (bird.ts).
const PROTOCOLS_TEXT = `BIRD 2.0.12 ready.
Name       Proto      Table      State  Since         Info
device1    Device     ---        up     1795798611

srv1       BGP        ---        up     1795798612    Established
  BGP state:          Established
    Neighbor address: 192.0.2.2
    Neighbor AS:      65010
    Local AS:         65000
  Channel ipv4
    State:          UP
    Table:          master4
    Routes:         2 imported, 0 exported, 2 preferred
  Channel ipv6
    State:          UP
    Routes:         2 imported, 1 exported, 0 preferred

srv2       BGP        ---        start  1795798650    Active        Socket: Connection refused
  BGP state:          Active
    Neighbor address: 192.0.2.6
    Neighbor AS:      65010
    Last error:       Socket: Connection refused
  Channel ipv4
    State:          DOWN
`

const ROUTE_TEXT = `BIRD 2.0.12 ready.
Table master4:
198.51.100.1/32      unicast [srv1 1795798650] * (100) [AS65010i]
\tvia 192.0.2.2 on srv1
\tType: BGP univ
\tBGP.origin: IGP
\tBGP.as_path: 65010
\tBGP.next_hop: 192.0.2.2
\tBGP.med: 7
\tBGP.local_pref: 100
\tBGP.community: (65535,0) (65000,100)
\tBGP.large_community: (65001, 1, 2)
                     unicast [srv2 1795798651 from 192.0.2.6] (100) [AS65010i]
\tvia 192.0.2.6 on srv2
\tType: BGP univ
\tBGP.origin: IGP
\tBGP.as_path: 65010 65011
\tBGP.next_hop: 192.0.2.6
\tBGP.local_pref: 0
Table master6:
2001:db8:ffff::1/128 unicast [srv1 1795798650 from 192.0.2.2] * (100) [AS65010i]
\tvia 2001:db8:0:1::2 on srv1
\tType: BGP univ
\tBGP.next_hop: 2001:db8:0:1::2 fe80::8436:d1ff:fec2:dbc7
`

t.test('birdc output parsers', async (t) => {
  const ps = parseBirdProtocols(PROTOCOLS_TEXT)
  t.same(ps.map((p) => [p.name, p.state, p.bgpState]), [['device1', 'up', undefined], ['srv1', 'up', 'Established'], ['srv2', 'start', 'Active']])
  t.match(ps[1], { neighborAddress: '192.0.2.2', neighborAs: 65010, imported: 4, exported: 1 })
  t.same(ps[1].channels.map((c) => [c.af, c.state, c.imported, c.exported, c.preferred]), [['ipv4', 'UP', 2, 0, 2], ['ipv6', 'UP', 2, 1, 0]])
  t.equal(ps[2].lastError, 'Socket: Connection refused')
  const rs = parseBirdRoutes(ROUTE_TEXT)
  t.equal(rs.length, 3)
  t.match(rs[0], { prefix: '198.51.100.1/32', table: 'master4', protocol: 'srv1', from: '192.0.2.2', primary: true, nextHop: '192.0.2.2', asPath: [65010], med: 7, localPref: 100, origin: 'IGP' })
  t.same(rs[0].communities, [[65535, 0], [65000, 100]])
  t.same(rs[0].largeCommunities, [[65001, 1, 2]])
  t.match(rs[1], { prefix: '198.51.100.1/32', protocol: 'srv2', from: '192.0.2.6', primary: false, asPath: [65010, 65011], localPref: 0 })
  t.same(rs[1].gateways, [{ via: '192.0.2.6', dev: 'srv2' }])
  t.match(rs[2], { prefix: '2001:db8:ffff::1/128', table: 'master6', nextHop: '2001:db8:0:1::2', primary: true })
  t.same(parseBirdRouteCount('3 of 5 routes for 2 networks in table master4\n1 of 1 routes for 1 networks in table master6\nTotal: 4 of 6 routes for 3 networks in 2 tables\n'),
    { tables: { master4: { routes: 3, networks: 2 }, master6: { routes: 1, networks: 1 } }, routes: 4, networks: 3 })
})

t.test('config generators', async (t) => {
  const bird: BirdConfig = {
    routerId: '192.0.2.1',
    kernel: {},
    staticRoutes: [{ prefix: '198.51.100.1/32', set: ['bgp_community.add((65000,1))'] }, { prefix: '2001:db8:ffff::1/128', dest: 'unreachable' }],
    neighbors: [{
      name: 'peer1', address: '192.0.2.2', as: 65010, localAs: 65000, localAddress: '192.0.2.1', port: 1179, localPort: 1180, passive: true, multihop: 2,
      holdTime: 9, password: 'sekrit', ttlSecurity: true,
      ipv4: { import: { prefixes: ['198.51.100.0/24+'] }, export: { protocols: ['static4'], set: ['bgp_med = 10'] }, addPaths: 'rx' },
      ipv6: { export: 'all' },
    }],
  }
  const conf = renderBirdConfig(bird)
  for (const line of ['merge paths on limit 16;', 'local 192.0.2.1 port 1180 as 65000;', 'neighbor 192.0.2.2 port 1179 as 65010;', 'passive on;', 'multihop 2;', 'hold time 9;',
    'password "sekrit";', 'ttl security on;', 'add paths rx;', 'if (65535, 0) ~ bgp_community then bgp_local_pref = 0;', 'route 198.51.100.1/32 blackhole { bgp_community.add((65000,1)); };',
    'route 2001:db8:ffff::1/128 unreachable;', 'if net ~ [ 198.51.100.0/24+ ] then { accept; }', 'if (proto = "static4") then { bgp_med = 10; accept; }']) {
    t.ok(conf.includes(line), `bird: ${line}`)
  }
  const dir = join(tmpdir(), `${LAB_PREFIX}${process.pid}-conf`)
  mkdirSync(dir, { recursive: true })
  const reg = labRegistry(t, 'conf')
  reg.addDir(dir)
  writeFileSync(join(dir, 'bird.conf'), conf)
  const parsed = await exec('bird', ['-p', '-c', join(dir, 'bird.conf')], { check: false })
  t.equal(parsed.code, 0, `bird -p accepts the generated config ${parsed.stderr}`)
  t.throws(() => renderBirdConfig({ routerId: '192.0.2.1', neighbors: [{ name: 'router', address: '192.0.2.2', as: 1, localAs: 2 }] }), /keyword/, 'BIRD keywords are refused as names')

  const frr = renderBgpdConfig({ hostname: 'r', routerId: '192.0.2.1', as: 65000, multipathRelax: true, maximumPaths: 8, networks: ['198.51.100.0/24'],
    neighbors: [{ address: '192.0.2.2', as: 65010, holdTime: 9, password: 'sekrit', ttlSecurityHops: 1, passive: true, ipv4: { import: { prefixes: ['198.51.100.0/24 le 32'] }, export: 'none', addpathTxAllPaths: true } }] })
  for (const line of [' no bgp ebgp-requires-policy', ' bgp bestpath as-path multipath-relax', '  maximum-paths 8', ' neighbor 192.0.2.2 timers 3 9', ' neighbor 192.0.2.2 password sekrit',
    ' neighbor 192.0.2.2 ttl-security hops 1', ' neighbor 192.0.2.2 passive', '  neighbor 192.0.2.2 activate', '  neighbor 192.0.2.2 addpath-tx-all-paths', '  network 198.51.100.0/24',
    'bgp community-list standard GSHUT seq 5 permit graceful-shutdown', ' match community GSHUT\n set local-preference 0', 'ip prefix-list N-192_0_2_2-ipv4-in-PL seq 5 permit 198.51.100.0/24 le 32',
    'route-map N-192_0_2_2-ipv4-out deny 10']) {
    t.ok(frr.includes(line), `frr: ${JSON.stringify(line)}`)
  }
  const gob = renderGobgpConfig({ as: 65000, routerId: '192.0.2.1', multipath: true, neighbors: [{ address: '192.0.2.2', as: 65010, holdTime: 9, password: 'sekrit', ttlSecurityMin: 255, addPaths: { receive: true, sendMax: 4 } }] })
  for (const line of ['[global.use-multiple-paths.config]', 'neighbor-address = "192.0.2.2"', 'auth-password = "sekrit"', 'hold-time = 9', 'ttl-min = 255', 'send-max = 4', 'community-list = ["65535:0"]', 'set-local-pref = 0']) {
    t.ok(gob.includes(line), `gobgp: ${line}`)
  }
  t.ok(isDocumentationAddress('2001:db8:0:1::2') && isDocumentationAddress('203.0.113.7/32') && !isDocumentationAddress('10.0.0.1') && !isDocumentationAddress('2001:db9::1'), 'documentation ranges only')
})

t.test('cleanup registry, kill with grace, sweepStale', async (t) => {
  await requireLab()
  const order: string[] = []
  const reg = new CleanupRegistry('unit')
  reg.add('fn', 'a', async () => { order.push('a') }, () => { order.push('a!') })
  reg.add('fn', 'b', async () => { throw new Error('boom') }, () => { order.push('b!') })
  reg.add('fn', 'c', async () => { order.push('c') }, () => { order.push('c!') })
  const errors = await reg.runAll()
  t.same(order, ['c', 'b!', 'a'], 'reverse order; a failing undo falls back to its sync form')
  t.match(errors.map((e) => e.message), [/boom/])
  t.same(await reg.runAll(), [], 'second runAll is a no-op')

  const dir = join(tmpdir(), `${LAB_PREFIX}${process.pid}-unit`)
  mkdirSync(dir, { recursive: true })
  const reg2 = labRegistry(t, 'unit2')
  reg2.addDir(dir)
  // A process that ignores SIGTERM: killPid must escalate to SIGKILL after the grace.
  const stubborn = spawnProcess({ name: 'stubborn', cmd: process.execPath, args: ['-e', "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)"], logFile: join(dir, 'stubborn.log'), registry: reg2 })
  await waitFor('stubborn up', () => stubborn.log().includes('up'), { timeoutMs: 5000, intervalMs: 20 })
  const t0 = Date.now()
  await stubborn.stop(300)
  t.ok(Date.now() - t0 >= 300, 'waited the grace period')
  t.equal(stubborn.exitInfo?.signal, 'SIGKILL', 'then SIGKILL')
  t.notOk(pidAlive(stubborn.pid), 'pid gone')

  // A crashed previous run: owner PID dead, namespace with a process inside, a temp dir, a process naming the dir.
  const dead = spawn('true')
  await new Promise((resolve) => dead.on('exit', resolve))
  const stale = `${LAB_PREFIX}${dead.pid ?? 1}-1-`
  const staleNs = `${stale}router`
  const staleDir = join(tmpdir(), `${stale}bird-x`)
  mkdirSync(staleDir, { recursive: true })
  await exec('ip', ['netns', 'add', staleNs])
  const orphanReg = new CleanupRegistry('orphans') // stands in for the crashed run: never torn down by itself
  t.teardown(async () => { orphanReg.runAllSync(); await exec('ip', ['netns', 'del', staleNs], { check: false }) })
  const inNs = spawnProcess({ name: 'in-ns', cmd: 'sleep', args: ['30'], netns: staleNs, logFile: join(dir, 'in-ns.log'), registry: orphanReg })
  const naming = spawnProcess({ name: 'naming', cmd: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)', staleDir], logFile: join(dir, 'naming.log'), registry: orphanReg })
  const live = await addNetns(`${LAB_PREFIX}${process.pid}-99-live`, reg2)
  await sleep(100)
  const rep = sweepStale(LAB_PREFIX)
  t.comment(`swept: ${JSON.stringify(rep)}`)
  // Assert the end state, not this sweep's report: a parallel run's sweep may
  // legitimately have removed these stale objects first.
  await Promise.race([Promise.all([inNs.exited, naming.exited]), sleep(3000)])
  t.notOk(inNs.running || naming.running, 'stale processes gone')
  t.notOk(existsSync(staleDir))
  t.notOk(listNetnsSync().includes(staleNs))
  t.ok(listNetnsSync().includes(live), 'a live run (owner PID alive) is kept')
  t.throws(() => sweepStale('t'), /too broad/)
  await killPid(4_194_304 + 7) // beyond pid_max: gone already, not an error
  t.throws(() => reg2.addPid(0, 'group'), /refusing/, 'pid 0 (the process group) is refused')
})

t.test('registry hooks: nothing left after SIGTERM, SIGINT, exit() or an uncaught throw', async (t) => {
  await requireLab()
  const dir = join(tmpdir(), `${LAB_PREFIX}${process.pid}-crash`)
  mkdirSync(dir, { recursive: true })
  const reg = labRegistry(t, 'crash')
  reg.addDir(dir)
  const fixture = fileURLToPath(new URL('./fixtures/lab-crash.ts', import.meta.url))
  const modes = ['SIGTERM', 'SIGINT', 'exit', 'throw'] as const
  await Promise.all(modes.map(async (mode, i) => {
    const ns = `${LAB_PREFIX}${process.pid}-8${i}-crash`
    // The child runs TypeScript: it inherits the test's loader through execArgv.
    // TS_NODE_TRANSPILE_ONLY: the test run already type-checks; the child only needs to start.
    const child = spawn(process.execPath, [...process.execArgv, fixture, ns, join(dir, `${mode}.log`), mode], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' } })
    if (child.pid === undefined) throw new Error('spawn failed')
    reg.addPid(child.pid, `crash-${mode}`, 500)
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
    const exited = new Promise<[number | null, string | null]>((resolve) => child.on('exit', (code, sig) => { resolve([code, sig]) }))
    const sleeper = await waitFor(`${mode} child ready`, () => /READY (\d+)/.exec(out)?.[1], { timeoutMs: 30_000, intervalMs: 50 })
    t.ok(listNetnsSync().includes(ns), `${mode}: namespace exists while the child runs`)
    if (mode === 'SIGTERM' || mode === 'SIGINT') child.kill(mode)
    if (mode === 'exit') child.kill('SIGUSR1')
    if (mode === 'throw') child.kill('SIGUSR2')
    const [code, sig] = await Promise.race([exited, sleep(10_000).then(() => [null, 'timeout'] as [null, string])])
    t.not(sig, 'timeout', `${mode}: child exited (code ${String(code)}, signal ${String(sig)})`)
    t.notOk(listNetnsSync().includes(ns), `${mode}: namespace removed`)
    await waitFor(`${mode}: sleeper gone`, () => !pidAlive(Number(sleeper)), { timeoutMs: 2000, intervalMs: 20 })
    t.pass(`${mode}: process inside the namespace killed`)
  }))
})

t.test('BIRD on loopback (the mode tsbgp session tests use)', async (t) => {
  await requireLab()
  const reg = labRegistry(t, 'loopback')
  const [pa, pb] = [await freeTcpPort('0.0.0.0'), await freeTcpPort('0.0.0.0')] // BIRD binds the wildcard
  const t0 = Date.now()
  const a = await startBirdOnLoopback({
    name: 'lo-a', registry: reg, routerId: '192.0.2.11', localAs: 65001, localAddress: '127.0.0.2', localPort: pa,
    staticRoutes: [{ prefix: '198.51.100.0/24', set: ['bgp_community.add((65535,0))', 'bgp_large_community.add((65001,1,2))'] }],
    neighbors: [{ name: 'b', address: '127.0.0.3', port: pb, as: 65002, holdTime: HOLD, keepaliveTime: 1, ipv4: { export: { protocols: ['static4'], set: ['bgp_med = 7'] } } }],
  })
  const b = await startBirdOnLoopback({
    name: 'lo-b', registry: reg, routerId: '192.0.2.12', localAs: 65002, localAddress: '127.0.0.3', localPort: pb,
    neighbors: [{ name: 'a', address: '127.0.0.2', port: pa, as: 65001, holdTime: HOLD, keepaliveTime: 1 }],
  })
  const upMs = await b.waitEstablished(['a'])
  t.comment(`loopback: both started ${Date.now() - t0 - upMs} ms, Established after ${upMs} ms`)
  const [p] = await b.waitRoute('198.51.100.1', (ps) => ps.length === 1)
  t.match(p, { prefix: '198.51.100.0/24', protocol: 'a', from: '127.0.0.2', nextHop: '127.0.0.2', asPath: [65001], med: 7, localPref: 0, primary: true, dev: 'lo' }, 'route with MED, resolved via lo, GSHUT applied')
  t.same(p.communities, [[65535, 0]])
  t.same(p.largeCommunities, [[65001, 1, 2]])
  t.equal((await b.routeCount()).tables.master4.routes, 1, 'master4 holds only the BGP route (next-hop table is private)')
  t.match(await b.protocol('a'), { bgpState: 'Established', neighborAddress: '127.0.0.2', imported: 1 })
  t.match(await a.protocol('b'), { bgpState: 'Established', exported: 1 })
  // Reconfigure: withdraw by changing the export filter.
  await a.reconfigure({ ...a.config, neighbors: a.config.neighbors?.map((n) => ({ ...n, ipv4: { ...n.ipv4, export: 'none' } })) })
  await b.waitRoute('198.51.100.1', (ps) => ps.length === 0, 5000)
  t.pass('reconfigure withdrew the route')
  await assertTornDown(t, reg, [], [a.proc.pid, b.proc.pid])
})

/** Server BIRDs (stand-ins for tsbgp): eBGP AS 65010 to the router in AS 65000, announcing the service and unique addresses. */
async function startServers (c: Cluster, reg: CleanupRegistry, extra: (i: number) => Partial<BirdNeighbor> = () => ({})): Promise<BirdInstance[]> {
  return await Promise.all(c.servers.map(async (s, i) => await BirdInstance.start({
    name: s.name, netns: s.netns, registry: reg,
    config: {
      routerId: s.addr4,
      staticRoutes: [{ prefix: `${ANYCAST_V4}/32` }, { prefix: `${s.unique4}/32` }, { prefix: `${ANYCAST_V6}/128` }, { prefix: `${s.unique6}/128` }],
      neighbors: [{ name: 'upstream', address: s.routerAddr4, as: 65000, localAs: 65010, holdTime: HOLD, keepaliveTime: 1, ipv4: { export: { protocols: ['static4'] } }, ipv6: { export: { protocols: ['static6'] } }, ...extra(i) }],
    },
  })))
}

/** RFC 8326 drain: re-export with GRACEFUL_SHUTDOWN (65535:0); the router's import policy sets local pref 0. */
async function setGshut (b: BirdInstance, on: boolean): Promise<void> {
  const set = on ? ['bgp_community.add((65535, 0))'] : []
  await b.reconfigure({ ...b.config, neighbors: b.config.neighbors?.map((n) => ({ ...n, ipv4: { ...n.ipv4, export: { protocols: ['static4'], set } } })) })
}

async function kernelNexthops (netns: string, prefix: string): Promise<string[]> {
  const r = await kernelRoute(netns, prefix)
  return (r?.nexthops ?? []).map((n) => n.gateway ?? '').sort()
}

t.test('anycast cluster: BIRD router with kernel ECMP, 3 BIRD servers, client', async (t) => {
  await requireLab()
  const reg = labRegistry(t, 'cluster-bird')
  let t0 = Date.now()
  const c = await buildCluster({ servers: 3, client: true, registry: reg })
  t.comment(`cluster built in ${Date.now() - t0} ms: ${c.namespaces.join(' ')}`)
  t.ok(c.namespaces.every((n) => n.startsWith(`${LAB_PREFIX}${process.pid}-`)), 'names carry the run tag')
  t0 = Date.now()
  const router = await BirdInstance.start({
    name: 'router', netns: c.router.netns, registry: reg,
    config: { routerId: c.router.addr4, kernel: { mergePathsLimit: 16 }, neighbors: c.servers.map((s) => ({ name: s.name, address: s.addr4, as: 65010, localAs: 65000, holdTime: HOLD, keepaliveTime: 1, ipv4: {}, ipv6: {} })) },
  })
  const servers = await startServers(c, reg)
  t.comment(`4 BIRDs started in ${Date.now() - t0} ms`)
  await router.waitEstablished(c.servers.map((s) => s.name))
  t.comment(`router: 3 sessions Established ${Date.now() - t0} ms after the router BIRD started`)
  t0 = Date.now()
  const responders = await Promise.all(c.servers.map(async (s) => await startResponder({ netns: s.netns, name: s.name, dir: router.dir, registry: reg })))
  t.comment(`3 responders started in ${Date.now() - t0} ms`)

  const paths = await router.waitRoute(ANYCAST_V4, (ps) => ps.length === 3)
  t.same(paths.map((p) => p.nextHop).sort(), c.servers.map((s) => s.addr4).sort(), 'router holds 3 paths for the anycast /32')
  t.equal(paths.filter((p) => p.primary).length, 1, 'one primary')
  t.ok(paths.every((p) => p.asPath.join(' ') === '65010'), 'AS path 65010')
  const want4 = c.servers.map((s) => s.addr4).sort()
  const want6 = c.servers.map((s) => s.addr6).sort()
  t.same(await waitFor('3 kernel nexthops v4', async () => { const n = await kernelNexthops(c.router.netns, `${ANYCAST_V4}/32`); return n.length === 3 ? n : undefined }, { timeoutMs: 5000 }), want4, 'ip route: 3 nexthops (ECMP)')
  t.same(await waitFor('3 kernel nexthops v6', async () => { const n = await kernelNexthops(c.router.netns, `${ANYCAST_V6}/128`); return n.length === 3 ? n : undefined }, { timeoutMs: 5000 }), want6, 'ip -6 route: 3 nexthops')
  const shown = (await exec('ip', ['-n', c.router.netns, 'route', 'show', ANYCAST_V4])).stdout
  t.equal(shown.match(/nexthop via/g)?.length, 3, `ip route show ${ANYCAST_V4}:\n${shown}`)
  for (const s of c.servers) t.same(await kernelNexthops(c.router.netns, `${s.unique4}/32`), [s.addr4], `unique ${s.unique4} → ${s.name}`)

  const client = c.client
  if (client === null) throw new Error('no client namespace')
  t0 = Date.now()
  const names = c.servers.map((s) => s.name)
  const res = await runProbe(client.netns, [
    { proto: 'udp', host: ANYCAST_V4, port: RESPONDER_PORT, count: 12 },
    { proto: 'udp', host: ANYCAST_V6, port: RESPONDER_PORT, count: 4 },
    ...c.servers.flatMap((s) => [{ proto: 'tcp' as const, host: s.unique4, port: RESPONDER_PORT }, { proto: 'tcp' as const, host: s.unique6, port: RESPONDER_PORT }]),
  ])
  t.comment(`probe from client in ${Date.now() - t0} ms; anycast v4 answers: ${res[0].answers.join(',')}`)
  t.ok(res[0].answers.every((a) => a !== null && names.includes(a)), 'every UDP query to the anycast v4 address answered by an instance')
  t.ok(new Set(res[0].answers).size >= 2, 'ECMP spreads flows over more than one instance')
  t.ok(res[1].answers.every((a) => a !== null && names.includes(a)), 'anycast v6 answered')
  c.servers.forEach((s, i) => {
    t.equal(res[2 + 2 * i].answers[0], s.name, `TCP to ${s.unique4} reaches ${s.name}`)
    t.equal(res[3 + 2 * i].answers[0], s.name, `TCP to ${s.unique6} reaches ${s.name}`)
  })

  // Drain srv3 with GSHUT: its path stays in the RIB at local pref 0, out of the ECMP set.
  t0 = Date.now()
  await setGshut(servers[2], true)
  const drained = await waitFor('drained: 2 kernel nexthops', async () => { const n = await kernelNexthops(c.router.netns, `${ANYCAST_V4}/32`); return n.length === 2 ? n : undefined }, { timeoutMs: 5000, intervalMs: 20 })
  t.same(drained, [c.servers[0].addr4, c.servers[1].addr4].sort(), `GSHUT on srv3: kernel ECMP down to srv1+srv2 in ${Date.now() - t0} ms`)
  const srv3Path = (await router.routeFor(ANYCAST_V4)).find((p) => p.nextHop === c.servers[2].addr4)
  t.match(srv3Path, { localPref: 0, communities: [[65535, 0]] }, 'srv3 path kept with local pref 0')
  await setGshut(servers[2], false)
  await waitFor('undrained: 3 kernel nexthops', async () => (await kernelNexthops(c.router.netns, `${ANYCAST_V4}/32`)).length === 3, { timeoutMs: 5000, intervalMs: 20 })
  t.pass('srv3 back in the ECMP set after the community is removed')

  // Stop srv1's BIRD (SIGTERM: BIRD sends a Cease) → 2 nexthops.
  t0 = Date.now()
  await servers[0].stop()
  const after1 = await waitFor('2 kernel nexthops', async () => { const n = await kernelNexthops(c.router.netns, `${ANYCAST_V4}/32`); return n.length === 2 ? n : undefined }, { timeoutMs: HOLD * 1000 + 2000, intervalMs: 20 })
  const stopMs = Date.now() - t0
  t.same(after1, [c.servers[1].addr4, c.servers[2].addr4].sort(), `stopped srv1: kernel route down to 2 nexthops in ${stopMs} ms`)
  t.ok(stopMs < HOLD * 1000, 'within hold time')
  t.comment(`failover (srv1 BIRD stopped, SIGTERM → Cease): ${stopMs} ms`)
  t.same(await kernelNexthops(c.router.netns, `${c.servers[0].unique4}/32`), [], 'srv1 unique address withdrawn')

  // Freeze srv2's BIRD (SIGSTOP: no Cease, no keepalives) → the router's hold timer must drop it.
  t0 = Date.now()
  servers[1].proc.pause()
  const after2 = await waitFor('1 kernel nexthop', async () => { const n = await kernelNexthops(c.router.netns, `${ANYCAST_V4}/32`); return n.length === 1 ? n : undefined }, { timeoutMs: HOLD * 1000 + 3000, intervalMs: 20 })
  const holdMs = Date.now() - t0
  t.same(after2, [c.servers[2].addr4], `frozen srv2: route down to 1 nexthop after ${holdMs} ms (hold ${HOLD} s)`)
  t.ok(holdMs <= HOLD * 1000 + 1500, 'hold timer expiry within hold time + 1.5 s')
  t.comment(`failover (srv2 BIRD frozen, hold timer ${HOLD} s): ${holdMs} ms`)
  t.match((await router.protocol('srv2'))?.lastError ?? '', /Hold timer expired/, 'router reports Hold timer expired')
  const onlySrv3 = await runProbe(client.netns, [{ proto: 'udp', host: ANYCAST_V4, port: RESPONDER_PORT, count: 4 }])
  t.same(onlySrv3[0].answers, ['srv3', 'srv3', 'srv3', 'srv3'], 'all anycast traffic now reaches srv3')

  const pids = [router.proc.pid, ...servers.map((s) => s.proc.pid), ...responders.map((r: LabProcess) => r.pid)]
  await assertTornDown(t, reg, c.namespaces, pids)
})

t.test('anycast cluster: FRR router (zebra kernel ECMP)', async (t) => {
  await requireLab()
  const reg = labRegistry(t, 'cluster-frr')
  const c = await buildCluster({ servers: 3, registry: reg })
  let t0 = Date.now()
  const router = await FrrInstance.start({
    name: 'frr-router', netns: c.router.netns, registry: reg,
    // srv1: TCP MD5 (RFC 2385), srv2: GTSM (RFC 5082), srv3: plain.
    config: {
      hostname: 'router', routerId: c.router.addr4, as: 65000, multipathRelax: true, maximumPaths: 16,
      neighbors: c.servers.map((s, i) => ({ address: s.addr4, as: 65010, holdTime: HOLD, keepaliveTime: 1, password: i === 0 ? 'lab-md5-secret' : undefined, ttlSecurityHops: i === 1 ? 1 : undefined })),
    },
  })
  t.comment(`FRR zebra+bgpd ready in ${Date.now() - t0} ms`)
  t0 = Date.now()
  const servers = await startServers(c, reg, (i) => (i === 0 ? { password: 'lab-md5-secret' } : i === 1 ? { ttlSecurity: true } : {}))
  await router.waitEstablished(c.servers.map((s) => s.addr4))
  t.comment(`FRR: 3 sessions Established ${Date.now() - t0} ms after servers started`)
  const paths = await router.waitRoute(`${ANYCAST_V4}/32`, (ps) => ps.length === 3 && ps.every((p) => p.multipath || p.best))
  t.same(paths.map((p) => p.nextHop).sort(), c.servers.map((s) => s.addr4).sort(), 'bgpd holds 3 paths')
  t.equal(paths.filter((p) => p.best).length, 1, 'one best, the others multipath')
  const sum = await router.summary()
  t.ok(c.servers.every((s) => sum[s.addr4]?.pfxRcd === 2), 'each server sent 2 IPv4 prefixes (srv1 over MD5, srv2 with GTSM)')
  const want = c.servers.map((s) => s.addr4).sort()
  const z = await waitFor('zebra 3 nexthops in FIB', async () => { const n = await router.zebraRoute(`${ANYCAST_V4}/32`); return n.filter((x) => x.fib === true).length === 3 ? n : undefined }, { timeoutMs: 5000 })
  t.same(z.map((n) => n.ip).sort(), want, 'zebra: 3 nexthops installed')
  t.same(await waitFor('kernel 3 nexthops', async () => { const n = await kernelNexthops(c.router.netns, `${ANYCAST_V4}/32`); return n.length === 3 ? n : undefined }, { timeoutMs: 5000 }), want, 'kernel: 3 nexthops (via zebra)')
  // GSHUT drain of srv3 through FRR's route-map (match community GSHUT → local-preference 0).
  t0 = Date.now()
  await setGshut(servers[2], true)
  t.same(await waitFor('FRR drained', async () => { const n = await kernelNexthops(c.router.netns, `${ANYCAST_V4}/32`); return n.length === 2 ? n : undefined }, { timeoutMs: 5000, intervalMs: 20 }),
    [c.servers[0].addr4, c.servers[1].addr4].sort(), `GSHUT on srv3: kernel ECMP srv1+srv2 in ${Date.now() - t0} ms`)
  t.match((await router.routeFor(`${ANYCAST_V4}/32`)).find((p) => p.nextHop === c.servers[2].addr4), { localPref: 0, communities: ['graceful-shutdown'], multipath: false }, 'srv3 path at local-preference 0')
  t0 = Date.now()
  await servers[0].stop()
  t.same(await waitFor('FRR kernel 1 nexthop', async () => { const n = await kernelNexthops(c.router.netns, `${ANYCAST_V4}/32`); return n.length === 1 ? n : undefined }, { timeoutMs: HOLD * 1000 + 2000, intervalMs: 20 }),
    [c.servers[1].addr4], 'stopped srv1: only srv2 left in the ECMP set')
  t.comment(`FRR: stopped srv1 → kernel route updated in ${Date.now() - t0} ms`)
  await assertTornDown(t, reg, c.namespaces, [router.zebra.pid, router.bgpd.pid, ...servers.map((s) => s.proc.pid)])
})

t.test('anycast cluster: GoBGP router (RIB only)', async (t) => {
  await requireLab()
  const reg = labRegistry(t, 'cluster-gobgp')
  const c = await buildCluster({ servers: 3, registry: reg, v4LinkLen: 31 }) // /31 links here, /30 elsewhere
  t.same(c.servers.map((s) => [s.routerAddr4, s.addr4]), [['192.0.2.0', '192.0.2.1'], ['192.0.2.2', '192.0.2.3'], ['192.0.2.4', '192.0.2.5']], '/31 addressing')
  let t0 = Date.now()
  const router = await GobgpInstance.start({
    name: 'gobgp-router', netns: c.router.netns, apiPort: await freeTcpPort(), registry: reg,
    config: { as: 65000, routerId: c.router.addr4, multipath: true, export: 'none', neighbors: c.servers.map((s) => ({ address: s.addr4, as: 65010, holdTime: HOLD, keepaliveTime: 1 })) },
  })
  t.comment(`gobgpd API ready in ${Date.now() - t0} ms`)
  t0 = Date.now()
  const servers = await startServers(c, reg)
  await router.waitEstablished(c.servers.map((s) => s.addr4))
  t.comment(`GoBGP: 3 sessions Established ${Date.now() - t0} ms after servers started`)
  const paths = await router.waitRoute(`${ANYCAST_V4}/32`, (ps) => ps.length === 3)
  t.same(paths.map((p) => p.nextHop).sort(), c.servers.map((s) => s.addr4).sort(), 'GoBGP RIB holds 3 paths')
  t.equal(paths.filter((p) => p.best).length, 1, 'one best')
  t.ok(paths.every((p) => p.asPath.join(' ') === '65010'))
  const ns = await router.neighbors()
  t.ok(ns.every((n) => n.state === 'established' && n.accepted === 2), 'each neighbour: established, 2 accepted')
  await router.addRoute({ prefix: '203.0.113.250/32', med: 5, communities: ['65000:250'] })
  const own = await router.waitRoute('203.0.113.250/32', (ps) => ps.length === 1, 5000)
  t.match(own[0], { best: true, med: 5, asPath: [] }, 'a route originated through the CLI is in the RIB')
  await assertTornDown(t, reg, c.namespaces, [router.proc.pid, ...servers.map((s) => s.proc.pid)])
})

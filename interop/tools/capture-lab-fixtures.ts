// Regenerates rfc-fixtures/{frr,gobgp,bird-lab}/*.json: the messages real FRR, GoBGP and BIRD send to a
// tsbgp Speaker over a lab veth, captured on the wire with tshark inside the daemon's namespace and
// decoded back with tsbgp's own capture reader (src/capture: pcapng → TCP reassembly → BGP framing).
// Run by hand, as root, and review the diff:
//
//   TS_NODE_TRANSPILE_ONLY=1 node --import=@isaacs/ts-node-temp-fork-for-pr-2009/import \
//     interop/tools/capture-lab-fixtures.ts [bird|frr|gobgp ...]
//
// Per daemon: namespaces `tsbgp-<pid>-<k>-router` (tsbgp, in a child process, interop/test/fixtures/
// receiver-child.ts) and `...-srv1` (the daemon) joined by a veth (192.0.2.1/30 - 192.0.2.2/30,
// 2001:db8:0:1::1/64 - ::2/64). The daemon (AS 4200000001, passive) has an IPv4 session (IPv4 unicast)
// and an IPv6 session (IPv6 unicast) with tsbgp (AS 65000, Graceful Restart advertised so every daemon
// sends End-of-RIB). Sequence: sessions up → table → End-of-RIB → the daemon withdraws one prefix per
// family → the daemon asks for a ROUTE-REFRESH per family → administrative shutdown of the IPv4
// session (NOTIFICATION Cease) → the daemon is stopped with SIGTERM (whatever it sends on the IPv6
// session). Only messages from the daemon to tsbgp are kept. Everything is torn down by PID and
// namespace name (CleanupRegistry), also on failure.

import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { CleanupRegistry } from '../lab/cleanup.js'
import { BirdInstance, renderBirdConfig, type BirdConfig } from '../lab/bird.js'
import { FrrInstance, renderBgpdConfig, type FrrConfig } from '../lab/frr.js'
import { GobgpInstance, renderGobgpConfig, type GobgpConfig } from '../lab/gobgp.js'
import { exec, freeTcpPort, missingCommands, spawnProcess, waitFor } from '../lab/proc.js'
import { buildCluster, type ServerNode } from '../lab/topology.js'
import { SpeakerChild } from '../test/fixtures/receiver-client.js'
import { bgpMessages, type BgpRecord } from '../../src/capture/bgp-streams.js'
import { readPackets } from '../../src/capture/read-packets.js'
import { reassemble } from '../../src/capture/reassembly.js'
import { tcpSegments } from '../../src/capture/tcp.js'
import type { WireContext } from '../../src/wire/context.js'
import { messageToJson } from '../../src/wire/json.js'
import type { Message } from '../../src/wire/types.js'

type Kind = 'bird' | 'frr' | 'gobgp'
const DIRS: Record<Kind, string> = { bird: 'bird-lab', frr: 'frr', gobgp: 'gobgp' }
const DATE = new Date().toISOString().slice(0, 10)
const TS_AS = 65000
const D_AS = 4200000001
const HOLD = 9
const METHOD = 'tshark -i eth0 -f "tcp port 179" -w FILE.pcapng in the daemon\'s network namespace, on the veth to tsbgp; decoded with src/capture (readPackets, tcpSegments, reassemble, bgpMessages)'

// What the daemon originates: one prefix per family with MED, community and large community, and one
// per family that it withdraws later.
const V4_ROUTE = '203.0.113.0/24'
const V4_GONE = '198.51.100.0/25'
const V6_ROUTE = '2001:db8:bb::/48'
const V6_GONE = '2001:db8:bc::/48'
const COMMUNITY = '65001:100'
const LARGE = `${D_AS}:1:2`
const MED = 10

interface Driver {
  name: string
  version: string
  config: string[]
  withdraw: () => Promise<void>
  routeRefresh: () => Promise<void>
  /** false: the daemon's soft reset in is local (GoBGP re-runs its import policy on its own Adj-RIB-In; 3.10 sends no ROUTE-REFRESH). */
  routeRefreshOnWire: boolean
  /** Administrative shutdown of the IPv4 session only. */
  shutdownV4: () => Promise<void>
  stop: () => Promise<void>
}

async function birdDriver (s: ServerNode, reg: CleanupRegistry): Promise<Driver> {
  const version = (await exec('bird', ['--version'], { check: false })).stderr.trim().replace(/^BIRD version /, '')
  const statics = (gone: boolean): BirdConfig['staticRoutes'] => [
    { prefix: V4_ROUTE, set: [`bgp_community.add((${COMMUNITY.replace(':', ',')}))`, `bgp_large_community.add((${LARGE.replace(/:/g, ',')}))`] },
    { prefix: V6_ROUTE, set: [`bgp_community.add((${COMMUNITY.replace(':', ',')}))`, `bgp_large_community.add((${LARGE.replace(/:/g, ',')}))`] },
    ...(gone ? [] : [{ prefix: V4_GONE }, { prefix: V6_GONE }]),
  ]
  // BIRD drops a static route's bgp_med toward eBGP: MED is set in the export filter.
  const exp = (p: string): { raw: string } => ({ raw: `if net ~ [ ${p} ] then bgp_med = ${MED};\n  accept;` })
  const conf = (gone: boolean): BirdConfig => ({
    routerId: s.addr4,
    gshut: false,
    staticRoutes: statics(gone),
    neighbors: [
      { name: 'ts4', address: s.routerAddr4, as: TS_AS, localAs: D_AS, passive: true, holdTime: HOLD, keepaliveTime: 3, ipv4: { import: 'all', export: exp(V4_ROUTE) } },
      { name: 'ts6', address: s.routerAddr6, as: TS_AS, localAs: D_AS, passive: true, holdTime: HOLD, keepaliveTime: 3, ipv6: { import: 'all', export: exp(V6_ROUTE) } },
    ],
  })
  const b = await BirdInstance.start({ name: 'cap-bird', netns: s.netns, registry: reg, config: conf(false) })
  return {
    name: 'BIRD',
    version,
    config: renderBirdConfig(conf(false)).trim().split('\n'),
    withdraw: async () => { await b.reconfigure(conf(true)) },
    routeRefresh: async () => { await b.birdc('reload in ts4'); await b.birdc('reload in ts6') },
    routeRefreshOnWire: true,
    shutdownV4: async () => { await b.disable('ts4') },
    stop: async () => { await b.stop() },
  }
}

async function frrDriver (s: ServerNode, reg: CleanupRegistry): Promise<Driver> {
  const version = (await exec('/usr/lib/frr/bgpd', ['--version'], { check: false })).stdout.split('\n')[0].replace(/^bgpd version /, '').trim()
  const common = { as: TS_AS, passive: true, holdTime: HOLD, keepaliveTime: 3 }
  const config: FrrConfig = {
    hostname: 'cap-frr',
    routerId: s.addr4,
    as: D_AS,
    gshut: false,
    neighbors: [
      { ...common, address: s.routerAddr4, ipv4: { export: 'all', extra: [`network ${V4_ROUTE} route-map ATTRS`, `network ${V4_GONE}`] } },
      { ...common, address: s.routerAddr6, ipv4: false, ipv6: { export: 'all', extra: [`network ${V6_ROUTE} route-map ATTRS`, `network ${V6_GONE}`] } },
    ],
    extra: [`route-map ATTRS permit 10\n set metric ${MED}\n set community ${COMMUNITY}\n set large-community ${LARGE}`],
  }
  const f = await FrrInstance.start({ name: 'cap-frr', netns: s.netns, registry: reg, noKernel: true, config })
  const vty = async (cmds: string[]): Promise<void> => {
    await exec('vtysh', ['--vty_socket', f.vtyDir, '-d', 'bgpd', ...cmds.flatMap((c) => ['-c', c])])
  }
  return {
    name: 'FRR',
    version,
    config: renderBgpdConfig(config).trim().split('\n'),
    withdraw: async () => {
      await vty(['configure terminal', `router bgp ${D_AS}`, 'address-family ipv4 unicast', `no network ${V4_GONE}`, 'exit-address-family', 'address-family ipv6 unicast', `no network ${V6_GONE}`, 'end'])
    },
    routeRefresh: async () => { await vty(['clear bgp ipv4 unicast * soft in']); await vty(['clear bgp ipv6 unicast * soft in']) },
    routeRefreshOnWire: true,
    shutdownV4: async () => { await vty(['configure terminal', `router bgp ${D_AS}`, `neighbor ${s.routerAddr4} shutdown`, 'end']) },
    stop: async () => { await f.stop() },
  }
}

async function gobgpDriver (s: ServerNode, reg: CleanupRegistry): Promise<Driver> {
  const version = (await exec('gobgpd', ['--version'], { check: false })).stdout.trim().replace(/^gobgpd version /, '')
  const common = { as: TS_AS, passive: true, holdTime: HOLD, keepaliveTime: 3, gracefulRestart: true }
  const config: GobgpConfig = {
    as: D_AS,
    routerId: s.addr4,
    gshut: false,
    neighbors: [
      { ...common, address: s.routerAddr4, families: ['ipv4-unicast'] },
      { ...common, address: s.routerAddr6, families: ['ipv6-unicast'] },
    ],
  }
  const g = await GobgpInstance.start({ name: 'cap-gobgp', netns: s.netns, registry: reg, apiPort: await freeTcpPort(), config })
  const adds = [
    ['global', 'rib', 'add', '-a', 'ipv4', V4_ROUTE, 'origin', 'igp', 'med', String(MED), 'community', COMMUNITY, 'large-community', LARGE],
    ['global', 'rib', 'add', '-a', 'ipv4', V4_GONE, 'origin', 'igp'],
    ['global', 'rib', 'add', '-a', 'ipv6', V6_ROUTE, 'origin', 'igp', 'med', String(MED), 'community', COMMUNITY, 'large-community', LARGE],
    ['global', 'rib', 'add', '-a', 'ipv6', V6_GONE, 'origin', 'igp'],
  ]
  for (const a of adds) await g.cli(a)
  return {
    name: 'GoBGP',
    version,
    config: [...renderGobgpConfig(config).trim().split('\n'), '# then, through the API:', ...adds.map((a) => `gobgp ${a.join(' ')}`)],
    withdraw: async () => { await g.delRoute(V4_GONE); await g.delRoute(V6_GONE) },
    routeRefresh: async () => {
      await g.cli(['neighbor', s.routerAddr4, 'softresetin', '-a', 'ipv4'])
      await g.cli(['neighbor', s.routerAddr6, 'softresetin', '-a', 'ipv6'])
    },
    routeRefreshOnWire: false,
    shutdownV4: async () => { await g.cli(['neighbor', s.routerAddr4, 'shutdown']) },
    stop: async () => { await g.stop() },
  }
}

const DRIVERS: Record<Kind, (s: ServerNode, reg: CleanupRegistry) => Promise<Driver>> = { bird: birdDriver, frr: frrDriver, gobgp: gobgpDriver }

interface Captured { bytes: Buffer, ctx: WireContext, message: Message, v6: boolean }

async function run (kind: Kind, reg: CleanupRegistry): Promise<{ d: Driver, rx: Captured[], pcap: string }> {
  const c = await buildCluster({ servers: 1, registry: reg })
  const s = c.servers[0]
  const dir = (await exec('mktemp', ['-d', `/tmp/tsbgp-${process.pid}-cap-${kind}-XXXX`])).stdout.trim()
  reg.addDir(dir)
  const pcap = join(dir, `${kind}.pcapng`)
  // tshark runs as root here and writes the file itself (-Z only matters for dumpcap privilege drop).
  const shark = spawnProcess({ name: `tshark-${kind}`, cmd: 'tshark', args: ['-i', s.ifname, '-f', 'tcp port 179', '-w', pcap, '-q'], netns: s.netns, logFile: join(dir, 'tshark.log'), registry: reg, killGraceMs: 5000 })
  await waitFor('tshark capturing', () => { shark.assertRunning(); return /Capturing on/.test(shark.log()) }, { timeoutMs: 20_000, intervalMs: 100 })

  const child = await SpeakerChild.start(c.router.netns, reg, join(dir, 'child.log'))
  await child.startSpeaker({ routerId: '192.0.2.254', localAs: TS_AS, listen: false })
  const d = await DRIVERS[kind](s, reg)
  const peers = [
    { address: s.addr4, remoteAs: D_AS, families: ['ipv4' as const], holdTime: HOLD, connectRetry: 1, localAddress: s.routerAddr4, gracefulRestart: true },
    { address: s.addr6, remoteAs: D_AS, families: ['ipv6' as const], holdTime: HOLD, connectRetry: 1, localAddress: s.routerAddr6, gracefulRestart: true },
  ]
  await child.addPeers(peers)
  await child.waitEstablished([s.addr4, s.addr6], 30_000)
  await child.waitCounts({ ipv4: 2, ipv6: 2 }, 30_000)
  await waitFor('End-of-RIB from both sessions', () => child.events.filter((e) => e.event === 'eor' && e.direction === 'received').length >= 2, { timeoutMs: 15_000 })
  await sleep(3500) // at least one KEEPALIVE after the table (keepalive 3 s)
  await d.withdraw()
  await child.waitCounts({ ipv4: 1, ipv6: 1 }, 15_000)
  await d.routeRefresh()
  await sleep(1500)
  await d.shutdownV4()
  await waitFor('NOTIFICATION on the IPv4 session', () => child.events.some((e) => e.event === 'notification' && e.direction === 'received'), { timeoutMs: 10_000 })
  await d.stop()
  await sleep(1000)
  await child.close('capture done')
  await sleep(500)
  await shark.stop(5000)

  const rx: Captured[] = []
  const notes: string[] = []
  const records: AsyncIterable<BgpRecord> = bgpMessages(reassemble(tcpSegments(readPackets(pcap, { note: (m) => notes.push(m) }), new Set([179]), { note: (m) => notes.push(m) })))
  const from4 = `${s.addr4}:`
  const from6 = `[${s.addr6}]:`
  for await (const r of records) {
    if (r.kind === 'error') throw new Error(`${kind}: a captured message did not decode: ${r.error.message} (${r.bytes.toString('hex')})`)
    if (r.kind !== 'message') { notes.push(`${r.kind}: ${r.reason}`); continue }
    if (r.src.startsWith(from4) || r.src.startsWith(from6)) rx.push({ bytes: r.bytes, ctx: r.ctx, message: r.message, v6: r.src.startsWith('[') })
  }
  if (notes.length > 0) console.log(`${kind}: capture notes: ${notes.join('; ')}`)
  console.log(`${kind}: ${rx.length} messages from ${d.name} ${d.version} in ${pcap}`)
  return { d, rx, pcap }
}

function isEndOfRib (m: Message): boolean {
  if (m.type !== 'UPDATE') return false
  const a = m.attributes
  const noNlri = m.nlri.keys.length === 0 && m.withdrawn.keys.length === 0
  if (a.mpUnreach !== undefined) return noNlri && 'keys' in a.mpUnreach.withdrawn && a.mpUnreach.withdrawn.keys.length === 0 && Object.keys(a).filter((k) => k !== 'wire').length === 1
  return noNlri && Object.keys(a).filter((k) => k !== 'wire').length === 0
}

function write (kind: Kind, d: Driver, file: string, name: string, c: Captured): void {
  const dir = new URL(`../../rfc-fixtures/${DIRS[kind]}/`, import.meta.url)
  const addPath = [...c.ctx.addPath].map((k) => [k >> 8, k & 0xff])
  const fixture = {
    name,
    provenance: `captured from ${d.name} ${d.version} on a lab veth with tshark in a network namespace, ${DATE} (interop/tools/capture-lab-fixtures.ts)`,
    daemon: `${d.name} ${d.version}`,
    captured: DATE,
    method: METHOD,
    session: `${d.name} AS ${D_AS} (passive) <-> tsbgp AS 65000 over ${c.v6 ? 'IPv6 (2001:db8:0:1::2 -> ::1), IPv6 unicast' : 'IPv4 (192.0.2.2 -> 192.0.2.1), IPv4 unicast'}`,
    config: d.config,
    context: { as4: c.ctx.as4, extendedMessage: c.ctx.maxMessageLength > 4096, addPath },
    hex: c.bytes.toString('hex'),
    json: messageToJson(c.message),
  }
  writeFileSync(new URL(file, dir), JSON.stringify(fixture, null, 2) + '\n')
  console.log(`wrote rfc-fixtures/${DIRS[kind]}/${file}`)
}

function hasPrefix (m: Message, p: string, where: 'nlri' | 'withdrawn' | 'mpReach' | 'mpUnreach'): boolean {
  if (m.type !== 'UPDATE') return false
  const j = messageToJson(m) as { nlri?: string[], withdrawn?: string[], attributes?: { mpReach?: { nlri?: string[] }, mpUnreach?: { withdrawn?: string[] } } }
  if (where === 'nlri') return j.nlri?.includes(p) === true
  if (where === 'withdrawn') return j.withdrawn?.includes(p) === true
  if (where === 'mpReach') return j.attributes?.mpReach?.nlri?.includes(p) === true
  return j.attributes?.mpUnreach?.withdrawn?.includes(p) === true
}

function emit (kind: Kind, d: Driver, rx: Captured[]): void {
  const dir = new URL(`../../rfc-fixtures/${DIRS[kind]}/`, import.meta.url)
  mkdirSync(dir, { recursive: true })
  for (const f of readdirSync(dir)) if (f.endsWith('.json')) rmSync(new URL(f, dir))
  const missing: string[] = []
  const one = (file: string, name: string, pred: (c: Captured) => boolean): void => {
    const c = rx.find(pred)
    if (c === undefined) { missing.push(file); return }
    write(kind, d, file, name, c)
  }
  const v4 = (c: Captured): boolean => !c.v6
  one('open-ipv4.json', `${d.name} OPEN (eBGP AS ${D_AS}, IPv4 session, IPv4 unicast, hold ${HOLD})`, (c) => v4(c) && c.message.type === 'OPEN')
  one('open-ipv6.json', `${d.name} OPEN (eBGP AS ${D_AS}, IPv6 session, IPv6 unicast, hold ${HOLD})`, (c) => c.v6 && c.message.type === 'OPEN')
  one('keepalive.json', `${d.name} KEEPALIVE`, (c) => c.message.type === 'KEEPALIVE')
  one('update-ipv4.json', `${d.name} UPDATE ${V4_ROUTE} with MED ${MED}, community ${COMMUNITY}, large community ${LARGE}, 4-octet AS_PATH`, (c) => hasPrefix(c.message, V4_ROUTE, 'nlri'))
  one('update-ipv6.json', `${d.name} UPDATE ${V6_ROUTE} in MP_REACH_NLRI with MED, community and large community`, (c) => hasPrefix(c.message, V6_ROUTE, 'mpReach'))
  one('update-end-of-rib-ipv4.json', `${d.name} End-of-RIB IPv4 unicast (RFC 4724 §2)`, (c) => v4(c) && isEndOfRib(c.message))
  one('update-end-of-rib-ipv6.json', `${d.name} End-of-RIB IPv6 unicast (RFC 4724 §2)`, (c) => c.v6 && isEndOfRib(c.message))
  one('update-withdraw-ipv4.json', `${d.name} UPDATE withdrawing ${V4_GONE} (Withdrawn Routes)`, (c) => hasPrefix(c.message, V4_GONE, 'withdrawn'))
  one('update-withdraw-ipv6.json', `${d.name} UPDATE withdrawing ${V6_GONE} (MP_UNREACH_NLRI)`, (c) => hasPrefix(c.message, V6_GONE, 'mpUnreach'))
  const rr = rx.filter((c) => c.message.type === 'ROUTE-REFRESH')
  if (d.routeRefreshOnWire || rr.length > 0) {
    one('route-refresh-ipv4.json', `${d.name} ROUTE-REFRESH IPv4 unicast`, (c) => v4(c) && c.message.type === 'ROUTE-REFRESH')
    one('route-refresh-ipv6.json', `${d.name} ROUTE-REFRESH IPv6 unicast`, (c) => c.v6 && c.message.type === 'ROUTE-REFRESH')
  } else console.log(`${kind}: ${d.name} sent no ROUTE-REFRESH for its soft reset in (expected: it is local to ${d.name})`)
  const what = (c: Captured | undefined): string => {
    const j = c === undefined ? {} : messageToJson(c.message) as { codeName?: string, subcodeName?: string, hardReset?: { subcodeName?: string } }
    return `${j.codeName ?? '?'} / ${j.subcodeName ?? '?'}${j.hardReset?.subcodeName === undefined ? '' : ` (RFC 8538, wrapping ${j.hardReset.subcodeName})`}`
  }
  const adminNote = rx.find((c) => v4(c) && c.message.type === 'NOTIFICATION')
  one('notification-cease-admin-shutdown.json', `${d.name} NOTIFICATION ${what(adminNote)} on administrative shutdown of the IPv4 session`, (c) => c === adminNote)
  const stopNote = rx.find((c) => c.v6 && c.message.type === 'NOTIFICATION')
  if (stopNote !== undefined) {
    write(kind, d, 'notification-cease-on-sigterm.json', `${d.name} NOTIFICATION ${what(stopNote)} on the IPv6 session when the daemon is stopped with SIGTERM`, stopNote)
  } else console.log(`${kind}: ${d.name} sent no NOTIFICATION on SIGTERM (IPv6 session)`)
  if (missing.length > 0) throw new Error(`${kind}: not captured: ${missing.join(', ')}`)
}

const kinds = (process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['bird', 'frr', 'gobgp']) as Kind[]
for (const k of kinds) if (!(k in DRIVERS)) throw new Error(`unknown daemon ${k} (bird, frr, gobgp)`)
if (process.getuid?.() !== 0) throw new Error('capture-lab-fixtures needs root (namespaces, veth, capture)')
const missingTools = await missingCommands(['ip', 'tshark', 'bird', 'birdc', '/usr/lib/frr/bgpd', '/usr/lib/frr/zebra', 'vtysh', 'gobgpd', 'gobgp'])
if (missingTools.length > 0) throw new Error(`missing: ${missingTools.join(', ')}`)

let failed = false
for (const kind of kinds) {
  const reg = new CleanupRegistry(`capture-${kind}`)
  try {
    const { d, rx } = await run(kind, reg)
    emit(kind, d, rx)
  } catch (e) {
    failed = true
    console.error(`${kind}: ${(e as Error).stack ?? String(e)}`)
  } finally {
    const errors = await reg.runAll()
    if (errors.length > 0) console.error(errors.map((e) => e.message).join('\n'))
  }
}
process.exitCode = failed ? 1 : 0

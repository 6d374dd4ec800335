// Regenerates rfc-fixtures/bird/*.json: the messages a real BIRD 2 sends to tsbgp, captured raw in
// a loopback session (interop/lab/bird.ts + src/session/peer.ts), with the JSON form tsbgp decodes
// them to. Run once, as root, and review the diff:
//
//   TS_NODE_TRANSPILE_ONLY=1 node --import=@isaacs/ts-node-temp-fork-for-pr-2009/import \
//     interop/tools/capture-bird-fixtures.ts
//
// Sessions: eBGP over IPv4 (BIRD dials 127.0.0.3 -> 127.0.0.2) and over IPv6 (::1). Captured:
// OPEN, KEEPALIVE, UPDATE (IPv4 with MED/communities, IPv6 MP_REACH_NLRI, End-of-RIB), ROUTE-REFRESH
// (`birdc reload in`), NOTIFICATION (`birdc disable`, Cease / Administrative Shutdown).
import { mkdirSync, writeFileSync } from 'node:fs'
import { CleanupRegistry } from '../lab/cleanup.js'
import { BirdInstance, type BirdConfig } from '../lab/bird.js'
import { waitFor } from '../lab/proc.js'
import { DEFAULT_CONTEXT, type WireContext } from '../../src/wire/context.js'
import { messageToJson } from '../../src/wire/json.js'
import { decodeMessage } from '../../src/wire/message.js'
import type { Message } from '../../src/wire/types.js'
import { BgpListener } from '../../src/session/listener.js'
import { Peer } from '../../src/session/peer.js'

const OUT = new URL('../../rfc-fixtures/bird/', import.meta.url)
const DATE = new Date().toISOString().slice(0, 10)

interface Captured {
  bytes: Buffer
  ctx: WireContext
  message: Message
}

async function freePort(host: string): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = 20000 + Math.floor(Math.random() * 40000)
    const l = new BgpListener({ host, port })
    try {
      await l.listen()
      await l.close()
      return port
    } catch {
      /* taken: try another */
    }
  }
  throw new Error('no free port')
}

async function capture(v6: boolean, reg: CleanupRegistry): Promise<{ version: string; rx: Captured[] }> {
  const tsAddr = v6 ? '::1' : '127.0.0.2'
  const birdAddr = v6 ? '::1' : '127.0.0.3'
  const tsPort = await freePort(tsAddr)
  const birdPort = await freePort(v6 ? '::' : '0.0.0.0')
  const listener = new BgpListener({ host: tsAddr, port: tsPort })
  await listener.listen()
  const rx: Captured[] = []
  const peer = new Peer({
    session: { localAs: 65001, remoteAs: 65002, bgpId: '10.0.0.2', holdTimeSec: 9, passive: true, capabilities: { families: [v6 ? [2, 1] : [1, 1]] } },
    remoteAddress: birdAddr,
    remotePort: birdPort,
    localAddress: tsAddr,
    onRawMessage: (dir, bytes) => {
      if (dir !== 'rx') return
      const ctx = peer.session?.rxContext ?? DEFAULT_CONTEXT
      rx.push({ bytes: Buffer.from(bytes), ctx, message: decodeMessage(bytes, 0, ctx).message })
    },
  })
  await listener.addPeer(peer)
  try {
    const af = v6 ? 'ipv6' : 'ipv4'
    const config: BirdConfig = {
      routerId: '10.0.0.3',
      staticRoutes: v6
        ? [{ prefix: '2001:db8:bb::/48' }]
        : [{ prefix: '203.0.113.0/24', set: ['bgp_community.add((65002,100))', 'bgp_large_community.add((65002,1,2))'] }],
      extra: [`${af} table loopnh;`, `protocol static loopnhs { ${af} { table loopnh; }; route ${v6 ? '::/0' : '0.0.0.0/0'} via "lo"; }`],
      neighbors: [
        {
          name: 'tsbgp',
          address: tsAddr,
          port: tsPort,
          as: 65001,
          localAs: 65002,
          localAddress: birdAddr,
          localPort: birdPort,
          multihop: true,
          holdTime: 9,
          [af]: {
            import: 'all',
            export: v6 ? 'all' : { set: ['bgp_med = 10'] },
            igpTable: 'loopnh',
            // ::1 is both ends' address; BIRD refuses it as a next hop toward ::1.
            extra: v6 ? ['next hop address 2001:db8:ffff::3;'] : [],
          },
        },
      ],
    }
    const bird = await BirdInstance.start({ name: `capture-${af}`, config, registry: reg })
    const version = (await bird.birdc('show status')).match(/BIRD (\d+\.\d+\.\d+)/)?.[1] ?? '2'
    await peer.start()
    const has = (pred: (m: Message) => boolean): boolean => rx.some((c) => pred(c.message))
    await waitFor('an UPDATE with NLRI and a KEEPALIVE', () => has((m) => m.type === 'UPDATE') && has((m) => m.type === 'KEEPALIVE') && peer.state === 'Established', { timeoutMs: 15_000 })
    await new Promise((r) => setTimeout(r, 1500)) // End-of-RIB follows the routes
    await bird.birdc('reload in tsbgp')
    await waitFor('ROUTE-REFRESH', () => has((m) => m.type === 'ROUTE-REFRESH'), { timeoutMs: 5000 })
    await bird.disable('tsbgp')
    await waitFor('NOTIFICATION', () => has((m) => m.type === 'NOTIFICATION'), { timeoutMs: 5000 })
    await bird.stop()
    return { version, rx }
  } finally {
    await peer.close()
    await listener.close()
  }
}

function isEndOfRib(m: Message): boolean {
  if (m.type !== 'UPDATE') return false
  const a = m.attributes
  const noNlri = m.nlri.keys.length === 0 && m.withdrawn.keys.length === 0
  if (a.mpUnreach !== undefined) return noNlri && 'keys' in a.mpUnreach.withdrawn && a.mpUnreach.withdrawn.keys.length === 0 && Object.keys(a).filter((k) => k !== 'wire').length === 1
  return noNlri && Object.keys(a).length === 0
}

function write(file: string, name: string, version: string, c: Captured): void {
  const fixture = {
    name,
    provenance: `captured from BIRD ${version} in the loopback session test, ${DATE} (interop/tools/capture-bird-fixtures.ts)`,
    context: { as4: c.ctx.as4, extendedMessage: c.ctx.maxMessageLength > 4096, addPath: [] as number[][] },
    hex: c.bytes.toString('hex'),
    json: messageToJson(c.message),
  }
  writeFileSync(new URL(file, OUT), JSON.stringify(fixture, null, 2) + '\n')
  console.log(`wrote rfc-fixtures/bird/${file}`)
}

const reg = new CleanupRegistry('capture-bird')
try {
  mkdirSync(OUT, { recursive: true })
  const v4 = await capture(false, reg)
  const v6 = await capture(true, reg)
  const first = (rx: Captured[], pred: (m: Message) => boolean): Captured => {
    const c = rx.find((x) => pred(x.message))
    if (c === undefined) throw new Error('message not captured')
    return c
  }
  const ver = v4.version
  write('open-ipv4.json', 'BIRD OPEN (eBGP, IPv4 unicast, hold 9)', ver, first(v4.rx, (m) => m.type === 'OPEN'))
  write('keepalive.json', 'BIRD KEEPALIVE', ver, first(v4.rx, (m) => m.type === 'KEEPALIVE'))
  write('update-ipv4.json', 'BIRD UPDATE 203.0.113.0/24 with MED, community and large community', ver, first(v4.rx, (m) => m.type === 'UPDATE' && m.nlri.keys.length > 0))
  const eor4 = v4.rx.find((x) => isEndOfRib(x.message))
  if (eor4) write('update-end-of-rib-ipv4.json', 'BIRD End-of-RIB IPv4 unicast (RFC 4724 §2)', ver, eor4)
  write('route-refresh-ipv4.json', 'BIRD ROUTE-REFRESH IPv4 unicast (birdc reload in)', ver, first(v4.rx, (m) => m.type === 'ROUTE-REFRESH'))
  write('notification-cease-shutdown.json', 'BIRD NOTIFICATION Cease / Administrative Shutdown (birdc disable)', ver, first(v4.rx, (m) => m.type === 'NOTIFICATION'))
  write('open-ipv6.json', 'BIRD OPEN (eBGP over ::1, IPv6 unicast, hold 9)', ver, first(v6.rx, (m) => m.type === 'OPEN'))
  write('update-ipv6.json', 'BIRD UPDATE 2001:db8:bb::/48 in MP_REACH_NLRI', ver, first(v6.rx, (m) => m.type === 'UPDATE' && m.attributes.mpReach !== undefined))
  const eor6 = v6.rx.find((x) => isEndOfRib(x.message))
  if (eor6) write('update-end-of-rib-ipv6.json', 'BIRD End-of-RIB IPv6 unicast (RFC 4724 §2)', ver, eor6)
  write('route-refresh-ipv6.json', 'BIRD ROUTE-REFRESH IPv6 unicast (birdc reload in)', ver, first(v6.rx, (m) => m.type === 'ROUTE-REFRESH'))
} finally {
  const errors = await reg.runAll()
  if (errors.length > 0) console.error(errors.map((e) => e.message).join('\n'))
}

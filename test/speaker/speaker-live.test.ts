// Two (or four) Speakers over real TCP on loopback (127.0.0.x, kernel-chosen ports): announcements with
// their attributes both families, withdrawal, export and import policy changes applied without a session
// reset, multipath across three peers, RFC 4724 End-of-RIB, counters, and a clean close. Every wait is bounded.
import t from 'tap'
import type { PeerStateChangeEvent } from '../../src/speaker/events.js'
import { connect, established, makeNode, waitFor } from './helpers.js'

const NH6 = '2001:db8::a'

t.test('A announces to B over eBGP: attributes, withdraw, policies without reset', async (t) => {
  const a = await makeNode(t, '127.0.0.2', 65001)
  const b = await makeNode(t, '127.0.0.3', 65002)
  const eorB: string[] = []
  b.speaker.on('endOfRib', (e) => {
    if (e.direction === 'received') eorB.push(e.family)
  })
  await connect(a, b, { families: ['ipv4', 'ipv6'], nextHop6: NH6 }, { families: ['ipv4', 'ipv6'] })
  await waitFor('Established', () => established(a, b.address) && established(b, a.address), 10_000)
  await waitFor('End-of-RIB both families', () => eorB.length === 2)
  t.same(eorB.sort(), ['ipv4', 'ipv6'], 'RFC 4724 End-of-RIB received per family after the (empty) initial dump')

  const changes: string[] = []
  b.speaker.on('bestPathChange', (c) => changes.push(`${c.prefix}:${c.best === null ? 'gone' : 'up'}`))
  a.speaker.announce(['192.0.2.0/24', '2001:db8:1::/48'], { med: 50, communities: ['65001:100'], largeCommunities: ['65001:1:2'] })
  const v4 = await waitFor('IPv4 route at B', () => b.speaker.bestPath('192.0.2.0/24'))
  t.equal(v4.source, 'bgp')
  t.equal(v4.peer, a.address)
  t.equal(v4.peerAs, 65001)
  t.equal(v4.attributes.nextHop, a.address, 'eBGP: next hop self = the session local address')
  t.same(v4.attributes.asPath, [65001], 'eBGP: our AS prepended to the empty AS_PATH')
  t.equal(v4.attributes.med, 50, 'MED of our own route is sent (RFC 4271 §5.1.4)')
  t.same(v4.attributes.communities, ['65001:100'])
  t.same(v4.attributes.largeCommunities, ['65001:1:2'])
  t.equal(v4.attributes.origin, 'igp')
  t.equal(v4.attributes.localPref, undefined, 'no LOCAL_PREF over eBGP')
  const v6 = await waitFor('IPv6 route at B', () => b.speaker.bestPath('2001:db8:1::/48'))
  t.equal(v6.attributes.nextHop, NH6, 'IPv6 over an IPv4 session: the configured nextHop6')
  t.same(v6.attributes.asPath, [65001])
  t.equal(v6.attributes.med, 50)
  t.ok(changes.includes('192.0.2.0/24:up') && changes.includes('2001:db8:1::/48:up'), 'bestPathChange events')

  const local = a.speaker.bestPath('192.0.2.0/24')!
  t.equal(local.source, 'api', 'A has its own route as source api')
  const pa = a.speaker.peers().find((p) => p.address === b.address)!
  t.equal(pa.families.ipv4?.advertised, 1, 'A advertised one IPv4 prefix')
  t.equal(pa.families.ipv6?.advertised, 1)
  const pb = b.speaker.peers().find((p) => p.address === a.address)!
  t.same(pb.families.ipv4, { received: 1, accepted: 1, best: 1, advertised: 0 })
  t.equal(pb.peerRouterId, '10.0.0.2')
  t.ok(pb.uptimeMs >= 0)
  t.same([...b.speaker.adjRibIn(a.address)].map((r) => r.prefix).sort(), ['192.0.2.0/24', '2001:db8:1::/48'])
  t.same([...a.speaker.adjRibOut(b.address)].map((r) => `${r.prefix} ${r.attributes.med}`).sort(), ['192.0.2.0/24 50', '2001:db8:1::/48 50'])
  const entries = [...b.speaker.locRib()]
  t.equal(entries.length, 2)
  t.equal(entries[0]!.multipath.length, 1)

  // Export policy change on A: only the difference goes out, the session stays up.
  const flaps: PeerStateChangeEvent[] = []
  a.speaker.on('peerStateChange', (e) => flaps.push(e))
  b.speaker.on('peerStateChange', (e) => flaps.push(e))
  const t0 = performance.now()
  await a.speaker.setPolicy(b.address, {
    export: (r) => {
      r.attributes.med = 200
      return r
    },
  })
  await waitFor('MED 200 at B', () => b.speaker.bestPath('192.0.2.0/24')?.attributes.med === 200, 1000)
  t.comment(`export policy change visible at B after ${(performance.now() - t0).toFixed(0)} ms`)
  await waitFor('MED 200 (IPv6) at B', () => b.speaker.bestPath('2001:db8:1::/48')?.attributes.med === 200, 1000)
  t.same(flaps, [], 'no session state change on either side')

  // Import policy on B: reject the IPv4 prefix, from the kept pre-policy routes (no ROUTE-REFRESH).
  await b.speaker.setPolicy(a.address, { import: (r) => (r.prefix === '192.0.2.0/24' ? null : r) })
  t.equal(b.speaker.bestPath('192.0.2.0/24'), null, 'rejected by import policy')
  t.ok(b.speaker.bestPath('2001:db8:1::/48'), 'the other prefix stays')
  const pb2 = b.speaker.peers().find((p) => p.address === a.address)!
  t.same(pb2.families.ipv4, { received: 1, accepted: 0, best: 0, advertised: 0 }, 'received but not accepted')
  await b.speaker.setPolicy(a.address, { import: null })
  t.equal(b.speaker.bestPath('192.0.2.0/24')?.attributes.med, 200, 'back after the policy is removed')
  t.same(flaps, [], 'still no state change')

  // Withdraw.
  a.speaker.withdraw(['192.0.2.0/24', '2001:db8:1::/48'])
  await waitFor('withdrawn at B', () => b.speaker.bestPath('192.0.2.0/24') === null && b.speaker.bestPath('2001:db8:1::/48') === null, 2000)
  t.ok(changes.includes('192.0.2.0/24:gone'))
  t.equal(a.speaker.peers()[0]!.families.ipv4?.advertised, 0)
})

t.test('multipath: three eBGP peers of one AS announce the same prefix', async (t) => {
  const b = await makeNode(t, '127.0.0.3', 65002, { decision: { multipath: true } })
  const as = await Promise.all(['127.0.0.4', '127.0.0.5', '127.0.0.6'].map((addr) => makeNode(t, addr, 65010)))
  for (const a of as) await connect(a, b)
  await waitFor('3 sessions', () => as.every((a) => established(a, b.address) && established(b, a.address)), 10_000)
  for (const a of as) a.speaker.announce('198.51.100.0/24', { med: 10, communities: ['65010:1'] })
  const mp = await waitFor('multipath of 3', () => {
    const m = b.speaker.multipath('198.51.100.0/24')
    return m.length === 3 ? m : null
  })
  t.same(mp.map((r) => r.peer).sort(), ['127.0.0.4', '127.0.0.5', '127.0.0.6'])
  t.equal(b.speaker.bestPath('198.51.100.0/24')?.peer, '127.0.0.4', 'best: lowest router id (RFC 4271 §9.1.2.2 f)')
  const entry = [...b.speaker.locRib()].find((e) => e.prefix === '198.51.100.0/24')!
  t.equal(entry.multipath.length, 3)
  const bests = b.speaker.peers().map((p) => p.families.ipv4?.best)
  t.same(bests.sort(), [0, 0, 1], 'best counted once, for the winning peer')

  // One of them goes away: Cease / Peer De-configured, the set shrinks to 2.
  const notes: string[] = []
  as[0]!.speaker.on('notification', (n) => notes.push(`${n.direction} ${n.name}`))
  t.equal(await b.speaker.removePeer('127.0.0.4'), true)
  await waitFor('multipath of 2', () => b.speaker.multipath('198.51.100.0/24').length === 2)
  await waitFor('NOTIFICATION at the removed peer', () => notes.length > 0)
  t.match(notes[0], /received Cease \/ Peer De-configured/)
})

t.test('close(): Cease to the peer, no sockets left', async (t) => {
  const a = await makeNode(t, '127.0.0.2', 65001)
  const b = await makeNode(t, '127.0.0.3', 65002)
  await connect(a, b)
  await waitFor('Established', () => established(a, b.address) && established(b, a.address), 10_000)
  const got: string[] = []
  b.speaker.on('notification', (n) => got.push(`${n.direction} ${n.name} ${n.message ?? ''}`.trim()))
  const it = a.speaker.events('peerStateChange')
  const seen: string[] = []
  const reader = (async () => {
    for await (const e of it) seen.push(`${e.from}->${e.to}`)
  })()
  await a.speaker.close('maintenance')
  await reader
  t.ok(seen.includes('Established->Idle'), 'the iterator saw the session end, then ended')
  await waitFor('NOTIFICATION at B', () => got.length > 0)
  t.same(got, ['received Cease / Administrative Shutdown maintenance'], 'RFC 9003 message carried')
  await b.speaker.close()
  // Handles leave libuv's list a loop turn after their 'close'; the peer's side closes when our FIN arrives.
  const ms = await waitFor('no TCP handles', () => (process.getActiveResourcesInfo().some((r) => r.startsWith('TCP')) ? null : performance.now()), 1000)
  t.ok(ms > 0, 'no TCP handles left within 1 s of close()')
})

// ADD-PATH send (RFC 7911) through the Speaker's inbound / lifecycle / outbound functions with stub peers:
// what goes on the wire (path ids in NLRI and withdrawals, both families), export policy per path (async
// too), the numeric limit, graceful-restart stale paths, ROUTE-REFRESH, and option validation.
import t from 'tap'
import { makeWireContext } from '../../src/wire/context.js'
import { decodeMessage } from '../../src/wire/message.js'
import { formatKey, parsePrefix, type NlriList } from '../../src/wire/prefix.js'
import type { Update } from '../../src/wire/types.js'
import { AdjRibOutAddPath } from '../../src/rib/adj-rib-out-addpath.js'
import { peerOptions, speakerOptions } from '../../src/speaker/options.js'
import { hasAddPathSenders, pathsToOffer, startDump, touchAddPath, touchUpdate } from '../../src/speaker/outbound.js'
import { EOR_V4, Harness, sleep, update, type StubPeer } from './harness.js'

const AP = makeWireContext({ as4: true, addPath: [[1, 1], [2, 1]] })

/** The stub's UPDATEs decoded with path ids: "+id prefix asn" / "-id prefix". */
function wire(stub: StubPeer): string[] {
  const out: string[] = []
  const list = (l: NlriList, sign: string, asn: string): void => {
    for (let i = 0; i < l.keys.length; i++) out.push(`${sign}${l.pathIds![i]} ${formatKey(l.afi, l.keys[i]!)}${asn}`)
  }
  for (const b of stub.sent.splice(0)) {
    const u = decodeMessage(b, 0, AP).message as Update
    const a = u.attributes
    const asn = a.asPath === undefined ? '' : ` ${a.asPath.flatMap((s) => s.asns).join(' ')}`
    list(u.withdrawn, '-', '')
    list(u.nlri, '+', asn)
    if (a.mpReach !== undefined && 'keys' in a.mpReach.nlri) list(a.mpReach.nlri, '+', asn)
    if (a.mpUnreach !== undefined && 'keys' in a.mpUnreach.withdrawn) list(a.mpUnreach.withdrawn, '-', '')
  }
  return out.sort()
}

function recv(h: Harness, p: Parameters<Harness['receive']>[0], u: Update): void {
  h.receive(p, u)
  touchUpdate(h.host, p, u)
}

const asPath = (asn: number) => ({ asPath: [{ type: 2, asns: [asn] }] })

t.test('paths per source, ids in announcements and withdrawals, export policy per path', async (t) => {
  const h = new Harness()
  const p1 = h.addPeer({ address: '192.0.2.1', remoteAs: 65001 })
  const p2 = h.addPeer({ address: '192.0.2.2', remoteAs: 65002 })
  const p3 = h.addPeer({ address: '192.0.2.3', remoteAs: 65003 })
  // Async export policy: routes from AS 65003 are not for this peer.
  const q = h.addPeer({
    address: '192.0.2.50',
    remoteAs: 65100,
    addPath: { ipv4: { send: 'all' }, ipv6: { send: 'all' } },
    exportPolicy: (r) => Promise.resolve(r.neighbor?.asn === 65003 ? null : r),
  })
  for (const p of [p1, p2, p3]) h.up(p)
  t.notOk(hasAddPathSenders(h.core))
  h.up(q, { addPathTx: [[1, 1], [2, 1]], txContext: AP })
  t.ok(hasAddPathSenders(h.core))
  t.ok(q.families.get('ipv4')!.out instanceof AdjRibOutAddPath)
  await sleep(5)
  q.stub.sent.length = 0

  recv(h, p1, update({ v4: ['198.51.100.0/24'], v6: ['2001:db8:9::/48'], attrs: asPath(65001) }))
  recv(h, p2, update({ v4: ['198.51.100.0/24'], v6: ['2001:db8:9::/48'], attrs: { ...asPath(65002), nextHop: '192.0.2.2' } }))
  recv(h, p3, update({ v4: ['198.51.100.0/24'], attrs: { ...asPath(65003), nextHop: '192.0.2.3' } }))
  await sleep(10)
  t.same(wire(q.stub), ['+1 198.51.100.0/24 65000 65001', '+1 2001:db8:9::/48 65000 65001', '+2 198.51.100.0/24 65000 65002', '+2 2001:db8:9::/48 65000 65002'], 'two paths per family; the third refused by policy')

  // p2 withdraws (not best): only its id goes.
  recv(h, p2, update({ withdraw: ['198.51.100.0/24'] }))
  await sleep(10)
  t.same(wire(q.stub), ['-2 198.51.100.0/24'])

  // MP_UNREACH_NLRI with an id.
  const v6 = parsePrefix('2001:db8:9::/48')!.key as string
  recv(h, p1, { ...update({}), attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: { afi: 2, keys: [v6], pathIds: null } } } })
  await sleep(10)
  t.same(wire(q.stub), ['-1 2001:db8:9::/48'], "p1 withdrew its IPv6 path: only its id goes, p2's stays as it is")

  // Route refresh: everything again, same ids.
  q.families.get('ipv4')!.out!.resendAll()
  touchAddPath(h.host, 'ipv4', [], null, false)
  startDump(h.host, q, q.families.get('ipv4')!)
  await sleep(10)
  t.same(wire(q.stub), ['+1 198.51.100.0/24 65000 65001'], 'ROUTE-REFRESH: the sent paths again, same ids')

  // Session of a source down: its paths go.
  h.down(p1)
  await sleep(10)
  t.same(wire(q.stub), ['-1 198.51.100.0/24'])
  h.down(q)
  t.notOk(hasAddPathSenders(h.core), 'forgotten when its session goes down')
  t.same(h.errors, [])
})

t.test('send N: the best N after export; graceful-restart stale paths', async (t) => {
  const h = new Harness()
  const gr = { code: 64 as const, restartState: false, notification: false, restartTime: 0, families: [{ afi: 1, safi: 1, forwardingState: true }] }
  const p1 = h.addPeer({ address: '192.0.2.1', remoteAs: 65001, families: ['ipv4'] })
  const p2 = h.addPeer({ address: '192.0.2.2', remoteAs: 65002, families: ['ipv4'] })
  const p3 = h.addPeer({ address: '192.0.2.3', remoteAs: 65003, families: ['ipv4'] })
  const q = h.addPeer({ address: '192.0.2.50', remoteAs: 65100, families: ['ipv4'], addPath: { ipv4: { send: 2 } } })
  const plain = h.addPeer({ address: '192.0.2.60', remoteAs: 65200, families: ['ipv4'], addPath: { ipv4: { send: 'all' } } })
  for (const p of [p1, p2, p3]) h.up(p, { gracefulRestart: gr })
  h.up(q, { addPathTx: [[1, 1]], txContext: AP })
  h.up(plain) // ADD-PATH configured, not negotiated: the plain table
  t.notOk(plain.families.get('ipv4')!.out instanceof AdjRibOutAddPath)
  await sleep(5)
  q.stub.sent.length = 0
  plain.stub.sent.length = 0
  recv(h, p1, update({ v4: ['198.51.100.0/24'], attrs: asPath(65001) }))
  recv(h, p2, update({ v4: ['198.51.100.0/24'], attrs: { asPath: [{ type: 2, asns: [65002, 65002] }], nextHop: '192.0.2.2' } }))
  recv(h, p3, update({ v4: ['198.51.100.0/24'], attrs: { ...asPath(65003), nextHop: '192.0.2.3' } }))
  await sleep(10)
  t.same(wire(q.stub), ['+1 198.51.100.0/24 65000 65001', '+2 198.51.100.0/24 65000 65003'], 'the best two in decision order (shorter AS paths)')
  t.equal(plain.stub.sent.length > 0, true, 'the peer without ADD-PATH gets the best')
  const loc = h.core.locRib('ipv4')
  const key = update({ v4: ['198.51.100.0/24'] }).nlri.keys[0]!
  t.equal(pathsToOffer(loc, key, 'all').length, 3)
  t.equal(pathsToOffer(loc, key, 1).length, 1)
  t.equal(pathsToOffer(loc, key, 'multipath').length, 1)
  t.equal(pathsToOffer(loc, 0, 'all').length, 0)
  t.equal(pathsToOffer(loc, 0, 'best').length, 0)

  // p3 restarts: its path stays (stale) until the Restart Time passes, then q loses it and gets p2's.
  h.down(p3, true)
  await sleep(30)
  t.same(wire(q.stub), ['+3 198.51.100.0/24 65000 65002 65002', '-2 198.51.100.0/24'], 'stale path flushed: its id withdrawn, the next path added under a new id')
  h.receive(p1, EOR_V4)
  for (const p of [p1, p2, p3, q, plain]) p.clearTimers()
})

t.test('addPath options', async (t) => {
  const sp = speakerOptions({ routerId: '10.0.0.1', localAs: 65000 })
  const base = { address: '192.0.2.1', remoteAs: 65001 }
  t.same(peerOptions(base, sp).addPath, {})
  t.same(peerOptions({ ...base, addPath: { ipv4: { send: 'all', receive: true } } }, sp).addPath, { ipv4: { send: 'all', receive: true } })
  t.same(peerOptions({ ...base, addPath: { ipv4: { receive: true } } }, sp).addPath, { ipv4: { send: null, receive: true } })
  t.same(peerOptions({ ...base, addPath: { ipv4: { send: 4 } } }, sp).addPath, { ipv4: { send: 4, receive: false } })
  t.same(peerOptions({ ...base, addPath: { ipv4: {}, ipv6: undefined } }, sp).addPath, {}, 'nothing asked: nothing advertised')
  const bad: Array<[string, unknown]> = [
    ['not an object', 5],
    ['not a family of the peer', { ipv6: { send: 'all' } }],
    ['unknown family', { vpn: { send: 'all' } }],
    ['family value', { ipv4: 1 }],
    ['send mode', { ipv4: { send: 'some' } }],
    ['send 0', { ipv4: { send: 0 } }],
    ['send fraction', { ipv4: { send: 1.5 } }],
    ['receive', { ipv4: { receive: 'yes' } }],
  ]
  for (const [what, addPath] of bad) t.throws(() => peerOptions({ ...base, addPath } as never, sp), RangeError, what)
})

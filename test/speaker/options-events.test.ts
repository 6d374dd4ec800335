// Option validation (once, with the field named), plain-data attribute conversion, the event iterator,
// and the library entry's export list.
import { EventEmitter } from 'node:events'
import t from 'tap'
import * as lib from '../../src/index.js'
import { eventIterator, type SpeakerEventMap } from '../../src/speaker/events.js'
import { DEFAULT_MRAI_MS, peerOptions, speakerOptions } from '../../src/speaker/options.js'
import { announceToPathAttributes, toRouteAttributes } from '../../src/speaker/route-info.js'

t.test('speaker and peer options: defaults and errors', async (t) => {
  const sp = speakerOptions({ routerId: '10.0.0.1', localAs: 65000 })
  t.equal(sp.listen, null, 'no listener by default')
  t.equal(sp.mraiEbgpMs, DEFAULT_MRAI_MS)
  t.same(speakerOptions({ routerId: '10.0.0.1', localAs: 65000, listen: {} }).listen, { address: '::', port: 179 })
  const bad: Array<[string, () => unknown, RegExp]> = [
    ['router id', () => speakerOptions({ routerId: '0.0.0.0', localAs: 1 }), /routerId/],
    ['local AS', () => speakerOptions({ routerId: '10.0.0.1', localAs: 0 }), /localAs/],
    ['listen port', () => speakerOptions({ routerId: '10.0.0.1', localAs: 1, listen: { port: 70000 } }), /listen.port/],
    ['maxPaths', () => speakerOptions({ routerId: '10.0.0.1', localAs: 1, decision: { maxPaths: 0 } }), /maxPaths/],
    ['peer address', () => peerOptions({ address: 'x', remoteAs: 1 }, sp), /peer address/],
    ['remote AS', () => peerOptions({ address: '192.0.2.1', remoteAs: -1 }, sp), /remoteAs/],
    ['hold time', () => peerOptions({ address: '192.0.2.1', remoteAs: 1, holdTime: 2 }, sp), /holdTime/],
    ['families', () => peerOptions({ address: '192.0.2.1', remoteAs: 1, families: ['ipx' as 'ipv4'] }, sp), /families/],
    ['nextHop6', () => peerOptions({ address: '192.0.2.1', remoteAs: 1, nextHop6: '192.0.2.9' }, sp), /nextHop6/],
    ['policy', () => peerOptions({ address: '192.0.2.1', remoteAs: 1, importPolicy: 5 as never }, sp), /importPolicy/],
  ]
  for (const [name, f, re] of bad) t.throws(f, re, name)
  const p = peerOptions({ address: '192.0.2.1', remoteAs: 65001 }, sp)
  t.same([p.ebgp, p.port, p.families, p.keepPrePolicy, p.mraiMs, p.gracefulRestart], [true, 179, ['ipv4'], true, 0, null])
  t.same(peerOptions({ address: '2001:db8::1', remoteAs: 65000 }, sp).families, ['ipv4', 'ipv6'], 'IPv6 peer: both families')
  t.equal(peerOptions({ address: '2001:db8::1', remoteAs: 65000 }, sp).ebgp, false)
  t.same(peerOptions({ address: '192.0.2.1', remoteAs: 1, gracefulRestart: true }, sp).gracefulRestart, { restartTimeSec: 120 })
})

t.test('announce attributes <-> path attributes', async (t) => {
  const a = announceToPathAttributes({ med: 10, communities: ['65000:1', 'no-export'], largeCommunities: ['1:2:3'], extendedCommunities: ['target:65000:7'], origin: 'egp', asPath: [64512] }, 'ipv4')
  t.same(a.communities, [65000 * 65536 + 1, 0xffffff01])
  t.same(a.asPath, [{ type: 2, asns: [64512] }])
  const r = toRouteAttributes(a)
  t.same(r, { origin: 'egp', asPath: [64512], med: 10, communities: ['65000:1', '65535:65281'], largeCommunities: ['1:2:3'], extendedCommunities: r.extendedCommunities })
  t.equal(r.extendedCommunities?.length, 1)
  const v6 = announceToPathAttributes({ nextHop6: '2001:db8::1' }, 'ipv6')
  t.same(v6.mpReach?.nextHop, ['2001:db8::1'])
  t.equal(toRouteAttributes(v6).nextHop, '2001:db8::1')
  t.throws(() => announceToPathAttributes({ communities: ['x'] }, 'ipv4'), /community/)
  const none = announceToPathAttributes({ communities: [], largeCommunities: [], extendedCommunities: [] }, 'ipv4')
  t.same([none.communities, none.largeCommunities, none.extendedCommunities], [undefined, undefined, undefined], 'empty lists send no attribute (RFC 7606 §7.8)')
  t.throws(() => announceToPathAttributes({ nextHop: '2001:db8::1' }, 'ipv4'), /nextHop/)
  t.throws(() => announceToPathAttributes({ med: -1 }, 'ipv4'), /med/)
  t.same(toRouteAttributes({ asPath: [{ type: 2, asns: [1] }, { type: 1, asns: [2, 3] }] }).asPathSegments, [
    { type: 'AS_SEQUENCE', asns: [1] },
    { type: 'AS_SET', asns: [2, 3] },
  ])
})

t.test('event iterator: queue, maxQueue, return, end', async (t) => {
  const em = new EventEmitter()
  let ender: (() => void) | null = null
  const it = eventIterator<SpeakerEventMap, 'endOfRib'>(em, 'endOfRib', (end) => ((ender = end), () => (ender = null)), { maxQueue: 2 })
  for (const family of ['ipv4', 'ipv6', 'ipv4'] as const) em.emit('endOfRib', { peer: 'x', family, direction: 'sent' })
  t.equal(it.dropped, 1, 'oldest dropped past maxQueue')
  t.equal((await it.next()).value?.family, 'ipv6')
  const pending = it.next()
  t.equal((await pending).value?.family, 'ipv4')
  const waiting = it.next()
  em.emit('endOfRib', { peer: 'x', family: 'ipv6', direction: 'received' })
  t.equal((await waiting).value?.direction, 'received', 'a waiting next() gets the event directly')
  const last = it.next()
  ender!()
  t.same(await last, { value: undefined, done: true }, 'ended by the owner')
  t.equal(em.listenerCount('endOfRib'), 0, 'unsubscribed')
  t.equal(ender, null)
  const it2 = eventIterator<SpeakerEventMap, 'endOfRib'>(em, 'endOfRib', () => () => {})
  for await (const _ of (async function* () {})()) void _
  await it2.return!()
  t.same(await it2.next(), { value: undefined, done: true }, 'return() ends it')
  t.equal(em.listenerCount('endOfRib'), 0)
})

t.test('library entry exports only the public surface', async (t) => {
  t.same(Object.keys(lib).sort(), [
    'AS_TRANS', 'AddPathMode', 'Afi', 'AsPathSegmentType', 'AttrFlag', 'AttrType', 'BgpError', 'BgpRole', 'CapabilityCode', 'CeaseSubcode',
    'DEFAULT_CONNECT_RETRY_SEC', 'DEFAULT_CONTEXT', 'DEFAULT_GR_RESTART_TIME_SEC', 'DEFAULT_KEEP_PRE_POLICY', 'DEFAULT_LISTEN_ADDRESS',
    'DEFAULT_LISTEN_PORT', 'DEFAULT_MRAI_MS', 'ErrorCode', 'FsmSubcode', 'HeaderSubcode', 'MessageType', 'OpenSubcode', 'Origin',
    'PolicyError', 'RouteRefreshSubtype', 'Safi', 'Speaker', 'UpdateSubcode', 'WellKnownCommunity', 'decodeMessage', 'encodeMessage',
    'makeWireContext', 'messageToJson',
  ].sort())
  const ka = lib.encodeMessage({ type: 'KEEPALIVE' }, lib.DEFAULT_CONTEXT)
  t.same(lib.messageToJson(lib.decodeMessage(ka, 0, lib.DEFAULT_CONTEXT).message), { type: 'KEEPALIVE' })
  t.throws(() => new lib.Speaker({ routerId: 'nope', localAs: 1 }), RangeError)
})

/**
 * Path attribute codecs, one table per attribute (RFC 4271 §4.3 and each attribute's RFC):
 * annotated value hex <-> decoded value, both ways, the length function, and a write at offset 10.
 */
import t from 'tap'
import { makeWireContext, type WireContext } from '../../src/wire/context.js'
import * as origin from '../../src/wire/attrs/origin.js'
import * as asPath from '../../src/wire/attrs/as-path.js'
import * as nextHop from '../../src/wire/attrs/next-hop.js'
import * as med from '../../src/wire/attrs/med.js'
import * as localPref from '../../src/wire/attrs/local-pref.js'
import * as atomic from '../../src/wire/attrs/atomic-aggregate.js'
import * as aggregator from '../../src/wire/attrs/aggregator.js'
import * as communities from '../../src/wire/attrs/communities.js'
import * as originatorId from '../../src/wire/attrs/originator-id.js'
import * as clusterList from '../../src/wire/attrs/cluster-list.js'
import * as mpReach from '../../src/wire/attrs/mp-reach.js'
import * as mpUnreach from '../../src/wire/attrs/mp-unreach.js'
import * as ext from '../../src/wire/attrs/extended-communities.js'
import * as large from '../../src/wire/attrs/large-communities.js'
import * as otc from '../../src/wire/attrs/otc.js'
import { parseV4Prefix, parseV6Prefix, type NlriList } from '../../src/wire/prefix.js'

const AS2 = makeWireContext({ as4: false })
const AS4 = makeWireContext({ as4: true })
const ADDPATH_V6 = makeWireContext({ as4: true, addPath: [[2, 1]] })

interface Codec<T> {
  length(v: T, ctx: WireContext): number
  encode(v: T, buf: Buffer, off: number, ctx: WireContext): number
  decode(buf: Buffer, off: number, end: number, ctx: WireContext): T
}
interface Case<T> {
  name: string
  /** value octets, spaces and per-field comments allowed: 'fde9 /* 65001 *\/' */
  hex: string
  ctx?: WireContext
  value: T
}

const clean = (hex: string): string => hex.replace(/\/\*.*?\*\//g, '').replace(/\s+/g, '')

function table<T>(title: string, codec: Codec<T>, cases: Case<T>[]): void {
  t.test(title, async (t) => {
    for (const c of cases) {
      const ctx = c.ctx ?? AS4
      const bytes = Buffer.from(clean(c.hex), 'hex')
      // decode from the middle of a larger buffer: nothing outside [off, end) may be read
      const framed = Buffer.concat([Buffer.from('eeee', 'hex'), bytes, Buffer.from('eeee', 'hex')])
      t.same(codec.decode(framed, 2, 2 + bytes.length, ctx), c.value, `${c.name}: decode`)
      t.equal(codec.length(c.value, ctx), bytes.length, `${c.name}: length`)
      const out = Buffer.alloc(bytes.length)
      t.equal(codec.encode(c.value, out, 0, ctx), bytes.length, `${c.name}: encode returns the new offset`)
      t.equal(out.toString('hex'), bytes.toString('hex'), `${c.name}: encode`)
      const at10 = Buffer.alloc(bytes.length + 12, 0xaa)
      t.equal(codec.encode(c.value, at10, 10, ctx), 10 + bytes.length, `${c.name}: encode at offset 10`)
      t.equal(at10.subarray(10, 10 + bytes.length).toString('hex'), bytes.toString('hex'), `${c.name}: bytes at offset 10`)
      t.equal(at10.readUInt16BE(10 + bytes.length), 0xaaaa, `${c.name}: nothing written past the value`)
    }
  })
}

const codec = <T>(length: Codec<T>['length'], encode: Codec<T>['encode'], decode: Codec<T>['decode']): Codec<T> => ({ length, encode, decode })

const v4 = (...p: string[]): NlriList => ({ afi: 1, keys: p.map((s) => parseV4Prefix(s)!), pathIds: null })
const v6 = (...p: string[]): NlriList => ({ afi: 2, keys: p.map((s) => parseV6Prefix(s)!), pathIds: null })

table('ORIGIN (RFC 4271 §4.3 a)', codec(origin.originLength, origin.encodeOrigin, origin.decodeOrigin), [
  { name: 'IGP', hex: '00', value: 0 },
  { name: 'EGP', hex: '01', value: 1 },
  { name: 'INCOMPLETE', hex: '02', value: 2 },
])

table('AS_PATH (RFC 4271 §4.3 b, RFC 5065, RFC 6793)', codec(asPath.asPathLength, asPath.encodeAsPath, asPath.decodeAsPath), [
  { name: 'empty (iBGP)', hex: '', value: [] },
  {
    name: '2-octet AS_SEQUENCE',
    ctx: AS2,
    hex: '02 /* AS_SEQUENCE */ 03 /* 3 ASNs */ fde9 fdea fdeb /* 65001 65002 65003 */',
    value: [{ type: 2, asns: [65001, 65002, 65003] }],
  },
  {
    name: '4-octet AS_SEQUENCE',
    hex: '02 02 0000fde9 /* 65001 */ fa56ea01 /* 4200000001 */',
    value: [{ type: 2, asns: [65001, 4200000001] }],
  },
  {
    name: 'all four segment types, 4-octet',
    hex: '03 01 0000fc00 /* CONFED_SEQ 64512 */ 04 02 0000fc01 0000fc02 /* CONFED_SET */ 02 01 0000fde9 /* SEQ */ 01 02 0000fdea 0000fdeb /* SET */',
    value: [
      { type: 3, asns: [64512] },
      { type: 4, asns: [64513, 64514] },
      { type: 2, asns: [65001] },
      { type: 1, asns: [65002, 65003] },
    ],
  },
  {
    name: 'AS_SET, 2-octet',
    ctx: AS2,
    hex: '01 02 0001 0002',
    value: [{ type: 1, asns: [1, 2] }],
  },
])

t.test('AS_PATH: a 4-octet ASN goes to an OLD speaker as AS_TRANS (RFC 6793 §4.2.2)', async (t) => {
  const out = Buffer.alloc(6)
  asPath.encodeAsPath([{ type: 2, asns: [65001, 4200000001] }], out, 0, AS2)
  t.equal(out.toString('hex'), '0202fde95ba0')
})

t.test('AS_PATH: a segment of 300 ASNs is written as 255 + 45', async (t) => {
  const asns = Array.from({ length: 300 }, (_, i) => i + 1)
  const v = [{ type: 2, asns }]
  const n = asPath.asPathLength(v, AS4)
  t.equal(n, 2 + 255 * 4 + 2 + 45 * 4)
  const out = Buffer.alloc(n)
  asPath.encodeAsPath(v, out, 0, AS4)
  t.same(asPath.decodeAsPath(out, 0, n, AS4), [
    { type: 2, asns: asns.slice(0, 255) },
    { type: 2, asns: asns.slice(255) },
  ])
})

table('AS4_PATH (RFC 6793 §3)', codec(asPath.as4PathLength, asPath.encodeAs4Path, asPath.decodeAs4Path), [
  { name: '4-octet even in a 2-octet session', ctx: AS2, hex: '02 02 0000fde9 fa56ea01', value: [{ type: 2, asns: [65001, 4200000001] }] },
])

table('NEXT_HOP (RFC 4271 §4.3 c)', codec(nextHop.nextHopLength, nextHop.encodeNextHop, nextHop.decodeNextHop), [
  { name: '192.0.2.1', hex: 'c0000201', value: '192.0.2.1' },
  { name: '0.0.0.0', hex: '00000000', value: '0.0.0.0' },
])

table('MULTI_EXIT_DISC (RFC 4271 §4.3 d)', codec(med.medLength, med.encodeMed, med.decodeMed), [
  { name: '100', hex: '00000064', value: 100 },
  { name: 'max', hex: 'ffffffff', value: 4294967295 },
])

table('LOCAL_PREF (RFC 4271 §4.3 e)', codec(localPref.localPrefLength, localPref.encodeLocalPref, localPref.decodeLocalPref), [
  { name: '100', hex: '00000064', value: 100 },
  { name: '2^31', hex: '80000000', value: 2147483648 },
])

table('ATOMIC_AGGREGATE (RFC 4271 §4.3 f)', codec(atomic.atomicAggregateLength, atomic.encodeAtomicAggregate, atomic.decodeAtomicAggregate), [
  { name: 'present', hex: '', value: true },
])

table('AGGREGATOR (RFC 4271 §4.3 g, RFC 6793)', codec(aggregator.aggregatorLength, aggregator.encodeAggregator, aggregator.decodeAggregator), [
  { name: '2-octet', ctx: AS2, hex: 'fde9 /* 65001 */ c0000201', value: { asn: 65001, address: '192.0.2.1' } },
  { name: '4-octet', hex: 'fa56ea01 /* 4200000001 */ c6336401', value: { asn: 4200000001, address: '198.51.100.1' } },
  { name: 'AS_TRANS', ctx: AS2, hex: '5ba0 /* 23456 */ c0000201', value: { asn: 23456, address: '192.0.2.1' } },
])

table('AS4_AGGREGATOR (RFC 6793 §3)', codec(aggregator.as4AggregatorLength, aggregator.encodeAs4Aggregator, aggregator.decodeAs4Aggregator), [
  { name: 'always 8 octets', ctx: AS2, hex: 'fa56ea01 c0000201', value: { asn: 4200000001, address: '192.0.2.1' } },
])

table('COMMUNITIES (RFC 1997)', codec(communities.communitiesLength, communities.encodeCommunities, communities.decodeCommunities), [
  { name: 'one', hex: 'fde90001 /* 65001:1 */', value: [65001 * 65536 + 1] },
  { name: 'wire order kept, well-known', hex: 'ffffff01 /* NO_EXPORT */ fde90064 /* 65001:100 */', value: [0xffffff01, 65001 * 65536 + 100] },
])

table('ORIGINATOR_ID (RFC 4456 §8)', codec(originatorId.originatorIdLength, originatorId.encodeOriginatorId, originatorId.decodeOriginatorId), [
  { name: '10.0.0.1', hex: '0a000001', value: '10.0.0.1' },
])

table('CLUSTER_LIST (RFC 4456 §8)', codec(clusterList.clusterListLength, clusterList.encodeClusterList, clusterList.decodeClusterList), [
  { name: 'two ids', hex: '0a000001 0a000002', value: ['10.0.0.1', '10.0.0.2'] },
])

table('EXTENDED_COMMUNITIES (RFC 4360)', codec(ext.extendedCommunitiesLength, ext.encodeExtendedCommunities, ext.decodeExtendedCommunities), [
  { name: 'route target 65000:100', hex: '0002 fde8 00000064', value: ['0002fde800000064'] },
  { name: 'two', hex: '0002fde800000064 0103c000020100 07', value: ['0002fde800000064', '0103c00002010007'] },
])

t.test('extended community text (RFC 4360 §3, RFC 5668)', async (t) => {
  t.equal(ext.formatExtendedCommunity('0002fde800000064'), 'target:65000:100')
  t.equal(ext.formatExtendedCommunity('0103c00002010007'), 'origin:192.0.2.1:7')
  t.equal(ext.formatExtendedCommunity('0202fa56ea010064'), 'target:4200000001:100')
  t.equal(ext.formatExtendedCommunity('800600000000000a'), '800600000000000a')
})

table('LARGE_COMMUNITY (RFC 8092)', codec(large.largeCommunitiesLength, large.encodeLargeCommunities, large.decodeLargeCommunities), [
  { name: '1:2:3', hex: '00000001 00000002 00000003', value: [1, 2, 3] },
  { name: 'two', hex: 'fa56ea01 00000000 ffffffff 0000fde9 00000001 00000002', value: [4200000001, 0, 4294967295, 65001, 1, 2] },
])

table('OTC (RFC 9234 §5)', codec(otc.otcLength, otc.encodeOtc, otc.decodeOtc), [
  { name: 'AS 65001', hex: '0000fde9', value: 65001 },
])

table('MP_REACH_NLRI (RFC 4760 §3)', codec(mpReach.mpReachLength, mpReach.encodeMpReach, mpReach.decodeMpReach), [
  {
    name: 'IPv6 unicast, global next hop',
    hex: '0002 /* AFI IPv6 */ 01 /* SAFI */ 10 /* NH len 16 */ 20010db8000000000000000000000001 00 /* reserved */ 20 20010db8 /* 2001:db8::/32 */',
    value: { afi: 2, safi: 1, nextHop: ['2001:db8::1'], nlri: v6('2001:db8::/32') },
  },
  {
    name: 'IPv6 unicast, global + link-local next hop (RFC 2545 §3)',
    hex: '0002 01 20 20010db8000000000000000000000001 fe800000000000000000000000000001 00 30 20010db80001 /* /48 */ 00 /* ::/0 */',
    value: { afi: 2, safi: 1, nextHop: ['2001:db8::1', 'fe80::1'], nlri: v6('2001:db8:1::/48', '::/0') },
  },
  {
    name: 'IPv4 unicast with IPv6 next hop (RFC 8950 §3)',
    hex: '0001 01 10 20010db8000000000000000000000001 00 18 c00002 /* 192.0.2.0/24 */',
    value: { afi: 1, safi: 1, nextHop: ['2001:db8::1'], nlri: v4('192.0.2.0/24') },
  },
  {
    name: 'IPv4 multicast, IPv4 next hop',
    hex: '0001 02 04 c0000201 00 18 c63364',
    value: { afi: 1, safi: 2, nextHop: ['192.0.2.1'], nlri: v4('198.51.100.0/24') },
  },
  {
    name: 'IPv6 unicast with ADD-PATH (RFC 7911 §3)',
    ctx: ADDPATH_V6,
    hex: '0002 01 10 20010db8000000000000000000000001 00 00000007 /* path id 7 */ 20 20010db8',
    value: { afi: 2, safi: 1, nextHop: ['2001:db8::1'], nlri: { afi: 2, keys: [parseV6Prefix('2001:db8::/32')!], pathIds: [7] } },
  },
  {
    name: 'reserved octet kept',
    hex: '0002 01 10 20010db8000000000000000000000001 05 /* reserved 5 */',
    value: { afi: 2, safi: 1, nextHop: ['2001:db8::1'], nlri: v6(), reserved: 5 },
  },
  {
    name: 'VPNv4 (AFI 1 SAFI 128) kept raw (RFC 4364)',
    hex: '0001 80 0c 0000000000000000 0a000001 /* RD 0 + 10.0.0.1 */ 00 70 000641 00640000000a 0a0000 /* label, RD, 10.0.0/24 */',
    value: {
      afi: 1,
      safi: 128,
      nextHop: [],
      nextHopRaw: Buffer.from('00000000000000000a000001', 'hex'),
      nlri: { afi: 1, safi: 128, raw: Buffer.from('7000064100640000000a0a0000', 'hex') },
    },
  },
])

t.test('MP_REACH_NLRI, MRT abbreviated form (RFC 6396 §4.3.4)', async (t) => {
  const v6nh = Buffer.from('10' + '20010db8000000000000000000000001', 'hex')
  t.same(mpReach.decodeMpReachMrt(v6nh, 0, v6nh.length, AS4), { afi: 2, safi: 1, nextHop: ['2001:db8::1'], nlri: v6() })
  const v4nh = Buffer.from('04c0000201', 'hex')
  t.same(mpReach.decodeMpReachMrt(v4nh, 0, v4nh.length, AS4), { afi: 1, safi: 1, nextHop: ['192.0.2.1'], nlri: v4() })
  const full = Buffer.from('000201' + '10' + '20010db8000000000000000000000001' + '00' + '2020010db8', 'hex')
  t.same(mpReach.decodeMpReachMrt(full, 0, full.length, AS4), { afi: 2, safi: 1, nextHop: ['2001:db8::1'], nlri: v6('2001:db8::/32') }, 'full form still read')
})

table('MP_UNREACH_NLRI (RFC 4760 §4)', codec(mpUnreach.mpUnreachLength, mpUnreach.encodeMpUnreach, mpUnreach.decodeMpUnreach), [
  { name: 'IPv6 unicast', hex: '0002 01 20 20010db8 40 20010db800000001', value: { afi: 2, safi: 1, withdrawn: v6('2001:db8::/32', '2001:db8:0:1::/64') } },
  { name: 'End-of-RIB IPv6 (RFC 4724 §2)', hex: '0002 01', value: { afi: 2, safi: 1, withdrawn: v6() } },
  { name: 'IPv4 multicast', hex: '0001 02 08 0a', value: { afi: 1, safi: 2, withdrawn: v4('10.0.0.0/8') } },
  {
    name: 'flowspec (AFI 1 SAFI 133) kept raw',
    hex: '0001 85 07 0118c0000201',
    value: { afi: 1, safi: 133, withdrawn: { afi: 1, safi: 133, raw: Buffer.from('070118c0000201', 'hex') } },
  },
])

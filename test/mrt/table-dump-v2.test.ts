import t from 'tap'
import { MrtFramer } from '../../src/mrt/record-reader.js'
import { MrtReadState } from '../../src/mrt/record.js'
import { MrtLineWriter } from '../../src/mrt/ndjson.js'
import { ribJson } from '../../src/mrt/json.js'
import type { MrtRecord } from '../../src/mrt/reader.js'
import { formatKey } from '../../src/wire/prefix.js'
import { attr, decodeAll, h, mrt, TS } from './builders.js'

// RFC 6396 §4.3.1 PEER_INDEX_TABLE: two peers
const PEER_INDEX = mrt(
  13,
  1,
  h(
    'c0000201' + // Collector BGP ID 192.0.2.1
      '0004' + // View Name Length
      '74657374' + // "test"
      '0002' + // Peer Count
      // peer 0: type 0 (IPv4, AS2), BGP ID 10.0.0.1, 192.0.2.10, AS 65001
      '00' + '0a000001' + 'c000020a' + 'fde9' +
      // peer 1: type 3 (IPv6, AS4), BGP ID 10.0.0.2, 2001:db8::2, AS 4200000000
      '03' + '0a000002' + '20010db8000000000000000000000002' + 'fa56ea00',
  ),
)

// Path attributes of a TABLE_DUMP_V2 entry (§4.3.4: 4-octet AS_PATH, abbreviated MP_REACH_NLRI)
const ATTRS_V4 =
  attr(0x40, 1, '00') + // ORIGIN IGP
  attr(0x40, 2, '02 02 0000fde9 fa56ea00') + // AS_SEQUENCE 65001 4200000000
  attr(0x40, 3, 'c000020a') + // NEXT_HOP 192.0.2.10
  attr(0x80, 4, '00000064') // MED 100
const ATTRS_V6 =
  attr(0x40, 1, '02') + // ORIGIN INCOMPLETE
  attr(0x40, 2, '02 01 fa56ea00') + // AS_SEQUENCE 4200000000
  attr(0xc0, 8, 'fde90001 ffffff01') + // COMMUNITIES 65001:1 NO_EXPORT
  attr(0x80, 14, '10 20010db8000000000000000000000002') // MP_REACH_NLRI abbreviated: NH len 16, 2001:db8::2

function entry(peer: number, originated: number, attrsHex: string, pathId?: number): string {
  const a = attrsHex.replace(/\s+/g, '')
  return (
    peer.toString(16).padStart(4, '0') +
    originated.toString(16).padStart(8, '0') +
    (pathId === undefined ? '' : pathId.toString(16).padStart(8, '0')) +
    (a.length / 2).toString(16).padStart(4, '0') +
    a
  )
}

function lines(bytes: Buffer): string[] {
  const f = new MrtFramer()
  f.push(bytes)
  const w = new MrtLineWriter(new MrtReadState())
  let s = ''
  for (let r = f.next(); r.kind === 'record'; r = f.next()) s += w.recordText(r.record)
  return s.split('\n').filter(Boolean)
}

function ribs(records: MrtRecord[]): Array<Extract<MrtRecord, { type: 'RIB'; mrtType: 'TABLE_DUMP_V2' }>> {
  return records.filter((r): r is Extract<MrtRecord, { type: 'RIB'; mrtType: 'TABLE_DUMP_V2' }> => r.type === 'RIB' && r.mrtType === 'TABLE_DUMP_V2')
}

t.test('PEER_INDEX_TABLE (RFC 6396 §4.3.1): IPv4/2-octet and IPv6/4-octet peers', async (t) => {
  const [r] = decodeAll(PEER_INDEX)
  t.same(r, {
    type: 'PEER_INDEX_TABLE',
    ts: TS,
    collectorId: '192.0.2.1',
    viewName: 'test',
    peers: [
      { peerType: 0, bgpId: '10.0.0.1', address: '192.0.2.10', asn: 65001 },
      { peerType: 3, bgpId: '10.0.0.2', address: '2001:db8::2', asn: 4200000000 },
    ],
  })
  t.same(lines(PEER_INDEX).map((l) => JSON.parse(l)), [
    {
      type: 'PEER_INDEX_TABLE',
      mrtType: 'TABLE_DUMP_V2',
      ts: TS,
      collectorId: '192.0.2.1',
      viewName: 'test',
      peers: [
        { address: '192.0.2.10', asn: 65001, bgpId: '10.0.0.1' },
        { address: '2001:db8::2', asn: 4200000000, bgpId: '10.0.0.2' },
      ],
    },
  ])
})

t.test('RIB_IPV4_UNICAST (§4.3.2): one NDJSON line per RIB entry', async (t) => {
  const rib = mrt(13, 2, h('00000007' + '18 c00002' + '0002' + entry(0, 1600000000, ATTRS_V4) + entry(1, 1600000001, ATTRS_V4)))
  const bytes = Buffer.concat([PEER_INDEX, rib])
  const r = ribs(decodeAll(bytes))[0]
  t.match(r, { subtype: 2, seq: 7, afi: 1, safi: 1, prefix: 0xc0000200 * 64 + 24 })
  t.equal(r!.entries.length, 2)
  t.same(r!.entries[0]!.attributes.attributes.asPath, [{ type: 2, asns: [65001, 4200000000] }])
  t.equal(r!.entries[1]!.peer!.asn, 4200000000)
  const out = lines(bytes)
  t.equal(out.length, 3)
  t.equal(
    out[1],
    '{"type":"RIB","mrtType":"TABLE_DUMP_V2","subtype":"RIB_IPV4_UNICAST","ts":1700000000,"seq":7,"prefix":"192.0.2.0/24",' +
      '"peer":{"address":"192.0.2.10","asn":65001,"bgpId":"10.0.0.1"},"originatedTime":1600000000,' +
      '"attributes":{"origin":"IGP","asPath":[{"type":"AS_SEQUENCE","asns":[65001,4200000000]}],"nextHop":"192.0.2.10","med":100}}',
  )
  t.same(
    out.slice(1).map((l) => JSON.parse(l)),
    ribJson(r!).map((o) => JSON.parse(JSON.stringify(o))),
    'fast text path = object path',
  )
})

t.test('RIB_IPV6_UNICAST with abbreviated and full-form MP_REACH_NLRI (§4.3.4)', async (t) => {
  const full =
    attr(0x40, 1, '00') +
    attr(0x40, 2, '02 01 0000fde9') +
    // RFC 4760 full form as RouteViews writes it: AFI 2, SAFI 1, NH len 32 (global + link-local), reserved, NLRI 2001:db8::/32
    attr(0x80, 14, '0002 01 20 20010db8000000000000000000000001 fe800000000000000000000000000001 00 20 20010db8')
  const rib = mrt(13, 4, h('00000001' + '20 20010db8' + '0002' + entry(1, 5, ATTRS_V6) + entry(0, 6, full)))
  const out = lines(Buffer.concat([PEER_INDEX, rib])).slice(1).map((l) => JSON.parse(l))
  t.equal(out.length, 2)
  t.same(out[0].attributes, {
    origin: 'INCOMPLETE',
    asPath: [{ type: 'AS_SEQUENCE', asns: [4200000000] }],
    communities: ['65001:1', '65535:65281'],
    mpReach: { afi: 2, safi: 1, nextHop: ['2001:db8::2'] },
  })
  t.same(out[1].attributes.mpReach, { afi: 2, safi: 1, nextHop: ['2001:db8::1', 'fe80::1'] }, 'the repeated NLRI is not shown')
  t.equal(out[1].prefix, '2001:db8::/32')
})

t.test('multicast subtypes and RIB_GENERIC (§4.3.3) carry their SAFI', async (t) => {
  const v4m = mrt(13, 3, h('00000002' + '08 0a' + '0001' + entry(0, 1, ATTRS_V4)))
  const v6m = mrt(13, 5, h('00000003' + '10 2001' + '0001' + entry(1, 1, ATTRS_V6)))
  const gen = mrt(13, 6, h('00000004' + '0001 01' + '18 c63364' + '0001' + entry(0, 1, ATTRS_V4)))
  const vpn = mrt(13, 6, h('00000005' + '0001 80' + '70 000000000000000000000000000000'))
  const rs = decodeAll(Buffer.concat([PEER_INDEX, v4m, v6m, gen, vpn]))
  const got = ribs(rs).map((r) => [r.subtype, r.afi, r.safi, formatKey(r.afi, r.prefix)])
  t.same(got, [
    [3, 1, 2, '10.0.0.0/8'],
    [5, 2, 2, '2001::/16'],
    [6, 1, 1, '198.51.100.0/24'],
  ])
  t.match(rs[4], { type: 'MRT', mrtType: 13, subtype: 6, skipped: true, reason: /RIB_GENERIC family not modeled/ })
  const l = lines(Buffer.concat([PEER_INDEX, v6m])).map((x) => JSON.parse(x))
  t.match(l[1], { subtype: 'RIB_IPV6_MULTICAST', attributes: { mpReach: { afi: 2, safi: 2 } } })
})

t.test('RFC 8050 ADD-PATH subtypes: Path Identifier after Originated Time', async (t) => {
  const v4 = mrt(13, 8, h('00000001' + '18 c00002' + '0002' + entry(0, 1, ATTRS_V4, 1) + entry(0, 1, ATTRS_V4, 0xfffffffe)))
  const v6 = mrt(13, 10, h('00000002' + '20 20010db8' + '0001' + entry(1, 2, ATTRS_V6, 7)))
  // RFC 8050 §4.2: RIB_GENERIC_ADDPATH keeps the Path Identifier in the NLRI; the entries are not redefined
  const gen = mrt(13, 12, h('00000003' + '0002 01' + '0000002a 20 20010db8' + '0002' + entry(1, 2, ATTRS_V6) + entry(0, 3, ATTRS_V6)))
  // OpenBGPD / GoBGP write it like the other ADDPATH subtypes: Path Identifier per entry
  const genObgpd = mrt(13, 12, h('00000004' + '0002 01' + '20 20010db8' + '0001' + entry(1, 2, ATTRS_V6, 9)))
  const all = Buffer.concat([PEER_INDEX, v4, v6, gen, genObgpd])
  const rs = ribs(decodeAll(all))
  t.same(
    rs.map((r) => r.entries.map((e) => e.pathId)),
    [[1, 0xfffffffe], [7], [42, 42], [9]],
  )
  t.same(rs.map((r) => r.error), [undefined, undefined, undefined, undefined])
  const out = lines(all).slice(1).map((l) => JSON.parse(l))
  t.same(
    out.map((o) => [o.subtype, o.prefix, o.pathId]),
    [
      ['RIB_IPV4_UNICAST_ADDPATH', '192.0.2.0/24', 1],
      ['RIB_IPV4_UNICAST_ADDPATH', '192.0.2.0/24', 4294967294],
      ['RIB_IPV6_UNICAST_ADDPATH', '2001:db8::/32', 7],
      ['RIB_GENERIC_ADDPATH', '2001:db8::/32', 42],
      ['RIB_GENERIC_ADDPATH', '2001:db8::/32', 42],
      ['RIB_GENERIC_ADDPATH', '2001:db8::/32', 9],
    ],
  )
})

t.test('faults inside a record: the entries before the fault, then an error; the next record is read', async (t) => {
  const good = entry(0, 1, ATTRS_V4)
  const short = mrt(13, 2, h('00000001' + '18 c00002' + '0002' + good + good.slice(0, 10)))
  const overrun = mrt(13, 2, h('00000002' + '18 c00002' + '0001' + '0000 00000001 00ff 4001'))
  const badLen = mrt(13, 2, h('00000003' + '21 c0000200 00'))
  const noHeader = mrt(13, 2, h('0000'))
  const after = mrt(13, 2, h('00000004' + '00' + '0001' + good))
  const rs = decodeAll(Buffer.concat([PEER_INDEX, short, overrun, badLen, noHeader, after]))
  const r1 = rs[1] as Extract<MrtRecord, { type: 'RIB'; mrtType: 'TABLE_DUMP_V2' }>
  t.equal(r1.entries.length, 1)
  t.match(r1.error, { reason: /truncated RIB entry 1 of 2/ })
  t.ok(r1.error!.offset > PEER_INDEX.length && r1.error!.offset < PEER_INDEX.length + short.length, 'stream offset inside the record')
  t.match((rs[2] as typeof r1).error, { reason: /attribute length 255 runs past the record/ })
  t.match(rs[3], { type: 'MRT', error: { reason: /prefix length 33 > 32/ } })
  t.match(rs[4], { type: 'MRT', error: { reason: /truncated sequence number/ } })
  t.match(rs[5], { type: 'RIB', seq: 4, prefix: 0 })
  const out = lines(Buffer.concat([PEER_INDEX, short])).map((l) => JSON.parse(l))
  t.equal(out.length, 3)
  t.match(out[2], { type: 'MRT', mrtType: 13, subtype: 2, error: { reason: /truncated RIB entry/ } })
})

t.test('a peer index outside PEER_INDEX_TABLE, and RIB records before any table', async (t) => {
  const rib = mrt(13, 2, h('00000001' + '18 c00002' + '0001' + entry(5, 1, ATTRS_V4)))
  const [r] = ribs(decodeAll(rib))
  t.equal(r!.entries[0]!.peer, null)
  t.equal(r!.entries[0]!.peerIndex, 5)
  t.match(JSON.parse(lines(rib)[0]!), { peer: { index: 5 } })
})

t.test('unknown TABLE_DUMP_V2 subtypes are skipped (GEO_PEER_TABLE, 99)', async (t) => {
  const rs = decodeAll(Buffer.concat([mrt(13, 7, h('00')), mrt(13, 99, h('0102'))]))
  t.match(rs, [
    { type: 'MRT', mrtType: 13, subtype: 7, length: 1, skipped: true },
    { type: 'MRT', mrtType: 13, subtype: 99, length: 2, skipped: true, offset: 13 },
  ])
})

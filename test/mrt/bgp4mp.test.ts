import t from 'tap'
import { MrtFramer } from '../../src/mrt/record-reader.js'
import { MrtReadState } from '../../src/mrt/record.js'
import { MrtLineWriter } from '../../src/mrt/ndjson.js'
import { attr, decodeAll, h, KEEPALIVE, mrt, update } from './builders.js'

const V4_ENDS = '0001' + 'c000020a' + 'c0000201' // AFI 1, peer 192.0.2.10, local 192.0.2.1
const V6_ENDS = '0002' + '20010db8000000000000000000000002' + '20010db8000000000000000000000001'

/** RFC 6396 §4.4 header: Peer AS, Local AS (2 or 4 octets), Interface Index, then the AFI and addresses. */
function bgp4mp(subtype: number, as4: boolean, ends: string, restHex: string, et?: number): Buffer {
  const asns = as4 ? 'fa56ea00' + '0000fde8' : 'fde9' + 'fde8' // peer 4200000000 / 65001, local 65000
  return mrt(et === undefined ? 16 : 17, subtype, h(asns + '0003' + ends + restHex), et === undefined ? {} : { microseconds: et })
}

function lines(bytes: Buffer, as4?: boolean): Array<Record<string, unknown>> {
  const f = new MrtFramer()
  f.push(bytes)
  const w = new MrtLineWriter(new MrtReadState(as4))
  let s = ''
  for (let r = f.next(); r.kind === 'record'; r = f.next()) s += w.recordText(r.record)
  return s
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
}

const ATTRS_AS2 = attr(0x40, 1, '00') + attr(0x40, 2, '02 02 fde9 0001') + attr(0x40, 3, 'c000020a')
const ATTRS_AS4 = attr(0x40, 1, '00') + attr(0x40, 2, '02 02 fa56ea00 00000001') + attr(0x40, 3, 'c000020a')

t.test('STATE_CHANGE and STATE_CHANGE_AS4 (RFC 6396 §4.4.1, §4.4.4)', async (t) => {
  const bytes = Buffer.concat([
    bgp4mp(0, false, V4_ENDS, '0001 0002'), // Idle -> Connect
    bgp4mp(5, true, V6_ENDS, '0005 0006'), // OpenConfirm -> Established
  ])
  t.same(lines(bytes), [
    {
      type: 'STATE_CHANGE',
      ts: 1700000000,
      mrtType: 'BGP4MP',
      subtype: 'STATE_CHANGE',
      peer: { address: '192.0.2.10', asn: 65001 },
      local: { address: '192.0.2.1', asn: 65000 },
      oldState: 'Idle',
      newState: 'Connect',
    },
    {
      type: 'STATE_CHANGE',
      ts: 1700000000,
      mrtType: 'BGP4MP',
      subtype: 'STATE_CHANGE_AS4',
      peer: { address: '2001:db8::2', asn: 4200000000 },
      local: { address: '2001:db8::1', asn: 65000 },
      oldState: 'OpenConfirm',
      newState: 'Established',
    },
  ])
  t.match(decodeAll(bytes)[0], { type: 'STATE_CHANGE', interfaceIndex: 3, afi: 1, oldState: 1, newState: 2 })
})

t.test('MESSAGE (2-octet AS_PATH) and MESSAGE_AS4 (4-octet) carry whole BGP messages (§4.4.2, §4.4.3)', async (t) => {
  const bytes = Buffer.concat([
    bgp4mp(1, false, V4_ENDS, update('', ATTRS_AS2, '18c63364')),
    bgp4mp(4, true, V4_ENDS, update('18cb0071', ATTRS_AS4, '')),
    bgp4mp(4, true, V4_ENDS, KEEPALIVE),
  ])
  const out = lines(bytes)
  t.same(out[0], {
    type: 'UPDATE',
    ts: 1700000000,
    mrtType: 'BGP4MP',
    subtype: 'MESSAGE',
    peer: { address: '192.0.2.10', asn: 65001 },
    local: { address: '192.0.2.1', asn: 65000 },
    withdrawn: [],
    nlri: ['198.51.100.0/24'],
    attributes: { origin: 'IGP', asPath: [{ type: 'AS_SEQUENCE', asns: [65001, 1] }], nextHop: '192.0.2.10' },
  })
  t.match(out[1], {
    type: 'UPDATE',
    subtype: 'MESSAGE_AS4',
    peer: { asn: 4200000000 },
    withdrawn: ['203.0.113.0/24'],
    attributes: { asPath: [{ asns: [4200000000, 1] }] },
  })
  t.match(out[2], { type: 'KEEPALIVE', subtype: 'MESSAGE_AS4' })
})

t.test('MESSAGE_LOCAL / MESSAGE_AS4_LOCAL (§4.4.5, §4.4.6): sent by the collector', async (t) => {
  const rs = decodeAll(Buffer.concat([bgp4mp(6, false, V4_ENDS, KEEPALIVE), bgp4mp(7, true, V6_ENDS, KEEPALIVE)]))
  t.match(rs, [
    { type: 'BGP4MP_MESSAGE', subtype: 6, localSent: true, as4: false },
    { type: 'BGP4MP_MESSAGE', subtype: 7, localSent: true, as4: true, afi: 2 },
  ])
  t.same(
    lines(Buffer.concat([bgp4mp(6, false, V4_ENDS, KEEPALIVE), bgp4mp(7, true, V6_ENDS, KEEPALIVE)])).map((o) => o.subtype),
    ['MESSAGE_LOCAL', 'MESSAGE_AS4_LOCAL'],
  )
})

t.test('RFC 8050 MESSAGE_*_ADDPATH subtypes: NLRI with Path Identifiers', async (t) => {
  const v4 = update('00000002 18cb0071', ATTRS_AS4, '00000001 18c63364')
  const mp = attr(0x80, 14, '0002 01 10 20010db8000000000000000000000002 00 00000009 20 20010db8')
  const v6 = update('', attr(0x40, 1, '00') + attr(0x40, 2, '') + mp, '')
  const as2 = update('', ATTRS_AS2, '00000003 18c63364')
  const out = lines(
    Buffer.concat([
      bgp4mp(9, true, V4_ENDS, v4), // MESSAGE_AS4_ADDPATH
      bgp4mp(9, true, V6_ENDS, v6),
      bgp4mp(8, false, V4_ENDS, as2), // MESSAGE_ADDPATH
      bgp4mp(10, false, V4_ENDS, KEEPALIVE), // MESSAGE_LOCAL_ADDPATH
      bgp4mp(11, true, V4_ENDS, KEEPALIVE), // MESSAGE_AS4_LOCAL_ADDPATH
    ]),
  )
  t.match(out[0], {
    subtype: 'MESSAGE_AS4_ADDPATH',
    withdrawn: [{ prefix: '203.0.113.0/24', pathId: 2 }],
    nlri: [{ prefix: '198.51.100.0/24', pathId: 1 }],
  })
  t.match(out[1], { attributes: { mpReach: { afi: 2, nlri: [{ prefix: '2001:db8::/32', pathId: 9 }] } } })
  t.match(out[2], { subtype: 'MESSAGE_ADDPATH', nlri: [{ prefix: '198.51.100.0/24', pathId: 3 }] })
  t.same(
    out.slice(3).map((o) => o.subtype),
    ['MESSAGE_LOCAL_ADDPATH', 'MESSAGE_AS4_LOCAL_ADDPATH'],
  )
})

t.test('BGP4MP_ET (§3): microseconds in ts', async (t) => {
  const out = lines(Buffer.concat([bgp4mp(4, true, V4_ENDS, KEEPALIVE, 509481), bgp4mp(0, false, V4_ENDS, '0001 0002', 7)]))
  t.match(out, [
    { type: 'KEEPALIVE', mrtType: 'BGP4MP_ET', ts: 1700000000.509481 },
    { type: 'STATE_CHANGE', mrtType: 'BGP4MP_ET', ts: 1700000000.000007 },
  ])
})

t.test('a malformed BGP message is an error on the record, not a stop', async (t) => {
  const badMarker = '00'.repeat(16) + '0013' + '04'
  const longer = 'ff'.repeat(16) + '0020' + '04' // header says 32, the record holds 19
  const badUpdate = update('', attr(0x40, 1, '00') + attr(0x80, 14, '0001 01 04 c0000201 00 21 c0000200 00'), '')
  const out = lines(
    Buffer.concat([
      bgp4mp(4, true, V4_ENDS, badMarker),
      bgp4mp(4, true, V4_ENDS, longer),
      bgp4mp(4, true, V4_ENDS, badUpdate),
      bgp4mp(4, true, V4_ENDS, KEEPALIVE),
    ]),
  )
  t.equal(out.length, 4)
  t.match(out[0], { type: 'KEEPALIVE', subtype: 'MESSAGE_AS4', error: { code: 1, subcode: 1 } })
  t.match(out[1], { type: 'KEEPALIVE', error: { code: 1 } })
  t.match(out[2], { type: 'UPDATE', error: { code: 3 } })
  t.same(Object.keys(out[3]!), ['type', 'ts', 'mrtType', 'subtype', 'peer', 'local'])
})

t.test('BGP4MP header faults and unknown subtypes', async (t) => {
  const rs = decodeAll(
    Buffer.concat([
      bgp4mp(1, false, '0003' + 'c000020a' + 'c0000201', KEEPALIVE), // AFI 3
      mrt(16, 1, h('fde9 fde8 0000 0001 c000020a')), // local address cut
      bgp4mp(0, false, V4_ENDS, '0001'), // state values cut
      mrt(16, 3, h('00')), // BGP4MP_SNAPSHOT (deprecated, not decoded)
      mrt(16, 12, h('00')),
      mrt(99, 0, h('')),
    ]),
  )
  t.match(rs, [
    { type: 'MRT', mrtType: 16, subtype: 1, error: { reason: /address family 3/ } },
    { type: 'MRT', error: { reason: /truncated BGP4MP peer\/local address/ } },
    { type: 'MRT', error: { reason: /truncated BGP4MP state values/ } },
    { type: 'MRT', subtype: 3, skipped: true },
    { type: 'MRT', subtype: 12, skipped: true },
    { type: 'MRT', mrtType: 99, skipped: true, reason: 'MRT type not decoded' },
  ])
})

t.test('as4 override reads MESSAGE bodies with 4-octet AS_PATH', async (t) => {
  const rec = bgp4mp(1, false, V4_ENDS, update('', ATTRS_AS4, '18c63364'))
  t.match(lines(rec, true)[0], { attributes: { asPath: [{ asns: [4200000000, 1] }] } })
})

t.test('ADD-PATH UPDATEs written under a plain subtype (pre-RFC 8050 BIRD) are recognised', async (t) => {
  const rec = bgp4mp(4, true, V4_ENDS, update('', ATTRS_AS4, '00000001 18c63364'))
  const [r] = decodeAll(rec)
  t.match(r, { type: 'BGP4MP_MESSAGE', message: { addPathInferred: true, message: { nlri: { pathIds: [1] } } } })
  t.match(lines(rec)[0], { addPathInferred: true, nlri: [{ prefix: '198.51.100.0/24', pathId: 1 }] })
})

t.test('BGP4MP_ENTRY (deprecated subtype 2, OpenBGPD table-mp): one route with its next hop', async (t) => {
  const entry = bgp4mp(
    2,
    false,
    V4_ENDS,
    '0000' + // View
      '0001' + // Status
      '5f5e1000' + // Originated Time
      '0002 01' + // AFI 2, SAFI 1
      '10 20010db8000000000000000000000009' + // Next Hop (16)
      '20 20010db8' + // 2001:db8::/32
      (ATTRS_AS2.length / 2).toString(16).padStart(4, '0') +
      ATTRS_AS2,
  )
  t.same(lines(entry)[0], {
    type: 'RIB',
    mrtType: 'BGP4MP',
    subtype: 'ENTRY',
    ts: 1700000000,
    view: 0,
    status: 1,
    prefix: '2001:db8::/32',
    peer: { address: '192.0.2.10', asn: 65001 },
    local: { address: '192.0.2.1', asn: 65000 },
    originatedTime: 1600000000,
    nextHop: '2001:db8::9',
    attributes: { origin: 'IGP', asPath: [{ type: 'AS_SEQUENCE', asns: [65001, 1] }], nextHop: '192.0.2.10' },
  })
  const bad = bgp4mp(2, false, V4_ENDS, '0000 0001 5f5e1000 0002 01 08 0000000000000000')
  t.match(decodeAll(bad)[0], { type: 'MRT', error: { reason: /next hop length 8/ } })
})

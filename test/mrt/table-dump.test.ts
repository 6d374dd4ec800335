import t from 'tap'
import { MrtFramer } from '../../src/mrt/record-reader.js'
import { MrtReadState } from '../../src/mrt/record.js'
import { MrtLineWriter } from '../../src/mrt/ndjson.js'
import { attr, decodeAll, h, mrt } from './builders.js'

// TABLE_DUMP attributes carry 2-octet AS numbers (the record's Peer AS field is 2 octets, §4.2)
const ATTRS =
  attr(0x40, 1, '00') + // ORIGIN IGP
  attr(0x40, 2, '02 02 fde9 0001') + // AS_SEQUENCE 65001 1
  attr(0x40, 3, 'c000020a') + // NEXT_HOP 192.0.2.10
  attr(0x40, 5, '00000064') + // LOCAL_PREF 100
  attr(0x40, 6, '') + // ATOMIC_AGGREGATE
  attr(0xc0, 7, 'fde9 c0000201') // AGGREGATOR 65001 192.0.2.1

function v1(subtype: number, prefixHex: string, len: number, peerHex: string, attrsHex: string): Buffer {
  return mrt(
    12,
    subtype,
    h(
      '0000' + // View Number
        '0005' + // Sequence Number
        prefixHex +
        len.toString(16).padStart(2, '0') + // Prefix Length
        '01' + // Status
        '5f5e1000' + // Originated Time 1600000000
        peerHex +
        'fde9' + // Peer AS 65001
        (attrsHex.length / 2).toString(16).padStart(4, '0') +
        attrsHex,
    ),
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

t.test('TABLE_DUMP AFI_IPv4 (RFC 6396 §4.2)', async (t) => {
  const rec = v1(1, 'c0000200', 24, 'c000020a', ATTRS)
  const [r] = decodeAll(rec)
  t.match(r, {
    type: 'RIB',
    mrtType: 'TABLE_DUMP',
    subtype: 1,
    view: 0,
    seq: 5,
    afi: 1,
    prefix: 0xc0000200 * 64 + 24,
    status: 1,
    originatedTime: 1600000000,
    peer: { address: '192.0.2.10', asn: 65001 },
  })
  t.equal(
    lines(rec)[0],
    '{"type":"RIB","mrtType":"TABLE_DUMP","subtype":"AFI_IPv4","ts":1700000000,"view":0,"seq":5,"prefix":"192.0.2.0/24","status":1,' +
      '"peer":{"address":"192.0.2.10","asn":65001},"originatedTime":1600000000,"attributes":{"origin":"IGP",' +
      '"asPath":[{"type":"AS_SEQUENCE","asns":[65001,1]}],"nextHop":"192.0.2.10","localPref":100,"atomicAggregate":true,' +
      '"aggregator":{"asn":65001,"address":"192.0.2.1"}}}',
  )
})

t.test('TABLE_DUMP AFI_IPv6: 16-octet prefix and peer fields', async (t) => {
  const mp = attr(0x40, 1, '00') + attr(0x40, 2, '02 01 fde9') + attr(0x80, 14, '10 20010db8000000000000000000000001')
  const rec = v1(2, '20010db8000000000000000000000000', 32, '20010db8000000000000000000000001', mp)
  const out = JSON.parse(lines(rec)[0]!)
  t.match(out, {
    subtype: 'AFI_IPv6',
    prefix: '2001:db8::/32',
    peer: { address: '2001:db8::1', asn: 65001 },
    attributes: { mpReach: { afi: 2, safi: 1, nextHop: ['2001:db8::1'] } },
  })
})

t.test('TABLE_DUMP faults: short header, bad prefix length, attributes past the end, unknown subtype', async (t) => {
  const rs = decodeAll(
    Buffer.concat([
      mrt(12, 1, h('0000 0005 c0000200')),
      v1(1, 'c0000200', 33, 'c000020a', ''),
      mrt(12, 1, h('0000 0005 c0000200 18 01 5f5e1000 c000020a fde9 0010 4001')),
      mrt(12, 3, h('00')),
      v1(1, '0a000000', 8, 'c000020a', ATTRS),
    ]),
  )
  t.match(rs, [
    { type: 'MRT', mrtType: 12, subtype: 1, error: { reason: /truncated TABLE_DUMP header/ } },
    { type: 'MRT', error: { reason: /prefix length 33 > 32/ } },
    { type: 'MRT', error: { reason: /truncated BGP attributes/ } },
    { type: 'MRT', mrtType: 12, subtype: 3, skipped: true },
    { type: 'RIB', mrtType: 'TABLE_DUMP', prefix: 0x0a000000 * 64 + 8 },
  ])
})

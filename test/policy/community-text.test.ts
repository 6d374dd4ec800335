import t from 'tap'
import {
  communityName, formatExtendedCommunity, parseCommunity, parseCommunityPattern, parseExtendedCommunity, parseLargeCommunity,
  parseLargeCommunityPattern, WELL_KNOWN_COMMUNITY_NAMES,
} from '../../src/policy/community-text.js'
import { formatCommunity } from '../../src/wire/attrs/communities.js'
import { WellKnownCommunity as WK } from '../../src/wire/iana.js'
import { c } from './helpers.js'

t.test('parseCommunity: RFC 1997 text, numbers, well-known names', async (t) => {
  const cases: Array<[string | number, number | null]> = [
    ['65000:1', c(65000, 1)],
    [' 0:0 ', 0],
    ['65535:65535', 0xffffffff],
    ['65536:1', null], // RFC 1997: each half is 16 bits
    ['1:65536', null],
    ['65000:', null],
    [':1', null],
    ['65000:1:2', null],
    ['-1:2', null],
    ['4259840001', 4259840001], // the 32-bit form
    ['4294967296', null],
    [c(65000, 7), c(65000, 7)],
    [-1, null],
    [1.5, null],
    ['graceful-shutdown', WK.GRACEFUL_SHUTDOWN], // RFC 8326 65535:0
    ['GRACEFUL_SHUTDOWN', WK.GRACEFUL_SHUTDOWN],
    ['no-export', WK.NO_EXPORT],
    ['No-Advertise', WK.NO_ADVERTISE],
    ['no-export-subconfed', WK.NO_EXPORT_SUBCONFED],
    ['blackhole', WK.BLACKHOLE], // RFC 7999 65535:666
    ['nopeer', WK.NOPEER],
    ['accept-own', WK.ACCEPT_OWN],
    ['llgr-stale', WK.LLGR_STALE],
    ['no-llgr', WK.NO_LLGR],
    ['no-such-name', null],
    ['', null],
  ]
  for (const [input, want] of cases) t.equal(parseCommunity(input), want, JSON.stringify(input))
  t.equal(WELL_KNOWN_COMMUNITY_NAMES.size, Object.keys(WK).length, 'every iana.ts well-known community has a name')
  t.equal(communityName(0xffff0000), 'graceful-shutdown')
  t.equal(communityName(c(65000, 1)), undefined)
})

t.test('parseCommunityPattern: wildcards as mask/value', async (t) => {
  const cases: Array<[string | number, { mask: number; value: number } | null]> = [
    ['65000:1', { mask: 0xffffffff, value: c(65000, 1) }],
    ['65000:*', { mask: 0xffff0000, value: c(65000, 0) }],
    ['*:666', { mask: 0x0000ffff, value: 666 }],
    ['*:*', { mask: 0, value: 0 }],
    ['*', { mask: 0, value: 0 }],
    ['no-export', { mask: 0xffffffff, value: WK.NO_EXPORT }],
    ['65000:x*', null],
    ['70000:*', null],
    ['1:*:*', null],
  ]
  for (const [input, want] of cases) t.same(parseCommunityPattern(input), want, JSON.stringify(input))
})

t.test('large communities (RFC 8092 §3): "a:b:c" and patterns', async (t) => {
  const cases: Array<[string | number[], readonly number[] | null]> = [
    ['65000:1:0', [65000, 1, 0]],
    ['4294967295:4294967295:4294967295', [0xffffffff, 0xffffffff, 0xffffffff]],
    ['4294967296:1:0', null],
    ['65000:1', null],
    ['65000:1:0:0', null],
    ['a:b:c', null],
    [[1, 2, 3], [1, 2, 3]],
    [[1, 2], null],
    [[1, 2, -3], null],
  ]
  for (const [input, want] of cases) t.same(parseLargeCommunity(input), want, JSON.stringify(input))
  t.same(parseLargeCommunityPattern('65000:*:*'), [65000, -1, -1])
  t.same(parseLargeCommunityPattern('*:1:*'), [-1, 1, -1])
  t.same(parseLargeCommunityPattern('65000:1:2'), [65000, 1, 2])
  t.equal(parseLargeCommunityPattern('65000:*'), null)
  t.equal(parseLargeCommunityPattern('x:*:1'), null)
})

t.test('extended communities (RFC 4360 §3, RFC 5668 §2): text <-> the codec hex', async (t) => {
  const cases: Array<[string, string | null]> = [
    // type 0x00 two-octet AS specific, subtype 0x02 route target: AS 65000 (fde8), value 100
    ['target:65000:100', '0002fde800000064'],
    // subtype 0x03 route origin
    ['origin:65000:7', '0003fde800000007'],
    // type 0x01 IPv4 address specific: 192.0.2.1 (c0000201), value 7
    ['target:192.0.2.1:7', '0102c00002010007'],
    // type 0x02 four-octet AS specific: AS 4200000000 (fa56ea00), value 7
    ['target:4200000000:7', '0202fa56ea000007'],
    ['origin:4200000000:65535', '0203fa56ea00ffff'],
    ['0002FDE800000064', '0002fde800000064'], // raw hex, normalized to lowercase
    ['target:4200000000:65536', null], // 4-octet AS leaves 16 bits of value
    ['target:192.0.2.1:65536', null],
    ['target:192.0.2.256:1', null],
    ['route:65000:1', null],
    ['target:65000', null],
    ['0002fde8', null],
  ]
  for (const [input, want] of cases) {
    t.equal(parseExtendedCommunity(input), want, input)
    // parse is the inverse of the wire formatter for the text forms
    if (want !== null && input.includes(':')) t.equal(formatExtendedCommunity(want), input, `format(${want})`)
  }
})

t.test('round trips: text -> number -> text (fast-check)', async (t) => {
  const fc = (await import('fast-check')).default
  const u32 = fc.integer({ min: 0, max: 0xffffffff })
  fc.assert(fc.property(u32, (v) => parseCommunity(formatCommunity(v)) === v))
  fc.assert(fc.property(u32, u32, u32, (g, a, b) => {
    const p = parseLargeCommunity(`${g}:${a}:${b}`)
    return p !== null && p[0] === g && p[1] === a && p[2] === b
  }))
  // every 8-octet route target / origin of types 0x00, 0x01, 0x02 survives format -> parse
  const ext = fc.tuple(fc.constantFrom(0, 1, 2), fc.constantFrom(2, 3), fc.uint8Array({ minLength: 6, maxLength: 6 })).map(([ty, sub, v]) =>
    Buffer.from([ty, sub, ...v]).toString('hex'))
  fc.assert(fc.property(ext, (hex) => {
    const text = formatExtendedCommunity(hex)
    const back = parseExtendedCommunity(text)
    // a 4-octet-AS value whose AS fits 16 bits reads back as the 2-octet form: same text, other bytes
    return back === hex || (hex.startsWith('02') && formatExtendedCommunity(back!) === text)
  }))
  t.pass('properties hold')
})

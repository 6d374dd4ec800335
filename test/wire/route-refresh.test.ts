/** ROUTE-REFRESH body codec (RFC 2918 §3, RFC 7313 §3.2 subtypes, RFC 7313 §5 errors). */
import t from 'tap'
import { DEFAULT_CONTEXT } from '../../src/wire/context.js'
import { decodeRouteRefresh, encodeRouteRefresh, routeRefreshLength } from '../../src/wire/route-refresh.js'
import type { RouteRefresh } from '../../src/wire/types.js'
import { checkCodec, expectBgpError, hex, type BodyCodec } from './msg-codec-helper.js'

const codec: BodyCodec<RouteRefresh> = {
  // the body codec on its own: no header precedes it, so the error data starts at the body
  decode: (buf, off, end, ctx) => decodeRouteRefresh(buf, off, end, ctx, off),
  length: routeRefreshLength,
  encode: encodeRouteRefresh,
}
const cases: Array<[string, string, RouteRefresh]> = [
  ['normal request IPv4 unicast (RFC 2918 §3)', `
    0001  // AFI 1
    00    // subtype 0 (RFC 2918: Reserved)
    01    // SAFI 1`, { type: 'ROUTE-REFRESH', afi: 1, safi: 1, subtype: 0 }],
  ['BoRR IPv6 unicast (RFC 7313 §3.2)', '0002 01 01', { type: 'ROUTE-REFRESH', afi: 2, safi: 1, subtype: 1 }],
  ['EoRR IPv4 VPN (RFC 7313 §3.2)', '0001 02 80', { type: 'ROUTE-REFRESH', afi: 1, safi: 128, subtype: 2 }],
  ['normal request with ORF entries kept raw (RFC 5291 §4)', `
    0001 00 01
    01                 // When-to-refresh IMMEDIATE
    40 0007            // ORF type 64 (address prefix), length 7
    00 0000000a 18 0a  // an entry, opaque here`,
  { type: 'ROUTE-REFRESH', afi: 1, safi: 1, subtype: 0, orf: hex('01 40 0007 00 0000000a 18 0a') }],
  ['unknown subtype 7 decodes (RFC 7313 §5: the session ignores it)', '0001 07 01 aa',
    { type: 'ROUTE-REFRESH', afi: 1, safi: 1, subtype: 7, orf: hex('aa') }],
]
for (const [name, h, value] of cases) checkCodec(t, name, hex(h), value, codec, DEFAULT_CONTEXT)

t.test('BoRR/EoRR longer than 4 octets: ROUTE-REFRESH Message Error / Invalid Message Length (RFC 7313 §5)', async (t) => {
  // data: "the complete ROUTE-REFRESH message", header included
  const msg = hex('ff'.repeat(16) + '0018 05 0001 01 01 00')
  expectBgpError(t, 'BoRR + 1', () => decodeRouteRefresh(msg, 19, msg.length, DEFAULT_CONTEXT), { code: 7, subcode: 1, data: msg.toString('hex') })
  const eorr = hex('ff'.repeat(16) + '0019 05 0002 02 01 0000')
  expectBgpError(t, 'EoRR + 2', () => decodeRouteRefresh(eorr, 19, eorr.length, DEFAULT_CONTEXT), { code: 7, subcode: 1, data: eorr.toString('hex') })
})

t.test('shorter than 4 octets: Bad Message Length', async (t) => {
  expectBgpError(t, '3 octets', () => decodeRouteRefresh(hex('000100'), 0, 3, DEFAULT_CONTEXT), { code: 1, subcode: 2, data: '0016' })
})

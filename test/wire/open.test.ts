/** OPEN body codec (RFC 4271 §4.2, RFC 5492 §4, RFC 9072 §2) and its helpers. */
import t from 'tap'
import { DEFAULT_CONTEXT } from '../../src/wire/context.js'
import { decodeOpen, encodeOpen, makeOpen, openAsn, openCapabilities, openLength } from '../../src/wire/open.js'
import type { Open } from '../../src/wire/types.js'
import { checkCodec, expectBgpError, hex, type BodyCodec } from './msg-codec-helper.js'

const codec: BodyCodec<Open> = { decode: decodeOpen, length: openLength, encode: encodeOpen }
const ctx = DEFAULT_CONTEXT

const cases: Array<[string, string, Open]> = [
  ['no optional parameters (RFC 4271 §4.2)', `
    04          // version 4
    fde9        // my AS 65001
    005a        // hold time 90
    c0000201    // BGP Identifier 192.0.2.1
    00          // optional parameters length 0`,
  { type: 'OPEN', version: 4, myAs: 65001, holdTime: 90, bgpId: '192.0.2.1', params: [] }],
  ['capabilities grouped in one parameter (RFC 5492 §4)', `
    04 5ba0 00b4 c0000202   // version 4, AS_TRANS, hold 180, 192.0.2.2
    10                      // optional parameters length 16
    02 0e                   // parameter 2 (Capabilities), length 14
      01 04 0001 0001       //   multiprotocol IPv4 unicast
      02 00                 //   route refresh
      41 04 fa56ea00        //   4-octet AS 4200000000`,
  { type: 'OPEN', version: 4, myAs: 23456, holdTime: 180, bgpId: '192.0.2.2', params: [
    { type: 2, capabilities: [{ code: 1, afi: 1, safi: 1 }, { code: 2 }, { code: 65, asn: 4200000000 }] }] }],
  ['one parameter per capability, as some routers send (RFC 5492 §4)', `
    04 fde9 005a c0000201
    10                      // 16
    02 06 01 04 0001 0001   // parameter: multiprotocol
    02 02 02 00             // parameter: route refresh
    02 02 46 00             // parameter: enhanced route refresh`,
  { type: 'OPEN', version: 4, myAs: 65001, holdTime: 90, bgpId: '192.0.2.1', params: [
    { type: 2, capabilities: [{ code: 1, afi: 1, safi: 1 }] },
    { type: 2, capabilities: [{ code: 2 }] },
    { type: 2, capabilities: [{ code: 70 }] }] }],
  ['empty Capabilities parameter and an unknown parameter kept raw', `
    04 fde9 005a c0000201
    07
    02 00                   // Capabilities, empty
    01 03 00 abcd           // type 1 (Authentication, deprecated), kept raw`,
  { type: 'OPEN', version: 4, myAs: 65001, holdTime: 90, bgpId: '192.0.2.1', params: [
    { type: 2, capabilities: [] }, { type: 1, raw: hex('00abcd') }] }],
  ['version 3 and hold time 1 decode (semantic checks are the session layer\'s)', `
    03 0001 0001 00000000 00`,
  { type: 'OPEN', version: 3, myAs: 1, holdTime: 1, bgpId: '0.0.0.0', params: [] }],
  ['RFC 9072 extended optional parameters', `
    04 fde9 005a c0000201
    ff                      // Non-Ext OP Len. 255
    ff                      // Non-Ext OP Type 255: extended format
    000b                    // Extended Opt. Parm. Length 11
    02 0008                 // parameter 2, 2-octet length 8
      01 04 0001 0001       //   multiprotocol IPv4 unicast
      02 00                 //   route refresh`,
  { type: 'OPEN', version: 4, myAs: 65001, holdTime: 90, bgpId: '192.0.2.1', extendedParams: true, params: [
    { type: 2, capabilities: [{ code: 1, afi: 1, safi: 1 }, { code: 2 }] }] }],
  ['RFC 9072 extended form with no parameters', `
    04 fde9 005a c0000201 ff ff 0000`,
  { type: 'OPEN', version: 4, myAs: 65001, holdTime: 90, bgpId: '192.0.2.1', extendedParams: true, params: [] }],
]
for (const [name, h, value] of cases) checkCodec(t, name, hex(h), value, codec, ctx)

t.test('RFC 9072: Non-Ext OP Len. is ignored on receipt', async (t) => {
  const b = hex('04 fde9 005a c0000201 07 ff 0005 02 0002 0200')
  const o = decodeOpen(b, 0, b.length, ctx)
  t.strictSame(o.params, [{ type: 2, capabilities: [{ code: 2 }] }])
  t.equal(o.extendedParams, true)
})

t.test('parameters over 255 octets switch to the RFC 9072 form (RFC 9072 §2 MUST)', async (t) => {
  const caps = Array.from({ length: 70 }, (_, i) => ({ code: 1 as const, afi: 1, safi: i + 1 }))
  const open: Open = { type: 'OPEN', version: 4, myAs: 1, holdTime: 0, bgpId: '10.0.0.1', params: [{ type: 2, capabilities: caps }] }
  const len = openLength(open, ctx)
  t.equal(len, 10 + 3 + 3 + 70 * 6)
  const b = Buffer.alloc(len)
  encodeOpen(open, b, 0, ctx)
  t.equal(b[9], 255)
  t.equal(b[10], 255)
  t.strictSame(decodeOpen(b, 0, len, ctx), { ...open, extendedParams: true })
  // makeOpen marks it itself so decode(encode(x)) deep-equals x
  const m = makeOpen({ asn: 1, holdTime: 0, bgpId: '10.0.0.1', capabilities: caps })
  t.equal(m.extendedParams, true)
})

const errors: Array<[string, string, { code: number; subcode: number; data?: string }]> = [
  // RFC 4271 §6.2: "If one of the Optional Parameters in the OPEN message is recognized, but is
  // malformed, then the Error Subcode MUST be set to 0 (Unspecific)."
  ['optional parameters length overruns the message', '04 fde9 005a c0000201 04 02 00', { code: 2, subcode: 0, data: '' }],
  ['octets after the optional parameters', '04 fde9 005a c0000201 00 00', { code: 2, subcode: 0, data: '' }],
  ['parameter length overruns the optional parameters', '04 fde9 005a c0000201 03 02 05 00', { code: 2, subcode: 0, data: '' }],
  ['half a parameter header', '04 fde9 005a c0000201 01 02', { code: 2, subcode: 0, data: '' }],
  ['capability TLV overruns its parameter', '04 fde9 005a c0000201 04 02 02 01 04', { code: 2, subcode: 0, data: '' }],
  ['RFC 9072 truncated extended length', '04 fde9 005a c0000201 ff ff 00', { code: 2, subcode: 0, data: '' }],
  ['RFC 9072 extended length overruns', '04 fde9 005a c0000201 ff ff 0005 02 0000', { code: 2, subcode: 0, data: '' }],
  ['RFC 9072 2-octet parameter length overruns', '04 fde9 005a c0000201 ff ff 0003 02 0009', { code: 2, subcode: 0, data: '' }],
  // RFC 4271 §6.1: an OPEN shorter than 29 octets: Bad Message Length with the length field
  ['body shorter than 10 octets', '04 fde9 005a c0000201', { code: 1, subcode: 2, data: '001c' }],
]
for (const [name, h, want] of errors) {
  t.test(name, async (t) => {
    const b = hex(h)
    expectBgpError(t, name, () => decodeOpen(b, 0, b.length, ctx), want)
  })
}

t.test('helpers', async (t) => {
  const o = makeOpen({
    asn: 4200000000,
    holdTime: 90,
    bgpId: '192.0.2.9',
    capabilities: [{ code: 1, afi: 1, safi: 1 }, { code: 65, asn: 4200000000 }],
  })
  t.equal(o.myAs, 23456, 'AS_TRANS for a 4-octet AS (RFC 6793 §4.1)')
  t.equal(openAsn(o), 4200000000)
  t.equal(makeOpen({ asn: 65001, holdTime: 90, bgpId: '192.0.2.9', capabilities: [] }).myAs, 65001)
  t.strictSame(makeOpen({ asn: 65001, holdTime: 90, bgpId: '192.0.2.9', capabilities: [] }).params, [])
  const split: Open = { ...o, params: [{ type: 2, capabilities: [{ code: 2 }] }, { type: 9, raw: Buffer.alloc(0) }, { type: 2, capabilities: [{ code: 65, asn: 7 }] }] }
  t.strictSame(openCapabilities(split), [{ code: 2 }, { code: 65, asn: 7 }])
  t.equal(openAsn(split), 7)
  t.equal(openAsn({ ...o, params: [{ type: 2, capabilities: [{ code: 65, raw: Buffer.from('01', 'hex') }] }] }), 23456, 'malformed AS4 capability ignored')
})

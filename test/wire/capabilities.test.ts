/**
 * Capability codecs (RFC 5492 §4 TLVs; one row per capability code tsbgp models, plus raw ones).
 * Each row is a whole TLV: Code, Length, Value.
 */
import t from 'tap'
import {
  capabilitiesLength,
  capabilityIsMalformed,
  decodeCapabilities,
  encodeCapabilities,
  isModeledCapabilityCode,
} from '../../src/wire/capabilities/index.js'
import { DEFAULT_CONTEXT } from '../../src/wire/context.js'
import type { Capability } from '../../src/wire/types.js'
import { checkCodec, expectBgpError, hex, type BodyCodec } from './msg-codec-helper.js'

const listCodec: BodyCodec<Capability[]> = {
  decode: (buf, off, end) => decodeCapabilities(buf, off, end),
  length: (v) => capabilitiesLength(v),
  encode: (v, buf, off) => encodeCapabilities(v, buf, off),
}

const cases: Array<[string, string, Capability[]]> = [
  ['multiprotocol IPv4 unicast (RFC 4760 §8)', `
    01 04        // code 1, length 4
    0001 00 01   // AFI 1, reserved, SAFI 1`, [{ code: 1, afi: 1, safi: 1 }]],
  ['multiprotocol IPv6 unicast, reserved octet kept', `
    01 04 0002 07 01`, [{ code: 1, afi: 2, safi: 1, reserved: 7 }]],
  ['route refresh (RFC 2918 §2)', '02 00', [{ code: 2 }]],
  ['Cisco route refresh (code 128)', '80 00', [{ code: 128 }]],
  ['extended next hop (RFC 8950 §3)', `
    05 0c             // code 5, length 12
    0001 0001 0002    // IPv4 unicast, next hop IPv6
    0001 0080 0002    // IPv4 VPN (SAFI 128, 2 octets), next hop IPv6`,
  [{ code: 5, entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }, { afi: 1, safi: 128, nextHopAfi: 2 }] }]],
  ['extended message (RFC 8654 §3)', '06 00', [{ code: 6 }]],
  ['BGP role customer (RFC 9234 §4.1)', '09 01 03', [{ code: 9, role: 3 }]],
  ['graceful restart R+N, 120 s, IPv4 unicast F (RFC 4724 §3, RFC 8538 §2)', `
    40 06       // code 64, length 6
    c0 78       // R=1 N=1, restart time 120
    0001 01 80  // IPv4 unicast, F bit`,
  [{ code: 64, restartState: true, notification: true, restartTime: 120, families: [{ afi: 1, safi: 1, forwardingState: true }] }]],
  ['graceful restart, reserved bits kept', `
    40 06 3f ff   // reserved flag bits 0x3, time 4095
    0002 01 01    // IPv6 unicast, reserved family flag bit`,
  [{ code: 64, restartState: false, notification: false, restartTime: 4095, flagBits: 3, families: [{ afi: 2, safi: 1, forwardingState: false, flags: 1 }] }]],
  ['graceful restart helper only (no families)', '40 02 00 5a', [{ code: 64, restartState: false, notification: false, restartTime: 90, families: [] }]],
  ['4-octet AS 4200000000 (RFC 6793 §3)', '41 04 fa56ea00', [{ code: 65, asn: 4200000000 }]],
  ['ADD-PATH IPv4 both, IPv6 receive (RFC 7911 §4)', `
    45 08
    0001 01 03  // IPv4 unicast send+receive
    0002 01 01  // IPv6 unicast receive`,
  [{ code: 69, families: [{ afi: 1, safi: 1, mode: 3 }, { afi: 2, safi: 1, mode: 1 }] }]],
  ['enhanced route refresh (RFC 7313 §3.1)', '46 00', [{ code: 70 }]],
  ['LLGR IPv4 unicast F, stale 86400 (RFC 9494 §3)', `
    47 07
    0001 01 80 015180   // afi 1 safi 1 flags F, stale time 86400`,
  [{ code: 71, families: [{ afi: 1, safi: 1, flags: 0x80, staleTime: 86400 }] }]],
  ['FQDN (draft-walton-bgp-hostname-capability §3)', `
    49 0c
    05 726f757465  // "route"
    05 6c6f63616c  // "local"`, [{ code: 73, hostname: 'route', domain: 'local' }]],
  ['FQDN, empty domain, UTF-8 hostname', '49 05 03 e282ac 00', [{ code: 73, hostname: '€', domain: '' }]],
  ['unknown code 75 (Software Version) kept raw', '4b 04 03 616263', [{ code: 75, raw: hex('03616263') }]],
  ['unknown code 255, empty value', 'ff 00', [{ code: 255, raw: Buffer.alloc(0) }]],
  ['several in one parameter, order kept', '02 00 01 04 0001 0001 41 04 0000fde8',
    [{ code: 2 }, { code: 1, afi: 1, safi: 1 }, { code: 65, asn: 65000 }]],
]

for (const [name, h, value] of cases) checkCodec(t, name, hex(h), value, listCodec, DEFAULT_CONTEXT)

// A modeled code whose value does not parse is kept raw (so it round-trips) and flagged
// malformed; the session layer decides (RFC 5492 gives no error for it).
const malformed: Array<[string, string]> = [
  ['multiprotocol of length 3', '01 03 000101'],
  ['route refresh with a value', '02 01 00'],
  ['extended next hop not a multiple of 6', '05 04 00010001'],
  ['extended message with a value', '06 01 00'],
  ['BGP role of length 2', '09 02 0003'],
  ['graceful restart of length 1', '40 01 00'],
  ['graceful restart with a partial family', '40 05 0078 000101'],
  ['4-octet AS of length 2', '41 02 fde8'],
  ['ADD-PATH of length 3', '45 03 000101'],
  ['enhanced route refresh with a value', '46 01 00'],
  ['LLGR of length 6', '47 06 000101800000'],
  ['FQDN hostname overruns', '49 02 05 61'],
  ['FQDN without domain length', '49 02 01 61'],
  ['FQDN with trailing octets', '49 04 00 00 00 00'],
  ['FQDN invalid UTF-8', '49 03 01 ff 00'],
  ['Cisco route refresh with a value', '80 01 00'],
]
for (const [name, h] of malformed) {
  const bytes = hex(h)
  const value: Capability[] = [{ code: bytes[0]!, raw: bytes.subarray(2) }]
  checkCodec(t, `malformed ${name} kept raw`, bytes, value, listCodec, DEFAULT_CONTEXT)
  t.test(`malformed ${name} is flagged`, async (t) => {
    const [c] = decodeCapabilities(bytes, 0, bytes.length)
    t.ok(capabilityIsMalformed(c!))
    t.ok(isModeledCapabilityCode(c!.code))
  })
}

t.test('an unknown code kept raw is not malformed', async (t) => {
  const [c] = decodeCapabilities(hex('4b 01 00'), 0, 3)
  t.notOk(capabilityIsMalformed(c!))
})

t.test('a TLV overrunning its parameter is OPEN Message Error / Unspecific (RFC 4271 §6.2)', async (t) => {
  expectBgpError(t, 'value overrun', () => decodeCapabilities(hex('01 04 000100'), 0, 5), { code: 2, subcode: 0, data: '' })
  expectBgpError(t, 'half a header', () => decodeCapabilities(hex('02 00 01'), 0, 3), { code: 2, subcode: 0, data: '' })
  // the decoder stops at `end` even when the buffer goes on
  expectBgpError(t, 'end inside value', () => decodeCapabilities(hex('01 04 00010001'), 0, 5), { code: 2, subcode: 0 })
})

t.test('encoder refuses values that do not fit their fields', async (t) => {
  t.throws(() => encodeCapabilities([{ code: 75, raw: Buffer.alloc(256) }], Buffer.alloc(300), 0), RangeError)
  t.throws(() => encodeCapabilities([{ code: 73, hostname: 'a'.repeat(256), domain: '' }], Buffer.alloc(300), 0), RangeError)
  t.throws(() => encodeCapabilities([{ code: 64, restartState: false, notification: false, restartTime: 4096, families: [] }], Buffer.alloc(8), 0), RangeError)
})

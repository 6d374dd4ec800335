/**
 * IPv4 (RFC 791 §3.1) and IPv6 (RFC 8200 §3, §4) headers: find the transport payload.
 *
 *  IPv4                                                  IPv6
 *  |Version|  IHL  |Type of Service|  Total Length  |    |Version| Traffic Class |    Flow Label       |
 *  |        Identification         |Flags| Frag Off |    |  Payload Length  | Next Header | Hop Limit |
 *  |  Time to Live |    Protocol   | Header Checksum|    |          Source Address (16 octets)        |
 *  |                Source Address                  |    |       Destination Address (16 octets)      |
 *  |             Destination Address                |    then extension headers, each naming the next
 *  |                Options (IHL > 5)               |
 *
 * Fragments are not reassembled (BGP speakers set DF and use PMTU discovery; a fragmented BGP
 * segment in a capture is rare): they are reported and skipped, and the TCP reassembler then sees
 * a gap in that stream. Checksums are not verified: captures taken on the sending host carry
 * checksums the NIC fills in later.
 */
import { ipv4ToString, ipv6ToString } from '../wire/address.js'

export const IPPROTO_TCP = 6
const IPPROTO_HOPOPTS = 0
const IPPROTO_ROUTING = 43
const IPPROTO_FRAGMENT = 44
const IPPROTO_AH = 51
const IPPROTO_DSTOPTS = 60
const IPPROTO_MH = 135
const IPPROTO_HIP = 139
const IPPROTO_SHIM6 = 140
const MAX_EXTENSION_HEADERS = 16

export interface IpPacket {
  ok: true
  version: 4 | 6
  src: string
  dst: string
  /** Upper-layer protocol (after IPv6 extension headers). */
  protocol: number
  /** Transport header offset and end of the IP payload in the frame (link padding excluded). */
  off: number
  end: number
}

export type IpResult = IpPacket | { ok: false; reason: string; fragment?: boolean }

export function parseIp(d: Buffer, off: number): IpResult {
  if (d.length < off + 1) return { ok: false, reason: 'no IP header' }
  const version = d[off]! >> 4
  if (version === 4) return parseIpv4(d, off)
  if (version === 6) return parseIpv6(d, off)
  return { ok: false, reason: `IP version ${version}` }
}

function parseIpv4(d: Buffer, off: number): IpResult {
  if (d.length < off + 20) return { ok: false, reason: 'IPv4 header truncated' }
  // RFC 791: "Internet Header Length is the length of the internet header in 32 bit words ...
  // the minimum value for a correct header is 5."
  const ihl = (d[off]! & 0x0f) * 4
  if (ihl < 20) return { ok: false, reason: `IPv4 IHL ${ihl / 4} below 5` }
  const total = d.readUInt16BE(off + 2)
  if (d.length < off + ihl) return { ok: false, reason: 'IPv4 options truncated' }
  // Total length 0 is what TSO-offloaded captures show; trust the capture length then.
  const end = total === 0 ? d.length : Math.min(off + total, d.length)
  if (total !== 0 && total < ihl) return { ok: false, reason: `IPv4 total length ${total} below header length` }
  const flagsFrag = d.readUInt16BE(off + 6)
  const moreFragments = (flagsFrag & 0x2000) !== 0
  const fragOffset = flagsFrag & 0x1fff
  const src = ipv4ToString(d, off + 12)
  const dst = ipv4ToString(d, off + 16)
  if (moreFragments || fragOffset !== 0) {
    return { ok: false, fragment: true, reason: `IPv4 fragment ${src} > ${dst} id ${d.readUInt16BE(off + 4)} offset ${fragOffset * 8} (not reassembled)` }
  }
  return { ok: true, version: 4, src, dst, protocol: d[off + 9]!, off: off + ihl, end }
}

function parseIpv6(d: Buffer, off: number): IpResult {
  if (d.length < off + 40) return { ok: false, reason: 'IPv6 header truncated' }
  const payloadLen = d.readUInt16BE(off + 4)
  // Payload length 0 means a Jumbo Payload option (RFC 2675) or TSO; use the captured length.
  const end = payloadLen === 0 ? d.length : Math.min(off + 40 + payloadLen, d.length)
  const src = ipv6ToString(d, off + 8)
  const dst = ipv6ToString(d, off + 24)
  let next = d[off + 6]!
  let o = off + 40
  // RFC 8200 §4.1: extension headers are walked in order; each names the next.
  for (let n = 0; n < MAX_EXTENSION_HEADERS; n++) {
    switch (next) {
      case IPPROTO_HOPOPTS:
      case IPPROTO_ROUTING:
      case IPPROTO_DSTOPTS:
      case IPPROTO_MH:
      case IPPROTO_HIP:
      case IPPROTO_SHIM6:
        // RFC 8200 §4.3: "Hdr Ext Len: Length of the ... header in 8-octet units, not including the first 8 octets."
        if (o + 2 > end) return { ok: false, reason: 'IPv6 extension header truncated' }
        next = d[o]!
        o += 8 + d[o + 1]! * 8
        break
      case IPPROTO_AH:
        // RFC 4302 §2.2: "Payload Length ... the length of AH in 32-bit words (4-byte units), minus 2".
        if (o + 2 > end) return { ok: false, reason: 'IPv6 AH truncated' }
        next = d[o]!
        o += (d[o + 1]! + 2) * 4
        break
      case IPPROTO_FRAGMENT: {
        if (o + 8 > end) return { ok: false, reason: 'IPv6 fragment header truncated' }
        const fo = d.readUInt16BE(o + 2)
        // RFC 8200 §4.5: offset 0 with M=0 is an atomic fragment: the whole packet, process it.
        if (fo >> 3 !== 0 || (fo & 1) !== 0) {
          return { ok: false, fragment: true, reason: `IPv6 fragment ${src} > ${dst} id ${d.readUInt32BE(o + 4)} offset ${(fo >> 3) * 8} (not reassembled)` }
        }
        next = d[o]!
        o += 8
        break
      }
      default:
        if (o > end) return { ok: false, reason: 'IPv6 extension headers overrun the payload' }
        return { ok: true, version: 6, src, dst, protocol: next, off: o, end }
    }
  }
  return { ok: false, reason: 'too many IPv6 extension headers' }
}

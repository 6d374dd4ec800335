/**
 * Link layers: find where the IP packet starts in a captured frame (tcpdump.org LINKTYPE_ registry,
 * draft-ietf-opsawg-pcaplinktype).
 *
 *  Ethernet (1)        | dst 6 | src 6 | [TPID 8100/88a8/9100 + TCI]* | EtherType 2 | payload
 *  Linux SLL (113)     | pkttype 2 | ARPHRD 2 | addr len 2 | addr 8 | protocol 2 | payload
 *  Linux SLL2 (276)    | protocol 2 | rsvd 2 | ifindex 4 | ARPHRD 2 | pkttype 1 | addr len 1 | addr 8 | payload
 *  NULL (0)            | AF, 4 octets in the capturing host's byte order | payload
 *  LOOP (108)          | AF, 4 octets big-endian | payload
 *  Raw IP (101, 12, 14, 228 IPv4, 229 IPv6) | payload
 *  PPP (9), PPP_HDLC (50) | [ff 03] | protocol 1-2 | payload        (RFC 1661 §2, RFC 1662 §3.1)
 *  Cisco HDLC (104)    | address 0f/8f | control 00 | EtherType 2 | payload
 *
 * libpcap writes Cisco HDLC frames from serial links as LINKTYPE_PPP (9) on some platforms (the nDPI
 * BGP_Cisco_hdlc_slarp sample does), so PPP frames starting with 0x0f/0x8f are read as Cisco HDLC,
 * as Wireshark does.
 */

export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  PPP: 9,
  RAW_DLT12: 12,
  RAW_DLT14: 14,
  PPP_HDLC: 50,
  RAW: 101,
  C_HDLC: 104,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const

const ETHERTYPE_IPV4 = 0x0800
const ETHERTYPE_IPV6 = 0x86dd
const ETHERTYPE_VLAN = 0x8100 // IEEE 802.1Q C-tag
const ETHERTYPE_QINQ = 0x88a8 // IEEE 802.1ad S-tag
const ETHERTYPE_QINQ_OLD = 0x9100 // pre-standard QinQ
const ETHERTYPE_MPLS = 0x8847
const ETHERTYPE_MPLS_MC = 0x8848
const ETHERTYPE_PPPOE_SESSION = 0x8864
const PPP_IPV4 = 0x0021
const PPP_IPV6 = 0x0057
/** Address families a BSD loopback header may carry for IPv6 (Linux 10, BSDs 24, FreeBSD 28, Darwin 30). */
const AF_INET = 2
const AF_INET6 = new Set([10, 24, 28, 30])
const MAX_VLAN_TAGS = 8

/** Where the IP header starts, or why this frame carries no IP. */
export type LinkResult = { ok: true; off: number } | { ok: false; reason: string }

const short = (what: string): LinkResult => ({ ok: false, reason: `${what} header truncated` })

export function networkOffset(linkType: number, d: Buffer): LinkResult {
  switch (linkType) {
    case LinkType.ETHERNET:
      return ethernet(d)
    case LinkType.LINUX_SLL:
      // SLL: the protocol type at offset 14 is an EtherType for the frames we care about.
      if (d.length < 16) return short('Linux SLL')
      return etherPayload(d, d.readUInt16BE(14), 16)
    case LinkType.LINUX_SLL2:
      if (d.length < 20) return short('Linux SLL2')
      return etherPayload(d, d.readUInt16BE(0), 20)
    case LinkType.RAW:
    case LinkType.RAW_DLT12:
    case LinkType.RAW_DLT14:
    case LinkType.IPV4:
    case LinkType.IPV6:
      return { ok: true, off: 0 }
    case LinkType.NULL:
    case LinkType.LOOP: {
      if (d.length < 4) return short('loopback')
      // NULL: "the link-layer header is a 4-byte field, in the host byte order of the machine on which the
      // capture was done"; AF values are < 256, so whichever order gives a small number is the right one.
      const be = d.readUInt32BE(0)
      const af = linkType === LinkType.LOOP || be < 256 ? be : d.readUInt32LE(0)
      if (af === AF_INET || AF_INET6.has(af)) return { ok: true, off: 4 }
      return { ok: false, reason: `loopback address family ${af} is not IP` }
    }
    case LinkType.PPP:
    case LinkType.PPP_HDLC:
      if (d.length >= 1 && (d[0] === 0x0f || d[0] === 0x8f)) return ciscoHdlc(d)
      return ppp(d, 0)
    case LinkType.C_HDLC:
      return ciscoHdlc(d)
    default:
      return { ok: false, reason: `unsupported link type ${linkType}` }
  }
}

function ethernet(d: Buffer): LinkResult {
  if (d.length < 14) return short('Ethernet')
  let off = 12
  let type = d.readUInt16BE(off)
  // IEEE 802.1Q/802.1ad: each tag is a 2-octet TPID (already read as `type`) and a 2-octet TCI.
  for (let tags = 0; type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD; tags++) {
    if (tags === MAX_VLAN_TAGS) return { ok: false, reason: 'too many VLAN tags' }
    off += 4
    if (d.length < off + 2) return short('802.1Q')
    type = d.readUInt16BE(off)
  }
  // IEEE 802.3: a value <= 1500 is a length (LLC frame), not an EtherType.
  if (type <= 1500) return { ok: false, reason: '802.3/LLC frame is not IP' }
  return etherPayload(d, type, off + 2)
}

function etherPayload(d: Buffer, type: number, off: number): LinkResult {
  switch (type) {
    case ETHERTYPE_IPV4:
    case ETHERTYPE_IPV6:
      return { ok: true, off }
    case ETHERTYPE_MPLS:
    case ETHERTYPE_MPLS_MC: {
      // RFC 3032 §2.1: label stack entries of 4 octets until the one with the S (bottom of stack) bit;
      // the payload type is not signalled, so the IP version nibble decides (ip.ts checks it).
      for (let o = off; o + 4 <= d.length; o += 4) {
        if (d[o + 2]! & 1) return { ok: true, off: o + 4 }
      }
      return short('MPLS')
    }
    case ETHERTYPE_PPPOE_SESSION:
      // RFC 2516 §4: 6-octet PPPoE header, then the PPP Protocol field.
      if (d.length < off + 8) return short('PPPoE')
      return ppp(d, off + 6)
    default:
      return { ok: false, reason: `EtherType 0x${type.toString(16).padStart(4, '0')} is not IP` }
  }
}

function ppp(d: Buffer, off: number): LinkResult {
  // RFC 1662 §3.1: HDLC-like framing "Address ... 0xff", "Control ... 0x03"; it may be absent
  // (Address-and-Control-Field-Compression, RFC 1661 §6.6).
  if (d.length >= off + 2 && d[off] === 0xff && d[off + 1] === 0x03) off += 2
  if (d.length < off + 1) return short('PPP')
  // RFC 1661 §2: "the least significant bit of the least significant octet is 1" ends the Protocol field,
  // so a 1-octet protocol (Protocol-Field-Compression) is odd.
  let proto: number
  if (d[off]! & 1) {
    proto = d[off]!
    off += 1
  } else {
    if (d.length < off + 2) return short('PPP')
    proto = d.readUInt16BE(off)
    off += 2
  }
  if (proto === PPP_IPV4 || proto === PPP_IPV6) return { ok: true, off }
  return { ok: false, reason: `PPP protocol 0x${proto.toString(16).padStart(4, '0')} is not IP` }
}

function ciscoHdlc(d: Buffer): LinkResult {
  if (d.length < 4) return short('Cisco HDLC')
  // Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control 0x00, then an EtherType
  // (0x8035 is SLARP keepalives, which are not IP).
  return etherPayload(d, d.readUInt16BE(2), 4)
}

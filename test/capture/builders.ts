/**
 * Tiny builders for synthetic captures (not a test file): pcap/pcapng files, link headers, IPv4/IPv6,
 * TCP, and a few hand-made BGP messages. Checksums are left zero (the reader never checks them).
 */
import { parseIpv6 } from '../../src/wire/address.js'

export function ipv4Bytes(a: string): Buffer {
  return Buffer.from(a.split('.').map(Number))
}
export function ipv6Bytes(a: string): Buffer {
  const b = Buffer.alloc(16)
  if (!parseIpv6(a, b)) throw new Error(`bad IPv6 ${a}`)
  return b
}

export const TCP = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const

export function tcp(o: { sport: number; dport: number; seq: number; ack?: number; flags?: number; payload?: Buffer; options?: Buffer }): Buffer {
  const opts = o.options ?? Buffer.alloc(0)
  if (opts.length % 4) throw new Error('TCP options must be padded to 4')
  const h = Buffer.alloc(20 + opts.length)
  h.writeUInt16BE(o.sport, 0)
  h.writeUInt16BE(o.dport, 2)
  h.writeUInt32BE(o.seq >>> 0, 4)
  h.writeUInt32BE((o.ack ?? 0) >>> 0, 8)
  h[12] = ((20 + opts.length) / 4) << 4
  h[13] = o.flags ?? TCP.ACK | TCP.PSH
  h.writeUInt16BE(65535, 14)
  opts.copy(h, 20)
  return Buffer.concat([h, o.payload ?? Buffer.alloc(0)])
}

export function ipv4(o: { src: string; dst: string; payload: Buffer; proto?: number; options?: Buffer; flagsFrag?: number; id?: number }): Buffer {
  const opts = o.options ?? Buffer.alloc(0)
  const h = Buffer.alloc(20 + opts.length)
  h[0] = 0x40 | ((20 + opts.length) / 4)
  h.writeUInt16BE(h.length + o.payload.length, 2)
  h.writeUInt16BE(o.id ?? 1, 4)
  h.writeUInt16BE(o.flagsFrag ?? 0x4000, 6) // DF
  h[8] = 64
  h[9] = o.proto ?? 6
  ipv4Bytes(o.src).copy(h, 12)
  ipv4Bytes(o.dst).copy(h, 16)
  opts.copy(h, 20)
  return Buffer.concat([h, o.payload])
}

/** ext: extension headers in order, each { type (its own protocol number), body (without next/len octets) }. */
export function ipv6(o: { src: string; dst: string; payload: Buffer; proto?: number; ext?: Array<{ type: number; body: Buffer }> }): Buffer {
  const ext = o.ext ?? []
  const parts: Buffer[] = []
  for (let i = 0; i < ext.length; i++) {
    const next = i + 1 < ext.length ? ext[i + 1]!.type : (o.proto ?? 6)
    const e = ext[i]!
    if (e.type === 44) {
      parts.push(Buffer.concat([Buffer.of(next, 0), e.body]))
    } else {
      const total = 2 + e.body.length
      if (total % 8) throw new Error('extension header must be a multiple of 8 octets')
      parts.push(Buffer.concat([Buffer.of(next, total / 8 - 1), e.body]))
    }
  }
  const rest = Buffer.concat([...parts, o.payload])
  const h = Buffer.alloc(40)
  h.writeUInt32BE(0x60000000, 0)
  h.writeUInt16BE(rest.length, 4)
  h[6] = ext.length ? ext[0]!.type : (o.proto ?? 6)
  h[7] = 64
  ipv6Bytes(o.src).copy(h, 8)
  ipv6Bytes(o.dst).copy(h, 24)
  return Buffer.concat([h, rest])
}

export function ethernet(payload: Buffer, etherType: number, vlans: Array<{ tpid: number; vid: number }> = []): Buffer {
  const h = Buffer.alloc(12, 0)
  h.writeUInt32BE(0x02000000, 0)
  h.writeUInt32BE(0x00010200, 4)
  h.writeUInt32BE(0x00000002, 8)
  const tags = vlans.map((v) => {
    const b = Buffer.alloc(4)
    b.writeUInt16BE(v.tpid, 0)
    b.writeUInt16BE(v.vid, 2)
    return b
  })
  const et = Buffer.alloc(2)
  et.writeUInt16BE(etherType, 0)
  // Ethernet minimum frame: pad to 60 octets, as a real capture would show.
  const frame = Buffer.concat([h, ...tags, et, payload])
  return frame.length < 60 ? Buffer.concat([frame, Buffer.alloc(60 - frame.length)]) : frame
}

export function sll(payload: Buffer, protocol: number): Buffer {
  const h = Buffer.alloc(16)
  h.writeUInt16BE(0, 0) // packet type: to us
  h.writeUInt16BE(1, 2) // ARPHRD_ETHER
  h.writeUInt16BE(6, 4)
  h.writeUInt16BE(protocol, 14)
  return Buffer.concat([h, payload])
}

export function sll2(payload: Buffer, protocol: number): Buffer {
  const h = Buffer.alloc(20)
  h.writeUInt16BE(protocol, 0)
  h.writeUInt32BE(2, 4) // ifindex
  h.writeUInt16BE(1, 8) // ARPHRD_ETHER
  h[11] = 6
  return Buffer.concat([h, payload])
}

export function nullHeader(payload: Buffer, af: number, le: boolean): Buffer {
  const h = Buffer.alloc(4)
  if (le) h.writeUInt32LE(af, 0)
  else h.writeUInt32BE(af, 0)
  return Buffer.concat([h, payload])
}

export function pppFrame(payload: Buffer, proto: number, hdlc = true): Buffer {
  const p = Buffer.alloc(2)
  p.writeUInt16BE(proto, 0)
  return Buffer.concat([hdlc ? Buffer.of(0xff, 0x03) : Buffer.alloc(0), p, payload])
}

export function ciscoHdlc(payload: Buffer, etherType: number): Buffer {
  const h = Buffer.of(0x0f, 0x00, etherType >> 8, etherType & 0xff)
  return Buffer.concat([h, payload])
}

export interface Rec {
  ts: number
  data: Buffer
}

export function pcapFile(linkType: number, recs: Rec[], o: { le?: boolean; nano?: boolean; kuznetsov?: boolean } = {}): Buffer {
  const le = o.le ?? true
  const w32 = (b: Buffer, v: number, off: number) => (le ? b.writeUInt32LE(v >>> 0, off) : b.writeUInt32BE(v >>> 0, off))
  const w16 = (b: Buffer, v: number, off: number) => (le ? b.writeUInt16LE(v, off) : b.writeUInt16BE(v, off))
  const h = Buffer.alloc(24)
  w32(h, o.nano ? 0xa1b23c4d : o.kuznetsov ? 0xa1b2cd34 : 0xa1b2c3d4, 0)
  w16(h, 2, 4)
  w16(h, 4, 6)
  w32(h, 262144, 16)
  w32(h, linkType, 20)
  const parts: Buffer[] = [h]
  const div = o.nano ? 1e9 : 1e6
  for (const r of recs) {
    const rh = Buffer.alloc(o.kuznetsov ? 24 : 16, 0)
    const sec = Math.floor(r.ts)
    w32(rh, sec, 0)
    w32(rh, Math.round((r.ts - sec) * div), 4)
    w32(rh, r.data.length, 8)
    w32(rh, r.data.length, 12)
    parts.push(rh, r.data)
  }
  return Buffer.concat(parts)
}

export interface NgPacket extends Rec {
  iface: number
  block?: 'epb' | 'spb' | 'opb'
}

/** One pcapng section per entry; interfaces with optional if_tsresol octet. */
export function pcapngFile(sections: Array<{ le?: boolean; interfaces: Array<{ linkType: number; tsresol?: number }>; packets: NgPacket[]; extraBlock?: boolean }>): Buffer {
  const parts: Buffer[] = []
  for (const s of sections) {
    const le = s.le ?? true
    const w32 = (b: Buffer, v: number, off: number) => (le ? b.writeUInt32LE(v >>> 0, off) : b.writeUInt32BE(v >>> 0, off))
    const w16 = (b: Buffer, v: number, off: number) => (le ? b.writeUInt16LE(v, off) : b.writeUInt16BE(v, off))
    const block = (type: number, body: Buffer): Buffer => {
      const pad = (4 - (body.length % 4)) % 4
      const total = 12 + body.length + pad
      const b = Buffer.alloc(total)
      w32(b, type, 0)
      w32(b, total, 4)
      body.copy(b, 8)
      w32(b, total, total - 4)
      return b
    }
    const shb = Buffer.alloc(16)
    w32(shb, 0x1a2b3c4d, 0)
    w16(shb, 1, 4)
    w16(shb, 0, 6)
    shb.writeInt32LE(-1, 8)
    shb.writeInt32LE(-1, 12)
    parts.push(block(0x0a0d0d0a, shb))
    for (const i of s.interfaces) {
      const opts: Buffer[] = []
      if (i.tsresol !== undefined) {
        const o = Buffer.alloc(8)
        w16(o, 9, 0)
        w16(o, 1, 2)
        o[4] = i.tsresol
        opts.push(o, Buffer.alloc(4)) // opt_endofopt
      }
      const body = Buffer.alloc(8)
      w16(body, i.linkType, 0)
      w32(body, 0, 4)
      parts.push(block(1, Buffer.concat([body, ...opts])))
    }
    if (s.extraBlock) parts.push(block(5, Buffer.alloc(13, 7))) // Interface Statistics: skipped
    for (const p of s.packets) {
      const res = s.interfaces[p.iface]?.tsresol
      const units = res === undefined ? 1e6 : res & 0x80 ? 2 ** (res & 0x7f) : 10 ** res
      const t = BigInt(Math.round(p.ts * 1e6)) * BigInt(units) / 1_000_000n
      const hi = Number(t >> 32n)
      const lo = Number(t & 0xffffffffn)
      if (p.block === 'spb') {
        const b = Buffer.alloc(4)
        w32(b, p.data.length, 0)
        parts.push(block(3, Buffer.concat([b, p.data])))
      } else if (p.block === 'opb') {
        const b = Buffer.alloc(20)
        w16(b, p.iface, 0)
        w32(b, hi, 4)
        w32(b, lo, 8)
        w32(b, p.data.length, 12)
        w32(b, p.data.length, 16)
        parts.push(block(2, Buffer.concat([b, p.data, Buffer.alloc((4 - (p.data.length % 4)) % 4)])))
      } else {
        const b = Buffer.alloc(20)
        w32(b, p.iface, 0)
        w32(b, hi, 4)
        w32(b, lo, 8)
        w32(b, p.data.length, 12)
        w32(b, p.data.length, 16)
        parts.push(block(6, Buffer.concat([b, p.data, Buffer.alloc((4 - (p.data.length % 4)) % 4)])))
      }
    }
  }
  return Buffer.concat(parts)
}

// ------------------------------------------------------------------ BGP messages (hand-made, RFC 4271 §4)

export function bgp(type: number, body: Buffer): Buffer {
  const h = Buffer.alloc(19, 0xff)
  h.writeUInt16BE(19 + body.length, 16)
  h[18] = type
  return Buffer.concat([h, body])
}

export const KEEPALIVE = bgp(4, Buffer.alloc(0))

/** OPEN with the given capabilities (code, value) in one Capabilities parameter. */
export function open(asn: number, bgpId: string, caps: Array<[number, Buffer]>): Buffer {
  const capBytes = Buffer.concat(caps.map(([c, v]) => Buffer.concat([Buffer.of(c, v.length), v])))
  const params = caps.length ? Buffer.concat([Buffer.of(2, capBytes.length), capBytes]) : Buffer.alloc(0)
  const fixed = Buffer.alloc(10)
  fixed[0] = 4
  fixed.writeUInt16BE(asn > 0xffff ? 23456 : asn, 1)
  fixed.writeUInt16BE(90, 3)
  ipv4Bytes(bgpId).copy(fixed, 5)
  fixed[9] = params.length
  return bgp(1, Buffer.concat([fixed, params]))
}

export function capAs4(asn: number): [number, Buffer] {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(asn, 0)
  return [65, b]
}
export function capMp(afi: number, safi: number): [number, Buffer] {
  return [1, Buffer.of(afi >> 8, afi & 255, 0, safi)]
}
export function capAddPath(afi: number, safi: number, mode: number): [number, Buffer] {
  return [69, Buffer.of(afi >> 8, afi & 255, safi, mode)]
}

/**
 * UPDATE announcing IPv4 prefixes with ORIGIN IGP, AS_PATH (one AS_SEQUENCE, 2- or 4-octet), NEXT_HOP.
 * pathIds: ADD-PATH identifiers (RFC 7911 §3), one per prefix.
 */
export function update(o: { asns: number[]; as4: boolean; nextHop: string; prefixes: Array<[string, number]>; pathIds?: number[] }): Buffer {
  const w = o.as4 ? 4 : 2
  const seg = Buffer.alloc(2 + o.asns.length * w)
  seg[0] = 2
  seg[1] = o.asns.length
  o.asns.forEach((a, i) => (w === 4 ? seg.writeUInt32BE(a, 2 + i * 4) : seg.writeUInt16BE(a, 2 + i * 2)))
  const attrs = Buffer.concat([
    Buffer.of(0x40, 1, 1, 0),
    Buffer.of(0x40, 2, seg.length),
    seg,
    Buffer.of(0x40, 3, 4),
    ipv4Bytes(o.nextHop),
  ])
  const nlri = Buffer.concat(
    o.prefixes.map(([p, len], i) => {
      const id = o.pathIds ? Buffer.alloc(4) : Buffer.alloc(0)
      if (o.pathIds) id.writeUInt32BE(o.pathIds[i]!, 0)
      return Buffer.concat([id, Buffer.of(len), ipv4Bytes(p).subarray(0, Math.ceil(len / 8))])
    }),
  )
  const wl = Buffer.of(0, 0)
  const al = Buffer.alloc(2)
  al.writeUInt16BE(attrs.length, 0)
  return bgp(2, Buffer.concat([wl, al, attrs, nlri]))
}

/**
 * TCP header (RFC 9293 §3.1), and the packet → segment pipeline of a capture.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+-------------------------------+
 *  |          Source Port          |       Destination Port        |
 *  +-------------------------------+-------------------------------+
 *  |                        Sequence Number                        |
 *  |                    Acknowledgment Number                      |
 *  +-------+-------+-+-+-+-+-+-+-+-+-------------------------------+
 *  |  Data | Rsrvd |C|E|U|A|P|R|S|F|                               |
 *  | Offset|       |W|C|R|C|S|S|Y|I|            Window             |
 *  +-------+-------+-+-+-+-+-+-+-+-+-------------------------------+
 *  |           Checksum            |         Urgent Pointer        |
 *  |                    Options (Data Offset > 5)                  |
 *  |                             Data                              |
 *
 * Options are skipped (TCP-MD5 (RFC 2385) and TCP-AO only authenticate; they do not change the data).
 */
import { IPPROTO_TCP, parseIp } from './ip.js'
import { networkOffset } from './link.js'
import type { NoteSink, Packet } from './packet.js'

export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const

export interface TcpSegment {
  ts: number
  /** Frame number in the capture (for messages). */
  frame: number
  src: string
  dst: string
  srcPort: number
  dstPort: number
  seq: number
  ack: number
  flags: number
  payload: Buffer
}

export type TcpHeader =
  | { ok: true; srcPort: number; dstPort: number; seq: number; ack: number; flags: number; dataOff: number }
  | { ok: false; reason: string }

/** Parse the TCP header at `off`; the payload is [dataOff, end). */
export function parseTcp(d: Buffer, off: number, end: number): TcpHeader {
  if (end - off < 20) return { ok: false, reason: 'TCP header truncated' }
  // RFC 9293 §3.1: "Data Offset (DOffset): 4 bits. The number of 32-bit words in the TCP header."
  const doff = (d[off + 12]! >> 4) * 4
  if (doff < 20) return { ok: false, reason: `TCP data offset ${doff / 4} below 5` }
  if (off + doff > end) return { ok: false, reason: 'TCP options truncated' }
  return {
    ok: true,
    srcPort: d.readUInt16BE(off),
    dstPort: d.readUInt16BE(off + 2),
    seq: d.readUInt32BE(off + 4),
    ack: d.readUInt32BE(off + 8),
    flags: d[off + 13]!,
    dataOff: off + doff,
  }
}

/** Counts of what tcpSegments passed over, for a summary line. */
export interface SegmentStats {
  frames: number
  notIp: number
  fragments: number
  notTcp: number
  otherPorts: number
  malformed: number
}

export function newSegmentStats(): SegmentStats {
  return { frames: 0, notIp: 0, fragments: 0, notTcp: 0, otherPorts: 0, malformed: 0 }
}

/**
 * The TCP segments whose source or destination port is in `ports`. Frames that are not IP/TCP are
 * counted in `stats`; IP fragments and malformed headers are also reported through `note`, because
 * they may hide BGP data.
 */
export async function* tcpSegments(
  packets: AsyncIterable<Packet>,
  ports: ReadonlySet<number>,
  opts: { note?: NoteSink; stats?: SegmentStats } = {},
): AsyncGenerator<TcpSegment> {
  const note = opts.note ?? (() => {})
  const stats = opts.stats ?? newSegmentStats()
  for await (const p of packets) {
    stats.frames++
    const link = networkOffset(p.linkType, p.data)
    if (!link.ok) {
      stats.notIp++
      continue
    }
    const ip = parseIp(p.data, link.off)
    if (!ip.ok) {
      if (ip.fragment) {
        stats.fragments++
        note(`frame ${p.index}: ${ip.reason}; skipped`)
      } else stats.notIp++
      continue
    }
    if (ip.protocol !== IPPROTO_TCP) {
      stats.notTcp++
      continue
    }
    const tcp = parseTcp(p.data, ip.off, ip.end)
    if (!tcp.ok) {
      stats.malformed++
      note(`frame ${p.index}: ${tcp.reason}; skipped`)
      continue
    }
    if (!ports.has(tcp.srcPort) && !ports.has(tcp.dstPort)) {
      stats.otherPorts++
      continue
    }
    yield {
      ts: p.ts,
      frame: p.index,
      src: ip.src,
      dst: ip.dst,
      srcPort: tcp.srcPort,
      dstPort: tcp.dstPort,
      seq: tcp.seq,
      ack: tcp.ack,
      flags: tcp.flags,
      payload: p.data.subarray(tcp.dataOff, ip.end),
    }
  }
}

/** "198.51.100.1:179", "[2001:db8::1]:179" (RFC 3986 §3.2.2 brackets, so the port is unambiguous). */
export function endpoint(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`
}

/**
 * The few DNS messages the dns check needs (RFC 1035 §4.1): one query out, the response header
 * and answer types back. Sans-IO, bounds-checked: a malformed response is a string, never a throw.
 *
 *   Header (§4.1.1)                       Question (§4.1.2)
 *   +--+--+--+--+--+--+--+--+--+--+--+--+ +-----------------------+
 *   |              ID (16)              | | QNAME (labels, 0)     |
 *   |QR| Opcode |AA|TC|RD|RA| Z |RCODE  | | QTYPE (16)            |
 *   |            QDCOUNT (16)           | | QCLASS (16)           |
 *   |            ANCOUNT (16)           | +-----------------------+
 *   |            NSCOUNT (16)           | RR (§4.1.3): NAME TYPE CLASS TTL(32)
 *   |            ARCOUNT (16)           |             RDLENGTH RDATA
 *   +--+--+--+--+--+--+--+--+--+--+--+--+
 */

/** RFC 1035 §3.2.2, RFC 3596 §2.1. */
export const DnsType = { A: 1, SOA: 6, AAAA: 28 } as const
const CLASS_IN = 1
const HEADER_LEN = 12

/** Query for qname/qtype, recursion desired (§4.1.1 RD), class IN. Throws TypeError on a bad name. */
export function encodeDnsQuery(id: number, qname: string, qtype: number): Buffer {
  const labels = qname.replace(/\.$/, '').split('.').filter((l) => l !== '')
  let nameLen = 1
  for (const l of labels) {
    // §2.3.4: "labels 63 octets or less", "names 255 octets or less"
    if (Buffer.byteLength(l) > 63) throw new TypeError(`label longer than 63 octets: ${l}`)
    nameLen += 1 + Buffer.byteLength(l)
  }
  if (nameLen > 255) throw new TypeError('name longer than 255 octets')
  const buf = Buffer.alloc(HEADER_LEN + nameLen + 4)
  buf.writeUInt16BE(id, 0)
  buf.writeUInt16BE(0x0100, 2) // QR=0 query, Opcode 0, RD=1
  buf.writeUInt16BE(1, 4) // QDCOUNT
  let off = HEADER_LEN
  for (const l of labels) {
    off = buf.writeUInt8(Buffer.byteLength(l), off)
    off += buf.write(l, off, 'ascii')
  }
  off = buf.writeUInt8(0, off)
  off = buf.writeUInt16BE(qtype, off)
  buf.writeUInt16BE(CLASS_IN, off)
  return buf
}

export interface DnsResponse {
  readonly id: number
  readonly rcode: number
  /** §4.1.1 TC: truncated; the answer section may be incomplete. */
  readonly truncated: boolean
  /** TYPE of each answer RR, in order. */
  readonly answerTypes: readonly number[]
}

/** Header, question skipped, answer RR types; a string says what is malformed. */
export function decodeDnsResponse(buf: Buffer): DnsResponse | string {
  if (buf.length < HEADER_LEN) return 'response shorter than a header'
  const flags = buf.readUInt16BE(2)
  if ((flags & 0x8000) === 0) return 'QR bit clear: not a response'
  const qd = buf.readUInt16BE(4)
  const an = buf.readUInt16BE(6)
  let off = HEADER_LEN
  for (let i = 0; i < qd; i++) {
    off = skipName(buf, off)
    if (off < 0 || off + 4 > buf.length) return 'question section truncated'
    off += 4
  }
  const answerTypes: number[] = []
  const truncated = (flags & 0x0200) !== 0
  for (let i = 0; i < an; i++) {
    off = skipName(buf, off)
    if (off < 0 || off + 10 > buf.length) {
      if (truncated) break
      return 'answer section truncated'
    }
    answerTypes.push(buf.readUInt16BE(off))
    const rdlen = buf.readUInt16BE(off + 8)
    off += 10 + rdlen
    if (off > buf.length) {
      if (truncated) break
      return 'answer RDATA truncated'
    }
  }
  return { id: buf.readUInt16BE(0), rcode: flags & 0x000f, truncated, answerTypes }
}

/** Offset after a name at off (labels, or labels ending in a §4.1.4 pointer); -1 when malformed. */
function skipName(buf: Buffer, off: number): number {
  for (let guard = 0; guard < 128; guard++) {
    if (off >= buf.length) return -1
    const len = buf[off]!
    if (len === 0) return off + 1
    if ((len & 0xc0) === 0xc0) return off + 2 <= buf.length ? off + 2 : -1
    if ((len & 0xc0) !== 0) return -1 // §4.1.4: 01 and 10 are reserved
    off += 1 + len
  }
  return -1
}

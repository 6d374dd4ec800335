/**
 * Field readers shared by the MRT record decoders (RFC 6396 §4): bounds-checked big-endian
 * integers and addresses over buf[off, end). A read past `end` throws MrtFormatError, which the
 * record layer turns into `{type:"MRT", error}`; nothing else may escape a record decoder.
 */
import { ipv4ToString, ipv6ToString } from '../wire/address.js'
import type { RawMrtRecord } from './record-reader.js'
import { MRT_HEADER_LENGTH } from './record-reader.js'

export class MrtFormatError extends Error {
  /** Index into the record's buffer where the fault was seen. */
  readonly at: number
  constructor(reason: string, at: number) {
    super(reason)
    this.name = 'MrtFormatError'
    this.at = at
  }
}

/** Stream offset of buffer index `at` inside record `rec`. */
export function streamOffset(rec: RawMrtRecord, at: number): number {
  return rec.offset + (at - (rec.end - MRT_HEADER_LENGTH - rec.length))
}

export function need(off: number, n: number, end: number, what: string): void {
  if (off + n > end) throw new MrtFormatError(`truncated ${what}: need ${n} octets, ${end - off < 0 ? 0 : end - off} left`, off)
}

export function u16(buf: Buffer, off: number): number {
  return (buf[off]! << 8) | buf[off + 1]!
}

export function u32(buf: Buffer, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0
}

/** An IPv4 (afi 1) or IPv6 (afi 2) address at buf[off]; the caller has checked the length. */
export function address(buf: Buffer, off: number, v6: boolean): string {
  return v6 ? ipv6ToString(buf, off) : ipv4ToString(buf, off)
}

/** A Prefix Length octet and its ceil(len/8) prefix octets, as used by TABLE_DUMP_V2 RIB headers. */
export function prefixOctets(buf: Buffer, off: number, end: number, maxLen: number): number {
  need(off, 1, end, 'prefix length')
  const len = buf[off]!
  if (len > maxLen) throw new MrtFormatError(`prefix length ${len} > ${maxLen}`, off)
  const n = (len + 7) >> 3
  need(off + 1, n, end, 'prefix')
  return off + 1 + n
}

/** Compact IPv4 key (prefix.ts: addr * 64 + len) from a length octet at buf[off]. */
export function v4KeyAt(buf: Buffer, off: number): number {
  const len = buf[off]!
  const n = (len + 7) >> 3
  let a = 0
  for (let i = 0; i < 4; i++) a = a * 256 + (i < n ? buf[off + 1 + i]! : 0)
  return a * 64 + len
}

/** Compact IPv6 key (prefix.ts: length char + prefix octets, latin1) from a length octet at buf[off]. */
export function v6KeyAt(buf: Buffer, off: number): string {
  const n = (buf[off]! + 7) >> 3
  return buf.toString('latin1', off, off + 1 + n)
}

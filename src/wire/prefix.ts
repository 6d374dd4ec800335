/**
 * Prefixes in compact form, and the NLRI field codec (RFC 4271 §4.3, RFC 4760 §5, RFC 7911 §3).
 *
 *   +---------------------------+
 *   |   Path Identifier (4 oct) |  only with ADD-PATH for this family and direction
 *   +---------------------------+
 *   |   Length (1 octet)        |  in bits
 *   +---------------------------+
 *   |   Prefix (variable)       |  ceil(Length / 8) octets, trailing bits as sent
 *   +---------------------------+
 *
 * Compact keys (one representation inside tsbgp; text only at the edges):
 * - IPv4: a number, addr * 64 + length (addr the 32-bit value of the prefix octets, zero-filled).
 *   Exact in a double (< 2^38), a Map key without hashing a string, sorts by address then length.
 * - IPv6: a short latin1 string: one char for the length, then the ceil(len/8) prefix octets as sent.
 *   V8 stores it as one-byte string; it is a Map key and compares by content.
 * Trailing bits past the length are kept as received so re-encoding is byte-exact; maskV4/maskV6 clear them.
 */
import { BgpError } from './errors.js'
import { ErrorCode, UpdateSubcode } from './iana.js'
import { ipv4FromNumber, ipv4ToNumber, ipv6ToString, parseIpv6 } from './address.js'

export type V4Key = number
export type V6Key = string

/** A list of prefixes of one family; pathIds is parallel to keys when ADD-PATH applies. */
export type NlriList =
  | { afi: 1; keys: V4Key[]; pathIds: number[] | null }
  | { afi: 2; keys: V6Key[]; pathIds: number[] | null }

export function emptyV4(addPath: boolean): NlriList {
  return { afi: 1, keys: [], pathIds: addPath ? [] : null }
}

export function v4Key(addr: number, len: number): V4Key {
  return addr * 64 + len
}
export function v4KeyLen(k: V4Key): number {
  return k % 64
}
export function v4KeyAddr(k: V4Key): number {
  return Math.floor(k / 64)
}

/** "192.0.2.0/24" */
export function formatV4Key(k: V4Key): string {
  return `${ipv4FromNumber(Math.floor(k / 64))}/${k % 64}`
}

const scratch16 = new Uint8Array(16)

/** "2001:db8::/32" */
export function formatV6Key(k: V6Key): string {
  const len = k.charCodeAt(0)
  scratch16.fill(0)
  for (let i = 1; i < k.length && i <= 16; i++) scratch16[i - 1] = k.charCodeAt(i)
  return `${ipv6ToString(scratch16, 0)}/${len}`
}

export function formatKey(afi: number, k: V4Key | V6Key): string {
  return afi === 1 ? formatV4Key(k as number) : formatV6Key(k as string)
}

/** Parse "a.b.c.d/n" to a key; null when malformed. Host bits are kept (maskV4Key clears them). */
export function parseV4Prefix(s: string): V4Key | null {
  const slash = s.indexOf('/')
  const addr = ipv4ToNumber(slash < 0 ? s : s.slice(0, slash))
  const len = slash < 0 ? 32 : Number(s.slice(slash + 1))
  if (Number.isNaN(addr) || !Number.isInteger(len) || len < 0 || len > 32 || (slash >= 0 && !/^\d+$/.test(s.slice(slash + 1)))) return null
  return maskV4Key(addr * 64 + len)
}

/**
 * The common text form "a.b.c.d/len" (1-3 digit octets, 1-2 digit length) straight to a V4Key with host bits
 * cleared, as parseV4Prefix would; -1 for anything else, which parseV4Prefix then decides. Speaker.announce()
 * of a full table spends most of its parsing here: no substrings, no regular expression, no object per prefix.
 */
export function plainV4Key(s: string): number {
  const n = s.length
  let addr = 0
  let part = 0
  let digits = 0
  let dots = 0
  let i = 0
  for (; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48)
      if (++digits > 3 || part > 255) return -1
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return -1
      addr = addr * 256 + part
      part = 0
      digits = 0
      dots++
    } else if (c === 47) break
    else return -1
  }
  if (dots !== 3 || digits === 0 || i >= n - 1 || n - i > 3) return -1
  addr = addr * 256 + part
  let len = 0
  for (i++; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) return -1
    len = len * 10 + (c - 48)
  }
  if (len > 32) return -1
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0
  return ((addr & mask) >>> 0) * 64 + len
}

/** Parse "x:y::/n" to a key with host bits cleared; null when malformed. */
export function parseV6Prefix(s: string): V6Key | null {
  const slash = s.indexOf('/')
  const bytes = new Uint8Array(16)
  if (!parseIpv6(slash < 0 ? s : s.slice(0, slash), bytes)) return null
  const lenText = slash < 0 ? '128' : s.slice(slash + 1)
  if (!/^\d+$/.test(lenText)) return null
  const len = Number(lenText)
  if (len > 128) return null
  return v6KeyFromBytes(bytes, 0, len, true)
}

export function v6KeyFromBytes(bytes: Uint8Array, off: number, len: number, mask: boolean): V6Key {
  const n = (len + 7) >> 3
  let s = String.fromCharCode(len)
  for (let i = 0; i < n; i++) {
    let b = bytes[off + i]!
    if (mask && i === n - 1 && len % 8 !== 0) b &= (0xff << (8 - (len % 8))) & 0xff
    s += String.fromCharCode(b)
  }
  return s
}

/** Parse either family: { afi, key } or null. */
export function parsePrefix(s: string): { afi: 1; key: V4Key } | { afi: 2; key: V6Key } | null {
  if (s.includes(':')) {
    const key = parseV6Prefix(s)
    return key === null ? null : { afi: 2, key }
  }
  const key = parseV4Prefix(s)
  return key === null ? null : { afi: 1, key }
}

export function maskV4Key(k: V4Key): V4Key {
  const len = k % 64
  const addr = Math.floor(k / 64)
  const m = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0
  return ((addr & m) >>> 0) * 64 + len
}

export function maskV6Key(k: V6Key): V6Key {
  const len = k.charCodeAt(0)
  if (len % 8 === 0) return k
  const last = k.charCodeAt(k.length - 1) & ((0xff << (8 - (len % 8))) & 0xff)
  return k.slice(0, -1) + String.fromCharCode(last)
}

function nlriError(reason: string, offset: number): BgpError {
  // RFC 4271 §6.3: a syntactically incorrect NLRI field is "Invalid Network Field".
  return new BgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.INVALID_NETWORK_FIELD, reason, undefined, offset)
}

/** Lists shorter than this are grown by appending (counting first would cost more than it saves). */
const PRESIZE_MIN_OCTETS = 64

/**
 * How many prefixes the NLRI octets buf[off, end) hold, walking only the length octets (a malformed field is
 * counted as far as it goes; the decoder reports it). Lets the decoders size their arrays once: a list grown
 * by push() to a thousand keys costs about four times as long and leaves about twice its size in garbage.
 */
export function countNlri(buf: Uint8Array, off: number, end: number, addPath: boolean): number {
  let n = 0
  const id = addPath ? 4 : 0
  while (off < end) {
    off += id
    if (off >= end) return n + 1
    off += 1 + ((buf[off]! + 7) >> 3)
    n++
  }
  return n
}

/** Grow `keys` (and `pathIds`) once by the count of prefixes in buf[off, end); the decoder trims what it did not fill. */
function presize(buf: Uint8Array, off: number, end: number, keys: unknown[], pathIds: number[] | null): void {
  if (end - off < PRESIZE_MIN_OCTETS) return
  const n = countNlri(buf, off, end, pathIds !== null)
  keys.length += n
  if (pathIds !== null) pathIds.length += n
}

/**
 * Decode IPv4 NLRI octets buf[off, end) into keys (and pathIds), appended. Throws BgpError (Invalid Network
 * Field); the arrays are then left partly filled.
 */
export function decodeV4Nlri(buf: Uint8Array, off: number, end: number, keys: V4Key[], pathIds: number[] | null): void {
  let k = keys.length
  let p = pathIds === null ? 0 : pathIds.length
  presize(buf, off, end, keys, pathIds)
  while (off < end) {
    if (pathIds !== null) {
      if (off + 4 > end) throw nlriError('truncated path identifier', off)
      pathIds[p++] = ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0
      off += 4
      if (off >= end) throw nlriError('path identifier without prefix', off)
    }
    const len = buf[off]!
    if (len > 32) throw nlriError(`IPv4 prefix length ${len} > 32`, off)
    off++
    let a: number
    switch ((len + 7) >> 3) {
      case 0:
        a = 0
        break
      case 1:
        if (off + 1 > end) throw nlriError('truncated prefix', off)
        a = buf[off]! * 16777216
        off += 1
        break
      case 2:
        if (off + 2 > end) throw nlriError('truncated prefix', off)
        a = buf[off]! * 16777216 + (buf[off + 1]! << 16)
        off += 2
        break
      case 3:
        if (off + 3 > end) throw nlriError('truncated prefix', off)
        a = buf[off]! * 16777216 + ((buf[off + 1]! << 16) | (buf[off + 2]! << 8))
        off += 3
        break
      default:
        if (off + 4 > end) throw nlriError('truncated prefix', off)
        a = buf[off]! * 16777216 + ((buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!)
        off += 4
    }
    keys[k++] = a * 64 + len
  }
  if (keys.length !== k) keys.length = k
}

/** Decode IPv6 NLRI octets buf[off, end). Throws BgpError (Invalid Network Field). */
export function decodeV6Nlri(buf: Uint8Array, off: number, end: number, keys: V6Key[], pathIds: number[] | null): void {
  let k = keys.length
  let p = pathIds === null ? 0 : pathIds.length
  presize(buf, off, end, keys, pathIds)
  while (off < end) {
    if (pathIds !== null) {
      if (off + 4 > end) throw nlriError('truncated path identifier', off)
      pathIds[p++] = ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0
      off += 4
      if (off >= end) throw nlriError('path identifier without prefix', off)
    }
    const len = buf[off]!
    if (len > 128) throw nlriError(`IPv6 prefix length ${len} > 128`, off)
    const n = (len + 7) >> 3
    if (off + 1 + n > end) throw nlriError('truncated prefix', off)
    keys[k++] = v6KeyAt(buf, off, n)
    off += 1 + n
  }
  if (keys.length !== k) keys.length = k
}

const fromCharCode = String.fromCharCode

/**
 * The key of the prefix at buf[off] (length octet, then n prefix octets): buf[off, off + 1 + n) as latin1.
 * Up to /64 with one fixed-arity String.fromCharCode (about 3x faster than a latin1Slice call per prefix).
 */
function v6KeyAt(buf: Uint8Array, o: number, n: number): V6Key {
  switch (n) {
    case 0:
      return fromCharCode(buf[o]!)
    case 1:
      return fromCharCode(buf[o]!, buf[o + 1]!)
    case 2:
      return fromCharCode(buf[o]!, buf[o + 1]!, buf[o + 2]!)
    case 3:
      return fromCharCode(buf[o]!, buf[o + 1]!, buf[o + 2]!, buf[o + 3]!)
    case 4:
      return fromCharCode(buf[o]!, buf[o + 1]!, buf[o + 2]!, buf[o + 3]!, buf[o + 4]!)
    case 5:
      return fromCharCode(buf[o]!, buf[o + 1]!, buf[o + 2]!, buf[o + 3]!, buf[o + 4]!, buf[o + 5]!)
    case 6:
      return fromCharCode(buf[o]!, buf[o + 1]!, buf[o + 2]!, buf[o + 3]!, buf[o + 4]!, buf[o + 5]!, buf[o + 6]!)
    case 7:
      return fromCharCode(buf[o]!, buf[o + 1]!, buf[o + 2]!, buf[o + 3]!, buf[o + 4]!, buf[o + 5]!, buf[o + 6]!, buf[o + 7]!)
    case 8:
      return fromCharCode(buf[o]!, buf[o + 1]!, buf[o + 2]!, buf[o + 3]!, buf[o + 4]!, buf[o + 5]!, buf[o + 6]!, buf[o + 7]!, buf[o + 8]!)
    default:
      return Buffer.prototype.latin1Slice.call(buf, o, o + 1 + n) as string
  }
}

/** Bytes needed to encode keys[from, to). */
export function v4NlriLength(keys: readonly V4Key[], addPath: boolean, from = 0, to = keys.length): number {
  let n = 0
  for (let i = from; i < to; i++) n += 1 + (((keys[i]! % 64) + 7) >> 3)
  return n + (addPath ? 4 * (to - from) : 0)
}

export function v6NlriLength(keys: readonly V6Key[], addPath: boolean, from = 0, to = keys.length): number {
  let n = 0
  for (let i = from; i < to; i++) n += keys[i]!.length
  return n + (addPath ? 4 * (to - from) : 0)
}

/** Encoded size of one prefix (with path id when addPath). */
export function v4PrefixSize(k: V4Key, addPath: boolean): number {
  return 1 + (((k % 64) + 7) >> 3) + (addPath ? 4 : 0)
}
export function v6PrefixSize(k: V6Key, addPath: boolean): number {
  return k.length + (addPath ? 4 : 0)
}

function writeU32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v >>> 24
  buf[off + 1] = (v >>> 16) & 255
  buf[off + 2] = (v >>> 8) & 255
  buf[off + 3] = v & 255
}

/** Write keys[from, to) at buf[off]; returns the new offset. */
export function encodeV4Nlri(
  keys: readonly V4Key[],
  pathIds: readonly number[] | null,
  buf: Uint8Array,
  off: number,
  from = 0,
  to = keys.length,
): number {
  for (let i = from; i < to; i++) {
    if (pathIds !== null) {
      writeU32(buf, off, pathIds[i]!)
      off += 4
    }
    const k = keys[i]!
    const len = k % 64
    const a = (k - len) / 64
    buf[off++] = len
    const n = (len + 7) >> 3
    if (n > 0) buf[off++] = a >>> 24
    if (n > 1) buf[off++] = (a >>> 16) & 255
    if (n > 2) buf[off++] = (a >>> 8) & 255
    if (n > 3) buf[off++] = a & 255
  }
  return off
}

export function encodeV6Nlri(
  keys: readonly V6Key[],
  pathIds: readonly number[] | null,
  buf: Uint8Array,
  off: number,
  from = 0,
  to = keys.length,
): number {
  for (let i = from; i < to; i++) {
    if (pathIds !== null) {
      writeU32(buf, off, pathIds[i]!)
      off += 4
    }
    const k = keys[i]!
    for (let j = 0; j < k.length; j++) buf[off++] = k.charCodeAt(j)
  }
  return off
}

/** Text form of a list, for JSON: "p/len" or {prefix, pathId} with ADD-PATH. */
export function formatNlriList(l: NlriList): Array<string | { prefix: string; pathId: number }> {
  const out: Array<string | { prefix: string; pathId: number }> = new Array(l.keys.length)
  for (let i = 0; i < l.keys.length; i++) {
    const p = l.afi === 1 ? formatV4Key(l.keys[i]!) : formatV6Key(l.keys[i]!)
    out[i] = l.pathIds === null ? p : { prefix: p, pathId: l.pathIds[i]! }
  }
  return out
}

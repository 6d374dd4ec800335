/**
 * IP address text <-> bytes, for the edges of the codec (next hops, BGP Identifiers, JSON).
 * Hand-written because next hops are formatted once per UPDATE on the hot path; user input
 * (config, CLI) is validated with ip-address before it reaches here.
 */

export function ipv4ToString(buf: Uint8Array, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`
}

export function ipv4FromNumber(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`
}

/** Dotted quad to unsigned 32-bit number; NaN when the text is not a dotted quad. */
export function ipv4ToNumber(s: string): number {
  let v = 0
  let part = -1
  let dots = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 46) {
      if (part < 0 || dots === 3) return NaN
      v = v * 256 + part
      part = -1
      dots++
    } else if (c >= 48 && c <= 57) {
      part = part < 0 ? c - 48 : part * 10 + (c - 48)
      if (part > 255) return NaN
    } else return NaN
  }
  if (dots !== 3 || part < 0) return NaN
  return v * 256 + part
}

export function writeIpv4(s: string, buf: Uint8Array, off: number): number {
  const v = ipv4ToNumber(s)
  if (Number.isNaN(v)) throw new TypeError(`not an IPv4 address: ${s}`)
  buf[off] = v >>> 24
  buf[off + 1] = (v >>> 16) & 255
  buf[off + 2] = (v >>> 8) & 255
  buf[off + 3] = v & 255
  return off + 4
}

/** RFC 5952 canonical text of the 16 bytes at buf[off]. */
export function ipv6ToString(buf: Uint8Array, off: number): string {
  const w: number[] = new Array(8)
  for (let i = 0; i < 8; i++) w[i] = (buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!
  // IPv4-mapped ::ffff:a.b.c.d (RFC 5952 §5)
  if (w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff) {
    return `::ffff:${ipv4ToString(buf, off + 12)}`
  }
  // longest run of zero words, length >= 2, first one on ties (RFC 5952 §4.2)
  let bestStart = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && w[j] === 0) j++
    if (j - i > bestLen) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  let out = ''
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += i === 0 ? '::' : ':'
      i += bestLen - 1
      continue
    }
    out += w[i]!.toString(16)
    if (i < 7) out += ':'
  }
  return out
}

/** Parse IPv6 text (with optional embedded IPv4 tail) into 16 bytes; false when malformed. */
export function parseIpv6(s: string, out: Uint8Array, off = 0): boolean {
  const words: number[] = []
  let gap = -1
  let i = 0
  if (s.startsWith('::')) {
    gap = 0
    i = 2
    if (s.length === 2) {
      out.fill(0, off, off + 16)
      return true
    }
  }
  while (i < s.length) {
    let j = i
    while (j < s.length && s[j] !== ':') j++
    const part = s.slice(i, j)
    if (part.includes('.')) {
      if (j !== s.length) return false
      const v4 = ipv4ToNumber(part)
      if (Number.isNaN(v4)) return false
      words.push(v4 >>> 16, v4 & 0xffff)
    } else {
      if (part.length === 0 || part.length > 4 || !/^[0-9a-fA-F]+$/.test(part)) return false
      words.push(parseInt(part, 16))
    }
    if (j === s.length) break
    if (s[j + 1] === ':') {
      if (gap >= 0) return false
      gap = words.length
      i = j + 2
      if (i === s.length) break
    } else {
      i = j + 1
      if (i === s.length) return false
    }
  }
  if (gap < 0 ? words.length !== 8 : words.length > 7) return false
  const full = gap < 0 ? words : [...words.slice(0, gap), ...new Array(8 - words.length).fill(0), ...words.slice(gap)]
  for (let k = 0; k < 8; k++) {
    out[off + 2 * k] = full[k]! >>> 8
    out[off + 2 * k + 1] = full[k]! & 255
  }
  return true
}

export function writeIpv6(s: string, buf: Uint8Array, off: number): number {
  if (!parseIpv6(s, buf, off)) throw new TypeError(`not an IPv6 address: ${s}`)
  return off + 16
}

export function isIpv4(s: string): boolean {
  return !Number.isNaN(ipv4ToNumber(s))
}

/**
 * BGP-specific scalar values of the config file: AS numbers (asplain and RFC 5396 asdot),
 * addresses and prefixes (validated with ip-address), communities (RFC 1997, RFC 8092),
 * host:port endpoints and octal file modes. Each reports through the Reader and returns null
 * when the value is bad.
 */
import { Address4, Address6 } from 'ip-address'
import { isScalar } from 'yaml'
import { WellKnownCommunity } from '../../wire/iana.js'
import { describe, isAbsent, type Reader, type YNode } from './reader.js'
import type { Family, PrefixConfig } from './types.js'

/** RFC 6793 §9: AS_TRANS; RFC 7607: AS 0; RFC 7300: the last 2- and 4-octet ASNs are reserved. */
const RESERVED_AS: Record<number, string> = {
  0: 'AS 0 is reserved (RFC 7607)',
  23456: 'AS 23456 is AS_TRANS (RFC 6793), not a real AS',
  65535: 'AS 65535 is reserved (RFC 7300)',
  4294967295: 'AS 4294967295 is reserved (RFC 7300)',
}

/** asplain (65011, 4200000000) or asdot ("1.10" = 65546, RFC 5396). */
export function parseAsn(r: Reader, node: YNode, path: string): number | null {
  if (isAbsent(node)) return null
  const text = r.sourceText(node)
  if (text === null) {
    r.error(node, path, `must be an AS number (65001 or asdot 1.10), got ${describe(node)}`)
    return null
  }
  let asn: number
  const dot = /^(\d+)\.(\d+)$/.exec(text)
  if (dot !== null) {
    const hi = Number(dot[1])
    const lo = Number(dot[2])
    if (hi > 65535 || lo > 65535) {
      r.error(node, path, `asdot '${text}': each half must be 0..65535 (RFC 5396)`)
      return null
    }
    asn = hi * 65536 + lo
  } else if (/^\d+$/.test(text)) {
    asn = Number(text)
  } else {
    r.error(node, path, `must be an AS number (65001 or asdot 1.10), got '${text}'`)
    return null
  }
  if (asn > 4294967295) {
    r.error(node, path, `${text} is out of range 1..4294967294`)
    return null
  }
  const reserved = RESERVED_AS[asn]
  if (reserved !== undefined) {
    r.error(node, path, reserved)
    return null
  }
  return asn
}

/** A BGP Identifier: dotted quad, non-zero (RFC 6286 §2.1). */
export function parseRouterId(r: Reader, node: YNode, path: string): string | null {
  const a = parseAddress(r, node, path, 'ipv4')
  if (a === null) return null
  if (a.address === '0.0.0.0') {
    r.error(node, path, 'the BGP Identifier must be non-zero (RFC 6286 §2.1)')
    return null
  }
  return a.address
}

/** A host address without prefix length; canonical text (RFC 5952 for IPv6). */
export function parseAddress(r: Reader, node: YNode, path: string, only?: Family): { address: string; family: Family } | null {
  const s = r.str(node, path)
  if (s === null) return null
  const what = only === 'ipv4' ? 'an IPv4 address' : only === 'ipv6' ? 'an IPv6 address' : 'an IP address'
  if (s.includes('/')) {
    r.error(node, path, `must be ${what} without a prefix length, got '${s}'`)
    return null
  }
  const family: Family = s.includes(':') ? 'ipv6' : 'ipv4'
  if (only !== undefined && family !== only) {
    r.error(node, path, `must be ${what}, got '${s}'`)
    return null
  }
  try {
    if (family === 'ipv4') return { address: new Address4(s).correctForm(), family }
    const a = new Address6(s)
    const zone = a.zone === undefined || a.zone === '' ? '' : a.zone
    return { address: a.correctForm() + zone, family }
  } catch (e) {
    r.error(node, path, `'${s}' is not ${what}: ${(e as Error).message}`)
    return null
  }
}

/** Canonical text of an address, or null when it is not one (neighbor references by address). */
export function canonicalAddress(s: string): string | null {
  try {
    if (Address4.isValid(s) && !s.includes('/')) return new Address4(s).correctForm()
    if (Address6.isValid(s) && !s.includes('/')) return new Address6(s).correctForm()
  } catch {
    // not an address: the caller treats it as a description
  }
  return null
}

/** "198.51.100.53/32", "2001:db8::/32"; a bare address is a host prefix. Host bits must be clear. */
export function parsePrefix(r: Reader, node: YNode, path: string): PrefixConfig | null {
  const s = r.str(node, path)
  if (s === null) return null
  const family: Family = s.includes(':') ? 'ipv6' : 'ipv4'
  const max = family === 'ipv4' ? 32 : 128
  const text = s.includes('/') ? s : `${s}/${max}`
  const lenText = text.slice(text.indexOf('/') + 1)
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) {
    r.error(node, path, `'${s}': prefix length must be 0..${max}`)
    return null
  }
  try {
    const a = family === 'ipv4' ? new Address4(text) : new Address6(text)
    if (a instanceof Address6 && a.zone !== undefined && a.zone !== '') throw new Error('a prefix has no zone')
    const start = a.startAddress().correctForm()
    const len = a.subnetMask
    if (start !== a.correctForm()) {
      r.error(node, path, `'${s}' has host bits set (did you mean ${start}/${len}?)`)
      return null
    }
    return { prefix: `${start}/${len}`, family, length: len }
  } catch (e) {
    r.error(node, path, `'${s}' is not an IP prefix: ${(e as Error).message}`)
    return null
  }
}

/** True when one prefix contains the other (same family). */
export function prefixesOverlap(a: PrefixConfig, b: PrefixConfig): boolean {
  if (a.family !== b.family) return false
  const [outer, inner] = a.length <= b.length ? [a, b] : [b, a]
  if (outer.family === 'ipv4') return new Address4(inner.prefix.split('/')[0]!).isInSubnet(new Address4(outer.prefix))
  return new Address6(inner.prefix.split('/')[0]!).isInSubnet(new Address6(outer.prefix))
}

const COMMUNITY_NAMES: Record<string, number> = {
  'graceful-shutdown': WellKnownCommunity.GRACEFUL_SHUTDOWN,
  'accept-own': WellKnownCommunity.ACCEPT_OWN,
  blackhole: WellKnownCommunity.BLACKHOLE,
  'no-export': WellKnownCommunity.NO_EXPORT,
  'no-advertise': WellKnownCommunity.NO_ADVERTISE,
  'no-export-subconfed': WellKnownCommunity.NO_EXPORT_SUBCONFED,
  'no-peer': WellKnownCommunity.NOPEER,
}

/** RFC 1997 "asn:value" (each 0..65535) or a well-known name; the 32-bit value. */
export function parseCommunity(r: Reader, node: YNode, path: string): number | null {
  const s = r.str(node, path)
  if (s === null) return null
  const named = COMMUNITY_NAMES[s.toLowerCase()]
  if (named !== undefined) return named
  const m = /^(\d+):(\d+)$/.exec(s)
  if (m === null || Number(m[1]) > 65535 || Number(m[2]) > 65535) {
    r.error(node, path, `'${s}' is not a community (ASN:VALUE, each 0..65535, or ${Object.keys(COMMUNITY_NAMES).join(', ')})`)
    return null
  }
  return Number(m[1]) * 65536 + Number(m[2])
}

/** RFC 8092 "global:local1:local2", each 0..4294967295. */
export function parseLargeCommunity(r: Reader, node: YNode, path: string): [number, number, number] | null {
  const s = r.str(node, path)
  if (s === null) return null
  const m = /^(\d+):(\d+):(\d+)$/.exec(s)
  const parts = m === null ? [] : [Number(m[1]), Number(m[2]), Number(m[3])]
  if (m === null || parts.some((p) => p > 4294967295)) {
    r.error(node, path, `'${s}' is not a large community (GLOBAL:LOCAL1:LOCAL2, each 0..4294967295)`)
    return null
  }
  return parts as [number, number, number]
}

/** "127.0.0.1:9179", "[::1]:9179", "localhost:53"; defaultPort when the port is omitted. */
export function parseEndpoint(r: Reader, node: YNode, path: string, defaultPort: number | null): { host: string; port: number } | null {
  const s = r.str(node, path)
  if (s === null) return null
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s) ?? (s.includes('::') || s.split(':').length > 2 ? [s, s, undefined] : null)
  if (m === null) {
    r.error(node, path, `'${s}' is not HOST:PORT (IPv6 as [ADDR]:PORT)`)
    return null
  }
  const host = m[1]!
  const port = m[2] === undefined ? defaultPort : Number(m[2])
  if (port === null || port < 1 || port > 65535) {
    r.error(node, path, port === null ? `'${s}' needs a port (HOST:PORT)` : `port ${port} is out of range 1..65535`)
    return null
  }
  if (/^[\d.]+$/.test(host) && !Address4.isValid(host)) {
    r.error(node, path, `'${host}' is not an IPv4 address`)
    return null
  }
  if (host.includes(':') && !Address6.isValid(host)) {
    r.error(node, path, `'${host}' is not an IPv6 address`)
    return null
  }
  return { host, port }
}

/** File mode as octal digits as written: "0600", 0600, 600, 0o600 (read from the source text, since YAML reads 0600 as decimal 600). */
export function parseMode(r: Reader, node: YNode, path: string): number | null {
  if (isAbsent(node)) return null
  const text = isScalar(node) ? r.sourceText(node) : null
  const m = text === null ? null : /^(?:0o|0)?([0-7]{3,4})$/.exec(text)
  if (m === null) {
    r.error(node, path, `must be an octal file mode like "0600", got ${describe(node)}`)
    return null
  }
  return parseInt(m[1]!, 8)
}

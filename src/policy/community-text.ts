/**
 * Community text for policies, parsed once at compile time into the numbers the codec keeps
 * (src/wire/types.ts PathAttributes), so a compiled policy compares numbers per route, never text
 * (STYLE.md anti-pattern: gobgp matched communities with Sprintf + regexp per route, osrg/gobgp#2099).
 *
 *   RFC 1997 community     "65000:1", a 32-bit number, or a well-known name ("graceful-shutdown", "no-export", ...)
 *   RFC 8092 large         "65000:1:0" (Global Administrator : Local Data Part 1 : Local Data Part 2)
 *   RFC 4360 extended      "target:65000:100", "origin:192.0.2.1:7", "target:4200000000:7", or 16 hex digits
 *   patterns (match, remove)  "65000:*", "*:666", "65000:*:*"  - '*' is any value of that field
 *
 * Formatting reuses src/wire/attrs (formatCommunity, formatExtendedCommunity); parsing here is their inverse.
 */
import { ipv4ToNumber } from '../wire/address.js'
import { formatCommunity } from '../wire/attrs/communities.js'
import { formatExtendedCommunity } from '../wire/attrs/extended-communities.js'
import { WellKnownCommunity } from '../wire/iana.js'

export { formatCommunity, formatExtendedCommunity }

/** Well-known community names, derived from iana.ts (GRACEFUL_SHUTDOWN -> "graceful-shutdown"). */
export const WELL_KNOWN_COMMUNITY_NAMES: ReadonlyMap<string, number> = new Map(
  Object.entries(WellKnownCommunity).map(([k, v]) => [k.toLowerCase().replace(/_/g, '-'), v]),
)
const NAME_OF: ReadonlyMap<number, string> = new Map([...WELL_KNOWN_COMMUNITY_NAMES].map(([k, v]) => [v, k]))

/** "graceful-shutdown" for 65535:0, undefined for communities without a well-known name. */
export function communityName(c: number): string | undefined {
  return NAME_OF.get(c)
}

/** Names are accepted as "no-export", "NO_EXPORT", "No-Export". */
function wellKnown(s: string): number | undefined {
  return WELL_KNOWN_COMMUNITY_NAMES.get(s.toLowerCase().replace(/_/g, '-'))
}

const U32_MAX = 0xffffffff

/** A decimal integer in [0, max], or NaN. */
function dec(s: string, max: number): number {
  if (s.length === 0 || s.length > 10) return NaN
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) return NaN
  }
  const n = Number(s)
  return n <= max ? n : NaN
}

function isU32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= U32_MAX
}

/** RFC 1997: "asn:value" (16 bits each), a 32-bit number, or a well-known name; null when malformed. */
export function parseCommunity(x: string | number): number | null {
  if (typeof x === 'number') return isU32(x) ? x : null
  const s = x.trim()
  const named = wellKnown(s)
  if (named !== undefined) return named
  const colon = s.indexOf(':')
  if (colon < 0) {
    const n = dec(s, U32_MAX)
    return Number.isNaN(n) ? null : n
  }
  const hi = dec(s.slice(0, colon), 0xffff)
  const lo = dec(s.slice(colon + 1), 0xffff)
  return Number.isNaN(hi) || Number.isNaN(lo) ? null : hi * 65536 + lo
}

/** A community test: (c & mask) === value, both unsigned. An exact community has mask 0xffffffff. */
export interface CommunityPattern {
  readonly mask: number
  readonly value: number
}

/** A community or a pattern with '*' for either half ("65000:*", "*:666"); null when malformed. */
export function parseCommunityPattern(x: string | number): CommunityPattern | null {
  if (typeof x === 'string' && x.includes('*')) {
    const s = x.trim()
    const colon = s.indexOf(':')
    if (colon < 0) return s === '*' ? { mask: 0, value: 0 } : null
    const a = s.slice(0, colon)
    const b = s.slice(colon + 1)
    const hi = a === '*' ? -1 : dec(a, 0xffff)
    const lo = b === '*' ? -1 : dec(b, 0xffff)
    if (Number.isNaN(hi) || Number.isNaN(lo)) return null
    const mask = (hi < 0 ? 0 : 0xffff0000) + (lo < 0 ? 0 : 0xffff)
    return { mask, value: (hi < 0 ? 0 : hi * 65536) + (lo < 0 ? 0 : lo) }
  }
  const c = parseCommunity(x)
  return c === null ? null : { mask: U32_MAX, value: c }
}

export function communityMatches(c: number, p: CommunityPattern): boolean {
  return ((c & p.mask) >>> 0) === p.value
}

/** RFC 8092 §3: three unsigned 32-bit numbers. */
export type LargeCommunity = readonly [number, number, number]

/** "65000:1:0" or [65000, 1, 0]; null when malformed. */
export function parseLargeCommunity(x: string | readonly number[]): LargeCommunity | null {
  if (typeof x !== 'string') {
    return x.length === 3 && isU32(x[0]!) && isU32(x[1]!) && isU32(x[2]!) ? [x[0]!, x[1]!, x[2]!] : null
  }
  const parts = x.trim().split(':')
  if (parts.length !== 3) return null
  const g = dec(parts[0]!, U32_MAX)
  const l1 = dec(parts[1]!, U32_MAX)
  const l2 = dec(parts[2]!, U32_MAX)
  return Number.isNaN(g) || Number.isNaN(l1) || Number.isNaN(l2) ? null : [g, l1, l2]
}

/** A large community test; -1 in a field means any value. */
export type LargeCommunityPattern = readonly [number, number, number]

export function parseLargeCommunityPattern(x: string | readonly number[]): LargeCommunityPattern | null {
  if (typeof x !== 'string' || !x.includes('*')) return parseLargeCommunity(x)
  const parts = x.trim().split(':')
  if (parts.length !== 3) return null
  const f = parts.map((p) => (p === '*' ? -1 : dec(p, U32_MAX)))
  return f.some(Number.isNaN) ? null : [f[0]!, f[1]!, f[2]!]
}

/** Whether the triple at flat[i..i+2] matches p. */
export function largeCommunityMatches(flat: readonly number[], i: number, p: LargeCommunityPattern): boolean {
  return (p[0] < 0 || flat[i] === p[0]) && (p[1] < 0 || flat[i + 1] === p[1]) && (p[2] < 0 || flat[i + 2] === p[2])
}

export function formatLargeCommunity(g: number, l1: number, l2: number): string {
  return `${g}:${l1}:${l2}`
}

const HEX16 = /^[0-9a-fA-F]{16}$/

function hex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0')
}

/**
 * RFC 4360 §3 / RFC 5668 §2 route target ("target", subtype 0x02) and route origin ("origin", subtype 0x03),
 * the inverse of formatExtendedCommunity:
 *   target:<2-octet AS>:<32-bit>     type 0x00 (Two-Octet AS Specific)
 *   target:<IPv4>:<16-bit>           type 0x01 (IPv4 Address Specific)
 *   target:<4-octet AS>:<16-bit>     type 0x02 (Four-Octet AS Specific), chosen when the AS does not fit 16 bits
 * or the 8 octets as 16 hex digits. Returns lowercase hex (the codec's form), null when malformed.
 */
export function parseExtendedCommunity(x: string): string | null {
  const s = x.trim()
  if (HEX16.test(s)) return s.toLowerCase()
  const parts = s.split(':')
  if (parts.length !== 3) return null
  const sub = parts[0]!.toLowerCase() === 'target' ? '02' : parts[0]!.toLowerCase() === 'origin' ? '03' : null
  if (sub === null) return null
  const admin = parts[1]!
  if (admin.includes('.')) {
    const ip = ipv4ToNumber(admin)
    const local = dec(parts[2]!, 0xffff)
    if (Number.isNaN(ip) || Number.isNaN(local)) return null
    return '01' + sub + hex(ip, 8) + hex(local, 4)
  }
  const asn = dec(admin, U32_MAX)
  if (Number.isNaN(asn)) return null
  if (asn <= 0xffff) {
    const local = dec(parts[2]!, U32_MAX)
    return Number.isNaN(local) ? null : '00' + sub + hex(asn, 4) + hex(local, 8)
  }
  const local = dec(parts[2]!, 0xffff)
  return Number.isNaN(local) ? null : '02' + sub + hex(asn, 8) + hex(local, 4)
}

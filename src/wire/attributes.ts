/**
 * The Path Attributes field of an UPDATE, RFC 4271 §4.3, with RFC 7606 error handling.
 *
 *   +-----------------+-----------------+------------------------+-----------------+
 *   | Attr. Flags (1) | Attr. Type (1)  | Length (1, or 2 if E)  | Value (Length)  |  ... repeated
 *   +-----------------+-----------------+------------------------+-----------------+
 *   Flags: O (0x80) optional, T (0x40) transitive, P (0x20) partial, E (0x10) extended length
 *
 * One table row per modeled attribute: its expected O/T bits, its RFC 7606 §7 outcome when
 * malformed, and its codec (./attrs/*.ts). Attribute codecs throw a BgpError with the RFC 4271 §6.3
 * subcode; this file turns it into an AttrError (collected) or rethrows it with the attribute as
 * NOTIFICATION data when the outcome is a session reset.
 *
 * Byte-exactness: PathAttributes.wire is set only when the order or the flags differ from the
 * canonical encoding (ascending type code, defined O/T bits, E only when the value exceeds 255).
 */
import type { WireContext } from './context.js'
import type { AttrError, AttrErrorAction } from './errors.js'
import { BgpError } from './errors.js'
import { AttrFlag, AttrType, ErrorCode, UpdateSubcode } from './iana.js'
import type { PathAttributes, UnknownAttribute } from './types.js'
import { aggregatorLength, as4AggregatorLength, decodeAggregator, decodeAs4Aggregator, encodeAggregator, encodeAs4Aggregator } from './attrs/aggregator.js'
import { as4PathLength, asPathLength, decodeAs4Path, decodeAsPath, encodeAs4Path, encodeAsPath } from './attrs/as-path.js'
import { atomicAggregateLength, decodeAtomicAggregate, encodeAtomicAggregate } from './attrs/atomic-aggregate.js'
import { clusterListLength, decodeClusterList, encodeClusterList } from './attrs/cluster-list.js'
import { communitiesLength, decodeCommunities, encodeCommunities } from './attrs/communities.js'
import { decodeExtendedCommunities, encodeExtendedCommunities, extendedCommunitiesLength } from './attrs/extended-communities.js'
import { decodeLargeCommunities, encodeLargeCommunities, largeCommunitiesLength } from './attrs/large-communities.js'
import { decodeLocalPref, encodeLocalPref, localPrefLength } from './attrs/local-pref.js'
import { decodeMed, encodeMed, medLength } from './attrs/med.js'
import { decodeMpReach, decodeMpReachMrt, encodeMpReach, mpReachLength } from './attrs/mp-reach.js'
import { decodeMpUnreach, encodeMpUnreach, mpUnreachLength } from './attrs/mp-unreach.js'
import { decodeNextHop, encodeNextHop, nextHopLength } from './attrs/next-hop.js'
import { decodeOrigin, encodeOrigin, originLength } from './attrs/origin.js'
import { decodeOriginatorId, encodeOriginatorId, originatorIdLength } from './attrs/originator-id.js'
import { decodeOtc, encodeOtc, otcLength } from './attrs/otc.js'
import { decodeUnknown } from './attrs/unknown.js'

type Key = Exclude<keyof PathAttributes, 'unknown' | 'wire'>
type Val<K extends Key> = NonNullable<PathAttributes[K]>

interface AttrSpec {
  code: number
  key: Key
  /** The O and T bits the attribute is defined with (RFC 4271 §5, and each attribute's RFC). */
  flags: number
  /** RFC 7606 §7 (and RFC 6793 §6, RFC 8092 §5, RFC 9234 §5): what a malformed value means. */
  onError: AttrErrorAction
  length(v: unknown, ctx: WireContext): number
  encode(v: unknown, buf: Buffer, off: number, ctx: WireContext): number
  decode(buf: Buffer, off: number, end: number, ctx: WireContext): unknown
}

function spec<K extends Key>(
  code: number,
  key: K,
  flags: number,
  onError: AttrErrorAction,
  length: (v: Val<K>, ctx: WireContext) => number,
  encode: (v: Val<K>, buf: Buffer, off: number, ctx: WireContext) => number,
  decode: (buf: Buffer, off: number, end: number, ctx: WireContext) => Val<K>,
): AttrSpec {
  return { code, key, flags, onError, length: length as AttrSpec['length'], encode: encode as AttrSpec['encode'], decode }
}

const WK = AttrFlag.TRANSITIVE // well-known: O=0, T=1
const ONT = AttrFlag.OPTIONAL // optional non-transitive
const OT = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE // optional transitive

/** Sorted by type code: the canonical order. */
const SPECS: readonly AttrSpec[] = [
  spec(AttrType.ORIGIN, 'origin', WK, 'withdraw', originLength, encodeOrigin, decodeOrigin), // RFC 7606 §7.1
  spec(AttrType.AS_PATH, 'asPath', WK, 'withdraw', asPathLength, encodeAsPath, decodeAsPath), // §7.2
  spec(AttrType.NEXT_HOP, 'nextHop', WK, 'withdraw', nextHopLength, encodeNextHop, decodeNextHop), // §7.3
  spec(AttrType.MULTI_EXIT_DISC, 'med', ONT, 'withdraw', medLength, encodeMed, decodeMed), // §7.4
  spec(AttrType.LOCAL_PREF, 'localPref', WK, 'withdraw', localPrefLength, encodeLocalPref, decodeLocalPref), // §7.5
  spec(AttrType.ATOMIC_AGGREGATE, 'atomicAggregate', WK, 'discard', atomicAggregateLength, encodeAtomicAggregate, decodeAtomicAggregate), // §7.6
  spec(AttrType.AGGREGATOR, 'aggregator', OT, 'discard', aggregatorLength, encodeAggregator, decodeAggregator), // §7.7
  spec(AttrType.COMMUNITIES, 'communities', OT, 'withdraw', communitiesLength, encodeCommunities, decodeCommunities), // §7.8
  spec(AttrType.ORIGINATOR_ID, 'originatorId', ONT, 'withdraw', originatorIdLength, encodeOriginatorId, decodeOriginatorId), // §7.9
  spec(AttrType.CLUSTER_LIST, 'clusterList', ONT, 'withdraw', clusterListLength, encodeClusterList, decodeClusterList), // §7.10
  spec(AttrType.MP_REACH_NLRI, 'mpReach', ONT, 'reset', mpReachLength, encodeMpReach, decodeMpReach), // §7.11 -> §5.3
  spec(AttrType.MP_UNREACH_NLRI, 'mpUnreach', ONT, 'reset', mpUnreachLength, encodeMpUnreach, decodeMpUnreach), // §7.12 -> §5.3
  spec(AttrType.EXTENDED_COMMUNITIES, 'extendedCommunities', OT, 'withdraw', extendedCommunitiesLength, encodeExtendedCommunities, decodeExtendedCommunities), // §7.14
  spec(AttrType.AS4_PATH, 'as4Path', OT, 'discard', as4PathLength, encodeAs4Path, decodeAs4Path), // RFC 6793 §6
  spec(AttrType.AS4_AGGREGATOR, 'as4Aggregator', OT, 'discard', as4AggregatorLength, encodeAs4Aggregator, decodeAs4Aggregator), // RFC 6793 §6
  spec(AttrType.LARGE_COMMUNITY, 'largeCommunities', OT, 'withdraw', largeCommunitiesLength, encodeLargeCommunities, decodeLargeCommunities), // RFC 8092 §5
  spec(AttrType.OTC, 'otc', OT, 'withdraw', otcLength, encodeOtc, decodeOtc), // RFC 9234 §5
]

const BY_CODE: Array<AttrSpec | undefined> = new Array(256)
for (const s of SPECS) BY_CODE[s.code] = s

/** True for the attribute types this codec models (the rest are kept as UnknownAttribute). */
export function isModeledAttribute(code: number): boolean {
  return BY_CODE[code] !== undefined
}

// Duplicate detection without a per-UPDATE allocation: a slot holds the pass that last saw the code.
const seen = new Uint32Array(256)
let pass = 0
function nextPass(): number {
  pass = (pass + 1) >>> 0
  if (pass === 0) {
    seen.fill(0)
    pass = 1
  }
  return pass
}

function present(v: unknown): boolean {
  return v !== undefined && v !== false
}

function canonicalFlags(definedFlags: number, len: number): number {
  return definedFlags | (len > 255 ? AttrFlag.EXTENDED_LENGTH : 0)
}

/** RFC 4271 §6.3: the Data field carries "the erroneous attribute (type, length, and value)" for these subcodes. */
function dataFor(subcode: number, buf: Buffer, start: number, end: number): Buffer | undefined {
  switch (subcode) {
    case UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE:
    case UpdateSubcode.ATTRIBUTE_FLAGS_ERROR:
    case UpdateSubcode.ATTRIBUTE_LENGTH_ERROR:
    case UpdateSubcode.INVALID_ORIGIN_ATTRIBUTE:
    case UpdateSubcode.INVALID_NEXT_HOP_ATTRIBUTE:
    case UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR:
      return buf.subarray(start, end)
    default:
      return undefined
  }
}

export interface DecodedPathAttributes {
  attributes: PathAttributes
  errors?: AttrError[]
}

/**
 * Decode the Path Attributes field buf[off, end). RFC 7606 outcomes other than session reset are
 * returned in `errors`; a session reset is thrown as BgpError.
 * opts.mrt: MP_REACH_NLRI may use the RFC 6396 §4.3.4 abbreviated form.
 */
export function decodePathAttributes(
  buf: Buffer,
  off: number,
  end: number,
  ctx: WireContext,
  opts?: { mrt?: boolean },
): DecodedPathAttributes {
  const attributes: PathAttributes = {}
  const target = attributes as Record<string, unknown>
  let errors: AttrError[] | undefined
  const wire: Array<{ code: number; flags: number }> = []
  let canonical = true
  let lastCode = -1
  const stamp = nextPass()
  const mrt = opts?.mrt === true

  const report = (action: AttrErrorAction, attrType: number, subcode: number, reason: string, offset: number): void => {
    ;(errors ??= []).push({ action, attrType, subcode, reason, offset })
  }

  while (off < end) {
    const start = off
    // RFC 7606 §4: "fewer than three octets remain (or fewer than four octets, if the Attribute Flags field
    // has the Extended Length bit set) when beginning to parse the attribute" -> treat-as-withdraw.
    const flags = buf[off]!
    const ext = (flags & AttrFlag.EXTENDED_LENGTH) !== 0
    if (end - off < (ext ? 4 : 3)) {
      report('withdraw', end - off >= 2 ? buf[off + 1]! : 0, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, 'truncated attribute header', off)
      break
    }
    const code = buf[off + 1]!
    const len = ext ? (buf[off + 2]! << 8) | buf[off + 3]! : buf[off + 2]!
    const vStart = off + (ext ? 4 : 3)
    const vEnd = vStart + len
    if (vEnd > end) {
      // RFC 7606 §4: "the length of the last encountered path attribute would cause the Total Attribute Length
      // to be exceeded" -> treat-as-withdraw. The prefixes of an overrunning MP_(UN)REACH_NLRI cannot be
      // found, so "the procedures of [RFC4271] and/or [RFC4760] continue to apply" (session reset).
      if (code === AttrType.MP_REACH_NLRI || code === AttrType.MP_UNREACH_NLRI) {
        throw new BgpError(
          ErrorCode.UPDATE_MESSAGE,
          UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
          `attribute ${code} overruns the path attributes`,
          buf.subarray(start, end),
          start,
        )
      }
      report('withdraw', code, UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, `attribute ${code} length ${len} overruns the path attributes`, start)
      break
    }
    off = vEnd

    if (seen[code] === stamp) {
      // RFC 7606 §3 (g): "If the MP_REACH_NLRI attribute or the MP_UNREACH_NLRI attribute appears more than once in
      // the UPDATE message, then a NOTIFICATION message MUST be sent with the Error Subcode "Malformed Attribute List"."
      if (code === AttrType.MP_REACH_NLRI || code === AttrType.MP_UNREACH_NLRI) {
        throw new BgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `duplicate attribute ${code}`, undefined, start)
      }
      // "If any other attribute ... appears more than once ..., then all the occurrences of the attribute other than
      // the first one SHALL be discarded and the UPDATE message will continue to be processed."
      report('discard', code, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `duplicate attribute ${code}`, start)
      continue
    }
    seen[code] = stamp
    wire.push({ code, flags })
    if (code < lastCode) canonical = false
    lastCode = code

    const s = BY_CODE[code]
    if (s === undefined) {
      // RFC 4271 §6.3: "If any of the well-known mandatory attributes are not recognized, then the Error Subcode
      // MUST be set to Unrecognized Well-known Attribute. The Data field MUST contain the unrecognized attribute"
      if ((flags & AttrFlag.OPTIONAL) === 0) {
        throw new BgpError(
          ErrorCode.UPDATE_MESSAGE,
          UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE,
          `unrecognized well-known attribute ${code}`,
          buf.subarray(start, vEnd),
          start,
        )
      }
      ;(attributes.unknown ??= []).push(decodeUnknown(buf, vStart, vEnd, code, flags))
      if ((flags & AttrFlag.EXTENDED_LENGTH) !== (len > 255 ? AttrFlag.EXTENDED_LENGTH : 0)) canonical = false
      continue
    }

    if ((flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE)) !== s.flags) {
      // RFC 7606 §3 (c): "If the value of either the Optional or Transitive bits in the Attribute Flags is in
      // conflict with their specified values, then the attribute MUST be treated as malformed and the
      // "treat-as-withdraw" approach used". The value is still decoded so MP_REACH_NLRI prefixes can be withdrawn.
      report('withdraw', code, UpdateSubcode.ATTRIBUTE_FLAGS_ERROR, `attribute ${code}: flags 0x${flags.toString(16)} conflict with its type`, start)
    }
    if (flags !== canonicalFlags(s.flags, len)) canonical = false
    try {
      target[s.key] = mrt && code === AttrType.MP_REACH_NLRI ? decodeMpReachMrt(buf, vStart, vEnd, ctx) : s.decode(buf, vStart, vEnd, ctx)
    } catch (e) {
      if (!(e instanceof BgpError)) throw e
      if (s.onError === 'reset') {
        throw new BgpError(e.code, e.subcode, e.message, dataFor(e.subcode, buf, start, vEnd), e.offset ?? start)
      }
      report(s.onError, code, e.subcode, e.message, e.offset ?? start)
    }
  }

  if (!canonical) attributes.wire = wire
  return errors === undefined ? { attributes } : { attributes, errors }
}

interface Slot {
  code: number
  /** flags to write, or -1 for the canonical flags */
  flags: number
  spec: AttrSpec | undefined
  unknown: UnknownAttribute | undefined
}

const emitted = new Uint32Array(256)
let emitPass = 0

/** The attributes of `a` in the order they are written: `a.wire` first, then the rest by type code. */
function layout(a: PathAttributes): Slot[] {
  emitPass = (emitPass + 1) >>> 0
  if (emitPass === 0) {
    emitted.fill(0)
    emitPass = 1
  }
  const p = emitPass
  const slots: Slot[] = []
  const rec = a as Record<string, unknown>
  const unknownOf = (code: number): UnknownAttribute | undefined => a.unknown?.find((u) => u.code === code)
  if (a.wire) {
    for (const w of a.wire) {
      if (emitted[w.code] === p) continue
      const s = BY_CODE[w.code]
      if (s !== undefined) {
        if (!present(rec[s.key])) continue
        slots.push({ code: w.code, flags: w.flags, spec: s, unknown: undefined })
      } else {
        const u = unknownOf(w.code)
        if (u === undefined) continue
        slots.push({ code: w.code, flags: w.flags, spec: undefined, unknown: u })
      }
      emitted[w.code] = p
    }
  }
  const unknowns = a.unknown ? [...a.unknown].sort((x, y) => x.code - y.code) : []
  let ui = 0
  for (const s of SPECS) {
    while (ui < unknowns.length && unknowns[ui]!.code < s.code) pushUnknown(unknowns[ui++]!)
    if (emitted[s.code] !== p && present(rec[s.key])) {
      slots.push({ code: s.code, flags: -1, spec: s, unknown: undefined })
      emitted[s.code] = p
    }
  }
  while (ui < unknowns.length) pushUnknown(unknowns[ui++]!)
  return slots

  function pushUnknown(u: UnknownAttribute): void {
    if (emitted[u.code] === p || BY_CODE[u.code] !== undefined) return
    slots.push({ code: u.code, flags: -1, spec: undefined, unknown: u })
    emitted[u.code] = p
  }
}

function valueLength(slot: Slot, a: PathAttributes, ctx: WireContext): number {
  return slot.spec ? slot.spec.length((a as Record<string, unknown>)[slot.spec.key], ctx) : slot.unknown!.data.length
}

function slotFlags(slot: Slot, len: number): number {
  const E = AttrFlag.EXTENDED_LENGTH
  if (slot.flags >= 0) return len > 255 ? slot.flags | E : slot.flags
  if (slot.spec) return canonicalFlags(slot.spec.flags, len)
  return (slot.unknown!.flags & ~E) | (len > 255 ? E : 0)
}

export function pathAttributesLength(a: PathAttributes, ctx: WireContext): number {
  let n = 0
  for (const slot of layout(a)) {
    const len = valueLength(slot, a, ctx)
    n += (slotFlags(slot, len) & AttrFlag.EXTENDED_LENGTH ? 4 : 3) + len
  }
  return n
}

export function encodePathAttributes(a: PathAttributes, buf: Buffer, off: number, ctx: WireContext): number {
  const rec = a as Record<string, unknown>
  for (const slot of layout(a)) {
    const len = valueLength(slot, a, ctx)
    if (len > 0xffff) throw new TypeError(`attribute ${slot.code} is longer than 65535 octets`)
    const flags = slotFlags(slot, len)
    buf[off] = flags
    buf[off + 1] = slot.code
    if (flags & AttrFlag.EXTENDED_LENGTH) {
      buf[off + 2] = len >>> 8
      buf[off + 3] = len & 255
      off += 4
    } else {
      buf[off + 2] = len
      off += 3
    }
    off = slot.spec ? slot.spec.encode(rec[slot.spec.key], buf, off, ctx) : off + slot.unknown!.data.copy(buf, off)
  }
  return off
}

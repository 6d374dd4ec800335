/**
 * UPDATE packing: one attribute set, many prefixes -> the fewest complete UPDATE messages
 * (RFC 4271 §4.1 header included), each at most ctx.maxMessageLength octets (4096, or 65535 with
 * RFC 8654 Extended Message).
 *
 *   IPv4 unicast:  | header 19 | WRL 2 | Withdrawn | TPAL 2 | attributes | NLRI |
 *   other families:| header 19 | 0000  | TPAL 2 | MP_REACH_NLRI (prefixes) | attributes |
 *   withdrawals:   | header 19 | 0000  | TPAL 2 | MP_UNREACH_NLRI (prefixes) |  (no other attribute)
 *
 * RFC 7606 §5.1: "The MP_REACH_NLRI or MP_UNREACH_NLRI attribute (if present) SHALL be encoded as the
 * very first path attribute in an UPDATE message", so the per-message MP attribute is written first
 * (always with the Extended Length bit: its size is only known once the prefixes are chosen); and an
 * UPDATE carries only one of non-empty Withdrawn Routes, NLRI, MP_REACH_NLRI, MP_UNREACH_NLRI, so
 * withdrawals and announcements go in separate messages.
 * RFC 4760 §3: an UPDATE whose only NLRI is in MP_REACH_NLRI "SHOULD NOT carry the NEXT_HOP attribute".
 *
 * Hot path: the attribute block is encoded once and copied; each message is one Buffer.allocUnsafe
 * of its exact size; prefix sizes come from v4PrefixSize/v6PrefixSize; no per-prefix allocation.
 */
import { encodePathAttributes, pathAttributesLength } from './attributes.js'
import { encodeMpNextHop, mpNextHopLength } from './attrs/mp-reach.js'
import type { WireContext } from './context.js'
import { hasAddPath } from './context.js'
import { AttrFlag, AttrType, HEADER_LENGTH, MARKER_LENGTH, MessageType } from './iana.js'
import type { NlriList } from './prefix.js'
import { encodeV4Nlri, encodeV6Nlri, v4PrefixSize, v6PrefixSize } from './prefix.js'
import type { MpReach, PathAttributes } from './types.js'

export interface PackInput {
  attributes: PathAttributes
  announce?: NlriList
  withdraw?: NlriList
}

/** Octets of the MP attribute header we write: flags, type, 2-octet length. */
const MP_HEADER = 4

function startMessage(total: number): Buffer {
  const m = Buffer.allocUnsafe(total)
  m.fill(0xff, 0, MARKER_LENGTH)
  m[16] = total >>> 8
  m[17] = total & 255
  m[18] = MessageType.UPDATE
  return m
}

/** Index one past the last prefix of keys[from..] whose sizes fit in `room` octets. */
function fit(l: NlriList, addPath: boolean, from: number, room: number): number {
  let i = from
  let used = 0
  if (l.afi === 1) {
    const keys = l.keys
    for (; i < keys.length; i++) {
      const s = v4PrefixSize(keys[i]!, addPath)
      if (used + s > room) break
      used += s
    }
  } else {
    const keys = l.keys
    for (; i < keys.length; i++) {
      const s = v6PrefixSize(keys[i]!, addPath)
      if (used + s > room) break
      used += s
    }
  }
  if (i === from) throw new RangeError(`no room for a prefix in a ${room}-octet NLRI space: attributes too large for the message size`)
  return i
}

function rangeBytes(l: NlriList, addPath: boolean, from: number, to: number): number {
  let n = addPath ? 4 * (to - from) : 0
  if (l.afi === 1) for (let i = from; i < to; i++) n += 1 + (((l.keys[i]! % 64) + 7) >> 3)
  else for (let i = from; i < to; i++) n += l.keys[i]!.length
  return n
}

function encodeRange(l: NlriList, addPath: boolean, buf: Buffer, off: number, from: number, to: number): number {
  if (!addPath || l.pathIds !== null) {
    const ids = addPath ? l.pathIds : null
    return l.afi === 1 ? encodeV4Nlri(l.keys, ids, buf, off, from, to) : encodeV6Nlri(l.keys, ids, buf, off, from, to)
  }
  for (let i = from; i < to; i++) {
    buf.fill(0, off, off + 4) // ADD-PATH without identifiers: Path Identifier 0
    off = l.afi === 1 ? encodeV4Nlri(l.keys, null, buf, off + 4, i, i + 1) : encodeV6Nlri(l.keys, null, buf, off + 4, i, i + 1)
  }
  return off
}

function attributeBlock(a: PathAttributes, ctx: WireContext): Buffer {
  const b = Buffer.allocUnsafe(pathAttributesLength(a, ctx))
  encodePathAttributes(a, b, 0, ctx)
  return b
}

function safiFor(afi: number, a: PathAttributes): number {
  if (a.mpUnreach !== undefined && a.mpUnreach.afi === afi) return a.mpUnreach.safi
  if (a.mpReach !== undefined && a.mpReach.afi === afi) return a.mpReach.safi
  return 1
}

/** Build the UPDATE messages announcing `announce` and withdrawing `withdraw` with `attributes`. */
export function packUpdates(input: PackInput, ctx: WireContext): Buffer[] {
  const out: Buffer[] = []
  const { attributes, announce, withdraw } = input
  if (withdraw !== undefined && withdraw.keys.length > 0) {
    const safi = safiFor(withdraw.afi, attributes)
    if (withdraw.afi === 1 && safi === 1) packClassicWithdraw(withdraw, ctx, out)
    else packMpUnreach(withdraw, safi, ctx, out)
  }
  if (announce !== undefined && announce.keys.length > 0) {
    const mp = attributes.mpReach
    if (mp !== undefined && mp.afi === announce.afi) {
      const rest: PathAttributes = { ...attributes, mpReach: undefined, mpUnreach: undefined, nextHop: undefined }
      packMpReach(announce, mp, attributeBlock(rest, ctx), ctx, out)
    } else if (announce.afi === 1) {
      const rest: PathAttributes = { ...attributes, mpReach: undefined, mpUnreach: undefined }
      packClassic(announce, attributeBlock(rest, ctx), ctx, out)
    } else {
      throw new TypeError('announcing IPv6 prefixes needs attributes.mpReach (AFI/SAFI and next hop)')
    }
  }
  return out
}

function packClassicWithdraw(l: NlriList, ctx: WireContext, out: Buffer[]): void {
  const addPath = hasAddPath(ctx, 1, 1)
  const room = ctx.maxMessageLength - HEADER_LENGTH - 4
  for (let from = 0; from < l.keys.length; ) {
    const to = fit(l, addPath, from, room)
    const w = rangeBytes(l, addPath, from, to)
    const m = startMessage(HEADER_LENGTH + 4 + w)
    m[19] = w >>> 8
    m[20] = w & 255
    const off = encodeRange(l, addPath, m, 21, from, to)
    m[off] = 0
    m[off + 1] = 0
    out.push(m)
    from = to
  }
}

function packClassic(l: NlriList, block: Buffer, ctx: WireContext, out: Buffer[]): void {
  const addPath = hasAddPath(ctx, 1, 1)
  const fixed = HEADER_LENGTH + 4 + block.length
  const room = ctx.maxMessageLength - fixed
  for (let from = 0; from < l.keys.length; ) {
    const to = fit(l, addPath, from, room)
    const m = startMessage(fixed + rangeBytes(l, addPath, from, to))
    m[19] = 0
    m[20] = 0
    m[21] = block.length >>> 8
    m[22] = block.length & 255
    block.copy(m, 23)
    encodeRange(l, addPath, m, 23 + block.length, from, to)
    out.push(m)
    from = to
  }
}

function packMpReach(l: NlriList, mp: MpReach, block: Buffer, ctx: WireContext, out: Buffer[]): void {
  const addPath = hasAddPath(ctx, mp.afi, mp.safi)
  // MP_REACH_NLRI value before the NLRI: AFI 2, SAFI 1, next hop length + next hop, Reserved 1.
  const head = 3 + mpNextHopLength(mp) + 1
  const fixed = HEADER_LENGTH + 4 + MP_HEADER + head + block.length
  const room = ctx.maxMessageLength - fixed
  for (let from = 0; from < l.keys.length; ) {
    const to = fit(l, addPath, from, room)
    const nlri = rangeBytes(l, addPath, from, to)
    const total = fixed + nlri
    const m = startMessage(total)
    m[19] = 0
    m[20] = 0
    const tpal = total - HEADER_LENGTH - 4
    m[21] = tpal >>> 8
    m[22] = tpal & 255
    const vlen = head + nlri
    m[23] = AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH
    m[24] = AttrType.MP_REACH_NLRI
    m[25] = vlen >>> 8
    m[26] = vlen & 255
    m[27] = mp.afi >>> 8
    m[28] = mp.afi & 255
    m[29] = mp.safi
    let off = encodeMpNextHop(mp, m, 30)
    m[off++] = mp.reserved ?? 0
    off = encodeRange(l, addPath, m, off, from, to)
    block.copy(m, off)
    out.push(m)
    from = to
  }
}

function packMpUnreach(l: NlriList, safi: number, ctx: WireContext, out: Buffer[]): void {
  const afi = l.afi
  const addPath = hasAddPath(ctx, afi, safi)
  const fixed = HEADER_LENGTH + 4 + MP_HEADER + 3
  const room = ctx.maxMessageLength - fixed
  for (let from = 0; from < l.keys.length; ) {
    const to = fit(l, addPath, from, room)
    const w = rangeBytes(l, addPath, from, to)
    const m = mpUnreachMessage(afi, safi, w)
    encodeRange(l, addPath, m, 30, from, to)
    out.push(m)
    from = to
  }
}

/** The message up to the first withdrawn prefix (offset 30); the caller writes the `w` octets of prefixes. */
function mpUnreachMessage(afi: number, safi: number, w: number): Buffer {
  const total = HEADER_LENGTH + 4 + MP_HEADER + 3 + w
  const m = startMessage(total)
  m[19] = 0
  m[20] = 0
  const tpal = total - HEADER_LENGTH - 4
  m[21] = tpal >>> 8
  m[22] = tpal & 255
  m[23] = AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH
  m[24] = AttrType.MP_UNREACH_NLRI
  m[25] = (3 + w) >>> 8
  m[26] = (3 + w) & 255
  m[27] = afi >>> 8
  m[28] = afi & 255
  m[29] = safi
  return m
}

/**
 * RFC 4724 §2: "An UPDATE message with no reachable Network Layer Reachability Information (NLRI) and empty
 * withdrawn NLRI is specified as the End-of-RIB marker that can be used by a BGP speaker to indicate to its
 * peer the completion of the initial routing update after the session is established. For the IPv4 unicast
 * address family, the End-of-RIB marker is an UPDATE message with the minimum length [RFC4271]. For any other
 * address family, it is an UPDATE message that contains only the MP_UNREACH_NLRI attribute [RFC4760] with no
 * withdrawn routes for that <AFI, SAFI>."
 */
export function endOfRib(afi: number, safi: number): Buffer {
  if (afi === 1 && safi === 1) {
    const m = startMessage(HEADER_LENGTH + 4)
    m.fill(0, HEADER_LENGTH)
    return m
  }
  // Short form (no Extended Length): flags 0x80, type 15, length 3.
  const total = HEADER_LENGTH + 4 + 3 + 3
  const m = startMessage(total)
  m[19] = 0
  m[20] = 0
  m[21] = 0
  m[22] = 6
  m[23] = AttrFlag.OPTIONAL
  m[24] = AttrType.MP_UNREACH_NLRI
  m[25] = 3
  m[26] = afi >>> 8
  m[27] = afi & 255
  m[28] = safi
  return m
}

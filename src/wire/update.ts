/**
 * UPDATE message body, RFC 4271 §4.3 (the 19-octet header is framed elsewhere).
 *
 *   +-----------------------------------------------------+
 *   |   Withdrawn Routes Length (2 octets)                |
 *   +-----------------------------------------------------+
 *   |   Withdrawn Routes (variable)                       |  IPv4 unicast prefixes
 *   +-----------------------------------------------------+
 *   |   Total Path Attribute Length (2 octets)            |
 *   +-----------------------------------------------------+
 *   |   Path Attributes (variable)                        |  ./attributes.ts
 *   +-----------------------------------------------------+
 *   |   Network Layer Reachability Information (variable) |  IPv4 unicast prefixes
 *   +-----------------------------------------------------+
 *
 * Error handling (RFC 7606): length fields that overrun the message and unparseable NLRI end the
 * session (thrown BgpError); attribute faults are collected in Update.errors. With treat-as-withdraw
 * the prefixes are still decoded, so the caller can withdraw them (RFC 7606 §2, §5).
 */
import { decodePathAttributes, encodePathAttributes, pathAttributesLength } from './attributes.js'
import { nlriCount } from './attrs/nlri-list.js'
import type { WireContext } from './context.js'
import { hasAddPath } from './context.js'
import type { AttrError } from './errors.js'
import { BgpError } from './errors.js'
import { AttrType, ErrorCode, HEADER_LENGTH, HeaderSubcode, UpdateSubcode } from './iana.js'
import type { NlriList } from './prefix.js'
import { decodeV4Nlri, encodeV4Nlri, v4NlriLength } from './prefix.js'
import type { Update } from './types.js'

function malformedList(reason: string, offset: number): BgpError {
  return new BgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, reason, undefined, offset)
}

/** Decode the UPDATE body buf[off, end). */
export function decodeUpdate(buf: Buffer, off: number, end: number, ctx: WireContext): Update {
  if (end - off < 4) {
    // RFC 4271 §6.1: a length below the minimum for the type is Bad Message Length; "the Data field MUST contain the erroneous Length field".
    const len = end - off + HEADER_LENGTH
    throw new BgpError(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH, `UPDATE length ${len} < 23`, Buffer.from([len >>> 8, len & 255]), off)
  }
  const wStart = off + 2
  const wEnd = wStart + ((buf[off]! << 8) | buf[off + 1]!)
  // RFC 4271 §6.3: "If the Withdrawn Routes Length or Total Attribute Length is too large (i.e., if Withdrawn Routes
  // Length + Total Attribute Length + 23 exceeds the message Length), then the Error Subcode MUST be set to Malformed Attribute List."
  if (wEnd + 2 > end) throw malformedList('Withdrawn Routes Length overruns the message', off)
  const aStart = wEnd + 2
  const aEnd = aStart + ((buf[wEnd]! << 8) | buf[wEnd + 1]!)
  if (aEnd > end) throw malformedList('Total Path Attribute Length overruns the message', wEnd)

  const addPath = hasAddPath(ctx, 1, 1)
  const withdrawn: NlriList = { afi: 1, keys: [], pathIds: addPath ? [] : null }
  decodeV4Nlri(buf, wStart, wEnd, withdrawn.keys, withdrawn.pathIds)
  const { attributes, errors } = decodePathAttributes(buf, aStart, aEnd, ctx)
  // RFC 7606 §5.3: a syntactically incorrect NLRI field cannot be handled as treat-as-withdraw -> session reset (thrown by prefix.ts).
  const nlri: NlriList = { afi: 1, keys: [], pathIds: addPath ? [] : null }
  decodeV4Nlri(buf, aEnd, end, nlri.keys, nlri.pathIds)

  const u: Update = { type: 'UPDATE', withdrawn, attributes, nlri }
  const all = checkMandatory(u, errors, aStart)
  if (all !== undefined) u.errors = all
  return u
}

/**
 * RFC 4271 §5: ORIGIN and AS_PATH are mandatory in an UPDATE that carries NLRI, NEXT_HOP when the NLRI field
 * is used. RFC 7606 §3 (d): "If any of the well-known mandatory attributes are not present in an UPDATE message,
 * then "treat-as-withdraw" MUST be used." An attribute already reported malformed is not reported again.
 */
function checkMandatory(u: Update, errors: AttrError[] | undefined, offset: number): AttrError[] | undefined {
  const a = u.attributes
  const mpNlri = a.mpReach !== undefined && nlriCount(a.mpReach.nlri) > 0
  if (u.nlri.keys.length === 0 && !mpNlri) return errors
  const reported = (code: number): boolean => errors !== undefined && errors.some((e) => e.attrType === code)
  const need = (code: number, has: boolean, name: string): void => {
    if (has || reported(code)) return
    ;(errors ??= []).push({
      action: 'withdraw',
      attrType: code,
      subcode: UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE,
      reason: `missing well-known attribute ${name}`,
      offset,
    })
  }
  need(AttrType.ORIGIN, a.origin !== undefined, 'ORIGIN')
  need(AttrType.AS_PATH, a.asPath !== undefined, 'AS_PATH')
  if (u.nlri.keys.length > 0) need(AttrType.NEXT_HOP, a.nextHop !== undefined, 'NEXT_HOP')
  return errors
}

function v4FieldLength(l: NlriList, addPath: boolean): number {
  return l.afi === 1 ? v4NlriLength(l.keys, addPath) : 0
}

function encodeV4Field(l: NlriList, addPath: boolean, buf: Buffer, off: number): number {
  if (l.afi !== 1) throw new TypeError('the UPDATE Withdrawn Routes and NLRI fields carry IPv4 prefixes only')
  if (!addPath || l.pathIds !== null) return encodeV4Nlri(l.keys, addPath ? l.pathIds : null, buf, off)
  // ADD-PATH negotiated, list without identifiers: Path Identifier 0.
  for (let i = 0; i < l.keys.length; i++) {
    buf.fill(0, off, off + 4)
    off = encodeV4Nlri(l.keys, null, buf, off + 4, i, i + 1)
  }
  return off
}

/** Length of the UPDATE body. */
export function updateLength(u: Update, ctx: WireContext): number {
  const addPath = hasAddPath(ctx, 1, 1)
  return 4 + v4FieldLength(u.withdrawn, addPath) + pathAttributesLength(u.attributes, ctx) + v4FieldLength(u.nlri, addPath)
}

/** Write the UPDATE body at buf[off]; returns the new offset. */
export function encodeUpdate(u: Update, buf: Buffer, off: number, ctx: WireContext): number {
  const addPath = hasAddPath(ctx, 1, 1)
  const wStart = off + 2
  const wEnd = encodeV4Field(u.withdrawn, addPath, buf, wStart)
  buf[off] = (wEnd - wStart) >>> 8
  buf[off + 1] = (wEnd - wStart) & 255
  const aStart = wEnd + 2
  const aEnd = encodePathAttributes(u.attributes, buf, aStart, ctx)
  buf[wEnd] = (aEnd - aStart) >>> 8
  buf[wEnd + 1] = (aEnd - aStart) & 255
  return encodeV4Field(u.nlri, addPath, buf, aEnd)
}

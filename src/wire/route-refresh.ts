/**
 * ROUTE-REFRESH message body (RFC 2918 §3; Message Subtype from RFC 7313 §3.2; ORF entries
 * from RFC 5291 §4 kept raw).
 *
 *    0       7      15      23      31
 *   +-------+-------+-------+-------+
 *   |      AFI      | Subtype | SAFI |   Subtype: 0 normal request, 1 BoRR, 2 EoRR
 *   +-------+-------+-------+-------+
 *   |  ORF entries (RFC 5291), only for subtype 0 ...
 *
 * Unknown subtypes are decoded (RFC 7313 §5: "When the BGP speaker receives a ROUTE-REFRESH
 * message with a "Message Subtype" field other than 0, 1, or 2, it MUST ignore the received
 * ROUTE-REFRESH message" — ignoring is the session layer's job); their extra octets, like ORF
 * entries, are kept in `orf` so they re-encode.
 */
import type { WireContext } from './context.js'
import { BgpError } from './errors.js'
import { badMessageLength } from './header.js'
import { ErrorCode, HEADER_LENGTH, RouteRefreshSubcode, RouteRefreshSubtype } from './iana.js'
import type { RouteRefresh } from './types.js'

export const ROUTE_REFRESH_BODY_LENGTH = 4

/**
 * Decode the ROUTE-REFRESH body buf[off, end). `msgStart` is where the whole message (header)
 * starts, for the NOTIFICATION data of RFC 7313 §5; by default the header is assumed to precede
 * the body in `buf`.
 */
export function decodeRouteRefresh(
  buf: Buffer,
  off: number,
  end: number,
  _ctx: WireContext,
  msgStart = off - HEADER_LENGTH,
): RouteRefresh {
  if (end - off < ROUTE_REFRESH_BODY_LENGTH) {
    throw badMessageLength(end - off + HEADER_LENGTH, 'ROUTE-REFRESH shorter than 23 octets', off)
  }
  const rr: RouteRefresh = {
    type: 'ROUTE-REFRESH',
    afi: buf.readUInt16BE(off),
    subtype: buf[off + 2]!,
    safi: buf[off + 3]!,
  }
  if (end - off > ROUTE_REFRESH_BODY_LENGTH) {
    if (rr.subtype === RouteRefreshSubtype.BORR || rr.subtype === RouteRefreshSubtype.EORR) {
      // RFC 7313 §5: "If the length, excluding the fixed-size message header, of the received
      // ROUTE-REFRESH message with Message Subtype 1 and 2 is not 4, then the BGP speaker MUST
      // send a NOTIFICATION message with the Error Code of "ROUTE-REFRESH Message Error" and the
      // subcode of "Invalid Message Length". The Data field of the NOTIFICATION message MUST
      // contain the complete ROUTE-REFRESH message."
      const start = msgStart < 0 ? off : msgStart
      throw new BgpError(
        ErrorCode.ROUTE_REFRESH_MESSAGE,
        RouteRefreshSubcode.INVALID_MESSAGE_LENGTH,
        `ROUTE-REFRESH subtype ${rr.subtype} body is ${end - off} octets, not 4`,
        buf.subarray(start, end),
        off,
      )
    }
    rr.orf = Buffer.from(buf.subarray(off + ROUTE_REFRESH_BODY_LENGTH, end))
  }
  return rr
}

export function routeRefreshLength(rr: RouteRefresh, _ctx: WireContext): number {
  return ROUTE_REFRESH_BODY_LENGTH + (rr.orf?.length ?? 0)
}

export function encodeRouteRefresh(rr: RouteRefresh, buf: Buffer, off: number, _ctx: WireContext): number {
  buf.writeUInt16BE(rr.afi, off)
  buf.writeUInt8(rr.subtype, off + 2)
  buf.writeUInt8(rr.safi, off + 3)
  off += ROUTE_REFRESH_BODY_LENGTH
  return rr.orf === undefined ? off : off + rr.orf.copy(buf, off)
}

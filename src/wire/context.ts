/**
 * WireContext: what the negotiated capabilities say about the bytes of ONE direction of a session.
 * The session layer builds one for receiving and one for sending (RFC 7911 ADD-PATH is directional);
 * the codec never guesses and never keeps globals.
 */
import { MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH, familyKey } from './iana.js'

export interface WireContext {
  /** RFC 6793: both sides advertised the 4-octet AS capability (AS_PATH carries 4-octet ASNs). */
  readonly as4: boolean
  /** RFC 8654: 65535 when the Extended Message capability was exchanged, else 4096. */
  readonly maxMessageLength: number
  /** RFC 7911: families (familyKey) whose NLRI in this direction carry a 4-octet Path Identifier. */
  readonly addPath: ReadonlySet<number>
  /** RFC 8950: families (familyKey) whose next hop may be IPv6 though the NLRI is IPv4. Informational for decode. */
  readonly extendedNextHop: ReadonlySet<number>
}

const EMPTY: ReadonlySet<number> = new Set()

/** Context before any OPEN is exchanged: 2-octet AS, 4096-byte messages, no ADD-PATH. */
export const DEFAULT_CONTEXT: WireContext = Object.freeze({
  as4: false,
  maxMessageLength: MAX_MESSAGE_LENGTH,
  addPath: EMPTY,
  extendedNextHop: EMPTY,
})

export interface WireContextOptions {
  as4?: boolean
  extendedMessage?: boolean
  /** [afi, safi] pairs with ADD-PATH in this direction */
  addPath?: ReadonlyArray<readonly [number, number]>
  extendedNextHop?: ReadonlyArray<readonly [number, number]>
}

export function makeWireContext(o: WireContextOptions = {}): WireContext {
  return Object.freeze({
    as4: o.as4 ?? false,
    maxMessageLength: o.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH,
    addPath: o.addPath && o.addPath.length ? new Set(o.addPath.map(([a, s]) => familyKey(a, s))) : EMPTY,
    extendedNextHop:
      o.extendedNextHop && o.extendedNextHop.length ? new Set(o.extendedNextHop.map(([a, s]) => familyKey(a, s))) : EMPTY,
  })
}

export function hasAddPath(ctx: WireContext, afi: number, safi: number): boolean {
  return ctx.addPath.size !== 0 && ctx.addPath.has(familyKey(afi, safi))
}

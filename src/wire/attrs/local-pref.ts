/**
 * LOCAL_PREF (type 5), RFC 4271 §4.3 (e), §5.1.5. Well-known, sent only to internal peers.
 *
 *   +--------------------------------+
 *   |  LOCAL_PREF (4 octets, unsigned)|
 *   +--------------------------------+
 *
 * RFC 7606 §7.5: a wrong length is handled as treat-as-withdraw. (Discarding it when it comes
 * from an external peer needs session knowledge and is done above the codec.)
 */
import type { WireContext } from '../context.js'
import { expectLength, readU32, writeU32 } from './attr-error.js'

export function localPrefLength(_v: number, _ctx: WireContext): number {
  return 4
}
export function encodeLocalPref(v: number, buf: Buffer, off: number, _ctx: WireContext): number {
  return writeU32(buf, off, v)
}
export function decodeLocalPref(buf: Buffer, off: number, end: number, _ctx: WireContext): number {
  expectLength('LOCAL_PREF', off, end, 4)
  return readU32(buf, off)
}

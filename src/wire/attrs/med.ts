/**
 * MULTI_EXIT_DISC (type 4), RFC 4271 §4.3 (d), §5.1.4. Optional non-transitive.
 *
 *   +----------------------------+
 *   |  MED (4 octets, unsigned)  |
 *   +----------------------------+
 *
 * RFC 7606 §7.4: a wrong length is handled as treat-as-withdraw.
 */
import type { WireContext } from '../context.js'
import { expectLength, readU32, writeU32 } from './attr-error.js'

export function medLength(_v: number, _ctx: WireContext): number {
  return 4
}
export function encodeMed(v: number, buf: Buffer, off: number, _ctx: WireContext): number {
  return writeU32(buf, off, v)
}
export function decodeMed(buf: Buffer, off: number, end: number, _ctx: WireContext): number {
  expectLength('MULTI_EXIT_DISC', off, end, 4)
  return readU32(buf, off)
}

/**
 * ATOMIC_AGGREGATE (type 6), RFC 4271 §4.3 (f), §5.1.6. Well-known discretionary, no value.
 *
 *   (Attribute Length 0)
 *
 * RFC 7606 §7.6: an ATOMIC_AGGREGATE whose Attribute Length is not zero is handled by attribute
 * discard (it carries no information a route depends on).
 */
import type { WireContext } from '../context.js'
import { expectLength } from './attr-error.js'

export function atomicAggregateLength(_v: boolean, _ctx: WireContext): number {
  return 0
}
export function encodeAtomicAggregate(_v: boolean, _buf: Buffer, off: number, _ctx: WireContext): number {
  return off
}
export function decodeAtomicAggregate(_buf: Buffer, off: number, end: number, _ctx: WireContext): boolean {
  expectLength('ATOMIC_AGGREGATE', off, end, 0)
  return true
}

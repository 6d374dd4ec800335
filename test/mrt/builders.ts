/**
 * Test helper: MRT records and their parts built from annotated hex (RFC 6396 layouts).
 * `h('0001 02')` strips spaces; every builder returns a Buffer.
 */
import { MrtFramer } from '../../src/mrt/record-reader.js'
import { decodeMrtRecord, type MrtRecord } from '../../src/mrt/reader.js'
import { MrtReadState } from '../../src/mrt/record.js'

export function h(hex: string): Buffer {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex')
}

function u16(n: number): string {
  return n.toString(16).padStart(4, '0')
}
function u32(n: number): string {
  return n.toString(16).padStart(8, '0')
}

export const TS = 1700000000 // 0x6553f100

/** RFC 6396 §2 common header (+ §3 microseconds for the _ET types) around `body`. */
export function mrt(type: number, subtype: number, body: Buffer, opts: { ts?: number; microseconds?: number } = {}): Buffer {
  const et = opts.microseconds !== undefined
  const head = h(u32(opts.ts ?? TS) + u16(type) + u16(subtype) + u32(body.length + (et ? 4 : 0)) + (et ? u32(opts.microseconds!) : ''))
  return Buffer.concat([head, body])
}

/** One path attribute: flags, type code, length (extended when flags has 0x10). */
export function attr(flags: number, code: number, valueHex: string): string {
  const v = valueHex.replace(/\s+/g, '')
  const len = v.length / 2
  return flags.toString(16).padStart(2, '0') + code.toString(16).padStart(2, '0') + ((flags & 0x10) !== 0 ? u16(len) : len.toString(16).padStart(2, '0')) + v
}

/** A whole BGP UPDATE message (RFC 4271 §4.3) from hex parts. */
export function update(withdrawnHex: string, attrsHex: string, nlriHex: string): string {
  const w = withdrawnHex.replace(/\s+/g, '')
  const a = attrsHex.replace(/\s+/g, '')
  const n = nlriHex.replace(/\s+/g, '')
  const len = 19 + 2 + w.length / 2 + 2 + a.length / 2 + n.length / 2
  return 'ff'.repeat(16) + u16(len) + '02' + u16(w.length / 2) + w + u16(a.length / 2) + a + n
}

export const KEEPALIVE = 'ff'.repeat(16) + '0013' + '04'

/** Decode every record of `bytes` (one buffer, one chunk) with a fresh reader state. */
export function decodeAll(bytes: Buffer, as4?: boolean): MrtRecord[] {
  const f = new MrtFramer()
  f.push(bytes)
  const state = new MrtReadState(as4)
  const out: MrtRecord[] = []
  for (;;) {
    const r = f.next()
    if (r.kind === 'need') break
    if (r.kind === 'error') {
      out.push({ type: 'MRT', error: { reason: r.reason, offset: r.offset } })
      break
    }
    out.push(decodeMrtRecord(r.record, state))
  }
  const tail = f.finish()
  if (tail !== null && tail.kind === 'error') out.push({ type: 'MRT', error: { reason: tail.reason, offset: tail.offset } })
  return out
}

export { u16, u32 }

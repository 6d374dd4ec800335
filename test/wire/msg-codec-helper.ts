/**
 * Shared by the message/capability codec tests (not a test file itself): annotated hex and the
 * dns-packet-style codec check (decode = value, length = octets, encode = bytes, write at an
 * offset, decode with garbage after `end`).
 */
import type { BuiltPlugins, Test as TapTest, TestOpts } from '@tapjs/test'
import type { WireContext } from '../../src/wire/context.js'
import { BgpError } from '../../src/wire/errors.js'

/** The `t` a tap subtest callback receives. */
export type Test = TapTest<BuiltPlugins, TestOpts> & BuiltPlugins

/** Hex with per-field comments: `//` to end of line is dropped, then all whitespace. */
export function hex(annotated: string): Buffer {
  const s = annotated.replace(/\/\/[^\n]*/g, '').replace(/\s+/g, '')
  if (!/^([0-9a-fA-F]{2})*$/.test(s)) throw new Error(`bad hex: ${s}`)
  return Buffer.from(s, 'hex')
}

export interface BodyCodec<T> {
  decode(buf: Buffer, off: number, end: number, ctx: WireContext): T
  length(v: T, ctx: WireContext): number
  encode(v: T, buf: Buffer, off: number, ctx: WireContext): number
}

/** decode(bytes) = value, length(value) = bytes.length, encode(value) = bytes, both at offset 0 and 10. */
export function checkCodec<T>(t: Test, name: string, bytes: Buffer, value: T, codec: BodyCodec<T>, ctx: WireContext): void {
  t.test(name, async (t) => {
    t.strictSame(codec.decode(bytes, 0, bytes.length, ctx), value, 'decode')
    // Same bytes at offset 7 with garbage on both sides: the decoder must stay inside [off, end).
    const framed = Buffer.concat([Buffer.alloc(7, 0xa5), bytes, Buffer.alloc(9, 0x5a)])
    t.strictSame(codec.decode(framed, 7, 7 + bytes.length, ctx), value, 'decode at offset, garbage after end')
    t.equal(codec.length(value, ctx), bytes.length, 'length')
    const out = Buffer.alloc(bytes.length)
    t.equal(codec.encode(value, out, 0, ctx), bytes.length, 'encode returns the new offset')
    t.equal(out.toString('hex'), bytes.toString('hex'), 'encode')
    const big = Buffer.alloc(bytes.length + 13, 0xee)
    t.equal(codec.encode(value, big, 10, ctx), 10 + bytes.length, 'encode at offset 10')
    t.equal(big.subarray(10, 10 + bytes.length).toString('hex'), bytes.toString('hex'), 'bytes at offset 10')
    t.equal(big.subarray(0, 10).toString('hex'), 'ee'.repeat(10), 'nothing written before the offset')
    t.equal(big.subarray(10 + bytes.length).toString('hex'), 'ee'.repeat(3), 'nothing written after the end')
    t.strictSame(codec.decode(out, 0, out.length, ctx), value, 'decode(encode(value)) = value')
  })
}

/** Expect fn to throw a BgpError with this code/subcode (and data, when given as hex). */
export function expectBgpError(
  t: Test,
  name: string,
  fn: () => unknown,
  want: { code: number; subcode: number; data?: string },
): void {
  try {
    fn()
    t.fail(`${name}: no error`)
  } catch (e) {
    if (!(e instanceof BgpError)) {
      t.fail(`${name}: threw ${String(e)}`)
      return
    }
    t.same({ code: e.code, subcode: e.subcode }, { code: want.code, subcode: want.subcode }, `${name}: ${e.message}`)
    if (want.data !== undefined) t.equal(e.data.toString('hex'), want.data, `${name}: data`)
  }
}

/**
 * Nothing escapes the MRT reader for any input: random bodies under every decoded type/subtype,
 * mutated real-looking records, and the NDJSON writer always produces valid JSON lines.
 */
import t from 'tap'
import fc from 'fast-check'
import { MrtFramer } from '../../src/mrt/record-reader.js'
import { MrtReadState } from '../../src/mrt/record.js'
import { MrtLineWriter } from '../../src/mrt/ndjson.js'
import { OutBuffer } from '../../src/mrt/out-buffer.js'
import { attr, decodeAll, h, KEEPALIVE, mrt, update } from './builders.js'

function ndjson(bytes: Buffer): string[] {
  const f = new MrtFramer()
  f.push(bytes)
  const w = new MrtLineWriter(new MrtReadState())
  const out = new OutBuffer(64)
  for (let r = f.next(); r.kind === 'record'; r = f.next()) w.record(r.record, out)
  return out.toString().split('\n').filter(Boolean)
}

const PEERS = mrt(13, 1, h('c0000201 0000 0002' + '00 0a000001 c000020a fde9' + '03 0a000002 20010db8000000000000000000000002 fa56ea00'))
const ATTRS = attr(0x40, 1, '00') + attr(0x40, 2, '02 01 0000fde9') + attr(0x80, 14, '10 20010db8000000000000000000000002') + attr(0xc0, 8, 'fde90001')
const SEEDS = [
  mrt(13, 4, h('00000001 20 20010db8 0002' + `0000 00000001 ${(ATTRS.length / 2).toString(16).padStart(4, '0')}${ATTRS}`.repeat(2))),
  mrt(13, 10, h('00000001 20 20010db8 0001' + `0001 00000001 00000007 ${(ATTRS.length / 2).toString(16).padStart(4, '0')}${ATTRS}`)),
  mrt(13, 6, h('00000001 0001 01 18 c00002 0001' + `0000 00000001 ${(ATTRS.length / 2).toString(16).padStart(4, '0')}${ATTRS}`)),
  mrt(12, 1, h('0000 0001 c0000200 18 01 00000001 c000020a fde9 ' + (ATTRS.length / 2).toString(16).padStart(4, '0') + ATTRS)),
  mrt(16, 4, h('0000fde9 0000fde8 0000 0001 c000020a c0000201' + update('18cb0071', ATTRS, '18c63364'))),
  mrt(17, 9, h('0000fde9 0000fde8 0000 0001 c000020a c0000201' + update('', ATTRS, '00000001 18c63364')), { microseconds: 5 }),
  mrt(16, 5, h('0000fde9 0000fde8 0000 0002 20010db8000000000000000000000002 20010db8000000000000000000000001 0001 0002')),
  mrt(16, 1, h('fde9 fde8 0000 0001 c000020a c0000201' + KEEPALIVE)),
]

function assertLines(bytes: Buffer): boolean {
  decodeAll(bytes)
  for (const l of ndjson(bytes)) JSON.parse(l)
  return true
}

t.test('random bodies under every decoded type and subtype', async (t) => {
  fc.assert(
    fc.property(
      fc.constantFrom(12, 13, 16, 17),
      fc.integer({ min: 0, max: 13 }),
      fc.uint8Array({ maxLength: 200 }),
      (type, subtype, body) => assertLines(Buffer.concat([PEERS, mrt(type, subtype, Buffer.from(body), type === 17 ? { microseconds: 1 } : {})])),
    ),
    { numRuns: 1500 },
  )
  t.pass('no exception, every line JSON')
})

t.test('mutated well-formed records', async (t) => {
  fc.assert(
    fc.property(
      fc.constantFrom(...SEEDS),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      (seed, flips) => {
        const b = Buffer.from(seed)
        // keep the 12-octet common header's length intact so the record frames; mutate the rest
        for (const [i, v] of flips) b[12 + (i % (b.length - 12))] = v
        return assertLines(Buffer.concat([PEERS, b]))
      },
    ),
    { numRuns: 1500 },
  )
  t.pass('no exception, every line JSON')
})

t.test('OutBuffer: digits, growth, take()', async (t) => {
  const o = new OutBuffer(4)
  for (const v of [0, 7, 10, 99, 100, 4294967295, 2 ** 53 - 1]) {
    o.uint(v)
    o.byte(0x2c)
  }
  o.text('é')
  o.bytes(Buffer.from('x'.repeat(40)))
  t.equal(o.toString(), `0,7,10,99,100,4294967295,${2 ** 53 - 1},é${'x'.repeat(40)}`)
  const first = o.take()
  o.text('next')
  t.equal(first.toString().slice(0, 2), '0,', 'a taken buffer is not written again')
  t.equal(o.toString(), 'next')
})

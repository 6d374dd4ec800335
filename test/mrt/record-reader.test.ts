import t from 'tap'
import { detectCompression } from '../../src/mrt/file-source.js'
import { MrtFramer, type RawMrtRecord } from '../../src/mrt/record-reader.js'
import { h, mrt } from './builders.js'

function frameAll(chunks: Buffer[], max?: number): { records: RawMrtRecord[]; bodies: string[]; error: string | null; errorOffset: number | null } {
  const f = new MrtFramer(max)
  const records: RawMrtRecord[] = []
  const bodies: string[] = []
  let error: string | null = null
  let errorOffset: number | null = null
  outer: for (const c of chunks) {
    f.push(c)
    for (;;) {
      const r = f.next()
      if (r.kind === 'need') break
      if (r.kind === 'error') {
        error = r.reason
        errorOffset = r.offset
        break outer
      }
      records.push(r.record)
      bodies.push(r.record.buf.subarray(r.record.start, r.record.end).toString('hex'))
    }
  }
  if (error === null) {
    const tail = f.finish()
    if (tail !== null && tail.kind === 'error') {
      error = tail.reason
      errorOffset = tail.offset
    }
  }
  return { records, bodies, error, errorOffset }
}

t.test('common header (RFC 6396 §2)', async (t) => {
  const bytes = h(
    '6553f100' + // Timestamp 1700000000
      '000d' + // Type 13 TABLE_DUMP_V2
      '0002' + // Subtype 2 RIB_IPV4_UNICAST
      '00000003' + // Length 3
      'aabbcc', // Message
  )
  const { records, bodies, error } = frameAll([bytes])
  t.equal(error, null)
  t.equal(records.length, 1)
  t.match(records[0], { ts: 1700000000, microseconds: null, type: 13, subtype: 2, length: 3, offset: 0 })
  t.same(bodies, ['aabbcc'])
})

t.test('extended timestamp header (RFC 6396 §3): the Length counts the 4 microsecond octets', async (t) => {
  const bytes = h(
    '6553f100' + // Timestamp
      '0011' + // Type 17 BGP4MP_ET
      '0001' + // Subtype MESSAGE
      '00000006' + // Length 6 = 4 (microseconds) + 2
      '0007a120' + // Microsecond Timestamp 500000
      'beef',
  )
  const { records, bodies } = frameAll([bytes])
  t.match(records[0], { ts: 1700000000, microseconds: 500000, type: 17, length: 6 })
  t.same(bodies, ['beef'])
})

t.test('records split across chunks at every octet boundary', async (t) => {
  const a = mrt(13, 2, h('01020304'))
  const b = mrt(17, 4, h('0506'), { microseconds: 7 })
  const c = mrt(16, 0, Buffer.alloc(0))
  const all = Buffer.concat([a, b, c])
  const whole = frameAll([all])
  t.same(whole.bodies, ['01020304', '0506', ''])
  for (let step = 1; step <= 7; step++) {
    const chunks: Buffer[] = []
    for (let i = 0; i < all.length; i += step) chunks.push(all.subarray(i, i + step))
    const r = frameAll(chunks)
    t.same(r.bodies, whole.bodies, `chunks of ${step}`)
    t.same(
      r.records.map((x) => x.offset),
      [0, a.length, a.length + b.length],
      'stream offsets',
    )
    t.equal(r.error, null)
  }
})

t.test('a record cut short at end of file is a framing error at its offset', async (t) => {
  const a = mrt(13, 2, h('01020304'))
  const b = mrt(13, 2, h('0506070809'))
  const r = frameAll([Buffer.concat([a, b.subarray(0, b.length - 2)])])
  t.same(r.bodies, ['01020304'])
  t.match(r.error, /truncated record: 15 octets left/)
  t.equal(r.errorOffset, a.length)
  const r2 = frameAll([h('6553f100000d')])
  t.match(r2.error, /truncated record: 6 octets/)
})

t.test('impossible lengths stop the framer (no marker to resynchronise on)', async (t) => {
  const et = h('6553f100' + '0011' + '0001' + '00000002' + 'ffff')
  t.match(frameAll([et]).error, /BGP4MP_ET record length 2 < 4/)
  const big = h('6553f100' + '000d' + '0002' + '7fffffff')
  const r = frameAll([big], 1024)
  t.match(r.error, /record length 2147483647 exceeds 1024/)
  t.equal(r.errorOffset, 0)
  const f = new MrtFramer(1024)
  f.push(big)
  t.equal(f.next().kind, 'error')
  t.equal(f.next().kind, 'error', 'the error sticks')
  t.equal(f.finish(), null, 'finish adds nothing after an error')
})

t.test('compression is recognised by magic octets', async (t) => {
  t.equal(detectCompression(h('1f8b08')), 'gzip')
  t.equal(detectCompression(h('425a6839')), 'bzip2')
  t.equal(detectCompression(h('425a')), 'none')
  t.equal(detectCompression(h('6553f100')), 'none')
  t.equal(detectCompression(Buffer.alloc(0)), 'none')
})

/**
 * Whole messages: decodeMessage/encodeMessage/messageLength (RFC 4271 §4, §6.1), the streaming
 * MessageReader, messageToJson/errorToJson, and every fixture in rfc-fixtures/{open,notification,
 * keepalive,route-refresh,header}.
 */
import { readdirSync, readFileSync } from 'node:fs'
import t from 'tap'
import { makeWireContext, DEFAULT_CONTEXT, type WireContextOptions } from '../../src/wire/context.js'
import { BgpError } from '../../src/wire/errors.js'
import { MessageTypeName } from '../../src/wire/iana.js'
import { errorToJson, messageToJson } from '../../src/wire/json.js'
import { decodeMessage, encodeMessage, encodeMessageInto, messageLength, MessageReader } from '../../src/wire/message.js'
import { makeNotification } from '../../src/wire/notification.js'
import type { Message } from '../../src/wire/types.js'
import { expectBgpError, hex } from './msg-codec-helper.js'

const M = 'ff'.repeat(16)
const EXT = makeWireContext({ extendedMessage: true })

const cases: Array<[string, string, Message]> = [
  ['KEEPALIVE (RFC 4271 §4.4)', M + '0013 04', { type: 'KEEPALIVE' }],
  ['OPEN (RFC 4271 §4.2)', M + '001d 01' + '04 fde9 005a c0000201 00',
    { type: 'OPEN', version: 4, myAs: 65001, holdTime: 90, bgpId: '192.0.2.1', params: [] }],
  ['NOTIFICATION Cease (RFC 4271 §4.5)', M + '0015 03' + '06 00', { type: 'NOTIFICATION', code: 6, subcode: 0, data: Buffer.alloc(0) }],
  ['ROUTE-REFRESH (RFC 2918 §3)', M + '0017 05' + '0001 00 01', { type: 'ROUTE-REFRESH', afi: 1, safi: 1, subtype: 0 }],
  ['UPDATE End-of-RIB IPv4 unicast (RFC 4724 §2)', M + '0017 02' + '0000 0000',
    { type: 'UPDATE', withdrawn: { afi: 1, keys: [], pathIds: null }, attributes: {}, nlri: { afi: 1, keys: [], pathIds: null } }],
]
for (const [name, h, value] of cases) {
  t.test(name, async (t) => {
    const b = hex(h)
    const d = decodeMessage(b, 0, DEFAULT_CONTEXT)
    t.equal(d.length, b.length)
    t.strictSame(d.message, value)
    t.equal(messageLength(value, DEFAULT_CONTEXT), b.length)
    t.equal(encodeMessage(value, DEFAULT_CONTEXT).toString('hex'), b.toString('hex'))
    // at an offset, with another message after it: only its own bytes are read
    const framed = Buffer.concat([Buffer.alloc(4, 0xaa), b, hex(M + '0013 04')])
    const d2 = decodeMessage(framed, 4, DEFAULT_CONTEXT)
    t.strictSame(d2, d)
    const out = Buffer.alloc(b.length + 12, 0xee)
    t.equal(encodeMessageInto(value, out, 10, DEFAULT_CONTEXT), 10 + b.length)
    t.equal(out.subarray(10, 10 + b.length).toString('hex'), b.toString('hex'))
    t.equal(out.subarray(10 + b.length).toString('hex'), 'eeee')
  })
}

t.test('header and per-type length errors (RFC 4271 §6.1)', async (t) => {
  const errs: Array<[string, string, { code: number; subcode: number; data: string }, typeof DEFAULT_CONTEXT?]> = [
    ['bad marker', 'ff'.repeat(15) + '7f 0013 04', { code: 1, subcode: 1, data: '' }],
    ['unknown type 0', M + '0013 00', { code: 1, subcode: 3, data: '00' }],
    ['unknown type 255', M + '0013 ff', { code: 1, subcode: 3, data: 'ff' }],
    ['KEEPALIVE 20', M + '0014 04 00', { code: 1, subcode: 2, data: '0014' }],
    ['OPEN 28', M + '001c 01' + '04 fde9 005a c0000201', { code: 1, subcode: 2, data: '001c' }],
    ['NOTIFICATION 20', M + '0014 03 06', { code: 1, subcode: 2, data: '0014' }],
    ['UPDATE 22', M + '0016 02 000000', { code: 1, subcode: 2, data: '0016' }],
    ['ROUTE-REFRESH 22', M + '0016 05 000100', { code: 1, subcode: 2, data: '0016' }],
    ['truncated buffer', M + '0020 02 0000', { code: 1, subcode: 2, data: '0020' }],
    ['truncated header', M + '00', { code: 1, subcode: 2, data: '0011' }],
    // RFC 8654 §4: the Extended Message capability does not apply to OPEN (nor KEEPALIVE)
    ['OPEN of 4097 octets even with extended messages', M + '1001 01' + '04 fde9 005a c0000201 ff ff 0ff4 02 0ff1' + '00'.repeat(0xff1),
      { code: 1, subcode: 2, data: '1001' }, EXT],
    ['RFC 7313 §5 BoRR with 5 octets: data is the whole message', M + '0018 05 0001 01 01 00', { code: 7, subcode: 1, data: M + '0018050001010100' }],
  ]
  for (const [name, h, want, ctx] of errs) {
    expectBgpError(t, name, () => decodeMessage(hex(h), 0, ctx ?? DEFAULT_CONTEXT), want)
  }
})

t.test('extended messages (RFC 8654)', async (t) => {
  const n = makeNotification(6, 0, Buffer.alloc(5000, 1))
  t.throws(() => encodeMessage(n, DEFAULT_CONTEXT), /NOTIFICATION message of 5021 octets exceeds the maximum message length 4096/)
  const b = encodeMessage(n, EXT)
  t.equal(b.length, 5021)
  t.strictSame(decodeMessage(b, 0, EXT).message, n)
  expectBgpError(t, 'without the capability', () => decodeMessage(b, 0, DEFAULT_CONTEXT), { code: 1, subcode: 2, data: '139d' })
})

t.test('MessageReader', async (t) => {
  const ka = hex(M + '0013 04')
  const rr = hex(M + '0017 05 0001 00 01')
  const op = hex(M + '001d 01 04 fde9 005a c0000201 00')
  const stream = Buffer.concat([ka, rr, op, ka])

  t.test('whole chunk: zero-copy subarrays', async (t) => {
    const r = new MessageReader()
    r.push(stream)
    const got: Buffer[] = []
    for (let x = r.next(); x.kind === 'message'; x = r.next()) {
      got.push(x.bytes)
      t.equal(x.bytes.buffer, stream.buffer, 'same memory')
    }
    t.strictSame(got.map((b) => b.toString('hex')), [ka, rr, op, ka].map((b) => b.toString('hex')))
    t.equal(r.buffered, 0)
    t.strictSame(r.next(), { kind: 'need' })
  })

  for (const size of [1, 2, 3, 7, 18, 19, 20, 40]) {
    t.test(`chunks of ${size} octets`, async (t) => {
      const r = new MessageReader()
      const got: Array<[number, string]> = []
      for (let i = 0; i < stream.length; i += size) {
        r.push(stream.subarray(i, i + size))
        for (let x = r.next(); x.kind !== 'need'; x = r.next()) {
          if (x.kind === 'error') throw x.error
          got.push([x.type, x.bytes.toString('hex')])
        }
      }
      t.strictSame(got, [[4, ka.toString('hex')], [5, rr.toString('hex')], [1, op.toString('hex')], [4, ka.toString('hex')]])
    })
  }

  t.test('errors at once and stays failed', async (t) => {
    const r = new MessageReader()
    r.push(hex('ffff00'))
    const x = r.next()
    t.equal(x.kind, 'error')
    if (x.kind === 'error') t.match(x.error, { code: 1, subcode: 1 })
    r.push(ka)
    t.equal(r.next().kind, 'error')
    // a bad length is reported as soon as the header is in, not after the hold timer
    const r2 = new MessageReader()
    r2.push(hex(M + '0014'))
    r2.push(hex('04'))
    const y = r2.next()
    t.equal(y.kind, 'error')
    if (y.kind === 'error') t.same({ subcode: y.error.subcode, data: y.error.data.toString('hex') }, { subcode: 2, data: '0014' })
    const r3 = new MessageReader()
    r3.push(hex(M + '2000'))
    t.equal(r3.next().kind, 'error', '8192 > 4096')
    const r4 = new MessageReader(65535)
    r4.push(hex(M + '2000 02'))
    t.equal(r4.next().kind, 'need', 'accepted after setMaxLength / extended')
  })

  t.test('a large message trickled in one octet at a time stays linear', async (t) => {
    const big = encodeMessage(makeNotification(6, 0, Buffer.alloc(65000, 7)), EXT)
    const r = new MessageReader(65535)
    const start = process.hrtime.bigint()
    let got: Buffer | undefined
    for (let i = 0; i < big.length; i++) {
      r.push(big.subarray(i, i + 1))
      const x = r.next()
      if (x.kind === 'message') got = x.bytes
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6
    t.ok(got !== undefined && got.equals(big), 'reassembled')
    t.ok(ms < 2000, `took ${ms.toFixed(0)} ms`)
  })
})

t.test('errorToJson', async (t) => {
  const e = new BgpError(1, 2, 'message length 18', hex('0012'), 16)
  t.strictSame(errorToJson('KEEPALIVE', e), {
    type: 'KEEPALIVE',
    error: { code: 1, subcode: 2, name: 'Message Header Error / Bad Message Length', reason: 'message length 18', offset: 16 },
  })
  t.equal(errorToJson(undefined, new BgpError(6, 0, 'x')).error.offset, null)
})

// ---------------------------------------------------------------- rfc-fixtures
interface Fixture {
  name: string
  provenance: string
  context: WireContextOptions
  hex: string
  json: { type: string | null; error?: { code: number; subcode: number; name: string } } & Record<string, unknown>
  error?: { code: number; subcode: number; data?: string }
}

const FIXTURES = new URL('../../rfc-fixtures/', import.meta.url)
for (const dir of ['header', 'keepalive', 'open', 'notification', 'route-refresh']) {
  const files = readdirSync(new URL(`${dir}/`, FIXTURES)).filter((f) => f.endsWith('.json')).sort()
  t.test(`rfc-fixtures/${dir} (${files.length})`, async (t) => {
    t.ok(files.length > 0)
    for (const f of files) {
      const fx = JSON.parse(readFileSync(new URL(`${dir}/${f}`, FIXTURES), 'utf8')) as Fixture
      t.ok(/RFC \d+|draft-/.test(fx.provenance), `${f}: provenance names an RFC`)
      const ctx = makeWireContext(fx.context)
      const buf = Buffer.from(fx.hex, 'hex')
      if (fx.error) {
        try {
          decodeMessage(buf, 0, ctx)
          t.fail(`${f}: decoded, expected ${JSON.stringify(fx.error)}`)
        } catch (e) {
          if (!(e instanceof BgpError)) throw e
          t.same({ code: e.code, subcode: e.subcode }, { code: fx.error.code, subcode: fx.error.subcode }, `${f}: ${fx.name}`)
          if (fx.error.data !== undefined) t.equal(e.data.toString('hex'), fx.error.data, `${f}: NOTIFICATION data`)
          const type = buf.length >= 19 && !(e.code === 1 && e.subcode === 1) ? MessageTypeName[buf[18]!] : undefined
          t.match(errorToJson(type, e), { type: fx.json.type ?? undefined, error: fx.json.error! }, `${f}: errorToJson`)
        }
        continue
      }
      const { message, length } = decodeMessage(buf, 0, ctx)
      t.equal(length, buf.length, `${f}: length`)
      t.strictSame(JSON.parse(JSON.stringify(messageToJson(message))), fx.json, `${f}: ${fx.name}`)
      t.equal(encodeMessage(message, ctx).toString('hex'), fx.hex, `${f}: re-encodes byte for byte`)
    }
  })
}

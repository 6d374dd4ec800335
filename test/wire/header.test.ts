/** Framing (RFC 4271 §4.1, §6.1): need / message / error, errors at once. */
import t from 'tap'
import { frameMessage, writeHeader } from '../../src/wire/header.js'
import { hex } from './msg-codec-helper.js'

const M = 'ff'.repeat(16)

const cases: Array<[string, string, number, unknown]> = [
  ['empty buffer needs bytes', '', 4096, { kind: 'need' }],
  ['part of the marker needs bytes', 'ffffff', 4096, { kind: 'need' }],
  ['marker and one length octet', M + '00', 4096, { kind: 'need' }],
  ['whole header of a longer message', M + '0020 02', 4096, { kind: 'need' }],
  ['KEEPALIVE', M + '0013 04', 4096, { kind: 'message', type: 4, length: 19 }],
  ['UPDATE of 23 octets followed by more bytes', M + '0017 02 00000000 ffff', 4096, { kind: 'message', type: 2, length: 23 }],
  ['unknown type is framed (message.ts checks the type)', M + '0013 09', 4096, { kind: 'message', type: 9, length: 19 }],
  ['5000-octet message with extended messages', M + '1388 02', 65535, { kind: 'need' }],
]
for (const [name, h, max, want] of cases) {
  t.test(name, async (t) => {
    const b = hex(h)
    t.strictSame(frameMessage(b, 0, b.length, max), want)
    // same answer at an offset, with bytes after `end` that must not be looked at
    const framed = Buffer.concat([Buffer.alloc(5, 0), b, Buffer.alloc(40, 0xff)])
    t.strictSame(frameMessage(framed, 5, 5 + b.length, max), want, 'at offset 5')
  })
}

const errors: Array<[string, string, number, { subcode: number; data: string }]> = [
  ['marker not all ones: Connection Not Synchronized', 'ff'.repeat(15) + 'fe 0013 04', 4096, { subcode: 1, data: '' }],
  // only 3 octets arrived and one is already wrong: an error at once, not "need"
  ['partial bad marker fails at once', 'ff 00 ff', 4096, { subcode: 1, data: '' }],
  ['length 18: Bad Message Length with the length field', M + '0012 04', 4096, { subcode: 2, data: '0012' }],
  ['length 0', M + '0000', 4096, { subcode: 2, data: '0000' }],
  // the declared length is known bad before the body arrives: error at once (STYLE.md)
  ['length 4097 without extended messages', M + '1001', 4096, { subcode: 2, data: '1001' }],
  ['length 65535 accepted only with extended messages', M + 'ffff', 4096, { subcode: 2, data: 'ffff' }],
]
for (const [name, h, max, want] of errors) {
  t.test(name, async (t) => {
    const b = hex(h)
    const f = frameMessage(b, 0, b.length, max)
    t.equal(f.kind, 'error')
    if (f.kind !== 'error') return
    t.same({ code: f.error.code, subcode: f.error.subcode, data: f.error.data.toString('hex') }, { code: 1, ...want })
  })
}

t.test('length 65535 with extended messages needs bytes', async (t) => {
  const b = hex(M + 'ffff 02')
  t.strictSame(frameMessage(b, 0, b.length, 65535), { kind: 'need' })
})

t.test('writeHeader at offset', async (t) => {
  const b = Buffer.alloc(25, 0)
  t.equal(writeHeader(b, 3, 19, 4), 22)
  t.equal(b.toString('hex'), '000000' + M + '001304' + '000000')
})

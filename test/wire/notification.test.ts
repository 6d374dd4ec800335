/** NOTIFICATION body codec (RFC 4271 §4.5), RFC 9003 Shutdown Communication, RFC 8538 Hard Reset. */
import t from 'tap'
import { DEFAULT_CONTEXT } from '../../src/wire/context.js'
import { BgpError } from '../../src/wire/errors.js'
import {
  decodeNotification,
  encodeNotification,
  makeHardResetNotification,
  makeNotification,
  makeShutdownNotification,
  notificationFromError,
  notificationLength,
  truncateUtf8,
} from '../../src/wire/notification.js'
import type { Notification } from '../../src/wire/types.js'
import { checkCodec, expectBgpError, hex, type BodyCodec } from './msg-codec-helper.js'

const codec: BodyCodec<Notification> = { decode: decodeNotification, length: notificationLength, encode: encodeNotification }
const N = (code: number, subcode: number, data: string, extra: Partial<Notification> = {}): Notification =>
  ({ type: 'NOTIFICATION', code, subcode, data: hex(data), ...extra })

const cases: Array<[string, string, Notification]> = [
  ['Hold Timer Expired, no data (RFC 4271 §6.5)', '04 00', N(4, 0, '')],
  ['Message Header Error / Bad Message Length with the length (RFC 4271 §6.1)', `
    01 02   // Message Header Error, Bad Message Length
    0012    // the erroneous Length field`, N(1, 2, '0012')],
  ['OPEN Message Error / Unsupported Version Number, data 4 (RFC 4271 §6.2)', '02 01 0004', N(2, 1, '0004')],
  ['UPDATE Message Error / Malformed AS_PATH (RFC 4271 §6.3)', '03 0b', N(3, 11, '')],
  ['FSM Error / unexpected message in OpenSent (RFC 6608 §4)', '05 01', N(5, 1, '')],
  ['Cease / Maximum Number of Prefixes Reached with AFI/SAFI/count (RFC 4486 §4)', '06 01 0001 01 00000064', N(6, 1, '00010100000064')],
  ['Cease / Administrative Shutdown with a Shutdown Communication (RFC 9003 §2)', `
    06 02             // Cease, Administrative Shutdown
    0b                // length 11
    6d61696e74656e616e6365  // "maintenance"`, N(6, 2, '0b6d61696e74656e616e6365', { message: 'maintenance' })],
  ['Cease / Administrative Reset, empty Shutdown Communication', '06 04 00', N(6, 4, '00', { message: '' })],
  ['Cease / Administrative Reset, UTF-8 text', '06 04 05 e282ac 6f6b', N(6, 4, '05e282ac6f6b', { message: '€ok' })],
  // RFC 9003 §2: a malformed Shutdown Communication is logged, never a reset: data kept, no message
  ['Cease / Administrative Shutdown, length overruns: no message', '06 02 09 6869', N(6, 2, '096869')],
  ['Cease / Administrative Shutdown, octets after the text: no message', '06 02 01 68 69', N(6, 2, '016869')],
  ['Cease / Administrative Shutdown, invalid UTF-8: no message', '06 02 02 c328', N(6, 2, '02c328')],
  ['Cease / Administrative Shutdown without data (RFC 4486)', '06 02', N(6, 2, '')],
  ['Cease / Hard Reset wrapping Hold Timer Expired (RFC 8538 §3)', `
    06 09   // Cease, Hard Reset
    04 00   // inner: Hold Timer Expired`, N(6, 9, '0400', { hardReset: { code: 4, subcode: 0, data: Buffer.alloc(0) } })],
  ['Cease / Hard Reset wrapping a shutdown with data', '06 09 06 02 02 6869',
    N(6, 9, '0602026869', { hardReset: { code: 6, subcode: 2, data: hex('026869') } })],
  ['Cease / Hard Reset with one data octet: no hardReset', '06 09 04', N(6, 9, '04')],
  ['Cease / BFD Down (RFC 9384)', '06 0a', N(6, 10, '')],
  ['ROUTE-REFRESH Message Error / Invalid Message Length (RFC 7313 §5)', '07 01 ' + 'ff'.repeat(16) + '0018 05 00010101 00', N(7, 1, 'ff'.repeat(16) + '0018050001010100')],
  ['unknown code and subcode kept', 'ee 63 010203', N(0xee, 0x63, '010203')],
]
for (const [name, h, value] of cases) checkCodec(t, name, hex(h), value, codec, DEFAULT_CONTEXT)

t.test('body shorter than 2 octets: Bad Message Length (RFC 4271 §4.5: minimum 21)', async (t) => {
  expectBgpError(t, 'one octet', () => decodeNotification(hex('06'), 0, 1, DEFAULT_CONTEXT), { code: 1, subcode: 2, data: '0014' })
})

t.test('builders', async (t) => {
  t.strictSame(makeNotification(4, 0), N(4, 0, ''))
  t.strictSame(makeNotification(6, 2, hex('0161')), N(6, 2, '0161', { message: 'a' }))
  t.strictSame(makeShutdownNotification(2, 'bye'), N(6, 2, '03627965', { message: 'bye' }))
  t.throws(() => makeShutdownNotification(3, 'x'), RangeError)
  // 255 octets of UTF-8 at most, never splitting a character (RFC 9003 §2)
  const long = makeShutdownNotification(4, 'a' + '€'.repeat(100)) // 1 + 300 octets
  t.equal(long.data[0], 253, '1 + 84 * 3 = 253 octets: the 85th € would need 256')
  t.equal(long.message, 'a' + '€'.repeat(84))
  t.equal(makeShutdownNotification(2, 'x'.repeat(300)).message, 'x'.repeat(255))
  t.equal(truncateUtf8('ab€', 4).toString(), 'ab')
  t.equal(truncateUtf8('ab€', 5).toString(), 'ab€')
  t.equal(truncateUtf8('😀', 3).length, 0)
  const hr = makeHardResetNotification(makeNotification(3, 1))
  t.strictSame(hr, N(6, 9, '0301', { hardReset: { code: 3, subcode: 1, data: Buffer.alloc(0) } }))
  const err = new BgpError(1, 2, 'bad length', hex('0012'))
  t.strictSame(notificationFromError(err), N(1, 2, '0012'))
})

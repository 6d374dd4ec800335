import t from 'tap'
import {
  countNlri, decodeV4Nlri, decodeV6Nlri, encodeV4Nlri, encodeV6Nlri, formatV4Key, formatV6Key, parseV4Prefix, parseV6Prefix,
  v4NlriLength, v6NlriLength, maskV4Key, maskV6Key, parsePrefix, v4Key,
} from '../../src/wire/prefix.js'
import { BgpError } from '../../src/wire/errors.js'

t.test('IPv4 NLRI round trip (RFC 4271 §4.3)', async (t) => {
  const hex = '18c00002' + '20c6336401' + '00' + '08cb' + '10c633' // 192.0.2.0/24 198.51.100.1/32 0/0 203/8 198.51/16
  const buf = Buffer.from(hex, 'hex')
  const keys: number[] = []
  decodeV4Nlri(buf, 0, buf.length, keys, null)
  t.same(keys.map(formatV4Key), ['192.0.2.0/24', '198.51.100.1/32', '0.0.0.0/0', '203.0.0.0/8', '198.51.0.0/16'])
  t.equal(v4NlriLength(keys, false), buf.length)
  const out = Buffer.alloc(buf.length + 3)
  t.equal(encodeV4Nlri(keys, null, out, 3), buf.length + 3)
  t.equal(out.subarray(3).toString('hex'), hex)
})

t.test('IPv4 NLRI with ADD-PATH (RFC 7911 §3)', async (t) => {
  const hex = '0000000118c00002' + '0000000220c6336401'
  const buf = Buffer.from(hex, 'hex')
  const keys: number[] = []
  const ids: number[] = []
  decodeV4Nlri(buf, 0, buf.length, keys, ids)
  t.same(ids, [1, 2])
  t.equal(v4NlriLength(keys, true), buf.length)
  const out = Buffer.alloc(buf.length)
  encodeV4Nlri(keys, ids, out, 0)
  t.equal(out.toString('hex'), hex)
})

t.test('IPv6 NLRI round trip', async (t) => {
  const hex = '2020010db8' + '80' + '20010db8000000000000000000000001' + '00'
  const buf = Buffer.from(hex, 'hex')
  const keys: string[] = []
  decodeV6Nlri(buf, 0, buf.length, keys, null)
  t.same(keys.map(formatV6Key), ['2001:db8::/32', '2001:db8::1/128', '::/0'])
  t.equal(v6NlriLength(keys, false), buf.length)
  const out = Buffer.alloc(buf.length)
  encodeV6Nlri(keys, null, out, 0)
  t.equal(out.toString('hex'), hex)
})

t.test('IPv6 NLRI keys of every length are the latin1 octets (with path ids)', async (t) => {
  const parts: Buffer[] = []
  const want: string[] = []
  for (let len = 0; len <= 128; len++) {
    const n = (len + 7) >> 3
    const p = Buffer.alloc(5 + n)
    p.writeUInt32BE(len, 0)
    p[4] = len
    for (let i = 0; i < n; i++) p[5 + i] = (0xf7 + i * 13 + len) & 255 // octets above 0x7f too, trailing bits as sent
    parts.push(p)
    want.push(p.subarray(4).toString('latin1'))
  }
  const buf = Buffer.concat(parts)
  const keys: string[] = []
  const ids: number[] = []
  decodeV6Nlri(buf, 0, buf.length, keys, ids)
  t.same(keys, want)
  t.same(ids, want.map((_, i) => i))
  const out = Buffer.alloc(buf.length)
  encodeV6Nlri(keys, ids, out, 0)
  t.ok(out.equals(buf), 'round trip')
})

t.test('malformed NLRI is Invalid Network Field', async (t) => {
  for (const [hex, v6] of [['21c0000201', false], ['18c000', false], ['81', true], ['20 2001'.replace(' ', ''), true], ['000000', false]] as const) {
    const buf = Buffer.from(hex, 'hex')
    try {
      if (v6) decodeV6Nlri(buf, 0, buf.length, [], null)
      else decodeV4Nlri(buf, 0, buf.length, [], hex === '000000' ? [] : null)
      t.fail(`no error for ${hex}`)
    } catch (e) {
      t.ok(e instanceof BgpError, hex)
      t.match(e, { code: 3, subcode: 10 })
    }
  }
})

t.test('long NLRI fields: lists sized by countNlri() first, appended to what the arrays hold', async (t) => {
  // 300 IPv4 prefixes of every length 0..32 (above the pre-sizing threshold), with and without path ids.
  for (const addPath of [false, true]) {
    const keys4: number[] = []
    for (let i = 0; i < 300; i++) keys4.push(maskV4Key(((0xc6336400 + i * 977) >>> 0) * 64 + (i % 33)))
    const ids4 = addPath ? keys4.map((_, i) => i * 7) : null
    const buf = Buffer.alloc(v4NlriLength(keys4, addPath))
    encodeV4Nlri(keys4, ids4, buf, 0)
    t.equal(countNlri(buf, 0, buf.length, addPath), 300)
    const keys = [v4Key(1, 8)]
    const ids = addPath ? [99] : null
    decodeV4Nlri(buf, 0, buf.length, keys, ids)
    t.same(keys, [v4Key(1, 8), ...keys4], `IPv4 addPath ${addPath}: appended after the key already there`)
    if (ids !== null) t.same(ids, [99, ...ids4!])
    const fresh: number[] = []
    decodeV4Nlri(buf, 0, buf.length, fresh, addPath ? [] : null)
    t.same(fresh, keys4)
    // IPv6 /48s
    const keys6 = keys4.map((_, i) => String.fromCharCode(48, 0x20, 0x01, 0x0d, 0xb8, i >> 8, i & 255))
    const ids6 = addPath ? keys6.map((_, i) => i + 1) : null
    const b6 = Buffer.alloc(v6NlriLength(keys6, addPath))
    encodeV6Nlri(keys6, ids6, b6, 0)
    t.equal(countNlri(b6, 0, b6.length, addPath), 300)
    const k6: string[] = []
    const i6 = addPath ? ([] as number[]) : null
    decodeV6Nlri(b6, 0, b6.length, k6, i6)
    t.same(k6, keys6, `IPv6 addPath ${addPath}`)
    if (i6 !== null) t.same(i6, ids6)
  }
})

t.test('long malformed NLRI fields: still Invalid Network Field', async (t) => {
  const good = Buffer.from('18c00002'.repeat(40), 'hex')
  const cases: Array<[string, Buffer, boolean, boolean]> = [
    ['IPv4 length > 32', Buffer.concat([good, Buffer.from('21c0000201', 'hex')]), false, false],
    ['IPv4 truncated', Buffer.concat([good, Buffer.from('18c000', 'hex')]), false, false],
    ['IPv4 path id without prefix', Buffer.concat([Buffer.from('0000000118c00002'.repeat(20), 'hex'), Buffer.from('00000001', 'hex')]), false, true],
    ['IPv4 truncated path id', Buffer.concat([Buffer.from('0000000118c00002'.repeat(20), 'hex'), Buffer.from('0000', 'hex')]), false, true],
    ['IPv6 length > 128', Buffer.concat([good, Buffer.from('81', 'hex')]), true, false],
    ['IPv6 truncated', Buffer.concat([good, Buffer.from('202001', 'hex')]), true, false],
  ]
  for (const [name, buf, v6, addPath] of cases) {
    t.ok(countNlri(buf, 0, buf.length, addPath) >= 20, `${name}: counted as far as it goes`)
    try {
      if (v6) decodeV6Nlri(buf, 0, buf.length, [], addPath ? [] : null)
      else decodeV4Nlri(buf, 0, buf.length, [], addPath ? [] : null)
      t.fail(`no error for ${name}`)
    } catch (e) {
      t.match(e, { code: 3, subcode: 10 }, name)
    }
  }
})

t.test('parse and mask', async (t) => {
  t.equal(formatV4Key(parseV4Prefix('192.0.2.77/24')!), '192.0.2.0/24')
  t.equal(parseV4Prefix('192.0.2.0/33'), null)
  t.equal(parseV4Prefix('192.0.2/24'), null)
  t.equal(formatV4Key(parseV4Prefix('198.51.100.1')!), '198.51.100.1/32')
  t.equal(formatV6Key(parseV6Prefix('2001:db8:53::53/128')!), '2001:db8:53::53/128')
  t.equal(formatV6Key(parseV6Prefix('2001:db8:ffff::1/47')!), '2001:db8:fffe::/47')
  t.equal(parseV6Prefix('2001:db8::/129'), null)
  t.equal(parseV6Prefix('2001:db8:::1/64'), null)
  t.equal(maskV4Key(3221225985 * 64 + 24), 3221225984 * 64 + 24)
  t.equal(formatV6Key(maskV6Key(String.fromCharCode(4, 0xff))), 'f000::/4')
  t.match(parsePrefix('2001:db8::/32'), { afi: 2 })
  t.match(parsePrefix('192.0.2.0/24'), { afi: 1 })
  t.equal(parsePrefix('nope'), null)
})

import t from 'tap'
import {
  decodeV4Nlri, decodeV6Nlri, encodeV4Nlri, encodeV6Nlri, formatV4Key, formatV6Key, parseV4Prefix, parseV6Prefix,
  v4NlriLength, v6NlriLength, maskV4Key, maskV6Key, parsePrefix,
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

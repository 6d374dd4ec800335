/**
 * RFC 7606 error classes through decodeUpdate: each case is an UPDATE body (annotated hex) and
 * either the collected outcomes [action, attrType, subcode] or the session reset thrown as BgpError
 * {code, subcode, data} (RFC 4271 §6.3 data: the erroneous attribute where the RFC asks for it).
 */
import t from 'tap'
import { makeWireContext, type WireContext } from '../../src/wire/context.js'
import { BgpError, worstOutcome } from '../../src/wire/errors.js'
import { decodeUpdate } from '../../src/wire/update.js'
import { formatNlriList, type NlriList } from '../../src/wire/prefix.js'

const AS4 = makeWireContext({ as4: true })
const clean = (hex: string): string => hex.replace(/\/\*.*?\*\//g, '').replace(/\s+/g, '')

/** ORIGIN IGP, AS_PATH 65001 (4-octet), NEXT_HOP 192.0.2.1 */
const ORIGIN = '40 01 01 00'
const AS_PATH = '40 02 06 02 01 0000fde9'
const NEXT_HOP = '40 03 04 c0000201'
const BASE = ORIGIN + AS_PATH + NEXT_HOP
const NLRI = '18 c00002 /* 192.0.2.0/24 */'
const V6_MP_REACH = '80 0e 1a 0002 01 10 20010db8000000000000000000000001 00 20 20010db8 /* 2001:db8::/32 via 2001:db8::1 */'

/** UPDATE body: no withdrawn routes, the given attributes, the given NLRI. */
function body(attrs: string, nlri = '', withdrawn = ''): Buffer {
  const w = Buffer.from(clean(withdrawn), 'hex')
  const a = Buffer.from(clean(attrs), 'hex')
  const n = Buffer.from(clean(nlri), 'hex')
  const b = Buffer.alloc(4 + w.length + a.length + n.length)
  b.writeUInt16BE(w.length, 0)
  w.copy(b, 2)
  b.writeUInt16BE(a.length, 2 + w.length)
  a.copy(b, 4 + w.length)
  n.copy(b, 4 + w.length + a.length)
  return b
}

type Outcome = [action: string, attrType: number, subcode: number]
interface Case {
  name: string
  attrs: string
  nlri?: string
  ctx?: WireContext
  /** collected outcomes, in order */
  errors?: Outcome[]
  /** thrown session reset */
  reset?: { code: number; subcode: number; data?: string }
  /** prefixes still extracted for treat-as-withdraw */
  prefixes?: string[]
}

const cases: Case[] = [
  // RFC 7606 §7.1
  { name: 'ORIGIN undefined value', attrs: '40 01 01 03' + AS_PATH + NEXT_HOP, nlri: NLRI, errors: [['withdraw', 1, 6]], prefixes: ['192.0.2.0/24'] },
  { name: 'ORIGIN length 2', attrs: '40 01 02 0000' + AS_PATH + NEXT_HOP, nlri: NLRI, errors: [['withdraw', 1, 5]], prefixes: ['192.0.2.0/24'] },
  // RFC 7606 §3 (c)
  { name: 'ORIGIN flagged optional', attrs: '80 01 01 00' + AS_PATH + NEXT_HOP, nlri: NLRI, errors: [['withdraw', 1, 4]] },
  { name: 'COMMUNITIES flagged well-known', attrs: BASE + '40 08 04 fde90001', nlri: NLRI, errors: [['withdraw', 8, 4]] },
  // RFC 7606 §7.2
  { name: 'AS_PATH segment overruns', attrs: ORIGIN + '40 02 04 02 02 fde9' + NEXT_HOP, nlri: NLRI, errors: [['withdraw', 2, 11]] },
  { name: 'AS_PATH zero-length segment', attrs: ORIGIN + '40 02 02 02 00' + NEXT_HOP, nlri: NLRI, errors: [['withdraw', 2, 11]] },
  { name: 'AS_PATH unknown segment type 5', attrs: ORIGIN + '40 02 06 05 01 0000fde9' + NEXT_HOP, nlri: NLRI, errors: [['withdraw', 2, 11]] },
  { name: 'AS_PATH single octet left', attrs: ORIGIN + '40 02 07 02 01 0000fde9 02' + NEXT_HOP, nlri: NLRI, errors: [['withdraw', 2, 11]] },
  // RFC 7606 §7.3 - §7.5
  { name: 'NEXT_HOP length 5', attrs: ORIGIN + AS_PATH + '40 03 05 c000020100', nlri: NLRI, errors: [['withdraw', 3, 5]] },
  { name: 'MED length 2', attrs: BASE + '80 04 02 0064', nlri: NLRI, errors: [['withdraw', 4, 5]] },
  { name: 'LOCAL_PREF length 3', attrs: BASE + '40 05 03 000064', nlri: NLRI, errors: [['withdraw', 5, 5]] },
  // RFC 7606 §7.6, §7.7: attribute discard
  { name: 'ATOMIC_AGGREGATE length 1', attrs: BASE + '40 06 01 00', nlri: NLRI, errors: [['discard', 6, 5]] },
  { name: 'AGGREGATOR 6 octets in a 4-octet session', attrs: BASE + 'c0 07 06 fde9 c0000201', nlri: NLRI, errors: [['discard', 7, 5]] },
  // RFC 7606 §7.8 - §7.10, §7.14; RFC 8092 §5; RFC 9234 §5
  { name: 'COMMUNITIES length 5', attrs: BASE + 'c0 08 05 fde9000100', nlri: NLRI, errors: [['withdraw', 8, 5]] },
  { name: 'COMMUNITIES length 0', attrs: BASE + 'c0 08 00', nlri: NLRI, errors: [['withdraw', 8, 5]] },
  { name: 'ORIGINATOR_ID length 3', attrs: BASE + '80 09 03 0a0000', nlri: NLRI, errors: [['withdraw', 9, 5]] },
  { name: 'CLUSTER_LIST length 6', attrs: BASE + '80 0a 06 0a0000010a00', nlri: NLRI, errors: [['withdraw', 10, 5]] },
  { name: 'EXTENDED_COMMUNITIES length 7', attrs: BASE + 'c0 10 07 0002fde8000000', nlri: NLRI, errors: [['withdraw', 16, 5]] },
  { name: 'LARGE_COMMUNITY length 8', attrs: BASE + 'c0 20 08 0000000100000002', nlri: NLRI, errors: [['withdraw', 32, 5]] },
  { name: 'OTC length 2', attrs: BASE + 'c0 23 02 fde9', nlri: NLRI, errors: [['withdraw', 35, 5]] },
  // RFC 6793 §6: discard
  { name: 'AS4_PATH malformed', attrs: BASE + 'c0 11 03 020100', nlri: NLRI, errors: [['discard', 17, 9]] },
  { name: 'AS4_AGGREGATOR length 6', attrs: BASE + 'c0 12 06 fde9c0000201', nlri: NLRI, errors: [['discard', 18, 5]] },
  // RFC 7606 §3 (g)
  { name: 'duplicate ORIGIN: all but the first discarded', attrs: BASE + '40 01 01 02', nlri: NLRI, errors: [['discard', 1, 1]] },
  { name: 'duplicate MP_REACH_NLRI', attrs: BASE + V6_MP_REACH + V6_MP_REACH, reset: { code: 3, subcode: 1 } },
  { name: 'duplicate MP_UNREACH_NLRI', attrs: '80 0f 03 000201 80 0f 03 000201', reset: { code: 3, subcode: 1 } },
  // RFC 7606 §3 (d): missing well-known
  { name: 'missing ORIGIN', attrs: AS_PATH + NEXT_HOP, nlri: NLRI, errors: [['withdraw', 1, 3]] },
  { name: 'missing AS_PATH and NEXT_HOP', attrs: ORIGIN, nlri: NLRI, errors: [['withdraw', 2, 3], ['withdraw', 3, 3]] },
  { name: 'missing ORIGIN with MP_REACH_NLRI', attrs: AS_PATH + V6_MP_REACH, errors: [['withdraw', 1, 3]], prefixes: ['2001:db8::/32'] },
  { name: 'MP_REACH_NLRI only: NEXT_HOP not needed', attrs: ORIGIN + AS_PATH + V6_MP_REACH, errors: [] },
  { name: 'withdrawal only: no attribute needed', attrs: '', errors: [] },
  { name: 'MP_UNREACH_NLRI only: no other attribute needed', attrs: '80 0f 08 0002 01 20 20010db8', errors: [] },
  // RFC 7606 §4
  {
    name: 'last attribute overruns the attribute field: NLRI still found',
    attrs: BASE + 'c0 08 08 fde90001',
    nlri: NLRI,
    errors: [['withdraw', 8, 5]],
    prefixes: ['192.0.2.0/24'],
  },
  { name: 'two octets left: truncated attribute header', attrs: BASE + '40 05', nlri: NLRI, errors: [['withdraw', 5, 1]] },
  { name: 'extended length header truncated', attrs: BASE + '50 05 00', nlri: NLRI, errors: [['withdraw', 5, 1]] },
  // MP_REACH / MP_UNREACH: session reset (RFC 7606 §5.3, RFC 4760 §7 Optional Attribute Error, data = attribute)
  { name: 'MP_REACH_NLRI next hop length 5', attrs: BASE + '80 0e 0a 0002 01 05 0102030405 00', reset: { code: 3, subcode: 9, data: '800e0a0002010501020304050' + '0' } },
  { name: 'MP_REACH_NLRI next hop overruns', attrs: BASE + '80 0e 05 0002 01 10 00', reset: { code: 3, subcode: 9, data: '800e050002011000' } },
  { name: 'MP_REACH_NLRI prefix length 129', attrs: BASE + '80 0e 16 0002 01 10 20010db8000000000000000000000001 00 81 20', reset: { code: 3, subcode: 10 } },
  { name: 'MP_UNREACH_NLRI length 2', attrs: '80 0f 02 0002', reset: { code: 3, subcode: 9, data: '800f020002' } },
  { name: 'MP_REACH_NLRI overruns the attribute field', attrs: ORIGIN + '80 0e 30 0002 01 10', reset: { code: 3, subcode: 5 } },
  {
    name: 'MP_REACH_NLRI with wrong flags: treat-as-withdraw, prefixes kept',
    attrs: ORIGIN + AS_PATH + 'c0 0e 1a 0002 01 10 20010db8000000000000000000000001 00 20 20010db8',
    errors: [['withdraw', 14, 4]],
    prefixes: ['2001:db8::/32'],
  },
  // RFC 4271 §6.3
  { name: 'unrecognized well-known attribute', attrs: BASE + '40 63 01 00', nlri: NLRI, reset: { code: 3, subcode: 2, data: '40630100' } },
  { name: 'unrecognized optional attribute kept', attrs: BASE + 'c0 63 01 00', nlri: NLRI, errors: [] },
  // RFC 7606 §5.3: NLRI that does not parse
  { name: 'NLRI prefix length 33', attrs: BASE, nlri: '21 c0000201 00', reset: { code: 3, subcode: 10 } },
  { name: 'NLRI truncated', attrs: BASE, nlri: '18 c000', reset: { code: 3, subcode: 10 } },
]

t.test('RFC 7606 outcomes', async (t) => {
  for (const c of cases) {
    const b = body(c.attrs, c.nlri)
    const ctx = c.ctx ?? AS4
    if (c.reset) {
      try {
        decodeUpdate(b, 0, b.length, ctx)
        t.fail(`${c.name}: no error thrown`)
      } catch (e) {
        t.ok(e instanceof BgpError, `${c.name}: BgpError`)
        const be = e as BgpError
        t.same([be.code, be.subcode], [c.reset.code, c.reset.subcode], `${c.name}: code/subcode (${be.message})`)
        if (c.reset.data !== undefined) t.equal(be.data.toString('hex'), c.reset.data, `${c.name}: data is the attribute`)
      }
      continue
    }
    const u = decodeUpdate(b, 0, b.length, ctx)
    const got = (u.errors ?? []).map((e): Outcome => [e.action, e.attrType, e.subcode])
    t.same(got, c.errors, `${c.name}: outcomes ${JSON.stringify(u.errors ?? [])}`)
    if (c.errors!.length === 0) t.equal(u.errors, undefined, `${c.name}: no errors field`)
    if (c.prefixes) {
      const mp = u.attributes.mpReach?.nlri
      const all = [...formatNlriList(u.nlri), ...(mp && !('raw' in mp) ? formatNlriList(mp as NlriList) : [])]
      t.same(all, c.prefixes, `${c.name}: prefixes available to withdraw`)
    }
  }
})

t.test('the first of duplicated attributes is kept (RFC 7606 §3 g)', async (t) => {
  const b = body(BASE + '40 01 01 02', NLRI)
  const u = decodeUpdate(b, 0, b.length, AS4)
  t.equal(u.attributes.origin, 0)
})

t.test('attribute discard keeps the rest of the UPDATE usable', async (t) => {
  const b = body(BASE + 'c0 07 06 fde9 c0000201', NLRI)
  const u = decodeUpdate(b, 0, b.length, AS4)
  t.equal(u.attributes.aggregator, undefined)
  t.equal(u.attributes.nextHop, '192.0.2.1')
  t.equal(worstOutcome(u.errors), 'discard')
})

t.test('several faults: worstOutcome picks treat-as-withdraw over discard (RFC 7606 §3 j)', async (t) => {
  const b = body(ORIGIN + '40 02 02 02 00' + NEXT_HOP + '40 06 01 00', NLRI)
  const u = decodeUpdate(b, 0, b.length, AS4)
  t.equal(u.errors?.length, 2)
  t.equal(worstOutcome(u.errors), 'withdraw')
})

t.test('message-level length faults are session resets (RFC 4271 §6.3, §6.1)', async (t) => {
  const check = (name: string, hex: string, code: number, subcode: number, data?: string): void => {
    const b = Buffer.from(clean(hex), 'hex')
    try {
      decodeUpdate(b, 0, b.length, AS4)
      t.fail(`${name}: no error`)
    } catch (e) {
      t.ok(e instanceof BgpError, name)
      t.same([(e as BgpError).code, (e as BgpError).subcode], [code, subcode], name)
      if (data !== undefined) t.equal((e as BgpError).data.toString('hex'), data, `${name}: data`)
    }
  }
  check('Withdrawn Routes Length overruns', '0005 18c000', 3, 1)
  check('Withdrawn Routes Length leaves no room for Total Path Attribute Length', '0002 0000', 3, 1)
  check('Total Path Attribute Length overruns', '0000 0010 40010100', 3, 1)
  check('body shorter than 4 octets', '0000 00', 1, 2, '0016')
  check('Withdrawn Routes field malformed', '0002 2100 0000', 3, 10)
})

t.test('no decoder fault escapes as anything but BgpError on random bytes', async (t) => {
  let seed = 7
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000
  const base = body(BASE + V6_MP_REACH + 'c0 08 04 fde90001 c0 20 0c 000000010000000200000003', NLRI)
  let other = 0
  for (let i = 0; i < 3000; i++) {
    const b = Buffer.from(base)
    const flips = 1 + Math.floor(rnd() * 4)
    for (let f = 0; f < flips; f++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256)
    const end = rnd() < 0.2 ? Math.floor(rnd() * b.length) : b.length
    try {
      decodeUpdate(b, 0, end, rnd() < 0.5 ? AS4 : makeWireContext({ addPath: [[1, 1], [2, 1]] }))
    } catch (e) {
      if (!(e instanceof BgpError)) other++
    }
  }
  t.equal(other, 0)
})

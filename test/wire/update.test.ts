/**
 * UPDATE body codec (RFC 4271 §4.3): annotated bodies <-> Update values, both ways, plus the
 * byte-exact `wire` record, the JSON form and RFC 4271 §5 partial-bit propagation.
 */
import t from 'tap'
import { makeWireContext, type WireContext } from '../../src/wire/context.js'
import { decodeUpdate, encodeUpdate, updateLength } from '../../src/wire/update.js'
import { decodePathAttributes, encodePathAttributes, pathAttributesLength } from '../../src/wire/attributes.js'
import { markPartialForPropagation } from '../../src/wire/attrs/unknown.js'
import { updateToJson } from '../../src/wire/update-json.js'
import { parseV4Prefix, parseV6Prefix, type NlriList } from '../../src/wire/prefix.js'
import type { PathAttributes, Update } from '../../src/wire/types.js'

const AS2 = makeWireContext({ as4: false })
const AS4 = makeWireContext({ as4: true })
const ADDPATH = makeWireContext({ as4: true, addPath: [[1, 1]] })
const clean = (hex: string): string => hex.replace(/\/\*.*?\*\//g, '').replace(/\s+/g, '')

const v4 = (...p: string[]): NlriList => ({ afi: 1, keys: p.map((s) => parseV4Prefix(s)!), pathIds: null })
const v6 = (...p: string[]): NlriList => ({ afi: 2, keys: p.map((s) => parseV6Prefix(s)!), pathIds: null })
const update = (attributes: PathAttributes, nlri = v4(), withdrawn = v4()): Update => ({ type: 'UPDATE', withdrawn, attributes, nlri })

interface Case {
  name: string
  hex: string
  ctx?: WireContext
  value: Update
}

const cases: Case[] = [
  {
    name: 'End-of-RIB IPv4 unicast (RFC 4724 §2)',
    hex: '0000 /* withdrawn length */ 0000 /* path attribute length */',
    value: update({}),
  },
  {
    name: 'IPv4 announce, 2-octet AS (RFC 4271 §4.3)',
    ctx: AS2,
    hex: `0000 0025 /* 37 octets of attributes */
      40 01 01 00 /* ORIGIN IGP */
      40 02 06 02 02 fde9 fdea /* AS_PATH SEQ 65001 65002 */
      40 03 04 c0000201 /* NEXT_HOP 192.0.2.1 */
      80 04 04 00000064 /* MED 100 */
      40 05 04 000000c8 /* LOCAL_PREF 200 */
      40 06 00 /* ATOMIC_AGGREGATE */
      18 c00002 /* 192.0.2.0/24 */ 20 c6336401 /* 198.51.100.1/32 */`,
    value: update(
      { origin: 0, asPath: [{ type: 2, asns: [65001, 65002] }], nextHop: '192.0.2.1', med: 100, localPref: 200, atomicAggregate: true },
      v4('192.0.2.0/24', '198.51.100.1/32'),
    ),
  },
  {
    name: 'withdrawal only',
    hex: '0007 /* withdrawn length */ 18 c00002 10 c633 /* 192.0.2.0/24 198.51.0.0/16 */ 0000',
    value: update({}, v4(), v4('192.0.2.0/24', '198.51.0.0/16')),
  },
  {
    name: 'ADD-PATH IPv4 (RFC 7911 §3)',
    ctx: ADDPATH,
    hex: `0008 00000001 18 c00002 /* withdraw path 1 */ 000e
      40 01 01 02 /* ORIGIN INCOMPLETE */ 40 02 00 /* empty AS_PATH */ 40 03 04 0a000001
      00000002 18 c00002 /* announce path 2 */`,
    value: update(
      { origin: 2, asPath: [], nextHop: '10.0.0.1' },
      { afi: 1, keys: [parseV4Prefix('192.0.2.0/24')!], pathIds: [2] },
      { afi: 1, keys: [parseV4Prefix('192.0.2.0/24')!], pathIds: [1] },
    ),
  },
  {
    name: 'IPv6 via MP_REACH_NLRI, communities, large communities, 4-octet AS',
    hex: `0000 005a
      40 01 01 00
      40 02 0a 02 02 0000fde9 fa56ea01 /* AS_PATH 65001 4200000001 */
      c0 08 08 fde90001 ffffff01 /* COMMUNITIES 65001:1 NO_EXPORT */
      80 0e 2c 0002 01 20 20010db8000000000000000000000001 fe800000000000000000000000000001 00 30 20010db80001 /* 2001:db8:1::/48 */
      c0 20 0c 00000001 00000002 00000003 /* LARGE_COMMUNITY 1:2:3 */`,
    value: update({
      origin: 0,
      asPath: [{ type: 2, asns: [65001, 4200000001] }],
      communities: [65001 * 65536 + 1, 0xffffff01],
      mpReach: { afi: 2, safi: 1, nextHop: ['2001:db8::1', 'fe80::1'], nlri: v6('2001:db8:1::/48') },
      largeCommunities: [1, 2, 3],
    }),
  },
  {
    name: 'route reflection, aggregator, extended communities, OTC, unknown optional transitive with Partial',
    hex: `0000 0043
      40 01 01 01 /* ORIGIN EGP */ 40 02 00 40 03 04 c0000201
      c0 07 08 0000fde9 c0000201 /* AGGREGATOR 65001 192.0.2.1 */
      80 09 04 0a000001 /* ORIGINATOR_ID */ 80 0a 08 0a000002 0a000003 /* CLUSTER_LIST */
      c0 10 08 0002fde800000064 /* target:65000:100 */
      c0 23 04 0000fde9 /* OTC 65001 */
      e0 63 03 010203 /* unknown type 99, O+T+P */
      18 c00002`,
    value: update(
      {
        origin: 1,
        asPath: [],
        nextHop: '192.0.2.1',
        aggregator: { asn: 65001, address: '192.0.2.1' },
        originatorId: '10.0.0.1',
        clusterList: ['10.0.0.2', '10.0.0.3'],
        extendedCommunities: ['0002fde800000064'],
        otc: 65001,
        unknown: [{ code: 99, flags: 0xe0, data: Buffer.from('010203', 'hex') }],
      },
      v4('192.0.2.0/24'),
    ),
  },
  {
    name: 'AS4_PATH and AS4_AGGREGATOR in a 2-octet session (RFC 6793 §4.2.2)',
    ctx: AS2,
    hex: `0000 0035
      40 01 01 00 40 02 06 02 02 fde9 5ba0 /* 65001 AS_TRANS */ 40 03 04 c0000201
      c0 07 06 5ba0 c0000201 /* AGGREGATOR AS_TRANS */
      c0 11 0a 02 02 0000fde9 fa56ea01 /* AS4_PATH */
      c0 12 08 fa56ea01 c0000201 /* AS4_AGGREGATOR */
      18 c00002`,
    value: update(
      {
        origin: 0,
        asPath: [{ type: 2, asns: [65001, 23456] }],
        nextHop: '192.0.2.1',
        aggregator: { asn: 23456, address: '192.0.2.1' },
        as4Path: [{ type: 2, asns: [65001, 4200000001] }],
        as4Aggregator: { asn: 4200000001, address: '192.0.2.1' },
      },
      v4('192.0.2.0/24'),
    ),
  },
  {
    name: 'non-canonical: MP_REACH_NLRI first, ORIGIN with Extended Length - kept in `wire`',
    hex: `0000 0026
      90 0e 00 1a 0002 01 10 20010db8000000000000000000000001 00 20 20010db8 /* MP_REACH, 2-octet length */
      50 01 00 01 00 /* ORIGIN, Extended Length */
      40 02 00`,
    value: update({
      origin: 0,
      asPath: [],
      mpReach: { afi: 2, safi: 1, nextHop: ['2001:db8::1'], nlri: v6('2001:db8::/32') },
      wire: [
        { code: 14, flags: 0x90 },
        { code: 1, flags: 0x50 },
        { code: 2, flags: 0x40 },
      ],
    }),
  },
]

t.test('UPDATE table: decode, length, encode, encode at offset 10', async (t) => {
  for (const c of cases) {
    const ctx = c.ctx ?? AS4
    const bytes = Buffer.from(clean(c.hex), 'hex')
    const u = decodeUpdate(Buffer.concat([Buffer.from('ffff', 'hex'), bytes]), 2, 2 + bytes.length, ctx)
    t.same(u, c.value, `${c.name}: decode`)
    t.equal(updateLength(c.value, ctx), bytes.length, `${c.name}: length`)
    const out = Buffer.alloc(bytes.length)
    t.equal(encodeUpdate(c.value, out, 0, ctx), bytes.length, `${c.name}: encode offset`)
    t.equal(out.toString('hex'), bytes.toString('hex'), `${c.name}: encode`)
    const at10 = Buffer.alloc(bytes.length + 10)
    t.equal(encodeUpdate(c.value, at10, 10, ctx), 10 + bytes.length, `${c.name}: offset 10`)
    t.equal(at10.subarray(10).toString('hex'), bytes.toString('hex'), `${c.name}: bytes at offset 10`)
  }
})

t.test('canonical encoding: ascending type codes, Extended Length only when needed', async (t) => {
  const a: PathAttributes = {
    communities: Array.from({ length: 70 }, (_, i) => i), // 280 octets -> Extended Length
    origin: 2,
    asPath: [],
    nextHop: '192.0.2.1',
    unknown: [{ code: 40, flags: 0xd0, data: Buffer.from('aa', 'hex') }], // E bit dropped: 1 octet
  }
  const buf = Buffer.alloc(pathAttributesLength(a, AS4))
  t.equal(encodePathAttributes(a, buf, 0, AS4), buf.length)
  t.equal(buf.subarray(0, 10).toString('hex'), '400101' + '02' + '400200' + '400304', 'ORIGIN, AS_PATH, NEXT_HOP first')
  t.equal(buf.subarray(14, 18).toString('hex'), 'd0080118', 'COMMUNITIES with Extended Length (280 octets)')
  t.equal(buf.subarray(18 + 280).toString('hex'), 'c02801aa', 'unknown 40 last, 1-octet length')
  const back = decodePathAttributes(buf, 0, buf.length, AS4)
  t.same(back.attributes, { ...a, unknown: [{ code: 40, flags: 0xc0, data: Buffer.from('aa', 'hex') }] })
})

t.test('decode(encode(x)) = x for canonical values (no `wire`)', async (t) => {
  for (const c of cases) {
    if (c.value.attributes.wire) continue
    const ctx = c.ctx ?? AS4
    const buf = Buffer.alloc(updateLength(c.value, ctx))
    encodeUpdate(c.value, buf, 0, ctx)
    t.same(decodeUpdate(buf, 0, buf.length, ctx), c.value, c.name)
  }
})

t.test('`wire` naming an absent attribute is skipped; present ones missing from `wire` follow canonically', async (t) => {
  const a: PathAttributes = {
    origin: 0,
    med: 5,
    wire: [
      { code: 4, flags: 0x80 },
      { code: 3, flags: 0x40 }, // NEXT_HOP absent
    ],
  }
  const buf = Buffer.alloc(pathAttributesLength(a, AS4))
  encodePathAttributes(a, buf, 0, AS4)
  t.equal(buf.toString('hex'), '80040400000005' + '40010100')
})

t.test('markPartialForPropagation (RFC 4271 §5)', async (t) => {
  const a: PathAttributes = {
    origin: 0,
    unknown: [
      { code: 99, flags: 0xc0, data: Buffer.from('01', 'hex') }, // optional transitive: P set
      { code: 98, flags: 0x80, data: Buffer.from('02', 'hex') }, // optional non-transitive: dropped
    ],
    wire: [
      { code: 99, flags: 0xc0 },
      { code: 1, flags: 0x40 },
      { code: 98, flags: 0x80 },
    ],
  }
  const p = markPartialForPropagation(a)
  t.same(p.unknown, [{ code: 99, flags: 0xe0, data: Buffer.from('01', 'hex') }])
  t.same(p.wire, [
    { code: 99, flags: 0xe0 },
    { code: 1, flags: 0x40 },
  ])
  t.equal(a.unknown![0]!.flags, 0xc0, 'input unchanged')
  const buf = Buffer.alloc(pathAttributesLength(p, AS4))
  encodePathAttributes(p, buf, 0, AS4)
  t.equal(buf.toString('hex'), 'e0630101' + '40010100')
})

t.test('ADD-PATH in context but no pathIds: Path Identifier 0 is sent', async (t) => {
  const u = update({ origin: 0, asPath: [], nextHop: '192.0.2.1' }, v4('192.0.2.0/24'))
  const buf = Buffer.alloc(updateLength(u, ADDPATH))
  encodeUpdate(u, buf, 0, ADDPATH)
  t.equal(buf.subarray(buf.length - 8).toString('hex'), '0000000018c00002')
  t.same(decodeUpdate(buf, 0, buf.length, ADDPATH).nlri, { afi: 1, keys: [parseV4Prefix('192.0.2.0/24')], pathIds: [0] })
})

t.test('updateToJson', async (t) => {
  const c = cases.find((x) => x.name.startsWith('route reflection'))!
  t.same(updateToJson(c.value), {
    type: 'UPDATE',
    withdrawn: [],
    nlri: ['192.0.2.0/24'],
    attributes: {
      origin: 'EGP',
      asPath: [],
      nextHop: '192.0.2.1',
      aggregator: { asn: 65001, address: '192.0.2.1' },
      extendedCommunities: ['target:65000:100'],
      originatorId: '10.0.0.1',
      clusterList: ['10.0.0.2', '10.0.0.3'],
      otc: 65001,
      unknown: [{ code: 99, flags: 0xe0, hex: '010203' }],
    },
  })
  const six = cases.find((x) => x.name.startsWith('IPv6 via'))!
  t.same(updateToJson(six.value), {
    type: 'UPDATE',
    withdrawn: [],
    nlri: [],
    attributes: {
      origin: 'IGP',
      asPath: [{ type: 'AS_SEQUENCE', asns: [65001, 4200000001] }],
      communities: ['65001:1', '65535:65281'],
      largeCommunities: ['1:2:3'],
      mpReach: { afi: 2, safi: 1, nextHop: ['2001:db8::1', 'fe80::1'], nlri: ['2001:db8:1::/48'] },
    },
  })
  const ap = cases.find((x) => x.name.startsWith('ADD-PATH'))!
  t.same(updateToJson(ap.value), {
    type: 'UPDATE',
    withdrawn: [{ prefix: '192.0.2.0/24', pathId: 1 }],
    nlri: [{ prefix: '192.0.2.0/24', pathId: 2 }],
    attributes: { origin: 'INCOMPLETE', asPath: [], nextHop: '10.0.0.1' },
  })
  const nc = cases.find((x) => x.name.startsWith('non-canonical'))!
  t.notOk('wire' in (updateToJson(nc.value) as { attributes: object }).attributes, 'no wire in JSON')
})

t.test('decodePathAttributes with opts.mrt: abbreviated MP_REACH_NLRI (RFC 6396 §4.3.4)', async (t) => {
  const hex = clean(`40 01 01 00 40 02 00
    80 0e 21 20 20010db8000000000000000000000001 fe800000000000000000000000000001 /* next hop length 32 + next hops */`)
  const buf = Buffer.from(hex, 'hex')
  const r = decodePathAttributes(buf, 0, buf.length, AS4, { mrt: true })
  t.same(r, {
    attributes: { origin: 0, asPath: [], mpReach: { afi: 2, safi: 1, nextHop: ['2001:db8::1', 'fe80::1'], nlri: v6() } },
  })
  const v4nh = Buffer.from('800e0504c0000201', 'hex')
  t.same(decodePathAttributes(v4nh, 0, v4nh.length, AS4, { mrt: true }).attributes.mpReach, {
    afi: 1,
    safi: 1,
    nextHop: ['192.0.2.1'],
    nlri: v4(),
  })
  t.throws(() => decodePathAttributes(v4nh, 0, v4nh.length, AS4), { code: 3, subcode: 9 }, 'without opts.mrt it is a malformed MP_REACH_NLRI')
})

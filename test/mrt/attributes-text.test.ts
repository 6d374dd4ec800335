/**
 * The hand-built attributes text (src/mrt/attributes-text.ts) must equal the reference
 * JSON.stringify(ribAttributesJson(decodePathAttributes(...))) for every block: clean ones it
 * handles, and odd ones it must hand to the reference. Checked on annotated blocks, on every entry
 * of the start of the RouteViews full table, and on randomly mutated blocks.
 */
import t, { type Test } from 'tap'
import fc from 'fast-check'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { RibAttributesText, ribAttributesReference } from '../../src/mrt/attributes-text.js'
import { openMrtFile } from '../../src/mrt/file-source.js'
import { MrtFramer } from '../../src/mrt/record-reader.js'
import { decodePeerIndexTable, decodeRib } from '../../src/mrt/table-dump-v2.js'
import { attr, h } from './builders.js'

const SHARED = new URL('../../../shared/', import.meta.url)
const RIB = fileURLToPath(new URL('fixtures/hask-mrt/rib.bz2', SHARED))

function check(t: Test, as4: boolean, hex: string, afi = 1, safi = 1, fast?: boolean): void {
  const b = h(hex)
  const w = new RibAttributesText(as4)
  // twice: the second time answers from the value caches
  const got1 = w.text(b, 0, b.length, afi, safi)
  const got2 = w.text(b, 0, b.length, afi, safi)
  const want = ribAttributesReference(b, 0, b.length, as4, afi, safi)
  t.equal(got1, want, hex.slice(0, 60))
  t.equal(got2, want)
  if (fast !== undefined) t.equal(w.fast === 2, fast, fast ? 'handled by the walker' : 'sent to the reference')
}

const CLEAN: Array<[string, boolean, string]> = [
  ['empty', true, ''],
  ['ORIGIN EGP, empty AS_PATH, NEXT_HOP', true, attr(0x40, 1, '01') + attr(0x40, 2, '') + attr(0x40, 3, '0a000001')],
  [
    'every segment type, 4-octet',
    true,
    attr(0x40, 2, '01 02 00000001 00000002' + '02 01 fa56ea00' + '03 01 0000fde8' + '04 02 00000003 00000004'),
  ],
  ['2-octet AS_PATH, AGGREGATOR', false, attr(0x40, 2, '02 02 fde9 0001') + attr(0xc0, 7, 'fde9 c0000201')],
  ['4-octet AGGREGATOR, MED, LOCAL_PREF 0, ATOMIC', true, attr(0xc0, 7, 'fa56ea00 c0000201') + attr(0x80, 4, 'ffffffff') + attr(0x40, 5, '00000000') + attr(0x40, 6, '')],
  ['COMMUNITIES + LARGE_COMMUNITY (printed before mpReach)', true, attr(0xc0, 8, 'fde90001 ffffff02') + attr(0x80, 14, '04 c0000201') + attr(0xc0, 32, 'fa56ea00 00000001 00000002')],
  ['AS4_PATH + AS4_AGGREGATOR in a 2-octet block', false, attr(0x40, 2, '02 02 5ba0 0001') + attr(0xc0, 17, '02 02 fa56ea00 00000001') + attr(0xc0, 18, 'fa56ea00 c0000201')],
  ['extended length flag on a short value', true, attr(0x50, 2, '02 01 00000001') + attr(0x50, 1, '00')],
  ['MP_REACH full form, 32-octet next hop', true, attr(0x80, 14, '0002 01 20 20010db8000000000000000000000001 fe800000000000000000000000000001 00 20 20010db8')],
  ['partial bit set', true, attr(0xe0, 8, 'fde90001')],
]

t.test('clean blocks: walker text = reference text', async (t) => {
  for (const [name, as4, hex] of CLEAN) t.test(name, async (t) => check(t, as4, hex, 2, 1, true))
})

const ODD: Array<[string, boolean, string]> = [
  ['ORIGIN 3', true, attr(0x40, 1, '03')],
  ['ORIGIN with optional bit (flags conflict)', true, attr(0xc0, 1, '00')],
  ['AS_PATH unknown segment type', true, attr(0x40, 2, '05 01 00000001')],
  ['AS_PATH empty segment', true, attr(0x40, 2, '02 00')],
  ['AS_PATH segment overrun', true, attr(0x40, 2, '02 02 00000001')],
  ['duplicate ORIGIN', true, attr(0x40, 1, '00') + attr(0x40, 1, '01')],
  ['NEXT_HOP length 5', true, attr(0x40, 3, '0a00000100')],
  ['COMMUNITIES length 3', true, attr(0xc0, 8, '000001')],
  ['AGGREGATOR 2-octet in a 4-octet block', true, attr(0xc0, 7, 'fde9 c0000201')],
  ['ORIGINATOR_ID + CLUSTER_LIST', true, attr(0x80, 9, '0a000001') + attr(0x80, 10, '0a000002')],
  ['EXTENDED_COMMUNITIES', true, attr(0xc0, 16, '0002fde900000001')],
  ['unknown optional attribute', true, attr(0xc0, 99, 'beef')],
  ['unknown well-known attribute', true, attr(0x40, 99, 'beef')],
  ['MP_REACH next hop length 8', true, attr(0x80, 14, '08 0000000000000000')],
  ['MP_REACH full form VPN family', true, attr(0x80, 14, '0001 80 0c 000000000000000000000001 00')],
  ['MP_REACH full form bad NLRI', true, attr(0x80, 14, '0002 01 10 20010db8000000000000000000000001 00 81')],
  ['MP_REACH 2 octets', true, attr(0x80, 14, '0002')],
  ['truncated attribute header', true, '40'],
  ['attribute overrun', true, '400105 00'],
  ['extended length header cut', true, '5001 00'],
]

t.test('odd blocks go to the reference, with its errors', async (t) => {
  for (const [name, as4, hex] of ODD) t.test(name, async (t) => check(t, as4, hex, 1, 1, false))
})

t.test('randomly mutated blocks: walker text = reference text', async (t) => {
  const seeds = [...CLEAN.map((c) => h(c[2])), h(ODD[9]![2])].filter((b) => b.length > 0)
  fc.assert(
    fc.property(
      fc.constantFrom(...seeds),
      fc.boolean(),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 0, max: 3 }),
      (seed, as4, flips, cut) => {
        const b = Buffer.from(seed)
        for (const [i, v] of flips) b[i % b.length] = v
        const end = Math.max(0, b.length - cut)
        const w = new RibAttributesText(as4)
        return w.text(b, 0, end, 1, 1) === ribAttributesReference(b, 0, end, as4, 1, 1)
      },
    ),
    { numRuns: 2000 },
  )
  t.pass('2000 mutated blocks agree')
})

t.test('RouteViews full table: first 300 records, every entry', async (t) => {
  if (!existsSync(RIB)) {
    t.comment(`skipped: ${RIB} not found (../shared absent)`)
    return
  }
  const { stream } = await openMrtFile(RIB)
  const f = new MrtFramer()
  const w = new RibAttributesText(true)
  let peers = null as ReturnType<typeof decodePeerIndexTable>['peers'] | null
  let records = 0
  let entries = 0
  let bad = 0
  const check1 = (b: Buffer, s: number, e: number, afi: number, safi: number): null => {
    entries++
    if (w.text(b, s, e, afi, safi) !== ribAttributesReference(b, s, e, true, afi, safi)) bad++
    return null
  }
  outer: for await (const chunk of stream) {
    f.push(chunk as Buffer)
    for (let r = f.next(); r.kind === 'record'; r = f.next()) {
      const x = r.record
      if (x.subtype === 1) peers = decodePeerIndexTable(x.buf, x.start, x.end, x.ts).peers
      else decodeRib(x.buf, x.start, x.end, x.subtype, x.ts, peers, check1)
      if (++records >= 300) break outer
    }
  }
  stream.destroy()
  t.equal(bad, 0, `${entries} entries, walker = reference`)
  t.ok(w.fast > entries * 0.99, `${w.fast} of ${entries} on the fast path`)
})

import t from 'tap'
import { AttrSetTable, CommunityFlag, asPathLength, canonicalAttrKey, neighborAs } from '../../src/rib/attr-set.js'
import { WellKnownCommunity } from '../../src/wire/iana.js'
import type { PathAttributes } from '../../src/wire/types.js'
import { attrs, seq } from './helpers.js'

t.test('one object per distinct set, reference counted, freed when unused', async (t) => {
  const tab = new AttrSetTable()
  const a = tab.intern(attrs({ med: 5 }))
  const b = tab.intern(attrs({ med: 5 }))
  const c = tab.intern(attrs({ med: 6 }))
  t.equal(a, b, 'equal attributes intern to one set')
  t.not(a, c)
  t.equal(a.refs, 2)
  t.equal(tab.size, 2)
  tab.release(a)
  t.equal(tab.size, 2, 'still referenced')
  tab.release(b)
  t.equal(tab.size, 1, 'released at zero')
  t.notOk(tab.has(a))
  const a2 = tab.intern(attrs({ med: 5 }))
  t.not(a2, a, 'a new object after release')
  t.equal(a2.id, a.id, 'the freed id is reused')
  t.equal(tab.get(a2.id), a2)
  t.throws(() => {
    tab.release(c)
    tab.release(c)
  }, /released more often/)
})

t.test('raw keys and canonical keys', async (t) => {
  const tab = new AttrSetTable()
  const raw = '\x40\x01\x01\x00'
  const a = tab.intern(attrs(), raw)
  t.equal(tab.intern(attrs({ med: 99 }), raw), a, 'the raw key decides identity')
  t.not(tab.intern(attrs()), a, 'raw and canonical keys are separate namespaces')
})

t.test('canonical key: field order and wire order do not matter; absent vs empty does', async (t) => {
  const x: PathAttributes = { origin: 0, nextHop: '192.0.2.1', asPath: seq(1, 2), communities: [1, 2] }
  const y: PathAttributes = { communities: [1, 2], asPath: seq(1, 2), nextHop: '192.0.2.1', origin: 0, wire: [{ code: 1, flags: 0x40 }] }
  t.equal(canonicalAttrKey(x), canonicalAttrKey(y))
  t.not(canonicalAttrKey({ ...x, communities: [] }), canonicalAttrKey({ ...x, communities: undefined }))
  t.not(canonicalAttrKey({ ...x, communities: [2, 1] }), canonicalAttrKey(x), 'community order is kept (wire order)')
  t.not(canonicalAttrKey({ ...x, asPath: [{ type: 1, asns: [1, 2] }] }), canonicalAttrKey(x), 'segment type matters')
  t.not(canonicalAttrKey({ ...x, unknown: [{ code: 99, flags: 0xc0, data: Buffer.from([1]) }] }), canonicalAttrKey(x))
})

t.test('stored attributes: frozen copy, NLRI dropped, next hop kept', async (t) => {
  const tab = new AttrSetTable()
  const input: PathAttributes = {
    origin: 0,
    asPath: seq(1),
    mpReach: { afi: 2, safi: 1, nextHop: ['2001:db8::1'], nlri: { afi: 2, keys: ['\x20\x20\x01\x0d\xb8'], pathIds: null } },
    mpUnreach: { afi: 2, safi: 1, withdrawn: { afi: 2, keys: ['\x00'], pathIds: null } },
    wire: [{ code: 1, flags: 0x40 }],
  }
  const s = tab.intern(input)
  t.ok(Object.isFrozen(s.attrs))
  t.ok(Object.isFrozen(s.attrs.asPath))
  t.ok(Object.isFrozen(s.attrs.asPath![0]!.asns))
  t.same(s.attrs.mpReach!.nlri, { afi: 2, keys: [], pathIds: null })
  t.equal(s.attrs.mpUnreach, undefined)
  t.equal(s.attrs.wire, undefined)
  t.equal(s.nextHop, '2001:db8::1')
  t.equal(tab.intern({ ...input, mpReach: { ...input.mpReach!, nlri: { afi: 2, keys: ['\x00'], pathIds: null } } }), s, 'NLRI is not part of the identity')
  input.asPath![0]!.asns.push(7)
  t.same(s.attrs.asPath, seq(1), 'a copy: the caller may reuse its object')
})

t.test('derived values', async (t) => {
  const tab = new AttrSetTable()
  const s = tab.intern({
    origin: 1,
    asPath: [{ type: 3, asns: [64512] }, { type: 2, asns: [7, 8] }, { type: 1, asns: [9, 10, 11] }],
    nextHop: '192.0.2.9',
    med: 30,
    localPref: 120,
    originatorId: '10.1.1.1',
    clusterList: ['1.1.1.1', '2.2.2.2'],
    communities: [WellKnownCommunity.NO_EXPORT, 65000 << 16, WellKnownCommunity.NO_EXPORT_SUBCONFED],
  })
  t.equal(s.origin, 1)
  t.equal(s.asPathLength, 3, 'sequence 2 + set 1 + confed 0')
  t.equal(s.neighborAs, 7)
  t.equal(s.med, 30)
  t.equal(s.hasMed, true)
  t.equal(s.localPref, 120)
  t.equal(s.nextHop, '192.0.2.9')
  t.equal(s.originatorId, 0x0a010101)
  t.equal(s.clusterListLength, 2)
  t.equal(s.communityFlags, CommunityFlag.NO_EXPORT | CommunityFlag.NO_EXPORT_SUBCONFED)
  const e = tab.intern({})
  t.equal(e.origin, 2, 'missing ORIGIN counts as INCOMPLETE')
  t.equal(e.hasMed, false)
  t.equal(e.med, 0)
  t.equal(e.localPref, undefined)
  t.equal(e.originatorId, -1)
  t.equal(e.nextHop, '')
})

t.test('asPathLength and neighborAs tables (RFC 4271 §9.1.2.2 a, c)', async (t) => {
  const cases: Array<[string, PathAttributes['asPath'], number, number]> = [
    ['absent', undefined, 0, 0],
    ['empty', [], 0, 0],
    ['sequence', seq(1, 2, 3), 3, 1],
    ['set only', [{ type: 1, asns: [4, 5] }], 1, 0],
    ['confed then sequence', [{ type: 4, asns: [1, 2] }, { type: 2, asns: [9] }], 1, 9],
    ['prepended', seq(5, 5, 5, 6), 4, 5],
  ]
  for (const [name, p, len, nas] of cases) {
    t.equal(asPathLength(p), len, `${name}: length`)
    t.equal(neighborAs(p), nas, `${name}: neighbour AS`)
  }
})

import t from 'tap'
import { AttrSetTable } from '../../src/rib/attr-set.js'
import { AdjRibIn } from '../../src/rib/adj-rib-in.js'
import { parseV6Prefix } from '../../src/wire/prefix.js'
import type { Path } from '../../src/rib/path.js'
import { P1, attrs, v4 } from './helpers.js'

function setup(o: { addPath?: boolean; trackTime?: boolean; afi?: number } = {}) {
  const tab = new AttrSetTable()
  const rib = new AdjRibIn(P1, tab, { afi: o.afi ?? 1, safi: 1, addPath: o.addPath, trackTime: o.trackTime })
  const A = tab.intern(attrs({ med: 1 }))
  const B = tab.intern(attrs({ med: 2 }))
  return { tab, rib, A, B }
}

t.test('update, implicit withdraw, withdraw (RFC 4271 §3.1, §4.3)', async (t) => {
  const { tab, rib, A, B } = setup()
  const k = v4('192.0.2.0/24')
  t.equal(rib.update(k, A), true, 'new route')
  t.equal(rib.update(k, A), false, 'same attributes again: no change')
  t.equal(A.refs, 2, 'caller + one stored path')
  t.equal(rib.update(k, B), true, 'replacement')
  t.equal(A.refs, 1, 'the replaced set lost its reference')
  t.equal(rib.get(k), B)
  t.equal(rib.count, 1)
  t.equal(rib.withdraw(k), true)
  t.equal(rib.withdraw(k), false, 'unknown withdraw')
  t.equal(rib.count, 0)
  t.equal(B.refs, 1)
  tab.release(A)
  tab.release(B)
  t.equal(tab.size, 0, 'no leak')
})

t.test('IPv6 keys', async (t) => {
  const { rib, A } = setup({ afi: 2 })
  const k = parseV6Prefix('2001:db8::/32')!
  rib.update(k, A)
  t.equal(rib.get(k), A)
  t.same([...rib.keys()], [k])
})

t.test('collect makes Paths with the peer, path id, time, stale flag', async (t) => {
  const { rib, A } = setup({ trackTime: true })
  const k = v4('198.51.100.0/24')
  rib.update(k, A, 0, 1234)
  const out: Path[] = []
  t.equal(rib.collect(k, out), 1)
  t.equal(out[0]!.attrSet, A)
  t.equal(out[0]!.peer, P1)
  t.equal(out[0]!.receivedAt, 1234)
  t.equal(out[0]!.stale, false)
  t.equal(rib.collect(v4('10.0.0.0/8'), out), 0)
  rib.markStale()
  const out2: Path[] = []
  rib.collect(k, out2)
  t.equal(out2[0]!.stale, true)
})

t.test('ADD-PATH: several paths per prefix (RFC 7911)', async (t) => {
  const { tab, rib, A, B } = setup({ addPath: true })
  const k = v4('203.0.113.0/24')
  t.equal(rib.update(k, A, 1), true)
  t.equal(rib.update(k, B, 2), true)
  t.equal(rib.update(k, B, 2), false)
  t.equal(rib.count, 2)
  t.equal(rib.get(k, 1), A)
  t.equal(rib.get(k, 2), B)
  const out: Path[] = []
  rib.collect(k, out)
  t.same(out.map((p) => [p.pathId, p.attrSet === A]), [[1, true], [2, false]])
  t.equal(rib.withdraw(k, 1), true)
  t.equal(rib.withdraw(k, 1), false)
  t.equal(rib.has(k), true)
  t.equal(rib.withdraw(k, 2), true)
  t.equal(rib.has(k), false)
  tab.release(A)
  tab.release(B)
  t.equal(tab.size, 0)
})

for (const addPath of [false, true]) {
  t.test(`graceful restart: markStale, re-learn, sweep (RFC 4724 §4.2)${addPath ? ', ADD-PATH' : ''}`, async (t) => {
    const { tab, rib, A, B } = setup({ addPath })
    const k1 = v4('10.1.0.0/16')
    const k2 = v4('10.2.0.0/16')
    const k3 = v4('10.3.0.0/16')
    rib.update(k1, A)
    rib.update(k2, A)
    rib.update(k3, A)
    t.equal(rib.markStale(), 3)
    t.equal(rib.staleCount, 3)
    t.equal(rib.isStale(k1), true)
    t.equal(rib.get(k1), A, 'stale paths are still used')
    t.equal(rib.update(k1, A), false, 're-learned unchanged: no decision change')
    t.equal(rib.isStale(k1), false)
    t.equal(rib.update(k2, B), true, 're-learned with new attributes')
    t.equal(rib.staleCount, 1)
    t.equal(rib.count, 3)
    t.same([...rib.keys()].sort(), [k1, k2, k3].sort())
    t.same(rib.sweepStale(), [k3], 'only the prefix never re-learned goes')
    t.equal(rib.count, 2)
    t.equal(rib.staleCount, 0)
    t.equal(rib.has(k3), false)
    t.same(rib.sweepStale(), [], 'nothing left to sweep')
    // A second restart before End-of-RIB merges into the stale set.
    rib.markStale()
    rib.update(k3, A)
    rib.markStale()
    t.equal(rib.staleCount, 3)
    t.equal(rib.withdraw(k3), true, 'a stale path can be withdrawn')
    t.equal(rib.staleCount, 2)
    t.same(rib.clear().sort(), [k1, k2].sort())
    t.equal(rib.count, 0)
    tab.release(A)
    tab.release(B)
    t.equal(tab.size, 0, 'no leak')
  })
}

t.test('clear releases every reference', async (t) => {
  const { tab, rib, A, B } = setup()
  for (let i = 0; i < 1000; i++) rib.update(v4(`10.${i >> 8}.${i & 255}.0/24`), i % 2 ? A : B)
  t.equal(rib.count, 1000)
  t.equal(rib.clear().length, 1000)
  tab.release(A)
  tab.release(B)
  t.equal(tab.size, 0)
})

t.test('a released set cannot be stored', async (t) => {
  const { tab, rib, A } = setup()
  tab.release(A)
  t.throws(() => rib.update(v4('10.0.0.0/8'), A), /after release/)
})

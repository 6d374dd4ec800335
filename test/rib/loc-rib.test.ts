import t from 'tap'
import { AttrSetTable } from '../../src/rib/attr-set.js'
import { AdjRibIn } from '../../src/rib/adj-rib-in.js'
import { LocRib, type LocRibOptions } from '../../src/rib/loc-rib.js'
import { makePeerInfo } from '../../src/rib/path.js'
import { selectBest } from '../../src/rib/decision.js'
import { parseV6Prefix } from '../../src/wire/prefix.js'
import { P1, P2, attrs, peer, seq, v4 } from './helpers.js'

function setup(o: Partial<LocRibOptions> = {}) {
  const tab = new AttrSetTable()
  const loc = new LocRib<number>(tab, { afi: 1, safi: 1, ...o })
  const in1 = new AdjRibIn<number>(P1, tab, { afi: 1, safi: 1 })
  const in2 = new AdjRibIn<number>(P2, tab, { afi: 1, safi: 1 })
  loc.addSource(in1)
  loc.addSource(in2)
  return { tab, loc, in1, in2 }
}

const K = v4('192.0.2.0/24')

t.test('one candidate: compact entry, change records only on change', async (t) => {
  const { tab, loc, in1 } = setup()
  const A = tab.intern(attrs({ med: 1 }))
  const B = tab.intern(attrs({ med: 2 }))
  t.equal(loc.updatePrefix(K), null, 'nothing anywhere')
  in1.update(K, A)
  const c1 = loc.updatePrefix(K)!
  t.equal(c1.prefix, K)
  t.equal(c1.oldBest, null)
  t.equal(c1.newBest!.attrSet, A)
  t.equal(c1.newBest!.peer, P1)
  t.same(c1.oldMultipath, [])
  t.equal(c1.newMultipath.length, 1)
  t.equal(loc.updatePrefix(K), null, 're-deciding an unchanged prefix: no record')
  in1.update(K, B)
  const c2 = loc.updatePrefix(K)!
  t.equal(c2.oldBest!.attrSet, A, 'the old best is still known after the Adj-RIB-In replaced it')
  t.equal(c2.newBest!.attrSet, B)
  t.equal(loc.bestAttrSet(K), B)
  t.equal(loc.best(K)!.attrSet, B)
  in1.withdraw(K)
  const c3 = loc.updatePrefix(K)!
  t.equal(c3.oldBest!.attrSet, B)
  t.equal(c3.newBest, null)
  t.same(c3.newMultipath, [])
  t.equal(loc.size, 0)
  tab.release(A)
  tab.release(B)
  t.equal(tab.size, 0, 'the Loc-RIB released its references')
})

t.test('the Loc-RIB holds its best set: ids are not reused under it', async (t) => {
  const { tab, loc, in1 } = setup()
  const A = tab.intern(attrs({ med: 1 }))
  in1.update(K, A)
  loc.updatePrefix(K)
  in1.withdraw(K)
  tab.release(A)
  const C = tab.intern(attrs({ med: 3 }))
  t.not(C.id, A.id, 'A is still referenced by the Loc-RIB')
  const c = loc.updatePrefix(K)!
  t.equal(c.oldBest!.attrSet, A)
  tab.release(C)
  t.equal(tab.size, 0)
})

t.test('two peers: the decision runs, compact <-> full entry', async (t) => {
  const { tab, loc, in1, in2 } = setup()
  const long = tab.intern(attrs({ asPath: seq(65001, 3, 4) }))
  const short = tab.intern(attrs({ asPath: seq(65002) }))
  in1.update(K, long)
  loc.updatePrefix(K)
  in2.update(K, short)
  const c = loc.updatePrefix(K)!
  t.equal(c.oldBest!.peer, P1)
  t.equal(c.newBest!.peer, P2, 'shorter AS_PATH wins')
  t.same(loc.candidates(K).map((p) => p.peer.peerId), [1, 2])
  t.equal(loc.updatePrefix(K), null)
  in2.withdraw(K)
  const c2 = loc.updatePrefix(K)!
  t.equal(c2.newBest!.peer, P1, 'back to the single path')
  t.equal(loc.best(K)!.peer, P1)
  in1.withdraw(K)
  loc.updatePrefix(K)
  tab.release(long)
  tab.release(short)
  t.equal(tab.size, 0)
})

t.test('multipath set changes are reported even when the best stays', async (t) => {
  const { tab, loc, in1, in2 } = setup({ decision: { multipathRelax: true } })
  const a = tab.intern(attrs({ asPath: seq(7) }))
  const b = tab.intern(attrs({ asPath: seq(8) }))
  in1.update(K, a)
  in2.update(K, b)
  const c = loc.updatePrefix(K)!
  t.equal(c.newMultipath.length, 2)
  t.equal(loc.multipath(K).length, 2)
  const worse = tab.intern(attrs({ asPath: seq(8, 9) }))
  in2.update(K, worse)
  const c2 = loc.updatePrefix(K)!
  t.equal(c2.oldBest!.peer, c2.newBest!.peer, 'same best')
  t.equal(c2.oldMultipath.length, 2)
  t.equal(c2.newMultipath.length, 1)
})

t.test('next-hop resolver: unreachable paths are excluded, IGP cost decides', async (t) => {
  const cost: Record<string, { reachable: boolean; igpCost: number }> = {
    '192.0.2.1': { reachable: true, igpCost: 10 },
    '192.0.2.2': { reachable: true, igpCost: 5 },
  }
  const { tab, loc, in1, in2 } = setup({ resolveNextHop: (nh) => cost[nh] ?? { reachable: false, igpCost: 0 } })
  const x = tab.intern(attrs({ nextHop: '192.0.2.1' }))
  const y = tab.intern(attrs({ nextHop: '192.0.2.2' }))
  const z = tab.intern(attrs({ nextHop: '198.51.100.1' }))
  in1.update(K, z)
  t.equal(loc.updatePrefix(K), null, 'single unreachable candidate: no best')
  in1.update(K, x)
  in2.update(K, y)
  t.equal(loc.updatePrefix(K)!.newBest!.attrSet, y, 'lower IGP cost')
  cost['192.0.2.2'] = { reachable: false, igpCost: 0 }
  const changes = loc.recompute()
  t.equal(changes.length, 1)
  t.equal(changes[0]!.newBest!.attrSet, x)
})

t.test('removeSource re-decides the peer prefixes', async (t) => {
  const { tab, loc, in1, in2 } = setup()
  const a = tab.intern(attrs({ asPath: seq(1) }))
  const b = tab.intern(attrs({ asPath: seq(2, 2) }))
  const k2 = v4('198.51.100.0/24')
  in1.update(K, a)
  in1.update(k2, a)
  in2.update(K, b)
  loc.updatePrefix(K)
  loc.updatePrefix(k2)
  const changes = loc.removeSource(in1)
  t.equal(changes.length, 2)
  const byKey = new Map(changes.map((c) => [c.prefix, c]))
  t.equal(byKey.get(K)!.newBest!.peer, P2)
  t.equal(byKey.get(k2)!.newBest, null)
  in1.clear()
  t.equal(loc.size, 1)
  // The index is reused by the next source.
  const in3 = new AdjRibIn<number>(peer({ peerId: 3 }), tab, { afi: 1, safi: 1 })
  loc.addSource(in3)
  in3.update(k2, a)
  t.equal(loc.updatePrefix(k2)!.newBest!.peer.peerId, 3)
  t.throws(() => loc.addSource(new AdjRibIn<number>(P1, new AttrSetTable(), { afi: 1, safi: 1 })), /share/)
  t.throws(() => loc.addSource(new AdjRibIn<number>(P1, tab, { afi: 2, safi: 1 })), /family/)
})

t.test('ADD-PATH source: several paths of one peer compete', async (t) => {
  const tab = new AttrSetTable()
  const loc = new LocRib<number>(tab, { afi: 1, safi: 1 })
  const ap = new AdjRibIn<number>(P1, tab, { afi: 1, safi: 1, addPath: true })
  loc.addSource(ap)
  ap.update(K, tab.intern(attrs({ localPref: 100 })), 1)
  ap.update(K, tab.intern(attrs({ localPref: 200 })), 2)
  const c = loc.updatePrefix(K)!
  t.equal(c.newBest!.pathId, 2)
  ap.withdraw(K, 2)
  t.equal(loc.updatePrefix(K)!.newBest!.pathId, 1)
})

t.test('locally originated routes are a source like a peer', async (t) => {
  const tab = new AttrSetTable()
  const loc = new LocRib<string>(tab, { afi: 2, safi: 1 })
  const self = makePeerInfo({ peerId: 0, peerBgpId: '10.0.0.0', peerAs: 65000, local: true })
  const local = new AdjRibIn<string>(self, tab, { afi: 2, safi: 1 })
  loc.addSource(local)
  const k = parseV6Prefix('2001:db8:1::/48')!
  local.update(k, tab.intern({ origin: 0, asPath: [], mpReach: { afi: 2, safi: 1, nextHop: ['2001:db8::1'], nlri: { afi: 2, keys: [], pathIds: null } } }))
  const c = loc.updatePrefix(k)!
  t.equal(c.newBest!.peer.local, true)
  t.equal(c.newBest!.attrSet.nextHop, '2001:db8::1')
  t.same([...loc.keys()], [k])
  loc.clear()
  t.equal(loc.size, 0)
})

t.test('removeSource also re-decides entries the caller forgot to update', async (t) => {
  const { tab, loc, in1 } = setup()
  const a = tab.intern(attrs())
  in1.update(K, a)
  loc.updatePrefix(K)
  in1.withdraw(K) // no updatePrefix
  const changes = loc.removeSource(in1)
  t.equal(changes.length, 1)
  t.equal(changes[0]!.newBest, null)
  t.equal(loc.size, 0)
  tab.release(a)
  t.equal(tab.size, 0)
})

t.test('random operations: Loc-RIB = selectBest over the candidates, records chain, no leaks (property)', async (t) => {
  const tab = new AttrSetTable()
  const sets = [
    attrs({ asPath: seq(7) }),
    attrs({ asPath: seq(7), med: 5 }),
    attrs({ asPath: seq(8, 9) }),
    attrs({ localPref: 200, asPath: seq(9) }),
    attrs({ asPath: seq(7), nextHop: '198.51.100.99' }), // unreachable below
  ]
  const loc = new LocRib<number>(tab, {
    afi: 1,
    safi: 1,
    decision: { multipathRelax: true },
    resolveNextHop: (nh) => ({ reachable: nh !== '198.51.100.99', igpCost: 0 }),
  })
  const srcs = [
    new AdjRibIn<number>(P1, tab, { afi: 1, safi: 1 }),
    new AdjRibIn<number>(P2, tab, { afi: 1, safi: 1 }),
    new AdjRibIn<number>(peer({ peerId: 3, ebgp: false }), tab, { afi: 1, safi: 1, addPath: true }),
  ]
  for (const s of srcs) loc.addSource(s)
  const keys = [v4('10.0.0.0/8'), v4('10.0.0.0/16'), v4('192.0.2.0/24')]
  const last = new Map<number, string>()
  const id = (p: { peer: { peerId: number }; pathId: number; attrSet: { id: number } } | null) =>
    p === null ? 'none' : `${p.peer.peerId}/${p.pathId}/${p.attrSet.id}`
  let seed = 12345
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return (seed >>> 8) % n
  }
  let bad = ''
  const decide = (k: number): void => {
    const c = loc.updatePrefix(k)
    const want = id(selectBest(loc.candidates(k), loc.options).best)
    if (id(loc.best(k)) !== want) bad ||= `best ${id(loc.best(k))} != ${want}`
    if (c === null) return
    if ((last.get(k) ?? 'none') !== id(c.oldBest)) bad ||= `oldBest ${id(c.oldBest)} != last ${last.get(k)}`
    if (id(c.newBest) !== want) bad ||= `newBest ${id(c.newBest)} != ${want}`
    last.set(k, id(c.newBest))
  }
  for (let step = 0; step < 3000 && bad === ''; step++) {
    const s = srcs[rnd(3)]!
    const k = keys[rnd(3)]!
    const pathId = s.addPath ? rnd(3) : 0
    if (rnd(3) === 0) s.withdraw(k, pathId)
    else {
      const set = tab.intern(sets[rnd(sets.length)]!)
      s.update(k, set, pathId)
      tab.release(set)
    }
    if (rnd(10) === 0) s.markStale()
    if (rnd(15) === 0) for (const k2 of s.sweepStale()) decide(k2)
    decide(k)
    for (const k2 of keys) if (id(loc.best(k2)) !== (last.get(k2) ?? 'none')) bad ||= `step ${step}: stored best of ${k2} drifted`
    if (bad !== '') bad = `step ${step}: ${bad}`
  }
  const ok = bad === ''
  if (!ok) t.comment(bad)
  t.ok(ok, 'consistent over 3000 random steps')
  for (const s of srcs) loc.removeSource(s)
  for (const s of srcs) s.clear()
  t.equal(loc.size, 0)
  t.equal(tab.size, 0, 'every reference released')
})

t.test('decide() and decideKnown() = updatePrefix() without the record (property)', async (t) => {
  for (const resolver of [false, true]) {
    const tab = new AttrSetTable()
    const sets = [attrs({ asPath: seq(7) }), attrs({ asPath: seq(7), med: 5 }), attrs({ asPath: seq(8, 9) }), attrs({ localPref: 200, asPath: seq(9) }), attrs({ asPath: seq(7), nextHop: '198.51.100.99' })]
    const o: LocRibOptions = { afi: 1, safi: 1, decision: { multipathRelax: true, maxPaths: 4 } }
    if (resolver) o.resolveNextHop = (nh) => ({ reachable: nh !== '198.51.100.99', igpCost: 0 })
    const ref = new LocRib<number>(tab, o)
    const loc = new LocRib<number>(tab, o)
    const srcs = [
      new AdjRibIn<number>(P1, tab, { afi: 1, safi: 1 }),
      new AdjRibIn<number>(P2, tab, { afi: 1, safi: 1 }),
      new AdjRibIn<number>(peer({ peerId: 3, ebgp: false }), tab, { afi: 1, safi: 1, addPath: true }),
      new AdjRibIn<number>(peer({ peerId: 4 }), tab, { afi: 1, safi: 1 }), // stays empty: skipped, never looked up
    ]
    for (const s of srcs) {
      ref.addSource(s)
      loc.addSource(s)
    }
    const keys = [v4('10.0.0.0/8'), v4('10.0.0.0/16'), v4('192.0.2.0/24'), v4('198.51.100.0/24')]
    let seed = 777
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return (seed >>> 8) % n
    }
    let bad = ''
    let changes = 0
    const both = (k: number, step: number, s: AdjRibIn<number>): void => {
      const c = ref.updatePrefix(k)
      // Half the time with the hint of what the changed source holds (ignored for the ADD-PATH one).
      const d = step % 2 === 0 ? loc.decide(k) : loc.decideKnown(k, s, s.addPath ? null : (s.get(k) ?? null))
      if (d !== (c !== null)) bad ||= `step ${step}: decide ${d}, updatePrefix ${c !== null}`
      if (c !== null && d) {
        changes++
        if (loc.lastOldPeer !== c.oldPeer || loc.lastNewPeer !== c.newPeer) bad ||= `step ${step}: peers differ`
      }
      const a = ref.best(k)
      const b = loc.best(k)
      if ((a === null) !== (b === null) || (a !== null && (a.attrSet !== b!.attrSet || a.peer !== b!.peer || a.pathId !== b!.pathId))) bad ||= `step ${step}: best differs`
      if (ref.multipath(k).length !== loc.multipath(k).length) bad ||= `step ${step}: multipath differs`
    }
    for (let step = 0; step < 3000 && bad === ''; step++) {
      // Mostly the single-source paths (P1 only), sometimes the others.
      const s = srcs[rnd(4) === 0 ? 1 + rnd(2) : 0]!
      const k = keys[rnd(keys.length)]!
      const pathId = s.addPath ? rnd(3) : 0
      if (rnd(3) === 0) s.withdraw(k, pathId)
      else {
        const set = tab.intern(sets[rnd(sets.length)]!)
        s.update(k, set, pathId)
        tab.release(set)
      }
      both(k, step, s)
    }
    if (bad !== '') t.comment(bad)
    t.ok(bad === '', `resolver ${resolver}: same outcome as updatePrefix over 3000 random steps (${changes} changes)`)
    for (const s of srcs) {
      ref.removeSource(s)
      loc.removeSource(s)
      s.clear()
    }
    t.equal(loc.size, 0)
    t.equal(tab.size, 0, 'every reference released')
  }
})

t.test('decide(): a source move with the same set and peer is no change', async (t) => {
  const tab = new AttrSetTable()
  const loc = new LocRib<number>(tab, { afi: 1, safi: 1 })
  // Two sources for the same peer (e.g. a table replaced under it): same set, same peer: samePath.
  const a = new AdjRibIn<number>(P1, tab, { afi: 1, safi: 1 })
  const b = new AdjRibIn<number>(P1, tab, { afi: 1, safi: 1 })
  loc.addSource(a)
  loc.addSource(b)
  const A = tab.intern(attrs({ med: 1 }))
  a.update(K, A)
  t.ok(loc.decide(K))
  t.equal(loc.lastOldPeer, null)
  t.equal(loc.lastNewPeer, P1)
  b.update(K, A)
  a.withdraw(K)
  t.notOk(loc.decide(K), 'same set, same peer, other source')
  t.equal(loc.bestAttrSet(K), A)
  b.withdraw(K)
  t.ok(loc.decide(K))
  t.equal(loc.lastOldPeer, P1)
  t.equal(loc.lastNewPeer, null)
  t.notOk(loc.decide(K), 'nothing left, nothing changes')
  tab.release(A)
  t.equal(tab.size, 0)
})

/**
 * The batch forms used by the inbound path: AdjRibIn.updateMany() = update() per key, LocRib.decideMany() =
 * decideKnown() per key (when it applies), checked against the one-key forms on twin tables.
 */
import t from 'tap'
import { AttrSetTable, type AttrSet } from '../../src/rib/attr-set.js'
import { AdjRibIn } from '../../src/rib/adj-rib-in.js'
import { LocRib } from '../../src/rib/loc-rib.js'
import type { PeerInfo } from '../../src/rib/path.js'
import { P1, P2, attrs, peer, seq, v4 } from './helpers.js'

function lcg(seed: number): (n: number) => number {
  return (n) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return (seed >>> 8) % n
  }
}

const KEYS = Array.from({ length: 12 }, (_, i) => v4(`10.${i}.0.0/16`))

t.test('updateMany() = update() per key, every table shape (property)', async (t) => {
  for (const shape of ['plain', 'stale', 'trackTime', 'addPath', 'ipv6'] as const) {
    const tab = new AttrSetTable()
    const afi = shape === 'ipv6' ? 2 : 1
    const o = { afi, safi: 1, addPath: shape === 'addPath', trackTime: shape === 'trackTime' }
    const ref = new AdjRibIn<number | string>(P1, tab, o)
    const rib = new AdjRibIn<number | string>(P1, tab, o)
    const keys: Array<number | string> = afi === 1 ? KEYS : KEYS.map((_, i) => String.fromCharCode(32, 0x20, 0x01, 0x0d, i))
    const sets = [attrs({ med: 1 }), attrs({ med: 2 }), attrs({ asPath: seq(7, 8) })]
    const rnd = lcg(4242)
    let bad = ''
    let partial = 0
    for (let step = 0; step < 1500 && bad === ''; step++) {
      if (shape === 'stale' && rnd(50) === 0) {
        ref.markStale()
        rib.markStale()
      }
      const batch: Array<number | string> = []
      for (let n = 1 + rnd(6); n > 0; n--) batch.push(keys[rnd(keys.length)]!)
      if (rnd(4) === 0) {
        for (const k of batch) if (ref.withdraw(k) !== rib.withdraw(k)) bad ||= `step ${step}: withdraw differs`
        continue
      }
      const set = tab.intern(sets[rnd(sets.length)]!)
      const want: Array<number | string> = []
      for (const k of batch) if (ref.update(k, set)) want.push(k)
      const got = rib.updateMany(batch, set)
      if (got === null ? want.length !== batch.length : JSON.stringify(got) !== JSON.stringify(want)) bad ||= `step ${step}: changed ${JSON.stringify(got)} != ${JSON.stringify(want)}`
      if (got !== null) partial++
      tab.release(set)
      if (ref.count !== rib.count || ref.staleCount !== rib.staleCount) bad ||= `step ${step}: counts differ`
      for (const k of keys) if (ref.get(k) !== rib.get(k) || ref.isStale(k) !== rib.isStale(k)) bad ||= `step ${step}: route of ${String(k)} differs`
    }
    if (bad !== '') t.comment(bad)
    t.ok(bad === '', `${shape}: same routes, counts and changed keys (${partial} partial batches)`)
    ref.clear()
    rib.clear()
    t.equal(tab.size, 0, `${shape}: every reference released`)
  }
})

t.test('updateMany(): references', async (t) => {
  const tab = new AttrSetTable()
  const rib = new AdjRibIn<number>(P1, tab, { afi: 1, safi: 1 })
  const A = tab.intern(attrs({ med: 1 }))
  const B = tab.intern(attrs({ med: 2 }))
  t.equal(rib.updateMany(KEYS.slice(0, 4), A), null, 'all new: null, nothing allocated')
  t.equal(A.refs, 5)
  t.same(rib.updateMany(KEYS.slice(2, 6), A), [KEYS[4], KEYS[5]], 'the first two were there already')
  t.equal(A.refs, 7)
  t.equal(rib.updateMany(KEYS.slice(0, 3), B), null, 'replacements')
  t.equal(A.refs, 4)
  t.equal(B.refs, 4)
  t.equal(rib.count, 6)
  t.same(rib.updateMany([], B), null)
  const C = tab.intern(attrs({ med: 3 }))
  tab.release(C)
  t.throws(() => rib.updateMany(KEYS, C), /after release/, 'a released set is refused')
  rib.clear()
  tab.release(A)
  tab.release(B)
  t.equal(tab.size, 0)
})

interface Ch {
  k: number
  o: PeerInfo | null
  n: PeerInfo | null
}

t.test('decideMany() = decideKnown() per key when it applies, false otherwise (property)', async (t) => {
  for (const resolver of [false, true]) {
    const tab = new AttrSetTable()
    const o = { afi: 1, safi: 1, ...(resolver ? { resolveNextHop: () => ({ reachable: true, igpCost: 0 }) } : {}) }
    const ref = new LocRib<number>(tab, o)
    const loc = new LocRib<number>(tab, o)
    const a = new AdjRibIn<number>(P1, tab, { afi: 1, safi: 1 })
    const b = new AdjRibIn<number>(P2, tab, { afi: 1, safi: 1 })
    const c = new AdjRibIn<number>(peer({ peerId: 3 }), tab, { afi: 1, safi: 1, addPath: true })
    const same = new AdjRibIn<number>(P1, tab, { afi: 1, safi: 1 }) // another table of the same peer
    const off = new AdjRibIn<number>(peer({ peerId: 5 }), tab, { afi: 1, safi: 1 }) // never a source
    for (const l of [ref, loc]) for (const s of [a, b, c, same]) l.addSource(s)
    const sets = [attrs({ med: 1 }), attrs({ med: 2 }), attrs({ asPath: seq(7, 8) })]
    const rnd = lcg(99)
    let bad = ''
    let fast = 0
    let slow = 0
    for (let step = 0; step < 2000 && bad === ''; step++) {
      const r = rnd(20)
      // Mostly `a` alone; sometimes the others hold routes too (then decideMany must decline).
      const s = r === 0 ? b : r === 1 ? c : r === 2 ? same : r === 3 ? off : a
      const batch: number[] = []
      for (let n = 1 + rnd(6); n > 0; n--) batch.push(KEYS[rnd(KEYS.length)]!)
      let set: AttrSet | null = null
      if (rnd(4) === 0 || (s !== a && rnd(2) === 0)) {
        for (const k of batch) s.withdraw(k, 0)
      } else {
        set = tab.intern(sets[rnd(sets.length)]!)
        for (const k of batch) s.update(k, set, 0)
      }
      const want: Ch[] = []
      for (const k of batch) if (ref.decideKnown(k, s, set)) want.push({ k, o: ref.lastOldPeer, n: ref.lastNewPeer })
      const got: Ch[] = []
      if (loc.decideMany(batch, s, set)) {
        fast++
        for (let j = 0; j < loc.batchCount; j++) got.push({ k: batch[loc.batchAt[j]!]!, o: loc.batchOld[j]!, n: set === null ? null : s.peer })
      } else {
        slow++
        for (const k of batch) if (loc.decideKnown(k, s, set)) got.push({ k, o: loc.lastOldPeer, n: loc.lastNewPeer })
      }
      if (set !== null) tab.release(set)
      const fmt = (l: Ch[]): string => l.map((x) => `${x.k}:${x.o?.peerId ?? '-'}>${x.n?.peerId ?? '-'}`).join(' ')
      if (fmt(got) !== fmt(want)) bad ||= `step ${step}: ${fmt(got)} != ${fmt(want)}`
      for (const k of KEYS) {
        const x = ref.best(k)
        const y = loc.best(k)
        if ((x === null) !== (y === null) || (x !== null && (x.attrSet !== y!.attrSet || x.peer !== y!.peer))) bad ||= `step ${step}: best of ${k} differs`
      }
    }
    if (bad !== '') t.comment(bad)
    t.ok(bad === '', `resolver ${resolver}: same changes and best paths (${fast} batches in one call, ${slow} key by key)`)
    if (resolver) t.equal(fast, 0, 'a next-hop resolver needs Paths: never in one call')
    else t.ok(fast > 0 && slow > 0, 'both ways taken')
    for (const l of [ref, loc]) for (const s of [a, b, c, same]) l.removeSource(s)
    for (const s of [a, b, c, same, off]) s.clear()
    t.equal(tab.size, 0, 'every reference released')
  }
})

t.test('decideMany(): old peers of the batch do not outlive it', async (t) => {
  const tab = new AttrSetTable()
  const loc = new LocRib<number>(tab, { afi: 1, safi: 1 })
  const a = new AdjRibIn<number>(P1, tab, { afi: 1, safi: 1 })
  loc.addSource(a)
  const A = tab.intern(attrs({ med: 1 }))
  const B = tab.intern(attrs({ med: 2 }))
  for (const k of KEYS) a.update(k, A)
  t.ok(loc.decideMany(KEYS, a, A))
  t.equal(loc.batchCount, KEYS.length)
  for (const k of KEYS.slice(0, 2)) a.update(k, B)
  t.ok(loc.decideMany(KEYS.slice(0, 2), a, B))
  t.equal(loc.batchCount, 2)
  t.equal(loc.batchOld[0], P1, 'replaced: the old best came from P1')
  t.same(loc.batchOld.slice(2), Array(KEYS.length - 2).fill(null), 'the rest of the previous batch cleared')
  t.ok(loc.decideMany(KEYS.slice(0, 2), a, B))
  t.equal(loc.batchCount, 0, 'unchanged: nothing recorded')
  for (const k of KEYS) a.withdraw(k)
  t.ok(loc.decideMany(KEYS, a, null))
  t.equal(loc.batchCount, KEYS.length)
  t.equal(loc.size, 0)
  tab.release(A)
  tab.release(B)
  t.equal(tab.size, 0)
})

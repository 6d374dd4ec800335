import t from 'tap'
import { AttrSetTable } from '../../src/rib/attr-set.js'
import { AdjRibIn } from '../../src/rib/adj-rib-in.js'
import {
  GR_IDLE, grEndOfRib, grNextDeadline, grSessionDown, grSessionUp, grTimer, type GrCapability,
} from '../../src/rib/graceful-restart.js'
import { familyKey } from '../../src/wire/iana.js'
import { parseV6Prefix } from '../../src/wire/prefix.js'
import { P1, attrs, v4 } from './helpers.js'

const V4 = familyKey(1, 1)
const V6 = familyKey(2, 1)
const a1 = v4('192.0.2.0/24')
const a2 = v4('198.51.100.0/24')
const b1 = parseV6Prefix('2001:db8::/32')!

function setup() {
  const tab = new AttrSetTable()
  const r4 = new AdjRibIn(P1, tab, { afi: 1, safi: 1 })
  const r6 = new AdjRibIn(P1, tab, { afi: 2, safi: 1 })
  const A = tab.intern(attrs())
  r4.update(a1, A)
  r4.update(a2, A)
  r6.update(b1, A)
  tab.release(A)
  const ribs = new Map<number, AdjRibIn>([
    [V4, r4],
    [V6, r6],
  ])
  return { tab, r4, r6, ribs, A }
}

/** Flushed lists with keys sorted (IPv4 tables iterate in hash order). */
const sorted = (l: Array<{ afi: number; safi: number; keys: Array<number | string> }>) =>
  l.map((f) => ({ ...f, keys: [...f.keys].sort() }))

const cap = (families: Array<[number, number, boolean]>, restartTime = 120): GrCapability => ({
  restartTime,
  families: families.map(([afi, safi, forwardingState]) => ({ afi, safi, forwardingState })),
})

t.test('peer restarts, re-learns, End-of-RIB flushes the rest (RFC 4724 §4.2)', async (t) => {
  const { tab, r4, r6, ribs, A } = setup()
  const down = grSessionDown(ribs, cap([[1, 1, true], [2, 1, true]]), 1000)
  t.same(down.flushed, [])
  t.equal(down.state.restartDeadlineMs, 1000 + 120_000)
  t.equal(grNextDeadline(down.state), 121_000)
  t.equal(r4.staleCount, 2)
  t.equal(r6.staleCount, 1)
  t.same(grTimer(down.state, ribs, 50_000).flushed, [], 'before the deadline: nothing')

  const up = grSessionUp(down.state, ribs, cap([[1, 1, true], [2, 1, true]]), 5000, 300)
  t.same(up.flushed, [])
  t.equal(up.state.restartDeadlineMs, null)
  t.equal(up.state.staleDeadlineMs, 5000 + 300_000)

  r4.update(a1, A) // re-learned
  const eor = grEndOfRib(up.state, ribs, 1, 1)
  t.same(eor.flushed, [{ afi: 1, safi: 1, keys: [a2] }])
  t.equal(r4.count, 1)
  t.equal(r6.staleCount, 1, 'the other family waits for its own End-of-RIB')
  t.same(grEndOfRib(eor.state, ribs, 1, 1).flushed, [], 'a second End-of-RIB is a no-op')
  const eor6 = grEndOfRib(eor.state, ribs, 2, 1)
  t.same(eor6.flushed, [{ afi: 2, safi: 1, keys: [b1] }])
  t.equal(eor6.state.staleFamilies.size, 0)
  t.equal(grNextDeadline(eor6.state), null)
  r4.clear()
  t.equal(tab.size, 0, 'no leak')
})

t.test('families outside the capability are flushed at once', async (t) => {
  const { r4, r6, ribs } = setup()
  const down = grSessionDown(ribs, cap([[1, 1, true]]), 0)
  t.same(down.flushed, [{ afi: 2, safi: 1, keys: [b1] }])
  t.equal(r6.count, 0)
  t.equal(r4.staleCount, 2)
})

t.test('no GR capability: everything flushed', async (t) => {
  const { ribs } = setup()
  const down = grSessionDown(ribs, null, 0)
  t.equal(down.state, GR_IDLE)
  t.equal(down.flushed.reduce((n, f) => n + f.keys.length, 0), 3)
})

t.test('re-established without the F bit or without the family: flushed at once', async (t) => {
  const { r4, r6, ribs } = setup()
  const down = grSessionDown(ribs, cap([[1, 1, true], [2, 1, true]]), 0)
  const up = grSessionUp(down.state, ribs, cap([[1, 1, false]]), 10)
  t.same(up.flushed.map((f) => f.afi).sort(), [1, 2])
  t.equal(r4.count + r6.count, 0)
  t.equal(up.state.staleDeadlineMs, null)
  const { ribs: ribs2, r4: r42 } = setup()
  const down2 = grSessionDown(ribs2, cap([[1, 1, true]]), 0)
  const up2 = grSessionUp(down2.state, ribs2, null, 10)
  t.same(sorted(up2.flushed), [{ afi: 1, safi: 1, keys: [a1, a2].sort() }], 'capability absent in the new session')
  t.equal(r42.count, 0)
})

t.test('restart time passes while down; stale timer passes after re-establishment', async (t) => {
  const { r4, ribs } = setup()
  const down = grSessionDown(ribs, cap([[1, 1, true], [2, 1, true]], 60), 0)
  const late = grTimer(down.state, ribs, 60_000)
  t.equal(late.state, GR_IDLE)
  t.equal(late.flushed.length, 2)
  t.equal(r4.count, 0)

  const s2 = setup()
  const d2 = grSessionDown(s2.ribs, cap([[1, 1, true]]), 0)
  const u2 = grSessionUp(d2.state, s2.ribs, cap([[1, 1, true]]), 1000, 10)
  t.equal(grNextDeadline(u2.state), 11_000)
  t.same(grTimer(u2.state, s2.ribs, 10_999).flushed, [])
  t.same(sorted(grTimer(u2.state, s2.ribs, 11_000).flushed), [{ afi: 1, safi: 1, keys: [a1, a2].sort() }])
})

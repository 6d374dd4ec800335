import t from 'tap'
import { AttrSetTable } from '../../src/rib/attr-set.js'
import { AdjRibOutAddPath, outPathSource } from '../../src/rib/adj-rib-out-addpath.js'
import { attrs, v4 } from './helpers.js'

function setup() {
  const tab = new AttrSetTable()
  const out = new AdjRibOutAddPath<number>(tab, 1, 1)
  const A = tab.intern(attrs({ med: 1 }))
  const B = tab.intern(attrs({ med: 2 }))
  const C = tab.intern(attrs({ med: 3 }))
  return { tab, out, A, B, C }
}
const k1 = v4('192.0.2.0/24')
const k2 = v4('198.51.100.0/24')
const s1 = outPathSource(1, 0)
const s2 = outPathSource(2, 0)
const s3 = outPathSource(2, 7)

t.test('outPathSource keeps peer and received path id apart', async (t) => {
  t.not(outPathSource(1, 0), outPathSource(0, 1))
  t.equal(outPathSource(1, 0xffffffff) < outPathSource(2, 0), true)
})

t.test('paths of one prefix get distinct ids, grouped by set, with ids', async (t) => {
  const { out, A, B } = setup()
  out.syncPaths(k1, [
    { source: s1, set: A },
    { source: s2, set: B },
    { source: s3, set: A },
  ])
  out.syncPaths(k2, [{ source: s1, set: A }])
  t.equal(out.pendingCount, 4)
  t.ok(out.holds(k1), 'pending announcement: the peer is about to have it')
  const p = out.pendingPaths()
  t.same(p.get(A), { keys: [k1, k1, k2], ids: [1, 3, 1] })
  t.same(p.get(B), { keys: [k1], ids: [2] })
  t.same([...out.pending().keys()], [A, B], 'pending() without ids')
  t.same(out.withdrawals(), [])
  t.equal(out.sentCount, 0)
  out.markSent()
  t.equal(out.sentCount, 4, 'counts paths')
  t.equal(out.pendingCount, 0)
  t.same(out.sentPaths(k1), [
    { id: 1, set: A },
    { id: 2, set: B },
    { id: 3, set: A },
  ])
  t.equal(out.sentAttrs(k1), A, 'sentAttrs: the lowest id')
  t.equal(out.sentAttrs(v4('203.0.113.0/24')), undefined)
  t.same([...out.sentKeys()].sort(), [k1, k2].sort())
  t.equal(out.settle(), true)
})

t.test('only differences; ids stable; withdrawals carry the id; ids reused after the withdrawal is written', async (t) => {
  const { out, tab, A, B, C } = setup()
  out.syncPaths(k1, [
    { source: s1, set: A },
    { source: s2, set: B },
  ])
  out.markSent()
  out.syncPaths(k1, [
    { source: s2, set: B },
    { source: s1, set: A },
  ])
  t.equal(out.pendingCount, 0, 'same paths (any order): nothing to send')
  out.syncPaths(k1, [
    { source: s1, set: C },
    { source: s2, set: B },
  ])
  t.same(out.pendingPaths().get(C), { keys: [k1], ids: [1] }, 'a changed path is re-announced under its id')
  out.syncPaths(k1, [{ source: s2, set: B }])
  t.same(out.withdrawnPaths(), { keys: [k1], ids: [1] }, 'a pending change replaced by a withdrawal')
  t.same(out.withdrawals(), [k1])
  t.equal(out.pendingCount, 1)
  out.syncPaths(k1, [
    { source: s2, set: B },
    { source: s3, set: C },
  ])
  t.same(out.pendingPaths().get(C), { keys: [k1], ids: [3] }, 'id 1 is not reused while its withdrawal is pending')
  out.markSent()
  t.same(
    out.sentPaths(k1).map((p) => p.id),
    [2, 3],
  )
  out.syncPaths(k1, [
    { source: s2, set: B },
    { source: s3, set: C },
    { source: s1, set: A },
  ])
  t.same(out.pendingPaths().get(A), { keys: [k1], ids: [1] }, 'after the withdrawal was written, id 1 is free')
  out.syncPaths(k1, [
    { source: s2, set: B },
    { source: s3, set: C },
  ])
  t.equal(out.pendingCount, 0, 'announced then dropped before the flush: nothing sent')
  out.markSent()
  out.syncPaths(k1, [])
  t.equal(out.pendingCount, 2)
  out.markSent()
  t.equal(out.holds(k1), false, 'all withdrawn: the prefix is gone')
  t.equal(out.sentCount, 0)
  out.syncPaths(k2, [])
  t.equal(out.pendingCount, 0, 'withdrawing what the peer never had sends nothing')
  out.reset()
  t.equal(A.refs, 1, 'every reference of the table released (only the test holds A)')
  t.equal(B.refs, 1)
  t.equal(C.refs, 1)
  t.ok(tab)
})

t.test('single-path API maps onto one source', async (t) => {
  const { out, A, B } = setup()
  out.announce(k1, A)
  out.announceNew(k2, B)
  out.markSent()
  t.equal(out.sentCount, 2)
  out.sync(k1, B)
  t.same(out.pendingPaths().get(B), { keys: [k1], ids: [1] })
  out.sync(k2, undefined)
  out.withdraw(k1)
  t.same(out.withdrawnPaths(), { keys: [k1, k2], ids: [1, 1] })
  out.markSent()
  t.equal(out.sentCount, 0)
  t.throws(() => {
    const tab = new AttrSetTable()
    const o = new AdjRibOutAddPath<number>(tab, 1, 1)
    const x = tab.intern(attrs({ med: 9 }))
    tab.release(x)
    o.announce(k1, x)
  }, /after release/)
})

t.test('resendAll re-queues every sent path; reset releases pending and sent', async (t) => {
  const { out, A, B } = setup()
  out.syncPaths(k1, [
    { source: s1, set: A },
    { source: s2, set: B },
  ])
  out.markSent()
  out.syncPaths(k2, [{ source: s1, set: B }])
  out.resendAll()
  t.equal(out.pendingCount, 3)
  t.same(out.pendingPaths().get(A), { keys: [k1], ids: [1] })
  out.syncPaths(k1, [
    { source: s1, set: A },
    { source: s2, set: B },
  ])
  t.equal(out.pendingCount, 3, 'a sync with the same paths keeps the resend queued')
  out.markSent()
  t.equal(out.sentCount, 3)
  t.equal(A.refs, 2)
  out.syncPaths(k1, [{ source: s1, set: B }])
  out.reset()
  t.equal(out.sentCount, 0)
  t.equal(out.pendingCount, 0)
  t.equal(A.refs, 1)
  t.equal(B.refs, 1)
  t.same(out.withdrawnPaths(), { keys: [], ids: [] })
  t.same(out.pendingPaths().size, 0)
})

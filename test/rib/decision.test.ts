import t from 'tap'
import {
  DecisionReason as R, compare, makeDecisionOptions, selectBest, selectMultipath, stepAsPathLength, stepBgpId, stepClusterList,
  stepEbgp, stepIgpCost, stepLocalPref, stepMed, stepNextHop, stepOldest, stepOrigin, stepPathId, stepPeerAddress, type Step,
  type DecisionOptions, DEFAULT_DECISION_OPTIONS,
} from '../../src/rib/decision.js'
import { P1, P2, path, peer, seq, type PathSpec } from './helpers.js'

const IBGP1 = peer({ peerId: 11, ebgp: false, peerAs: 64512 })
const IBGP2 = peer({ peerId: 12, ebgp: false, peerAs: 64512 })

interface StepCase {
  name: string
  a: PathSpec
  b: PathSpec
  opts?: Partial<DecisionOptions>
  /** -1: a better, 1: b better, 0: tie */
  want: -1 | 0 | 1
}

function stepTable(name: string, step: Step, cases: StepCase[]): void {
  t.test(name, async (t) => {
    for (const c of cases) {
      const o = makeDecisionOptions(c.opts)
      t.equal(Math.sign(step(path(c.a), path(c.b), o)), c.want, c.name)
      // Antisymmetric: swapping the arguments swaps the winner.
      t.equal(Math.sign(step(path(c.b), path(c.a), o)) || 0, -c.want || 0, `${c.name} (swapped)`)
    }
  })
}

stepTable('0. next hop reachable (RFC 4271 §9.1.2)', stepNextHop, [
  { name: 'reachable beats unreachable', a: { reachable: true }, b: { reachable: false }, want: -1 },
  { name: 'both reachable tie', a: {}, b: {}, want: 0 },
  { name: 'both unreachable tie', a: { reachable: false }, b: { reachable: false }, want: 0 },
])

stepTable('a. highest LOCAL_PREF (RFC 4271 §9.1.1)', stepLocalPref, [
  { name: '200 beats 100', a: { attrs: { localPref: 200 } }, b: { attrs: { localPref: 100 } }, want: -1 },
  { name: 'missing is the default 100: ties 100', a: { attrs: {} }, b: { attrs: { localPref: 100 } }, want: 0 },
  { name: 'missing loses to 101', a: { attrs: {} }, b: { attrs: { localPref: 101 } }, want: 1 },
  { name: 'configured default 300 beats 200', a: { attrs: {} }, b: { attrs: { localPref: 200 } }, opts: { defaultLocalPref: 300 }, want: -1 },
  { name: '0 loses to missing', a: { attrs: { localPref: 0 } }, b: {}, want: 1 },
  { name: '2^32-1 beats 0', a: { attrs: { localPref: 0xffffffff } }, b: { attrs: { localPref: 0 } }, want: -1 },
])

stepTable('b. shortest AS_PATH (RFC 4271 §9.1.2.2 a)', stepAsPathLength, [
  { name: '1 AS beats 2', a: { attrs: { asPath: seq(1) } }, b: { attrs: { asPath: seq(1, 2) } }, want: -1 },
  { name: 'AS_SET counts 1', a: { attrs: { asPath: [{ type: 2, asns: [1] }, { type: 1, asns: [2, 3, 4, 5] }] } }, b: { attrs: { asPath: seq(1, 2) } }, want: 0 },
  { name: 'confed segments count 0 (RFC 5065 §5.3)', a: { attrs: { asPath: [{ type: 3, asns: [7, 8, 9] }, { type: 2, asns: [1] }] } }, b: { attrs: { asPath: seq(1) } }, want: 0 },
  { name: 'empty path beats 1', a: { attrs: { asPath: [] } }, b: {}, want: -1 },
  { name: 'ignoreAsPathLength', a: { attrs: { asPath: seq(1, 2, 3) } }, b: {}, opts: { ignoreAsPathLength: true }, want: 0 },
])

stepTable('c. lowest ORIGIN (RFC 4271 §9.1.2.2 b)', stepOrigin, [
  { name: 'IGP beats EGP', a: { attrs: { origin: 0 } }, b: { attrs: { origin: 1 } }, want: -1 },
  { name: 'EGP beats INCOMPLETE', a: { attrs: { origin: 1 } }, b: { attrs: { origin: 2 } }, want: -1 },
  { name: 'same ties', a: { attrs: { origin: 2 } }, b: { attrs: { origin: 2 } }, want: 0 },
])

stepTable('d. lowest MED from the same neighbour AS (RFC 4271 §9.1.2.2 c)', stepMed, [
  { name: 'same AS: 10 beats 20', a: { attrs: { med: 10, asPath: seq(7, 1) } }, b: { attrs: { med: 20, asPath: seq(7, 2) } }, want: -1 },
  { name: 'different AS: not compared', a: { attrs: { med: 10, asPath: seq(7) } }, b: { attrs: { med: 20, asPath: seq(8) } }, want: 0 },
  { name: 'different AS, alwaysCompareMed', a: { attrs: { med: 30, asPath: seq(7) } }, b: { attrs: { med: 20, asPath: seq(8) } }, opts: { alwaysCompareMed: true }, want: 1 },
  { name: 'missing MED is 0 (RFC 4271)', a: { attrs: {} }, b: { attrs: { med: 1 } }, want: -1 },
  { name: 'missingMedAsWorst: missing loses to 1', a: { attrs: {} }, b: { attrs: { med: 1 } }, opts: { missingMedAsWorst: true }, want: 1 },
  { name: 'missingMedAsWorst: missing ties 2^32-1', a: { attrs: {} }, b: { attrs: { med: 0xffffffff } }, opts: { missingMedAsWorst: true }, want: 0 },
  { name: 'neighbour AS skips leading confed segment', a: { attrs: { med: 5, asPath: [{ type: 3, asns: [9] }, { type: 2, asns: [7] }] } }, b: { attrs: { med: 6, asPath: seq(7) } }, want: -1 },
  { name: 'both locally originated (empty path): compared', a: { attrs: { asPath: [], med: 5 } }, b: { attrs: { asPath: [], med: 3 } }, want: 1 },
])

stepTable('e. eBGP over iBGP (RFC 4271 §9.1.2.2 d)', stepEbgp, [
  { name: 'eBGP beats iBGP', a: { peer: P1 }, b: { peer: IBGP1 }, want: -1 },
  { name: 'eBGP ties eBGP', a: { peer: P1 }, b: { peer: P2 }, want: 0 },
  { name: 'iBGP ties iBGP', a: { peer: IBGP1 }, b: { peer: IBGP2 }, want: 0 },
])

stepTable('f. lowest IGP cost (RFC 4271 §9.1.2.2 e)', stepIgpCost, [
  { name: '5 beats 10', a: { igpCost: 5 }, b: { igpCost: 10 }, want: -1 },
  { name: 'equal ties', a: { igpCost: 3 }, b: { igpCost: 3 }, want: 0 },
])

stepTable('g. oldest eBGP path (RFC 5004)', stepOldest, [
  { name: 'off by default', a: { receivedAt: 1 }, b: { receivedAt: 2, peer: P2 }, want: 0 },
  { name: 'older wins when on', a: { receivedAt: 1 }, b: { receivedAt: 2, peer: P2 }, opts: { preferOldest: true }, want: -1 },
  { name: 'not applied to iBGP', a: { receivedAt: 1, peer: IBGP1 }, b: { receivedAt: 2, peer: IBGP2 }, opts: { preferOldest: true }, want: 0 },
])

stepTable('h. lowest BGP Identifier, ORIGINATOR_ID first (RFC 4271 §9.1.2.2 f, RFC 4456 §9)', stepBgpId, [
  { name: '10.0.0.1 beats 10.0.0.2', a: { peer: P1 }, b: { peer: P2 }, want: -1 },
  { name: 'numeric, not text: 10.0.0.9 beats 10.0.0.10', a: { peer: peer({ peerId: 9 }) }, b: { peer: peer({ peerId: 10 }) }, want: -1 },
  { name: 'ORIGINATOR_ID replaces the peer id', a: { peer: P1, attrs: { originatorId: '10.0.0.200' } }, b: { peer: P2 }, want: 1 },
  { name: 'high-bit ids compare unsigned', a: { peer: peer({ peerId: 1, peerBgpId: '200.0.0.1' }) }, b: { peer: peer({ peerId: 2, peerBgpId: '1.0.0.1' }) }, want: 1 },
])

stepTable('i. shortest CLUSTER_LIST (RFC 4456 §9)', stepClusterList, [
  { name: 'none beats one', a: {}, b: { attrs: { clusterList: ['1.1.1.1'] } }, want: -1 },
  { name: 'one ties one', a: { attrs: { clusterList: ['1.1.1.1'] } }, b: { attrs: { clusterList: ['2.2.2.2'] } }, want: 0 },
])

stepTable('j. lowest peer address (RFC 4271 §9.1.2.2 g)', stepPeerAddress, [
  { name: '192.0.2.1 beats 192.0.2.2', a: { peer: P1 }, b: { peer: P2 }, want: -1 },
  { name: 'numeric: 192.0.2.9 beats 192.0.2.10', a: { peer: peer({ peerId: 9 }) }, b: { peer: peer({ peerId: 10 }) }, want: -1 },
  { name: 'IPv4 before IPv6', a: { peer: peer({ peerId: 3, peerAddress: '203.0.113.1' }) }, b: { peer: peer({ peerId: 4, peerAddress: '2001:db8::1' }) }, want: -1 },
  { name: 'IPv6 numeric', a: { peer: peer({ peerId: 3, peerAddress: '2001:db8::2' }) }, b: { peer: peer({ peerId: 4, peerAddress: '2001:db8::10' }) }, want: -1 },
])

stepTable('k. lowest Path Identifier (RFC 7911)', stepPathId, [
  { name: '1 beats 2', a: { pathId: 1 }, b: { pathId: 2 }, want: -1 },
])

t.test('compare reports the deciding step', async (t) => {
  const base: PathSpec = { peer: P1, attrs: { localPref: 100, med: 0 } }
  const cases: Array<[string, PathSpec, PathSpec, -1 | 0 | 1, number]> = [
    ['local pref before as-path', { attrs: { localPref: 200, asPath: seq(1, 2, 3) } }, base, -1, R.LOCAL_PREF],
    ['as-path before origin', { attrs: { asPath: seq(1, 2), origin: 0 } }, { attrs: { origin: 2 } }, 1, R.AS_PATH_LENGTH],
    ['origin before MED', { attrs: { origin: 1, med: 0 } }, { attrs: { origin: 0, med: 99 } }, 1, R.ORIGIN],
    ['MED before eBGP', { peer: IBGP1, attrs: { med: 1 } }, { peer: P2, attrs: { med: 2 } }, -1, R.MED],
    ['eBGP before IGP cost', { peer: P1, igpCost: 50 }, { peer: IBGP1, igpCost: 1 }, -1, R.EBGP_OVER_IBGP],
    ['IGP cost before router id', { peer: P2, igpCost: 1 }, { peer: P1, igpCost: 2 }, -1, R.IGP_COST],
    ['router id before cluster list', { peer: IBGP1, attrs: { clusterList: ['1.1.1.1'] } }, { peer: IBGP2 }, -1, R.BGP_ID],
    ['cluster list', { peer: IBGP1, attrs: { originatorId: '9.9.9.9', clusterList: ['1.1.1.1'] } }, { peer: IBGP2, attrs: { originatorId: '9.9.9.9' } }, 1, R.CLUSTER_LIST],
    ['peer address', { peer: peer({ peerId: 3, peerBgpId: '1.1.1.1' }) }, { peer: peer({ peerId: 4, peerBgpId: '1.1.1.1' }) }, -1, R.PEER_ADDRESS],
    ['path id', { pathId: 7 }, { pathId: 3 }, 1, R.PATH_ID],
    ['identical', {}, {}, 0, R.NONE],
    ['unreachable first', { reachable: false, attrs: { localPref: 1000 } }, {}, 1, R.NEXTHOP_UNREACHABLE],
  ]
  for (const [name, a, b, winner, reason] of cases) t.same(compare(path(a), path(b)), { winner, reason }, name)
})

t.test('selectBest: reasons per loser, unreachable excluded, empty input', async (t) => {
  const a = path({ attrs: { localPref: 50 } })
  const b = path({ attrs: { localPref: 200 }, peer: P2 })
  const c = path({ attrs: { localPref: 300 }, reachable: false })
  const s = selectBest([a, b, c])
  t.equal(s.best, b)
  t.same(s.reasons, [R.LOCAL_PREF, R.NONE, R.NEXTHOP_UNREACHABLE])
  t.same(selectBest([]), { best: null, reasons: [] })
  t.same(selectBest([c]), { best: null, reasons: [R.NEXTHOP_UNREACHABLE] })
})

t.test('MED is not transitive; deterministicMed makes the result order-independent', async (t) => {
  // RFC 3345-style: a and c share neighbour AS 1, b is from AS 2; all iBGP-equal up to MED.
  const a = path({ peer: IBGP1, attrs: { asPath: seq(1), med: 100 }, igpCost: 10 })
  const b = path({ peer: IBGP2, attrs: { asPath: seq(2), med: 150 }, igpCost: 5 })
  const c = path({ peer: peer({ peerId: 13, ebgp: false }), attrs: { asPath: seq(1), med: 200 }, igpCost: 1 })
  t.equal(selectBest([a, b, c]).best, c, 'pairwise scan, order a b c')
  t.equal(selectBest([c, b, a]).best, a, 'pairwise scan, order c b a')
  const det = makeDecisionOptions({ deterministicMed: true })
  for (const order of [[a, b, c], [c, b, a], [b, a, c], [c, a, b]]) {
    const s = selectBest(order, det)
    t.equal(s.best, b, 'deterministic: b whatever the order (the RFC §9.1.2.2 elimination result)')
    t.equal(s.reasons[order.indexOf(c)], R.MED, 'c lost on MED inside its group')
  }
})

t.test('selectMultipath', async (t) => {
  const o = DEFAULT_DECISION_OPTIONS
  const best = path({ peer: peer({ peerId: 1, peerAs: 7 }), attrs: { asPath: seq(7, 1) } })
  const eq1 = path({ peer: peer({ peerId: 2, peerAs: 7 }), attrs: { asPath: seq(7, 2) } })
  const eq2 = path({ peer: peer({ peerId: 3, peerAs: 7 }), attrs: { asPath: seq(7, 3) } })
  const otherAs = path({ peer: peer({ peerId: 4, peerAs: 8 }), attrs: { asPath: seq(8, 4) } })
  const worseIgp = path({ peer: peer({ peerId: 5, peerAs: 7 }), attrs: { asPath: seq(7, 5) }, igpCost: 1 })
  const unreachable = path({ peer: peer({ peerId: 6, peerAs: 7 }), attrs: { asPath: seq(7, 6) }, reachable: false })
  const longer = path({ peer: peer({ peerId: 7, peerAs: 7 }), attrs: { asPath: seq(7, 7, 7) } })
  const all = [eq2, otherAs, best, worseIgp, unreachable, eq1, longer]
  t.equal(selectBest(all, o).best, best)
  t.same(selectMultipath(all, best, o), [best, eq1, eq2], 'same neighbour AS, equal through IGP cost, in decision order')
  t.same(selectMultipath(all, best, makeDecisionOptions({ multipathRelax: true })), [best, eq1, eq2, otherAs], 'multipath-relax')
  t.same(selectMultipath(all, best, makeDecisionOptions({ maxPaths: 2 })), [best, eq1], 'capped at maxPaths')
  t.same(selectMultipath(all, best, makeDecisionOptions({ maxPaths: 1 })), [best], 'maxPaths 1 disables')
  t.same(selectMultipath(all, best, makeDecisionOptions({ multipathUpTo: R.EBGP_OVER_IBGP })), [best, eq1, eq2, worseIgp], 'up to step e ignores IGP cost')
  t.same(selectMultipath([], null, o), [])
  t.same(selectMultipath([best], best, o), [best])
})

t.test('options are validated once', async (t) => {
  t.throws(() => makeDecisionOptions({ maxPaths: 0 }), RangeError)
  t.throws(() => makeDecisionOptions({ defaultLocalPref: -1 }), RangeError)
  t.throws(() => makeDecisionOptions({ multipathUpTo: 99 as never }), RangeError)
  t.equal(makeDecisionOptions().maxPaths, 16)
  t.ok(Object.isFrozen(makeDecisionOptions()))
})

/** Capability negotiation (RFC 5492 §3, RFC 4760, RFC 6793, RFC 7911 §4, RFC 8654, RFC 9234, RFC 4271 §4.2). */
import t from 'tap'
import { makeOpen } from '../../src/wire/open.js'
import { familyKey } from '../../src/wire/iana.js'
import type { Capability } from '../../src/wire/types.js'
import { negotiate, rolesMatch } from '../../src/session/negotiate.js'
import { localCapabilities, localOpen } from '../../src/session/local-open.js'
import { cfgOf } from './helpers.js'

const mp = (afi: number, safi: number): Capability => ({ code: 1, afi, safi })
const ap = (...families: Array<[number, number, number]>): Capability => ({
  code: 69,
  families: families.map(([afi, safi, mode]) => ({ afi, safi, mode })),
})
const open = (caps: Capability[], holdTime = 90, asn = 65001) => makeOpen({ asn, holdTime, bgpId: '192.0.2.9', capabilities: caps })

t.test('4-octet AS needs both sides', async (t) => {
  t.equal(negotiate(open([{ code: 65, asn: 65001 }]), open([{ code: 65, asn: 65002 }])).as4, true)
  t.equal(negotiate(open([{ code: 65, asn: 65001 }]), open([])).as4, false)
  t.equal(negotiate(open([]), open([{ code: 65, asn: 65002 }])).as4, false)
  const n = negotiate(open([{ code: 65, asn: 4200000001 }], 90, 4200000001), open([{ code: 65, asn: 4200000002 }], 90, 4200000002))
  t.same([n.localAs, n.peerAs, n.rxContext.as4, n.txContext.as4], [4200000001, 4200000002, true, true])
})

t.test('families: intersection; no MP capability means IPv4 unicast', async (t) => {
  const cases: Array<[string, Capability[], Capability[], Array<[number, number]>]> = [
    ['both v4+v6', [mp(1, 1), mp(2, 1)], [mp(2, 1), mp(1, 1)], [[1, 1], [2, 1]]],
    ['peer v6 only', [mp(1, 1), mp(2, 1)], [mp(2, 1)], [[2, 1]]],
    ['peer no MP: IPv4 unicast implied', [mp(1, 1), mp(2, 1)], [], [[1, 1]]],
    ['we no MP, peer v6 only: nothing', [], [mp(2, 1)], []],
    ['neither MP', [], [], [[1, 1]]],
    ['duplicates collapse', [mp(1, 1), mp(1, 1)], [mp(1, 1)], [[1, 1]]],
    ['flowspec', [mp(1, 133)], [mp(1, 133), mp(1, 1)], [[1, 133]]],
  ]
  for (const [name, l, r, want] of cases) t.same(negotiate(open(l), open(r)).families, want, name)
})

t.test('ADD-PATH per family and direction (RFC 7911 §4)', async (t) => {
  // [local mode, remote mode] → [rx, tx]: 1 receive, 2 send, 3 both, 0 absent
  const table: Array<[number, number, boolean, boolean]> = [
    [1, 2, true, false],
    [2, 1, false, true],
    [3, 3, true, true],
    [3, 1, false, true],
    [3, 2, true, false],
    [1, 1, false, false],
    [2, 2, false, false],
    [0, 3, false, false],
    [3, 0, false, false],
  ]
  for (const [l, r, rx, tx] of table) {
    const lc = [mp(1, 1), ...(l ? [ap([1, 1, l])] : [])]
    const rc = [mp(1, 1), ...(r ? [ap([1, 1, r])] : [])]
    const n = negotiate(open(lc), open(rc))
    t.same([n.addPathRx.length === 1, n.addPathTx.length === 1], [rx, tx], `local ${l} remote ${r}`)
    t.equal(n.rxContext.addPath.has(familyKey(1, 1)), rx, `rx context ${l}/${r}`)
    t.equal(n.txContext.addPath.has(familyKey(1, 1)), tx, `tx context ${l}/${r}`)
  }
  const multi = negotiate(
    open([mp(1, 1), mp(2, 1), ap([1, 1, 3], [2, 1, 1])]),
    open([mp(1, 1), mp(2, 1), ap([1, 1, 1], [2, 1, 3])]),
  )
  t.same(multi.addPathRx, [[2, 1]])
  t.same(multi.addPathTx, [[1, 1]])
  const notNegotiated = negotiate(open([mp(1, 1), ap([2, 1, 3])]), open([mp(1, 1), mp(2, 1), ap([2, 1, 3])]))
  t.same(notNegotiated.addPathRx, [], 'ADD-PATH only for negotiated families')
})

t.test('hold time: the smaller; keepalive a third, or configured and capped', async (t) => {
  const cases: Array<[number, number, number | null | undefined, number, number]> = [
    [90, 90, undefined, 90, 30],
    [90, 30, undefined, 30, 10],
    [30, 90, undefined, 30, 10],
    [90, 0, undefined, 0, 0],
    [0, 90, undefined, 0, 0],
    [3, 90, undefined, 3, 1],
    [90, 180, 20, 90, 20],
    [90, 30, 20, 30, 10],
    [4, 90, null, 4, 1],
  ]
  for (const [l, r, ka, hold, keepalive] of cases) {
    const n = negotiate(open([], l), open([], r), { keepaliveSec: ka })
    t.same([n.holdTimeSec, n.keepaliveSec], [hold, keepalive], `${l}/${r} keepalive ${ka}`)
  }
})

t.test('extended message, route refresh, enhanced route refresh, extended next hop', async (t) => {
  const both = negotiate(open([{ code: 6 }, { code: 2 }, { code: 70 }]), open([{ code: 6 }, { code: 2 }, { code: 70 }]))
  t.same([both.extendedMessage, both.routeRefresh, both.enhancedRouteRefresh], [true, true, true])
  t.equal(both.rxContext.maxMessageLength, 65535)
  t.equal(both.txContext.maxMessageLength, 65535)
  const one = negotiate(open([{ code: 6 }, { code: 2 }, { code: 70 }]), open([]))
  t.same([one.extendedMessage, one.routeRefresh, one.enhancedRouteRefresh], [false, false, false])
  t.equal(one.rxContext.maxMessageLength, 4096)
  t.equal(negotiate(open([{ code: 2 }]), open([{ code: 128 }])).routeRefresh, true, "Cisco's pre-standard code counts")
  t.equal(negotiate(open([{ code: 70 }]), open([{ code: 70 }])).enhancedRouteRefresh, false, 'enhanced needs route refresh')
  const enh = (entries: Array<[number, number, number]>): Capability => ({
    code: 5,
    entries: entries.map(([afi, safi, nextHopAfi]) => ({ afi, safi, nextHopAfi })),
  })
  const e = negotiate(open([enh([[1, 1, 2], [1, 128, 2]])]), open([enh([[1, 1, 2]])]))
  t.same(e.extendedNextHop, [{ afi: 1, safi: 1, nextHopAfi: 2 }])
  t.ok(e.rxContext.extendedNextHop.has(familyKey(1, 1)))
})

t.test('graceful restart and roles', async (t) => {
  const gr = (n: boolean): Capability => ({ code: 64, restartState: true, notification: n, restartTime: 90, families: [] })
  const n = negotiate(open([gr(true)]), open([gr(true)]))
  t.equal(n.gracefulRestart?.restartTime, 90)
  t.equal(n.notificationGr, true)
  t.equal(negotiate(open([gr(true)]), open([gr(false)])).notificationGr, false)
  t.equal(negotiate(open([]), open([gr(true)])).notificationGr, false)
  t.equal(negotiate(open([]), open([gr(true)])).gracefulRestart?.restartState, true, "the peer's parameters")
  t.equal(negotiate(open([gr(true)]), open([])).gracefulRestart, null)
  t.same(negotiate(open([{ code: 9, role: 3 }]), open([{ code: 9, role: 0 }])).role, { local: 3, remote: 0 })
  t.equal(negotiate(open([{ code: 9, role: 3 }]), open([])).role, null)
  t.equal(rolesMatch(0, 3) && rolesMatch(3, 0) && rolesMatch(1, 2) && rolesMatch(2, 1) && rolesMatch(4, 4), true)
  t.equal(rolesMatch(4, 3) || rolesMatch(7, 7), false)
})

t.test('malformed (raw) capabilities are not used', async (t) => {
  const n = negotiate(open([mp(1, 1), { code: 65, asn: 65001 }]), open([{ code: 1, raw: Buffer.from([0]) }, { code: 65, raw: Buffer.from([1]) }]))
  t.equal(n.as4, false)
  t.same(n.families, [[1, 1]], 'a raw MP capability does not count: IPv4 unicast implied')
})

t.test('our OPEN from the configuration', async (t) => {
  const cfg = cfgOf({
    localAs: 4200000001,
    holdTimeSec: 30,
    capabilities: {
      families: [[1, 1], [2, 1]],
      addPath: [{ afi: 1, safi: 1, mode: 3 }],
      extendedMessage: true,
      enhancedRouteRefresh: true,
      gracefulRestart: { restartTimeSec: 120 },
      role: { role: 4 },
      extendedNextHop: [{ afi: 1, safi: 1, nextHopAfi: 2 }],
    },
  })
  t.same(localCapabilities(cfg).map((c) => c.code), [1, 1, 2, 5, 6, 9, 64, 65, 69, 70])
  const o = localOpen(cfg)
  t.same([o.version, o.myAs, o.holdTime, o.bgpId], [4, 23456, 30, '192.0.2.1'], 'AS_TRANS in My Autonomous System')
  t.match(localCapabilities(cfg).find((c) => c.code === 64), { notification: true, restartTime: 120 })
  t.same(localCapabilities(cfgOf({ capabilities: { routeRefresh: false } })).map((c) => c.code), [1, 65])
})

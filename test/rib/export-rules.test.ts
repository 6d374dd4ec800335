import t from 'tap'
import { AttrSetTable } from '../../src/rib/attr-set.js'
import {
  ExportVerdict as EV, ImportVerdict as IV, exportAttributes, exportVerdict, importAttributes, importVerdict, prependAs,
  stripConfedSegments, type ExportPeer, type LocalRouter,
} from '../../src/rib/export-rules.js'
import { makePeerInfo, type PeerInfo } from '../../src/rib/path.js'
import { WellKnownCommunity as WK } from '../../src/wire/iana.js'
import type { PathAttributes } from '../../src/wire/types.js'
import { attrs, peer, seq } from './helpers.js'

const tab = new AttrSetTable()
const set = (o: PathAttributes = {}) => tab.intern(attrs(o))
const SELF: LocalRouter = { localAs: 64512, routerId: '10.255.0.1' }

const EBGP = peer({ peerId: 1, peerAs: 65001 })
const IBGP = peer({ peerId: 2, ebgp: false, peerAs: 64512, peerBgpId: '10.255.0.2' })
const CLIENT = peer({ peerId: 3, ebgp: false, peerAs: 64512, rrClient: true, peerBgpId: '10.255.0.3' })
const LOCAL = makePeerInfo({ peerId: 0, peerBgpId: SELF.routerId, peerAs: SELF.localAs, local: true })

const toEbgp: ExportPeer = { peerId: 10, ebgp: true, nextHopAddress: '203.0.113.1' }
const toConfed: ExportPeer = { peerId: 11, ebgp: true, confed: true, nextHopAddress: '203.0.113.1' }
const toIbgp: ExportPeer = { peerId: 12, ebgp: false, nextHopAddress: '10.255.0.1' }
const toClient: ExportPeer = { peerId: 13, ebgp: false, rrClient: true, nextHopAddress: '10.255.0.1' }

t.test('exportVerdict: split horizon, route reflection, well-known communities', async (t) => {
  const cases: Array<[string, PathAttributes, PeerInfo, ExportPeer, number]> = [
    ['eBGP to eBGP', {}, EBGP, toEbgp, EV.ALLOW],
    ['eBGP to iBGP', {}, EBGP, toIbgp, EV.ALLOW],
    ['local to iBGP', {}, LOCAL, toIbgp, EV.ALLOW],
    ['iBGP to eBGP', {}, IBGP, toEbgp, EV.ALLOW],
    ['iBGP to iBGP: RFC 4271 §9.2', {}, IBGP, toIbgp, EV.IBGP_TO_IBGP],
    ['non-client to client: reflected', {}, IBGP, toClient, EV.ALLOW],
    ['client to non-client: reflected', {}, CLIENT, toIbgp, EV.ALLOW],
    ['client to client: reflected', {}, CLIENT, toClient, EV.ALLOW],
    ['back to the same peer', {}, EBGP, { ...toEbgp, peerId: 1 }, EV.SAME_PEER],
    ['NO_ADVERTISE to iBGP', { communities: [WK.NO_ADVERTISE] }, EBGP, toIbgp, EV.NO_ADVERTISE],
    ['NO_EXPORT to eBGP', { communities: [WK.NO_EXPORT] }, IBGP, toEbgp, EV.NO_EXPORT],
    ['NO_EXPORT to confed member', { communities: [WK.NO_EXPORT] }, IBGP, toConfed, EV.ALLOW],
    ['NO_EXPORT to iBGP', { communities: [WK.NO_EXPORT] }, EBGP, toIbgp, EV.ALLOW],
    ['NO_EXPORT_SUBCONFED to confed member', { communities: [WK.NO_EXPORT_SUBCONFED] }, IBGP, toConfed, EV.NO_EXPORT_SUBCONFED],
    ['NO_EXPORT_SUBCONFED to iBGP', { communities: [WK.NO_EXPORT_SUBCONFED] }, EBGP, toIbgp, EV.ALLOW],
    ['our own NO_EXPORT route to eBGP: sent, for the receiver to honour', { communities: [WK.NO_EXPORT] }, LOCAL, toEbgp, EV.ALLOW],
    ['our own NO_ADVERTISE route to eBGP: sent', { communities: [WK.NO_ADVERTISE] }, LOCAL, toEbgp, EV.ALLOW],
    ['our own NO_EXPORT_SUBCONFED route to a confed member: sent', { communities: [WK.NO_EXPORT_SUBCONFED] }, LOCAL, toConfed, EV.ALLOW],
  ]
  for (const [name, a, from, to, want] of cases) t.equal(exportVerdict(set(a), from, to), want, name)
})

t.test('exportAttributes to eBGP (RFC 4271 §5.1.2-§5.1.5)', async (t) => {
  const s = set({ asPath: seq(65001, 65010), localPref: 300, med: 50, originatorId: '1.1.1.1', clusterList: ['2.2.2.2'], as4Path: seq(1) })
  const a = exportAttributes(s, IBGP, toEbgp, SELF)
  t.same(a.asPath, seq(64512, 65001, 65010), 'own AS prepended to the leading AS_SEQUENCE')
  t.equal(a.localPref, undefined, 'LOCAL_PREF stripped')
  t.equal(a.med, undefined, 'MED from another AS not propagated')
  t.equal(a.originatorId, undefined)
  t.equal(a.clusterList, undefined)
  t.equal(a.as4Path, undefined)
  t.equal(a.nextHop, '203.0.113.1', 'next hop self')
  t.equal(exportAttributes(s, IBGP, { ...toEbgp, sendMed: true }, SELF).med, 50, 'sendMed')
  t.equal(exportAttributes(set({ med: 7 }), LOCAL, toEbgp, SELF).med, 7, 'our own MED is sent')
  t.equal(exportAttributes(s, IBGP, { ...toEbgp, nextHopUnchanged: true }, SELF).nextHop, '192.0.2.1', 'next hop unchanged')
  t.same(s.attrs.asPath, seq(65001, 65010), 'the interned set is not modified')
})

t.test('exportAttributes: IPv6 next hop goes into MP_REACH_NLRI', async (t) => {
  const s = tab.intern({ origin: 0, asPath: [], mpReach: { afi: 2, safi: 1, nextHop: ['2001:db8::1', 'fe80::1'], nextHopRaw: Buffer.alloc(32), nlri: { afi: 2, keys: [], pathIds: null } } })
  const a = exportAttributes(s, LOCAL, { ...toEbgp, nextHopAddress: '2001:db8:ffff::1' }, SELF)
  t.same(a.mpReach!.nextHop, ['2001:db8:ffff::1'])
  t.equal(a.mpReach!.nextHopRaw, undefined)
  t.equal(a.nextHop, undefined)
  t.same(a.asPath, seq(64512), 'empty AS_PATH gets a new AS_SEQUENCE')
})

t.test('exportAttributes to iBGP and route reflection (RFC 4456 §8)', async (t) => {
  const fromEbgp = exportAttributes(set({ med: 5 }), EBGP, toIbgp, SELF)
  t.equal(fromEbgp.localPref, 100, 'LOCAL_PREF added for internal peers')
  t.equal(fromEbgp.med, 5)
  t.same(fromEbgp.asPath, seq(65001), 'AS_PATH unchanged')
  t.equal(fromEbgp.nextHop, '192.0.2.1', 'next hop unchanged by default')
  t.equal(fromEbgp.originatorId, undefined, 'not reflected: no ORIGINATOR_ID')
  t.equal(exportAttributes(set(), EBGP, { ...toIbgp, nextHopSelf: true }, SELF).nextHop, '10.255.0.1', 'next-hop-self')
  t.equal(exportAttributes(set({ localPref: 250 }), EBGP, toIbgp, SELF).localPref, 250)

  const reflected = exportAttributes(set({ localPref: 120 }), IBGP, toClient, { ...SELF, clusterId: '10.255.255.1' })
  t.equal(reflected.originatorId, IBGP.peerBgpId, 'ORIGINATOR_ID: the originator in our AS')
  t.same(reflected.clusterList, ['10.255.255.1'])
  const again = exportAttributes(set({ originatorId: '9.9.9.9', clusterList: ['10.1.1.1'] }), CLIENT, toIbgp, SELF)
  t.equal(again.originatorId, '9.9.9.9', 'an existing ORIGINATOR_ID is kept')
  t.same(again.clusterList, [SELF.routerId, '10.1.1.1'], 'CLUSTER_ID (router id by default) prepended')
  const local = exportAttributes(tab.intern({ origin: 0, asPath: [] }), LOCAL, toIbgp, SELF)
  t.equal(local.nextHop, '10.255.0.1', 'locally originated without next hop: ours')
})

t.test('exportAttributes: confederations (RFC 5065)', async (t) => {
  const conf: LocalRouter = { ...SELF, localAs: 65100, confedId: 64512 }
  const s = set({ asPath: [{ type: 3, asns: [65101] }, { type: 2, asns: [65001] }], localPref: 200, med: 3 })
  const member = exportAttributes(s, IBGP, toConfed, conf)
  t.same(member.asPath, [{ type: 3, asns: [65100, 65101] }, { type: 2, asns: [65001] }], 'member AS into AS_CONFED_SEQUENCE')
  t.equal(member.localPref, 200)
  t.equal(member.med, 3)
  const out = exportAttributes(s, IBGP, toEbgp, conf)
  t.same(out.asPath, seq(64512, 65001), 'confed segments stripped, confederation id prepended')
  t.same(stripConfedSegments(undefined), undefined)
})

t.test('unknown attributes: non-transitive dropped, transitive marked Partial (RFC 4271 §5)', async (t) => {
  const s = set({ unknown: [{ code: 99, flags: 0x80, data: Buffer.from([1]) }, { code: 100, flags: 0xc0, data: Buffer.from([2]) }] })
  t.same(exportAttributes(s, EBGP, toEbgp, SELF).unknown, [{ code: 100, flags: 0xe0, data: Buffer.from([2]) }])
  t.equal(exportAttributes(set({ unknown: [{ code: 99, flags: 0x80, data: Buffer.from([1]) }] }), EBGP, toEbgp, SELF).unknown, undefined)
})

t.test('prependAs (RFC 4271 §5.1.2 rules)', async (t) => {
  t.same(prependAs(undefined, 1), seq(1))
  t.same(prependAs([{ type: 1, asns: [5, 6] }], 1), [{ type: 2, asns: [1] }, { type: 1, asns: [5, 6] }], 'AS_SET first: new AS_SEQUENCE')
  const full = [{ type: 2, asns: new Array<number>(255).fill(9) }]
  const p = prependAs(full, 1)
  t.equal(p.length, 2, 'a full segment overflows into a new one')
  t.same(p[0], { type: 2, asns: [1] })
})

t.test('importVerdict: AS loop with allowas-in, RR loops (RFC 4271 §9.1.2, RFC 4456 §8)', async (t) => {
  const cases: Array<[string, PathAttributes, PeerInfo, LocalRouter, number, number]> = [
    ['clean', {}, EBGP, SELF, 0, IV.ACCEPT],
    ['own AS in path', { asPath: seq(65001, 64512, 65002) }, EBGP, SELF, 0, IV.AS_LOOP],
    ['own AS in an AS_SET', { asPath: [{ type: 2, asns: [65001] }, { type: 1, asns: [64512] }] }, EBGP, SELF, 0, IV.AS_LOOP],
    ['allowas-in 1 tolerates one', { asPath: seq(65001, 64512) }, EBGP, SELF, 1, IV.ACCEPT],
    ['allowas-in 1, two occurrences', { asPath: seq(64512, 65001, 64512) }, EBGP, SELF, 1, IV.AS_LOOP],
    ['confederation id in path', { asPath: seq(65001, 64999) }, EBGP, { ...SELF, confedId: 64999 }, 0, IV.AS_LOOP],
    ['our ORIGINATOR_ID', { asPath: [], originatorId: SELF.routerId }, IBGP, SELF, 0, IV.ORIGINATOR_ID_LOOP],
    ['our CLUSTER_ID in CLUSTER_LIST', { asPath: [], clusterList: ['1.1.1.1', SELF.routerId] }, IBGP, SELF, 0, IV.CLUSTER_LIST_LOOP],
    ['configured CLUSTER_ID', { asPath: [], clusterList: ['10.9.9.9'] }, IBGP, { ...SELF, clusterId: '10.9.9.9' }, 0, IV.CLUSTER_LIST_LOOP],
    ['other cluster', { asPath: [], clusterList: ['10.9.9.9'] }, IBGP, SELF, 0, IV.ACCEPT],
  ]
  for (const [name, a, from, self, allow, want] of cases) t.equal(importVerdict(set(a), from, self, allow), want, name)
})

t.test('importAttributes ignores LOCAL_PREF from external peers (RFC 4271 §5.1.5)', async (t) => {
  const a = attrs({ localPref: 500 })
  t.equal(importAttributes(a, EBGP).localPref, undefined)
  t.equal(importAttributes(a, EBGP, true), a, 'confederation peer: kept')
  t.equal(importAttributes(a, IBGP), a)
})

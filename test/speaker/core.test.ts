// The Speaker's RIB plumbing without sockets (harness.ts): inbound (RFC 7606 treat-as-withdraw, RFC 6793 AS4
// reconciliation, loop detection, End-of-RIB), outbound (one UPDATE per attribute set, back-pressure, MRAI,
// End-of-RIB), export rules toward iBGP/eBGP, and the RFC 4724 graceful restart helper.
import t from 'tap'
import { AS_TRANS } from '../../src/wire/iana.js'
import { endOfRibFamily, familyAttributes, normalizeAs4 } from '../../src/speaker/inbound.js'
import { OUTBOUND_BATCH } from '../../src/speaker/outbound.js'
import type { Update } from '../../src/wire/types.js'
import { EOR_V4, Harness, sentUpdates, sleep, turn, update } from './harness.js'

t.test('End-of-RIB recognition (RFC 4724 §2)', async (t) => {
  t.equal(endOfRibFamily(EOR_V4), 'ipv4', 'IPv4: the minimum-length UPDATE')
  const v6 = { ...EOR_V4, attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: { afi: 2 as const, keys: [], pathIds: null } } } }
  t.equal(endOfRibFamily(v6), 'ipv6', 'IPv6: only an empty MP_UNREACH_NLRI')
  t.equal(endOfRibFamily(update({ v4: ['192.0.2.0/24'] })), null)
  t.equal(endOfRibFamily(update({})), null, 'attributes without NLRI are not End-of-RIB')
})

t.test('AS4 reconciliation and family attributes', async (t) => {
  const a = { asPath: [{ type: 2, asns: [65001, AS_TRANS] }], as4Path: [{ type: 2, asns: [4200000001] }], nextHop: '192.0.2.1' }
  t.same(normalizeAs4(a, false).asPath, [{ type: 2, asns: [65001, 4200000001] }], '2-octet session: AS4_PATH merged (RFC 6793 §4.2.3)')
  t.equal(normalizeAs4(a, false).as4Path, undefined)
  t.same(normalizeAs4(a, true).asPath, a.asPath, '4-octet session: AS4_PATH discarded (RFC 6793 §4.1)')
  t.equal(normalizeAs4(a, true).as4Path, undefined)
  const both = update({ v4: ['192.0.2.0/24'], v6: ['2001:db8::/32'] }).attributes
  t.equal(familyAttributes(both, 1).mpReach, undefined, 'IPv4 routes do not carry the IPv6 MP_REACH')
  t.equal(familyAttributes(both, 2).nextHop, undefined, 'IPv6 routes do not carry NEXT_HOP (RFC 4760 §3)')
})

t.test('inbound: treat-as-withdraw, AS loop, 2-octet peer, import into the Loc-RIB', async (t) => {
  const h = new Harness()
  const p = h.addPeer({ address: '192.0.2.1', remoteAs: 65001 })
  h.up(p, { as4: false })
  h.receive(p, update({ v4: ['198.51.100.0/24', '203.0.113.0/24'], attrs: { asPath: [{ type: 2, asns: [65001, AS_TRANS] }], as4Path: [{ type: 2, asns: [4200000001] }], nextHop: '192.0.2.1' } }))
  t.same(h.best('198.51.100.0/24')?.attrSet.attrs.asPath, [{ type: 2, asns: [65001, 4200000001] }], 'AS path rebuilt for the 2-octet session')
  t.equal(p.families.get('ipv4')!.best, 2)
  h.receive(p, update({ v4: ['198.51.100.0/24'], errors: [{ action: 'withdraw', attrType: 4, subcode: 4, reason: 'bad MED length', offset: 30 }] }))
  t.equal(h.best('198.51.100.0/24'), null, 'RFC 7606 treat-as-withdraw removed the prefix')
  t.ok(h.best('203.0.113.0/24'), 'other prefixes untouched')
  h.receive(p, update({ v4: ['203.0.113.0/24'], attrs: { asPath: [{ type: 2, asns: [65001, 65000] }] } }))
  t.equal(h.best('203.0.113.0/24'), null, 'our AS in the path: not accepted (RFC 4271 §9.1.2), the old route is replaced')
  t.equal(p.families.get('ipv4')!.pre!.count, 1, 'still in the pre-policy table (received)')
  t.equal(p.families.get('ipv4')!.post!.count, 0, 'not accepted')
  h.receive(p, update({ v6: ['2001:db8:5::/48'] }))
  t.equal(h.best('2001:db8:5::/48')?.attrSet.nextHop, '2001:db8::1', 'IPv6 from MP_REACH_NLRI')
  h.receive(p, update({ withdraw: ['203.0.113.0/24'] }))
  t.equal(p.families.get('ipv4')!.pre!.count, 0)
  t.same(h.errors, [])
})

t.test('outbound: initial dump, one UPDATE per attribute set, End-of-RIB, iBGP and eBGP export', async (t) => {
  const h = new Harness()
  h.announce(['10.1.0.0/16', '10.2.0.0/16'], { med: 5 })
  h.announce(['10.3.0.0/16'], { med: 7 })
  h.announce(['2001:db8:a::/48'])
  const ebgp = h.addPeer({ address: '192.0.2.1', remoteAs: 65001 })
  const ibgp = h.addPeer({ address: '192.0.2.2', remoteAs: 65000, nextHopSelf: false })
  h.up(ebgp)
  h.up(ibgp, { peerBgpId: '10.0.0.8' })
  await turn()
  await turn()
  const e = sentUpdates(ebgp.stub)
  t.same(
    e.map((u) => [u.nlri.sort().join(','), u.withdrawn.length, u.attrs.med ?? null]).sort(),
    [
      ['', 0, null],
      ['', 0, null],
      ['10.1.0.0/16,10.2.0.0/16', 0, 5],
      ['10.3.0.0/16', 0, 7],
      ['2001:db8:a::/48', 0, null],
    ],
    'prefixes sharing attributes in one UPDATE; End-of-RIB after each family',
  )
  t.same([e[0]!.nlri.length > 0, e[2]!.nlri.length, e[4]!.nlri.length], [true, 0, 0], 'End-of-RIB after each family')
  t.same(e[0]!.attrs.asPath, [{ type: 2, asns: [65000] }], 'eBGP: our AS prepended')
  t.equal(e[0]!.attrs.nextHop, '192.0.2.100', 'eBGP: next hop self (the session local address)')
  t.equal(e[0]!.attrs.localPref, undefined)
  t.same(e[3]!.attrs.mpReach?.nextHop, ['2001:db8::100'], 'IPv6 next hop: the configured nextHop6')
  const i = sentUpdates(ibgp.stub)
  t.same(i[0]!.attrs.asPath, [], 'iBGP: AS_PATH unchanged (empty for our own routes)')
  t.equal(i[0]!.attrs.localPref, 100, 'iBGP: LOCAL_PREF included (RFC 4271 §5.1.5)')
  t.equal(i[0]!.attrs.nextHop, '192.0.2.100', 'iBGP: our own route without next hop gets next hop self')
  t.same(h.eors.filter((x) => x.direction === 'sent').length, 4)

  // A route learned from the eBGP peer goes to the iBGP peer with its next hop, not back to the eBGP peer.
  ebgp.stub.sent.length = 0
  ibgp.stub.sent.length = 0
  h.receive(ebgp, update({ v4: ['198.51.100.0/24'], attrs: { med: 99 } }))
  await turn()
  t.same(sentUpdates(ebgp.stub), [], 'not sent back to the peer it came from')
  const r = sentUpdates(ibgp.stub)
  t.same(r.map((u) => u.nlri), [['198.51.100.0/24']])
  t.equal(r[0]!.attrs.nextHop, '192.0.2.1', 'iBGP: next hop unchanged')
  t.same(r[0]!.attrs.asPath, [{ type: 2, asns: [65001] }])
  t.equal(r[0]!.attrs.med, 99, 'MED passes to iBGP')
  // ... and an iBGP-learned route is not sent to another iBGP peer, but is to the eBGP one (without its MED).
  const ibgp2 = h.addPeer({ address: '192.0.2.3', remoteAs: 65000 })
  h.up(ibgp2, { peerBgpId: '10.0.0.7' })
  await turn()
  ebgp.stub.sent.length = 0
  ibgp2.stub.sent.length = 0
  h.receive(ibgp, update({ v4: ['203.0.113.0/24'], attrs: { asPath: [], localPref: 200, med: 3, nextHop: '192.0.2.2' } }))
  await turn()
  t.same(sentUpdates(ibgp2.stub), [], 'RFC 4271 §9.2: iBGP-learned not re-advertised to iBGP')
  const x = sentUpdates(ebgp.stub)
  t.same(x.map((u) => [u.nlri, u.attrs.med, u.attrs.localPref]), [[['203.0.113.0/24'], undefined, undefined]], 'MED and LOCAL_PREF stripped toward eBGP')
  // Withdrawal propagates.
  ebgp.stub.sent.length = 0
  h.receive(ibgp, update({ withdraw: ['203.0.113.0/24'] }))
  await turn()
  t.same(sentUpdates(ebgp.stub).map((u) => u.withdrawn), [['203.0.113.0/24']])
  t.equal(ebgp.families.get('ipv4')!.out!.sentCount, 3, 'our three prefixes; its own route is not sent back')
})

t.test('outbound back-pressure: no more than a batch encoded while the socket is full', async (t) => {
  const h = new Harness()
  const n = OUTBOUND_BATCH * 3 + 10
  const prefixes: string[] = []
  for (let i = 0; i < n; i++) prefixes.push(`10.${i >> 8}.${i & 255}.0/24`)
  h.announce(prefixes)
  const p = h.addPeer({ address: '192.0.2.1', remoteAs: 65001, families: ['ipv4'] })
  p.stub.writable = false
  h.up(p)
  await turn()
  await turn()
  const count = (): number => sentUpdates(p.stub).reduce((s, u) => s + u.nlri.length, 0)
  t.equal(count(), OUTBOUND_BATCH, 'one batch written, then the flush waits for drain')
  t.equal(p.drainWaiters.length, 1)
  p.stub.writable = true
  p.wakeDrainWaiters()
  for (let i = 0; i < 10 && count() < n; i++) await turn()
  t.equal(count(), n, 'the rest after the drain')
  const last = sentUpdates(p.stub).at(-1)!
  t.same([last.nlri, last.withdrawn], [[], []], 'End-of-RIB last')
  t.equal(p.families.get('ipv4')!.out!.sentCount, n)
})

t.test('MRAI: announcements wait, withdrawals do not', async (t) => {
  const h = new Harness()
  const p = h.addPeer({ address: '192.0.2.1', remoteAs: 65001, families: ['ipv4'], mraiMs: 300 })
  h.up(p)
  await turn()
  await turn()
  p.stub.sent.length = 0
  h.announce(['10.9.0.0/16'])
  await sleep(50)
  t.equal(p.stub.sent.length, 0, 'held back by MRAI')
  await sleep(350)
  t.equal(sentUpdates(p.stub).length, 1, 'sent once MRAI passed')
  h.announce(['10.8.0.0/16'])
  h.withdraw(['10.9.0.0/16'])
  await turn()
  await turn()
  t.same(
    sentUpdates(p.stub).slice(1).map((u) => [u.withdrawn, u.nlri]),
    [
      [['10.9.0.0/16'], []],
      [[], ['10.8.0.0/16']],
    ],
    'a withdrawal goes at once (taking the pending announcement along)',
  )
  h.down(p)
})

t.test('graceful restart helper (RFC 4724 §4.2)', async (t) => {
  const h = new Harness()
  const p = h.addPeer({ address: '192.0.2.1', remoteAs: 65001, families: ['ipv4'] })
  const gr = { code: 64 as const, restartState: false, notification: false, restartTime: 120, families: [{ afi: 1, safi: 1, forwardingState: true }] }
  h.up(p, { gracefulRestart: gr })
  h.receive(p, update({ v4: ['198.51.100.0/24', '203.0.113.0/24'] }))
  h.down(p, true)
  t.ok(h.best('198.51.100.0/24')?.stale, 'kept, marked stale, while the peer restarts')
  t.same(p.summary(Date.now()).staleFamilies, ['ipv4'])
  t.ok(p.grTimer, 'restart timer armed')
  h.up(p, { gracefulRestart: { ...gr, restartState: true } })
  h.receive(p, update({ v4: ['198.51.100.0/24'] }))
  t.equal(h.best('198.51.100.0/24')?.stale, false, 're-learned: fresh again')
  t.ok(h.best('203.0.113.0/24')?.stale, 'not yet re-learned: still stale')
  h.receive(p, EOR_V4)
  t.equal(h.best('203.0.113.0/24'), null, 'End-of-RIB flushed what stayed stale')
  t.ok(h.best('198.51.100.0/24'))
  t.same(p.summary(Date.now()).staleFamilies, [])
  // Without GR negotiated, a session loss removes the routes at once.
  h.down(p, false)
  t.equal(h.best('198.51.100.0/24'), null)
  p.clearTimers()
})

t.test('graceful restart: Restart Time passes without a new session', async (t) => {
  const h = new Harness()
  const p = h.addPeer({ address: '192.0.2.1', remoteAs: 65001, families: ['ipv4', 'ipv6'] })
  const gr = { code: 64 as const, restartState: false, notification: false, restartTime: 0, families: [{ afi: 1, safi: 1, forwardingState: true }] }
  h.up(p, { gracefulRestart: gr })
  h.receive(p, update({ v4: ['198.51.100.0/24'], v6: ['2001:db8:7::/48'] }))
  h.down(p, true)
  t.ok(h.best('198.51.100.0/24')?.stale, 'IPv4 (in the GR capability) kept as stale')
  t.equal(h.best('2001:db8:7::/48'), null, 'IPv6 (not in the capability) flushed at once')
  await sleep(20)
  t.equal(h.best('198.51.100.0/24'), null, 'flushed when the Restart Time passed')
  t.equal(p.grTimer, null)
  t.same(p.summary(Date.now()).families.ipv4, { received: 0, accepted: 0, best: 0, advertised: 0 })
})


t.test('ingest fast paths: pre-policy routes shared until they differ, nothing queued back to the source peer', async (t) => {
  const h = new Harness()
  const p = h.addPeer({ address: '192.0.2.1', remoteAs: 65001 })
  h.up(p)
  const fs = p.families.get('ipv4')!
  h.receive(p, update({ v4: ['198.51.100.0/24', '203.0.113.0/24'] }))
  t.equal(fs.pre, null, 'no import policy, attributes unchanged: no second table')
  t.ok(fs.preShared)
  t.equal(fs.preTable, fs.post, 'the post-policy table stands for the pre-policy one')
  t.same(p.summary(Date.now()).families.ipv4, { received: 2, accepted: 2, best: 2, advertised: 0 })
  t.equal(fs.dirty.size, 0, 'routes from the only peer are not queued for export back to it')
  h.receive(p, update({ v4: ['203.0.113.0/24'], attrs: { asPath: [{ type: 2, asns: [65001, 65000] }] } }))
  t.not(fs.pre, null, 'the first route imported differently gives the pre-policy routes their own table')
  t.notOk(fs.preShared)
  t.same(p.summary(Date.now()).families.ipv4, { received: 2, accepted: 1, best: 1, advertised: 0 })
  const kept = [...fs.post!.keys()][0]!
  t.equal(fs.pre!.get(kept), fs.post!.get(kept), 'earlier routes copied over, same attribute set')
  t.same(h.errors, [])
})

t.test('inbound without best-path listeners (LocRib.decide) = with them: counters, Loc-RIB, what peers get', async (t) => {
  // Without local routes the peers' UPDATEs are decided a batch per call (LocRib.decideMany), with them key by key.
  const run = async (wantEvents: boolean, local = true) => {
    const h = new Harness()
    h.wantEvents = wantEvents
    if (local) h.announce(['10.9.0.0/16'])
    const a = h.addPeer({ address: '192.0.2.1', remoteAs: 65001 })
    const b = h.addPeer({ address: '192.0.2.2', remoteAs: 65002 })
    const c = h.addPeer({ address: '192.0.2.3', remoteAs: 65003 })
    h.up(a)
    h.up(b)
    h.up(c)
    await turn()
    const steps: Array<[typeof a, Update]> = [
      [a, update({ v4: ['198.51.100.0/24', '203.0.113.0/24'], attrs: { med: 10 } })],
      // Same attributes again for the first two (unchanged), plus a new one: a partly changed batch.
      [a, update({ v4: ['198.51.100.0/24', '203.0.113.0/24', '192.0.2.0/24'], attrs: { med: 10 } })],
      [a, update({ v4: ['198.51.100.0/24', '203.0.113.128/25'], attrs: { med: 10 } })],
      // Our AS in the path (RFC 4271 §9.1.2): a's route for 203.0.113.128/25 is withdrawn, then re-learned.
      [a, update({ v4: ['203.0.113.128/25'], attrs: { asPath: [{ type: 2, asns: [65001, 65000] }] } })],
      [a, update({ v4: ['203.0.113.128/25'], attrs: { med: 11 } })],
      // A shorter AS path from b wins 203.0.113.0/24; a longer one for 198.51.100.0/24 loses.
      [b, update({ v4: ['203.0.113.0/24'], attrs: { asPath: [{ type: 2, asns: [65002] }], nextHop: '192.0.2.2' } })],
      [b, update({ v4: ['198.51.100.0/24'], attrs: { asPath: [{ type: 2, asns: [65002, 64999, 64998] }], nextHop: '192.0.2.2' } })],
      [b, update({ v4: ['10.9.0.0/16'], attrs: { asPath: [{ type: 2, asns: [65002] }], nextHop: '192.0.2.2' } })],
      [a, update({ withdraw: ['192.0.2.0/24', '198.51.100.0/24'] })],
      [b, update({ withdraw: ['203.0.113.0/24'] })],
      [a, update({ v6: ['2001:db8:1::/48', '2001:db8:2::/48'] })],
      [a, update({ v6: ['2001:db8:1::/48', '2001:db8:3::/48'] })],
    ]
    const rows: string[] = []
    for (const [p, u] of steps) {
      h.receive(p, u)
      await turn()
      await turn()
      rows.push(JSON.stringify([a, b, c].map((x) => [x.families.get('ipv4')!.best, x.families.get('ipv6')!.best])))
      for (const pfx of ['198.51.100.0/24', '203.0.113.0/24', '203.0.113.128/25', '192.0.2.0/24', '10.9.0.0/16', '2001:db8:1::/48', '2001:db8:3::/48']) {
        const bp = h.best(pfx)
        rows.push(`${pfx} ${bp === null ? 'none' : `${bp.peer.peerAddress || 'local'} ${bp.attrSet.id}`}`)
      }
    }
    const sent = [a, b, c].map((x) => JSON.stringify(sentUpdates(x.stub).map((l) => [l.nlri.sort(), l.withdrawn.sort()])))
    t.same(h.errors, [])
    return { rows, sent, events: h.events.length }
  }
  const slow = await run(true)
  const fast = await run(false)
  t.ok(slow.events > 0, 'the listener saw best-path changes')
  t.equal(fast.events, 0, 'no events built without a listener')
  t.same(fast.rows, slow.rows, 'same best paths and per-peer best counters after every UPDATE')
  t.same(fast.sent, slow.sent, 'the same UPDATEs sent to every peer')
  t.equal(slow.rows[0], JSON.stringify([[2, 0], [0, 0], [0, 0]]))
  const slowNoLocal = await run(true, false)
  const batched = await run(false, false)
  t.same(batched.rows, slowNoLocal.rows, 'no local routes (whole batches decided at once): same best paths and counters')
  t.same(batched.sent, slowNoLocal.sent, 'no local routes: the same UPDATEs sent to every peer')
})

// Speaker.announce() of many prefixes (one-pass IPv4 text parsing, validation before any change) and the
// outbound paths a full-table origination takes: the first dump into an empty Adj-RIB-Out, dirty prefixes
// taken all at once, both under back-pressure (harness.ts: RIB plumbing without sockets).
import t from 'tap'
import { parsePrefix, plainV4Key } from '../../src/wire/prefix.js'
import { OUTBOUND_BATCH, SETTLE_CHUNK } from '../../src/speaker/outbound.js'
import { Speaker } from '../../src/speaker/speaker.js'
import { Harness, sentUpdates, turn } from './harness.js'

t.test('plainV4Key reads the plain IPv4 form exactly as parsePrefix, and declines everything else', async (t) => {
  for (const s of ['192.0.2.0/24', '0.0.0.0/0', '255.255.255.255/32', '10.1.2.3/8', '198.51.100.7/31', '1.2.3.4/0', '203.0.113.128/25', '010.0.0.0/8']) {
    t.equal(plainV4Key(s), parsePrefix(s)!.key, s)
  }
  // Random prefixes with host bits: the key is masked as parsePrefix masks it.
  let x = 12345
  for (let i = 0; i < 2000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    const s = `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}/${x % 33}`
    if (plainV4Key(s) !== parsePrefix(s)!.key) t.fail(s)
  }
  // Not the plain form: -1, and parsePrefix decides (some are valid there, some are not).
  for (const s of ['192.0.2.0', '0010.0.0.0/8', '192.0.2.0/024', '192.0.2.0/33', '256.0.0.0/8', '1.2.3/24', '1.2.3.4.5/24', '1..2.3/24', '.1.2.3/8', ' 192.0.2.0/24', '192.0.2.0/', '192.0.2.0/2a', '2001:db8::/32', '']) {
    t.equal(plainV4Key(s), -1, JSON.stringify(s))
  }
})

t.test('announce(): every prefix and the attributes are checked before anything changes', async (t) => {
  const s = new Speaker({ routerId: '192.0.2.9', localAs: 65000, listen: false })
  t.teardown(() => s.close())
  t.throws(() => s.announce(['192.0.2.0/24', 'not-a-prefix']), /bad prefix/)
  t.equal(s.bestPath('192.0.2.0/24'), null, 'the good prefix before the bad one was not announced')
  t.throws(() => s.announce(['192.0.2.0/24', '2001:db8::/32'], { nextHop6: '192.0.2.1' }), /nextHop6/)
  t.equal(s.bestPath('192.0.2.0/24'), null, 'IPv6 attributes rejected: the IPv4 prefix was not announced either')
  s.announce(['192.0.2.0/24', '198.51.100.0/24', '192.0.2.0/24', ' 203.0.113.0/24', '2001:db8:1::/48'], { med: 7 })
  t.equal(s.bestPath('192.0.2.0/24')?.attributes.med, 7)
  t.equal(s.bestPath('203.0.113.0/24')?.source, 'api', 'a prefix with spaces goes through parsePrefix')
  t.equal(s.bestPath('2001:db8:1::/48')?.family, 'ipv6')
  t.equal([...s.locRib()].length, 4, 'a repeated prefix is one route')
  s.withdraw(['192.0.2.0/24', '2001:db8:1::/48'])
  t.equal(s.bestPath('192.0.2.0/24'), null)
  t.equal([...s.locRib()].length, 2)
})

function prefixes(n: number, third = 0): string[] {
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push(`10.${(i >> 8) + third}.${i & 255}.0/24`)
  return out
}

t.test('first dump into an empty Adj-RIB-Out, with changes arriving while the socket is full', async (t) => {
  const h = new Harness()
  const n = OUTBOUND_BATCH * 2 + 5
  const all = prefixes(n)
  h.announce(all)
  const p = h.addPeer({ address: '192.0.2.1', remoteAs: 65001, families: ['ipv4'] })
  p.stub.writable = false
  h.up(p)
  await turn()
  await turn()
  const fs = p.families.get('ipv4')!
  t.equal(fs.out!.sentCount, OUTBOUND_BATCH, 'one batch written, then the flush waits for drain')
  // While it waits: a new attribute set for a prefix already sent and for one still in the dump, a withdrawal
  // of one already sent, and of one still in the dump.
  const sent = new Set(fs.out!.sentKeys())
  const inDump = all.filter((s) => !sent.has(parsePrefix(s)!.key as number))
  const done = all.filter((s) => sent.has(parsePrefix(s)!.key as number))
  h.announce([done[0]!, inDump[0]!], { med: 9 })
  h.withdraw([done[1]!, inDump[1]!])
  p.stub.writable = true
  p.wakeDrainWaiters()
  for (let i = 0; i < 20 && !fs.eorSent; i++) await turn()
  t.ok(fs.eorSent, 'End-of-RIB after the dump')
  // What the peer ends up with, replaying every UPDATE in order.
  const state = new Map<string, number | undefined>()
  const counts = new Map<string, number>()
  for (const u of sentUpdates(p.stub)) {
    for (const w of u.withdrawn) state.delete(w)
    for (const a of u.nlri) {
      state.set(a, u.attrs.med)
      counts.set(a, (counts.get(a) ?? 0) + 1)
    }
  }
  t.equal(state.size, n - 2, 'everything but the two withdrawn prefixes')
  t.notOk(state.has(done[1]!))
  t.notOk(state.has(inDump[1]!))
  t.equal(state.get(done[0]!), 9, 'a sent prefix re-announced with its new attributes')
  t.equal(state.get(inDump[0]!), 9, 'a dump prefix changed meanwhile: sent with its new attributes')
  t.equal(counts.get(inDump[0]!), 1, '... once: the rest of the dump saw it was sent')
  t.equal(fs.out!.sentCount, n - 2)
  t.same(h.errors, [])
})

t.test('many dirty prefixes are taken at once and still written a batch at a time', async (t) => {
  const h = new Harness()
  const p = h.addPeer({ address: '192.0.2.1', remoteAs: 65001, families: ['ipv4'] })
  h.up(p)
  await turn()
  await turn()
  const fs = p.families.get('ipv4')!
  t.ok(fs.eorSent, 'empty table: End-of-RIB at once')
  p.stub.sent.length = 0
  p.stub.writable = false
  const n = OUTBOUND_BATCH * 3
  h.announce(prefixes(n, 100))
  t.equal(fs.dirty.size, n)
  await turn()
  await turn()
  t.equal(fs.dirty.size, 0, 'the dirty set was emptied in one step')
  t.equal(fs.out!.sentCount, OUTBOUND_BATCH, 'but only one batch was encoded while the socket is full')
  p.stub.writable = true
  for (let i = 0; i < 10 && fs.out!.sentCount < n; i++) {
    p.wakeDrainWaiters()
    await turn()
  }
  t.equal(fs.out!.sentCount, n)
  t.equal(sentUpdates(p.stub).reduce((s, u) => s + u.nlri.length, 0), n, 'each prefix once')
})

t.test('after the first dump, its Adj-RIB-Out table is filled in idle turns', async (t) => {
  const h = new Harness()
  const n = SETTLE_CHUNK + 100
  const all: string[] = []
  for (let i = 0; i < n; i++) all.push(`${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`)
  h.announce(all)
  const p = h.addPeer({ address: '192.0.2.1', remoteAs: 65001, families: ['ipv4'] })
  h.up(p)
  const out = p.families.get('ipv4')!.out!
  for (let i = 0; i < 20 && !p.families.get('ipv4')!.eorSent; i++) await turn()
  t.equal(out.sentCount, n)
  t.equal(out.settle(0), false, 'just written: still in the log')
  for (let i = 0; i < 10 && !out.settle(0); i++) await turn()
  t.equal(out.settle(0), true, 'settled in the background')
  h.withdraw([all[0]!])
  await turn()
  await turn()
  t.same(sentUpdates(p.stub).at(-1)!.withdrawn, [all[0]], 'a later withdrawal finds the prefix')
  t.equal(out.sentCount, n - 1)
})

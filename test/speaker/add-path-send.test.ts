// ADD-PATH send (RFC 7911) between in-process Speakers over loopback TCP: A learns one prefix per family from
// three eBGP sources and sends all of them to B (send 'all'), at most two to D (send 2), and only the best to C
// (no ADD-PATH). Withdrawals remove exactly the withdrawn source's path id, a best-path change keeps the ids,
// a removed source peer takes its path away. Every wait is bounded.
import t from 'tap'
import type { AdjRibInEntry } from '../../src/speaker/speaker.js'
import { connect, established, makeNode, waitFor, type Node } from './helpers.js'

const V4 = '203.0.113.0/24'
const V6 = '2001:db8:5::/48'
const both = ['ipv4', 'ipv6'] as Array<'ipv4' | 'ipv6'>

/** B's paths for `prefix` from A: "pathId asPath" rows sorted by path id. */
function paths(n: Node, from: Node, prefix: string): string[] {
  return [...n.speaker.adjRibIn(from.address)]
    .filter((r) => r.prefix === prefix)
    .sort((a, b) => (a.pathId ?? 0) - (b.pathId ?? 0))
    .map((r: AdjRibInEntry) => `${r.pathId ?? '-'} ${(r.attributes.asPath ?? []).join(' ')}`)
}

t.test('A sends every path of a prefix to an ADD-PATH peer, the best to others', async (t) => {
  const a = await makeNode(t, '127.0.0.2', 65001)
  const b = await makeNode(t, '127.0.0.3', 65002)
  const c = await makeNode(t, '127.0.0.7', 65003)
  const d = await makeNode(t, '127.0.0.8', 65004)
  const src = [await makeNode(t, '127.0.0.4', 65011), await makeNode(t, '127.0.0.5', 65012), await makeNode(t, '127.0.0.6', 65013)]
  for (const s of src) await connect(s, a, { families: both, nextHop6: '2001:db8::4' }, { families: both })
  await connect(a, b, { families: both, nextHop6: '2001:db8::2', addPath: { ipv4: { send: 'all' }, ipv6: { send: 'all' } } }, { families: both, addPath: { ipv4: { receive: true }, ipv6: { receive: true } } })
  await connect(a, c, { families: both, nextHop6: '2001:db8::2', addPath: { ipv4: { send: 'all' } } }, { families: both })
  await connect(a, d, { families: both, nextHop6: '2001:db8::2', addPath: { ipv4: { send: 2, receive: true } } }, { families: both, addPath: { ipv4: { receive: true } } })
  await waitFor('all sessions Established', () => [b, c, d, ...src].every((n) => established(a, n.address) && established(n, a.address)), 15_000)

  for (const s of src) s.speaker.announce([V4, V6])
  await waitFor('3 IPv4 paths at B', () => paths(b, a, V4).length === 3)
  await waitFor('3 IPv6 paths at B', () => paths(b, a, V6).length === 3)
  await waitFor('A best settled at C', () => c.speaker.bestPath(V4)?.attributes.asPath?.[1] === 65011)
  await waitFor('2 IPv4 paths at D', () => paths(d, a, V4).length === 2)

  const v4 = paths(b, a, V4)
  t.same(v4.map((r) => r.split(' ')[0]), ['1', '2', '3'], 'three distinct path ids')
  t.same(v4.map((r) => r.split(' ').slice(1).join(' ')).sort(), ['65001 65011', '65001 65012', '65001 65013'], 'one path per source')
  t.same(paths(b, a, V6).map((r) => r.split(' ').slice(1).join(' ')).sort(), ['65001 65011', '65001 65012', '65001 65013'], 'IPv6 (MP_REACH_NLRI) too')
  t.equal(b.speaker.multipath(V4).length, 1, 'B decides among them')
  const idOf = (rows: string[], asn: number): string => rows.find((r) => r.endsWith(` ${asn}`))!.split(' ')[0]!
  const ids = { s1: idOf(v4, 65011), s2: idOf(v4, 65012), s3: idOf(v4, 65013) }

  const outB = [...a.speaker.adjRibOut(b.address)].filter((r) => r.prefix === V4)
  t.same(outB.map((r) => r.pathId).sort(), [1, 2, 3], "A's Adj-RIB-Out toward B keys on (prefix, path id)")
  t.equal(a.speaker.peers().find((p) => p.address === b.address)!.families.ipv4!.advertised, 3, 'advertised counts paths')

  t.same(paths(c, a, V4), ['- 65001 65011'], 'C (no ADD-PATH negotiated: it did not advertise receive) gets only the best, no path id')
  t.same(paths(c, a, V6), ['- 65001 65011'], 'C, IPv6 (not configured for ADD-PATH)')
  t.same(paths(d, a, V4).map((r) => r.split(' ').slice(1).join(' ')), ['65001 65011', '65001 65012'], 'D (send 2): the best, then the next in decision order')
  t.notOk([...a.speaker.adjRibOut(c.address)].some((r) => r.pathId !== undefined), 'no path ids toward C')

  // Withdraw a path that is not best: B loses exactly its id, the others keep theirs.
  src[1]!.speaker.withdraw([V4, V6])
  await waitFor('S2 path gone at B', () => paths(b, a, V4).length === 2 && paths(b, a, V6).length === 2)
  t.same(paths(b, a, V4), [`${ids.s1} 65001 65011`, `${ids.s3} 65001 65013`].sort(), 'only the withdrawn path id left')
  await waitFor('D refilled to 2 paths', () => paths(d, a, V4).join() === '1 65001 65011,3 65001 65013')
  t.pass('D: the next path fills the freed place, under a new id (id 2 is reused only once its withdrawal is written)')
  t.same(paths(c, a, V4), ['- 65001 65011'], 'C unchanged')

  // Best change: S1's path gets longer, S3's becomes best. Same ids, S1's path replaced under its id.
  src[0]!.speaker.announce([V4], { asPath: [65011] })
  await waitFor('C sees the new best', () => c.speaker.bestPath(V4)?.attributes.asPath?.[1] === 65013)
  await waitFor('B sees the longer S1 path', () => paths(b, a, V4).includes(`${ids.s1} 65001 65011 65011`))
  t.same(paths(b, a, V4), [`${ids.s1} 65001 65011 65011`, `${ids.s3} 65001 65013`].sort(), 'ids stable across the best change')
  t.same(paths(c, a, V4), ['- 65001 65013'], 'C: only the new best')
  t.equal(b.speaker.bestPath(V4)?.attributes.asPath?.[1], 65013, 'B agrees on the best')

  // S2 back: a new path takes the lowest free id.
  src[1]!.speaker.announce([V4])
  await waitFor('S2 back at B', () => paths(b, a, V4).length === 3)
  t.same(paths(b, a, V4).map((r) => r.split(' ')[0]), ['1', '2', '3'], 'a returning source gets a free id')

  // Import policy on A rejects S2's path (not best): re-imported without a reset, B loses that path only.
  const s2id = idOf(paths(b, a, V4), 65012)
  await a.speaker.setPolicy(src[1]!.address, { import: () => null })
  await waitFor('S2 path gone after the import policy', () => paths(b, a, V4).length === 2)
  t.notOk(paths(b, a, V4).some((r) => r.startsWith(`${s2id} `)), 'its id withdrawn')
  await a.speaker.setPolicy(src[1]!.address, { import: null })
  await waitFor('S2 path back after the policy is removed', () => paths(b, a, V4).length === 3)
  t.pass('back')

  // A source peer removed (its session ends): its path leaves B too.
  const s2back = idOf(paths(b, a, V4), 65012)
  await a.speaker.removePeer(src[1]!.address)
  await waitFor('S2 path gone after removePeer', () => paths(b, a, V4).length === 2)
  t.notOk(paths(b, a, V4).some((r) => r.startsWith(`${s2back} `)), 'the removed source path id is withdrawn')

  // Withdraw everything.
  for (const s of [src[0]!, src[2]!]) s.speaker.withdraw([V4, V6])
  await waitFor('all gone at B', () => paths(b, a, V4).length === 0 && paths(b, a, V6).length === 0)
  await waitFor('all gone at C', () => c.speaker.bestPath(V4) === null)
  t.equal([...a.speaker.adjRibOut(b.address)].length, 0, 'empty Adj-RIB-Out toward B')
})

t.test('send multipath, local routes and the ADD-PATH receive-only peer', async (t) => {
  const a = await makeNode(t, '127.0.0.12', 65001, { decision: { multipath: true } })
  const b = await makeNode(t, '127.0.0.13', 65002)
  const src = [await makeNode(t, '127.0.0.14', 65010), await makeNode(t, '127.0.0.15', 65010), await makeNode(t, '127.0.0.16', 65020)]
  for (const s of src) await connect(s, a)
  await connect(a, b, { addPath: { ipv4: { send: 'multipath' } } }, { addPath: { ipv4: { receive: true } } })
  await waitFor('Established', () => [b, ...src].every((n) => established(a, n.address)), 15_000)
  src[0]!.speaker.announce([V4])
  src[1]!.speaker.announce([V4])
  src[2]!.speaker.announce([V4], { asPath: [65020] })
  await waitFor('multipath set at A', () => a.speaker.multipath(V4).length === 2 && [...a.speaker.adjRibIn(src[2]!.address)].length === 1)
  await waitFor('2 paths at B', () => paths(b, a, V4).length === 2)
  t.same(paths(b, a, V4).map((r) => r.split(' ').slice(1).join(' ')), ['65001 65010', '65001 65010'], 'the multipath set, not the longer path')
  // A local route of A wins (shorter AS path after prepending): the multipath set is just it.
  a.speaker.announce([V4])
  await waitFor('only the local route at B', () => paths(b, a, V4).join() === '3 65001' || paths(b, a, V4).length === 1)
  t.equal(paths(b, a, V4).length, 1, 'the multipath set is the local route only')
  a.speaker.withdraw([V4])
  await waitFor('multipath back at B', () => paths(b, a, V4).length === 2)
  t.pass('back to the multipath set')
})

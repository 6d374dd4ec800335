/**
 * TCP reassembly (in order, out of order, retransmission, overlap, SYN/ISN, wrap-around, gaps,
 * bounds, new connection) and BGP framing over the streams (split messages, OPEN-learned
 * context per direction, desync and resync, mid-stream start).
 */
import t from 'tap'
import { BgpStreamDecoder, type BgpRecord } from '../../src/capture/bgp-streams.js'
import { TcpReassembler, type StreamChunk } from '../../src/capture/reassembly.js'
import type { TcpSegment } from '../../src/capture/tcp.js'
import * as B from './builders.js'

const A = { addr: '192.0.2.1', port: 50000 }
const Z = { addr: '198.51.100.2', port: 179 }

/** A segment from A to Z (dir 'az') or back ('za'). */
function seg(dir: 'az' | 'za', seq: number, payload: Buffer | string, flags: number = B.TCP.ACK, ts = 0): TcpSegment {
  const [s, d] = dir === 'az' ? [A, Z] : [Z, A]
  return {
    ts,
    frame: 0,
    src: s.addr,
    dst: d.addr,
    srcPort: s.port,
    dstPort: d.port,
    seq: seq >>> 0,
    ack: 0,
    flags,
    payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
  }
}

function run(segs: TcpSegment[], opts = {}): { chunks: StreamChunk[]; r: TcpReassembler } {
  const r = new TcpReassembler(opts)
  const chunks = segs.flatMap((s) => r.push(s))
  chunks.push(...r.flush())
  return { chunks, r }
}

const text = (chunks: StreamChunk[], streamId = '192.0.2.1:50000>198.51.100.2:179') =>
  chunks
    .filter((c) => c.streamId === streamId)
    .map((c) => (c.gap ? '|' : '') + c.bytes.toString())
    .join('')

t.test('reassembly', async (t) => {
  const syn = seg('az', 999, '', B.TCP.SYN)
  const cases: Array<{ name: string; segs: TcpSegment[]; want: string; stats?: Record<string, number>; opts?: object }> = [
    { name: 'in order after SYN', segs: [syn, seg('az', 1000, 'abc'), seg('az', 1003, 'def')], want: 'abcdef' },
    { name: 'out of order', segs: [syn, seg('az', 1003, 'def'), seg('az', 1000, 'abc'), seg('az', 1006, 'g')], want: 'abcdefg', stats: { outOfOrder: 1 } },
    { name: 'full retransmission dropped', segs: [syn, seg('az', 1000, 'abc'), seg('az', 1000, 'abc'), seg('az', 1003, 'd')], want: 'abcd', stats: { retransmitted: 1 } },
    { name: 'overlap trimmed (first copy wins)', segs: [syn, seg('az', 1000, 'abcd'), seg('az', 1002, 'XXef')], want: 'abcdef' },
    { name: 'overlapping pending segments', segs: [syn, seg('az', 1004, 'ef'), seg('az', 1002, 'cde'), seg('az', 1000, 'ab')], want: 'abcdef' },
    { name: 'SYN carrying data (TFO)', segs: [seg('az', 999, 'ab', B.TCP.SYN), seg('az', 1002, 'c')], want: 'abc' },
    { name: 'retransmitted SYN ignored', segs: [syn, syn, seg('az', 1000, 'ab')], want: 'ab' },
    { name: 'no SYN: first data segment sets the sequence', segs: [seg('az', 5000, 'xy'), seg('az', 5002, 'z')], want: 'xyz' },
    { name: 'sequence wrap-around', segs: [seg('az', 0xfffffffe, '', B.TCP.SYN), seg('az', 0x1, 'cd'), seg('az', 0xffffffff, 'ab')], want: 'abcd' },
    { name: 'lost segment: gap at end of capture', segs: [syn, seg('az', 1000, 'ab'), seg('az', 1005, 'fg')], want: 'ab|fg', stats: { gaps: 1 } },
    {
      name: 'pending bound exceeded: gap declared early',
      segs: [syn, seg('az', 1000, 'ab'), seg('az', 1010, '0123'), seg('az', 1014, '4567'), seg('az', 1018, '89')],
      opts: { maxPendingBytes: 6 },
      want: 'ab|012345678' + '9',
      stats: { gaps: 1 },
    },
  ]
  for (const c of cases) {
    const { chunks, r } = run(c.segs, c.opts)
    t.equal(text(chunks), c.want, c.name)
    for (const [k, v] of Object.entries(c.stats ?? {})) t.equal((r.stats as unknown as Record<string, number>)[k], v, `${c.name}: ${k}`)
  }
})

t.test('directions, stream ids, new connection on the same endpoints', async (t) => {
  const { chunks } = run([
    seg('az', 100, '', B.TCP.SYN),
    seg('za', 500, '', B.TCP.SYN | B.TCP.ACK),
    seg('az', 101, 'hello'),
    seg('za', 501, 'world'),
    seg('az', 9000, '', B.TCP.SYN), // a new ISN: new connection
    seg('az', 9001, 'again'),
  ])
  const data = chunks.filter((c) => c.bytes.length || c.start)
  t.same(
    data.map((c) => [c.streamId, c.dir, c.bytes.toString(), c.start ?? false]),
    [
      ['192.0.2.1:50000>198.51.100.2:179', 0, 'hello', false],
      ['198.51.100.2:179>192.0.2.1:50000', 1, 'world', false],
      ['192.0.2.1:50000>198.51.100.2:179', 0, '', true],
      ['192.0.2.1:50000>198.51.100.2:179', 0, 'again', false],
    ],
  )
  t.ok(chunks.every((c) => c.connId === '192.0.2.1:50000>198.51.100.2:179'), 'one connection id for both directions')
})

t.test('end of a connection: RST, both FINs after all data, eviction; bare ACKs create nothing', async (t) => {
  const ends = (cs: StreamChunk[]) => cs.filter((c) => c.end).length
  const rst = run([seg('az', 1, 'ab'), seg('za', 9, '', B.TCP.RST)])
  t.equal(ends(rst.chunks), 1, 'RST ends it (once, flush adds nothing)')

  // A's FIN arrives before A's last data: the connection ends only when that data is in.
  const r = new TcpReassembler()
  const early = [seg('az', 1, 'ab'), seg('az', 5, 'e', B.TCP.FIN | B.TCP.ACK), seg('za', 9, '', B.TCP.FIN | B.TCP.ACK)].flatMap((x) => r.push(x))
  t.equal(ends(early), 0, 'still waiting for octets 3-4')
  const late = r.push(seg('az', 3, 'cd'))
  t.equal(text(late), 'cde')
  t.equal(ends(late), 1, 'ends once everything before both FINs is delivered')
  t.equal(ends(r.flush()), 0)

  const bare = new TcpReassembler()
  t.same(bare.push(seg('az', 1, '', B.TCP.ACK)), [], 'a bare ACK of an unknown connection')
  t.equal(bare.stats.connections, 0)

  const small = new TcpReassembler({ maxConnections: 2 })
  const mk = (port: number) => ({ ...seg('az', 1, 'x'), srcPort: port })
  const cs = [mk(1), mk(2), mk(1), mk(3)].flatMap((x) => small.push(x))
  t.same(cs.filter((c) => c.end).map((c) => c.connId), ['192.0.2.1:2>198.51.100.2:179'], 'the least recently active connection is evicted')
  t.equal(small.stats.evicted, 1)
})

// ------------------------------------------------------------------------------------ BGP over the streams

function decodeAll(segs: TcpSegment[], overrides = {}): BgpRecord[] {
  const { chunks } = run(segs)
  const d = new BgpStreamDecoder(overrides)
  return [...chunks.flatMap((c) => d.push(c)), ...d.finish()]
}

const kinds = (rs: BgpRecord[]) =>
  rs.map((r) => (r.kind === 'message' ? r.message.type : r.kind === 'error' ? `error:${r.error.notificationName}` : `${r.kind}:${r.reason}`))

t.test('a message split across segments, several in one segment', async (t) => {
  const upd = B.update({ asns: [65001], as4: false, nextHop: '192.0.2.1', prefixes: [['10.0.0.0', 8], ['10.1.0.0', 16]] })
  const both = Buffer.concat([B.KEEPALIVE, upd, B.KEEPALIVE])
  const segs = [seg('az', 1, both.subarray(0, 5)), seg('az', 6, both.subarray(5, 30)), seg('az', 30, both.subarray(29))]
  const rs = decodeAll(segs)
  t.same(kinds(rs), ['KEEPALIVE', 'UPDATE', 'KEEPALIVE'])
  const u = rs[1]!
  t.ok(u.kind === 'message' && u.bytes.equals(upd), 'message bytes exactly the UPDATE')
  t.equal(u.src, '192.0.2.1:50000')
  t.equal(u.dst, '198.51.100.2:179')
})

t.test('context learned from the OPENs: 4-octet AS, ADD-PATH per direction', async (t) => {
  // A sends path ids for IPv4 unicast (mode send), Z only receives (mode receive): only A>Z carries them.
  const openA = B.open(4200000001, '192.0.2.1', [B.capMp(1, 1), B.capAs4(4200000001), B.capAddPath(1, 1, 2)])
  const openZ = B.open(65002, '198.51.100.2', [B.capMp(1, 1), B.capAs4(65002), B.capAddPath(1, 1, 1)])
  const updA = B.update({ asns: [4200000001], as4: true, nextHop: '192.0.2.1', prefixes: [['10.0.0.0', 8]], pathIds: [7] })
  const updZ = B.update({ asns: [65002], as4: true, nextHop: '198.51.100.2', prefixes: [['10.2.0.0', 16]] })
  const rs = decodeAll([
    seg('az', 1, '', B.TCP.SYN),
    seg('za', 1, '', B.TCP.SYN | B.TCP.ACK),
    seg('az', 2, openA),
    seg('za', 2, openZ),
    seg('az', 2 + openA.length, updA),
    seg('za', 2 + openZ.length, updZ),
  ])
  t.same(kinds(rs), ['OPEN', 'OPEN', 'UPDATE', 'UPDATE'])
  const [, , a, z] = rs
  t.ok(a?.kind === 'message' && a.ctx.as4 && a.ctx.addPath.size === 1, 'A>Z: as4 and ADD-PATH for IPv4 unicast')
  t.ok(z?.kind === 'message' && z.ctx.as4 && z.ctx.addPath.size === 0, 'Z>A: as4, no ADD-PATH')
  if (a?.kind === 'message' && a.message.type === 'UPDATE') {
    t.same(a.message.nlri.pathIds, [7], 'path id decoded')
    t.same(a.message.attributes.asPath?.[0]?.asns, [4200000001], '4-octet ASN')
    t.notOk(a.message.errors, 'clean')
  } else t.fail('A>Z UPDATE')
  // Flags force ADD-PATH both ways: Z>A's UPDATE then fails to parse as ADD-PATH (its NLRI has no ids).
  const forced = decodeAll([seg('az', 2, openA), seg('za', 2, openZ), seg('za', 2 + openZ.length, updZ)], { addPath: [[1, 1]] })
  const fz = forced[2]
  t.ok((fz?.kind === 'message' || fz?.kind === 'error') && fz.ctx.addPath.size === 1, 'override applies to both directions')
})

t.test('no OPEN seen: 4-octet AS guessed from an AS_PATH that only parses that way', async (t) => {
  const upd = B.update({ asns: [65001, 4200000001], as4: true, nextHop: '192.0.2.1', prefixes: [['10.0.0.0', 8]] })
  const rs = decodeAll([seg('az', 1, upd), seg('az', 1 + upd.length, upd)])
  t.same(kinds(rs).map((k) => k.split(':')[0]), ['context', 'UPDATE', 'UPDATE'], 'said once')
  const u = rs[1]!
  t.ok(u.kind === 'message' && u.message.type === 'UPDATE' && !u.message.errors && u.ctx.as4)
  const no = decodeAll([seg('az', 1, upd)], { as4: false })
  t.ok(no[0]?.kind === 'message' && no[0].message.type === 'UPDATE' && no[0].message.errors?.length, '--as4 no: no guessing, RFC 7606 error kept')
})

t.test('desync: garbage between messages, resync on the next marker; bad length; gap', async (t) => {
  const junk = Buffer.from('0102030405ffff', 'hex')
  const rs = decodeAll([seg('az', 1, Buffer.concat([B.KEEPALIVE, junk, B.KEEPALIVE, B.KEEPALIVE]))])
  t.same(kinds(rs), ['KEEPALIVE', 'desync:marker is not all ones', 'KEEPALIVE', 'KEEPALIVE'], 'reported once, then resynchronized')

  const badLen = Buffer.from(B.KEEPALIVE)
  badLen.writeUInt16BE(5000, 16)
  const rs2 = decodeAll([seg('az', 1, Buffer.concat([badLen, B.KEEPALIVE]))])
  t.match(kinds(rs2), [/^desync:.*message length 5000/, 'KEEPALIVE'])

  const upd = B.update({ asns: [65001], as4: false, nextHop: '192.0.2.1', prefixes: [['10.0.0.0', 8]] })
  const stream = Buffer.concat([B.KEEPALIVE, upd, B.KEEPALIVE])
  // The middle of the UPDATE is never captured.
  const rs3 = decodeAll([seg('az', 1, stream.subarray(0, 25)), seg('az', 1 + 30, stream.subarray(30))])
  t.same(kinds(rs3), ['KEEPALIVE', 'desync:capture gap of 5 octets', 'KEEPALIVE'])

  // A framed message whose body does not decode is an error record; the next message is still read.
  const badOpen = B.bgp(1, Buffer.from('04fde9005ac000020105', 'hex')) // Opt Parm Len 5, no octets left
  const rs4 = decodeAll([seg('az', 1, Buffer.concat([badOpen, B.KEEPALIVE]))])
  t.match(kinds(rs4), [/^error:OPEN Message Error/, 'KEEPALIVE'])
})

t.test('capture starting mid-stream and ending mid-message', async (t) => {
  const upd = B.update({ asns: [65001], as4: false, nextHop: '192.0.2.1', prefixes: [['10.0.0.0', 8]] })
  const stream = Buffer.concat([upd, B.KEEPALIVE, upd])
  const rs = decodeAll([seg('za', 777, stream.subarray(10, stream.length - 4))])
  t.match(kinds(rs), [/^desync:capture starts inside the stream/, 'KEEPALIVE', /^truncated:stream ends with/])
  // A reset ends the connection: the partial message is reported at once, not at the end of the capture.
  const reset = decodeAll([seg('az', 1, Buffer.concat([B.KEEPALIVE, B.KEEPALIVE.subarray(0, 7)])), seg('za', 1, '', B.TCP.RST), seg('az', 100, B.KEEPALIVE)])
  t.match(kinds(reset), ['KEEPALIVE', /^truncated:stream ends with 7 octets/, 'KEEPALIVE'])
  const d = rs[0]!
  t.equal(d.streamId, '198.51.100.2:179>192.0.2.1:50000')
})

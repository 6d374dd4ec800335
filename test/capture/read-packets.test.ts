/**
 * File formats (pcap both byte orders and resolutions, pcapng blocks/sections/interfaces, gzip)
 * and the link/IP/TCP layers, on synthetic captures built here.
 */
import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { ByteReader } from '../../src/capture/file-source.js'
import { CaptureError, readPackets, readPacketsFrom, type Packet } from '../../src/capture/read-packets.js'
import { newSegmentStats, tcpSegments, type TcpSegment } from '../../src/capture/tcp.js'
import * as B from './builders.js'

const dir = mkdtempSync(join(tmpdir(), 'tsbgp-capture-'))
let fileNo = 0
function tmpFile(bytes: Buffer): string {
  const p = join(dir, `c${fileNo++}.bin`)
  writeFileSync(p, bytes)
  return p
}

/** Feed the bytes in small odd-sized chunks so record parsing must span chunk boundaries. */
async function* chunked(b: Buffer, size = 7): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size)
}

async function packetsOf(b: Buffer, notes: string[] = []): Promise<Packet[]> {
  const out: Packet[] = []
  for await (const p of readPacketsFrom(new ByteReader(chunked(b)), (m) => notes.push(m))) out.push(p)
  return out
}

async function segmentsOf(b: Buffer, ports = [179], notes: string[] = []): Promise<TcpSegment[]> {
  const out: TcpSegment[] = []
  const note = (m: string) => notes.push(m)
  for await (const s of tcpSegments(readPacketsFrom(new ByteReader(chunked(b)), note), new Set(ports), { note })) out.push(s)
  return out
}

const PAYLOAD = B.KEEPALIVE
const v4tcp = (payload = PAYLOAD) => B.ipv4({ src: '192.0.2.1', dst: '198.51.100.2', payload: B.tcp({ sport: 50000, dport: 179, seq: 1000, payload }) })
const v6tcp = (payload = PAYLOAD) => B.ipv6({ src: '2001:db8::1', dst: '2001:db8::2', payload: B.tcp({ sport: 179, dport: 50001, seq: 7, payload }) })

t.test('classic pcap: byte orders and timestamp resolutions', async (t) => {
  const recs = [
    { ts: 1700000000.25, data: Buffer.from('aa', 'hex') },
    { ts: 1700000001.5, data: Buffer.from('bbcc', 'hex') },
  ]
  for (const le of [true, false]) {
    for (const nano of [false, true]) {
      const ps = await packetsOf(B.pcapFile(1, recs, { le, nano }))
      t.equal(ps.length, 2, `le=${le} nano=${nano}: count`)
      t.equal(ps[0]!.ts, 1700000000.25, 'ts 0')
      t.equal(ps[1]!.ts, 1700000001.5, 'ts 1')
      t.equal(ps[1]!.data.toString('hex'), 'bbcc', 'data')
      t.equal(ps[1]!.linkType, 1, 'link type')
      t.equal(ps[1]!.index, 2, 'frame number')
    }
  }
})

t.test('classic pcap: Kuznetsov variant (24-octet record headers)', async (t) => {
  const ps = await packetsOf(B.pcapFile(1, [{ ts: 3.5, data: Buffer.from('aabb', 'hex') }, { ts: 4, data: Buffer.from('cc', 'hex') }], { kuznetsov: true }))
  t.same(ps.map((p) => [p.ts, p.data.toString('hex')]), [[3.5, 'aabb'], [4, 'cc']])
})

t.test('classic pcap: a record cut short at the end is dropped with a note', async (t) => {
  const f = B.pcapFile(1, [{ ts: 1, data: Buffer.alloc(30, 1) }, { ts: 2, data: Buffer.alloc(30, 2) }])
  const notes: string[] = []
  const ps = await packetsOf(f.subarray(0, f.length - 5), notes)
  t.equal(ps.length, 1)
  t.match(notes.join('\n'), /record 2 truncated/)
})

t.test('not a capture, empty file', async (t) => {
  await t.rejects(packetsOf(Buffer.from('hello world, not a pcap')), CaptureError)
  await t.rejects(packetsOf(Buffer.alloc(0)), CaptureError)
  await t.rejects(async () => {
    for await (const _ of readPackets(join(dir, 'does-not-exist.pcap'))) void _
  }, /cannot open/)
})

t.test('gzip is detected by magic, not by name', async (t) => {
  const f = B.pcapFile(101, [{ ts: 5, data: v4tcp() }])
  const p = tmpFile(gzipSync(f))
  const out: Packet[] = []
  for await (const x of readPackets(p)) out.push(x)
  t.equal(out.length, 1)
  t.equal(out[0]!.data.toString('hex'), v4tcp().toString('hex'))
})

t.test('a truncated .gz ends the capture with a note, keeping the frames before the cut', async (t) => {
  const recs = Array.from({ length: 300 }, (_, i) => ({ ts: i, data: Buffer.from(Array.from({ length: 200 }, (_, j) => (i * 7 + j * 13) & 255)) }))
  const gz = gzipSync(B.pcapFile(1, recs))
  const p = tmpFile(gz.subarray(0, Math.floor(gz.length * 0.6)))
  const notes: string[] = []
  const out: Packet[] = []
  for await (const x of readPackets(p, { note: (m) => notes.push(m) })) out.push(x)
  t.ok(out.length > 10 && out.length < 300, `some frames read (${out.length})`)
  t.match(notes.join('\n'), /compressed data ends early/)
})

t.test('pcapng: EPB/SPB/OPB, interfaces with their own link types, tsresol, both byte orders, sections', async (t) => {
  for (const le of [true, false]) {
    const f = B.pcapngFile([
      {
        le,
        interfaces: [{ linkType: 1 }, { linkType: 101, tsresol: 9 }, { linkType: 113, tsresol: 0x80 | 10 }],
        extraBlock: true,
        packets: [
          { iface: 0, ts: 10.5, data: B.ethernet(v4tcp(), 0x0800) },
          { iface: 1, ts: 11.000001, data: v6tcp() },
          { iface: 2, ts: 12.5, data: B.sll(v4tcp(), 0x0800) },
          { iface: 0, ts: 0, data: B.ethernet(v4tcp(), 0x0800), block: 'spb' },
          { iface: 1, ts: 13.25, data: v4tcp(), block: 'opb' },
        ],
      },
      // A second section restarts interface numbering; its interface 0 is raw IP.
      { le: !le, interfaces: [{ linkType: 101 }], packets: [{ iface: 0, ts: 20, data: v6tcp() }] },
    ])
    const ps = await packetsOf(f)
    t.same(
      ps.map((p) => [p.linkType, p.ts, p.interfaceId, p.index]),
      [
        [1, 10.5, 0, 1],
        [101, 11.000001, 1, 2],
        [113, 12.5, 2, 3],
        [1, 0, 0, 4],
        [101, 13.25, 1, 5],
        [101, 20, 0, 6],
      ],
      `le=${le}`,
    )
    const segs = await segmentsOf(f)
    t.equal(segs.length, 6, 'every frame yields its TCP segment')
    t.ok(segs.every((s) => s.payload.equals(PAYLOAD)), 'payloads')
  }
})

t.test('link types', async (t) => {
  const cases: Array<[string, number, Buffer, string]> = [
    ['Ethernet IPv4', 1, B.ethernet(v4tcp(), 0x0800), '192.0.2.1'],
    ['Ethernet IPv6', 1, B.ethernet(v6tcp(), 0x86dd), '2001:db8::1'],
    ['Ethernet 802.1Q', 1, B.ethernet(v4tcp(), 0x0800, [{ tpid: 0x8100, vid: 100 }]), '192.0.2.1'],
    ['Ethernet QinQ 88a8+8100', 1, B.ethernet(v6tcp(), 0x86dd, [{ tpid: 0x88a8, vid: 10 }, { tpid: 0x8100, vid: 20 }]), '2001:db8::1'],
    ['Ethernet QinQ 9100', 1, B.ethernet(v4tcp(), 0x0800, [{ tpid: 0x9100, vid: 10 }, { tpid: 0x8100, vid: 20 }]), '192.0.2.1'],
    ['Ethernet MPLS', 1, B.ethernet(Buffer.concat([Buffer.from('00010000', 'hex'), Buffer.from('000021ff', 'hex'), v4tcp()]), 0x8847), '192.0.2.1'],
    ['Ethernet PPPoE', 1, B.ethernet(Buffer.concat([Buffer.from('110000010000', 'hex'), Buffer.from('0021', 'hex'), v4tcp()]), 0x8864), '192.0.2.1'],
    ['Linux SLL', 113, B.sll(v4tcp(), 0x0800), '192.0.2.1'],
    ['Linux SLL2', 276, B.sll2(v6tcp(), 0x86dd), '2001:db8::1'],
    ['raw 101', 101, v4tcp(), '192.0.2.1'],
    ['raw DLT 12', 12, v6tcp(), '2001:db8::1'],
    ['raw DLT 14', 14, v4tcp(), '192.0.2.1'],
    ['NULL little-endian AF_INET', 0, B.nullHeader(v4tcp(), 2, true), '192.0.2.1'],
    ['NULL big-endian AF_INET', 0, B.nullHeader(v4tcp(), 2, false), '192.0.2.1'],
    ['NULL little-endian AF_INET6 (BSD 24)', 0, B.nullHeader(v6tcp(), 24, true), '2001:db8::1'],
    ['NULL little-endian AF_INET6 (Darwin 30)', 0, B.nullHeader(v6tcp(), 30, true), '2001:db8::1'],
    ['LOOP AF_INET', 108, B.nullHeader(v4tcp(), 2, false), '192.0.2.1'],
    ['PPP with ff03', 9, B.pppFrame(v4tcp(), 0x0021), '192.0.2.1'],
    ['PPP without address/control', 9, B.pppFrame(v6tcp(), 0x0057, false), '2001:db8::1'],
    ['PPP protocol-field-compressed', 9, Buffer.concat([Buffer.of(0x21), v4tcp()]), '192.0.2.1'],
    ['Cisco HDLC in DLT_PPP (9)', 9, B.ciscoHdlc(v4tcp(), 0x0800), '192.0.2.1'],
    ['PPP_HDLC 50', 50, B.pppFrame(v4tcp(), 0x0021), '192.0.2.1'],
    ['Cisco HDLC 104', 104, B.ciscoHdlc(v6tcp(), 0x86dd), '2001:db8::1'],
  ]
  for (const [name, lt, frame, src] of cases) {
    const segs = await segmentsOf(B.pcapFile(lt, [{ ts: 1, data: frame }]))
    t.equal(segs.length, 1, `${name}: one segment`)
    t.equal(segs[0]?.src, src, `${name}: source address`)
    t.ok(segs[0]?.payload.equals(PAYLOAD), `${name}: payload (link padding excluded)`)
  }
  // Frames that carry no IP are counted, not errors.
  const stats = newSegmentStats()
  const notIp = B.pcapFile(104, [
    { ts: 1, data: B.ciscoHdlc(Buffer.alloc(20), 0x8035) }, // SLARP
    { ts: 2, data: B.ciscoHdlc(Buffer.alloc(20), 0x0806) },
  ])
  const segs: TcpSegment[] = []
  for await (const s of tcpSegments(readPacketsFrom(new ByteReader(chunked(notIp)), () => {}), new Set([179]), { stats })) segs.push(s)
  t.equal(segs.length, 0)
  t.equal(stats.notIp, 2)
  const ethArp = await segmentsOf(B.pcapFile(1, [{ ts: 1, data: B.ethernet(Buffer.alloc(28), 0x0806) }]))
  t.equal(ethArp.length, 0, 'ARP skipped')
  const unknown = await segmentsOf(B.pcapFile(147, [{ ts: 1, data: v4tcp() }]))
  t.equal(unknown.length, 0, 'unsupported link type skipped')
})

t.test('IPv4 options, fragments, padding; IPv6 extension headers and fragments', async (t) => {
  const seg = B.tcp({ sport: 179, dport: 40000, seq: 1, payload: PAYLOAD })
  const withOptions = B.ipv4({ src: '10.0.0.1', dst: '10.0.0.2', payload: seg, options: Buffer.from('94040000', 'hex') }) // Router Alert
  const firstFrag = B.ipv4({ src: '10.0.0.1', dst: '10.0.0.2', payload: seg, flagsFrag: 0x2000 })
  const laterFrag = B.ipv4({ src: '10.0.0.1', dst: '10.0.0.2', payload: Buffer.alloc(16), flagsFrag: 0x0002 })
  const v6ext = B.ipv6({
    src: 'fe80::1',
    dst: 'fe80::2',
    payload: seg,
    ext: [
      { type: 0, body: Buffer.from('010400000000', 'hex') }, // hop-by-hop: PadN
      { type: 43, body: Buffer.from('000000000000', 'hex') }, // routing, segments left 0
      { type: 60, body: Buffer.from('010400000000', 'hex') }, // destination options
      { type: 44, body: Buffer.from('000000001234', 'hex') }, // atomic fragment: offset 0, M 0
    ],
  })
  const v6frag = B.ipv6({ src: 'fe80::1', dst: 'fe80::2', payload: seg, ext: [{ type: 44, body: Buffer.from('000100001234', 'hex') }] })
  const udp = B.ipv4({ src: '10.0.0.1', dst: '10.0.0.2', payload: Buffer.alloc(8), proto: 17 })
  const otherPort = B.ipv4({ src: '10.0.0.1', dst: '10.0.0.2', payload: B.tcp({ sport: 22, dport: 40000, seq: 1, payload: PAYLOAD }) })
  const notes: string[] = []
  const segs = await segmentsOf(
    B.pcapFile(1, [withOptions, firstFrag, laterFrag, v6ext, v6frag, udp, otherPort].map((p, i) => ({ ts: i, data: B.ethernet(p, p[0]! >> 4 === 6 ? 0x86dd : 0x0800) }))),
    [179],
    notes,
  )
  t.same(
    segs.map((s) => `${s.src}:${s.srcPort}`),
    ['10.0.0.1:179', 'fe80::1:179'],
    'options skipped over; extension headers walked; fragments, UDP and other ports left out',
  )
  t.ok(segs.every((s) => s.payload.equals(PAYLOAD)))
  t.equal(notes.filter((n) => /fragment/.test(n)).length, 3, 'each fragment is reported')
})

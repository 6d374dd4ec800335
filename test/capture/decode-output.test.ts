/**
 * The NDJSON the `decode --hex` and `decode --pcap` commands print: field names, exit codes,
 * error messages, and back-pressure on the output stream.
 */
import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { decodeHex } from '../../src/cli/decode-hex.js'
import { decodePcap } from '../../src/cli/decode-pcap.js'
import * as B from './builders.js'

/** Collects output lines; `slow` acknowledges each write on a later tick with a 1-byte high-water mark. */
function sink(o: { slow?: boolean; failAfter?: number } = {}) {
  const chunks: string[] = []
  let writesWhileFull = 0
  const w = new Writable({
    highWaterMark: o.slow ? 1 : 16384,
    write(c, _e, cb) {
      chunks.push(String(c))
      if (o.failAfter !== undefined && chunks.length >= o.failAfter) return cb(Object.assign(new Error('EPIPE'), { code: 'EPIPE' }))
      if (o.slow) setImmediate(cb)
      else cb()
    },
  })
  const write = w.write.bind(w) as (c: unknown) => boolean
  ;(w as unknown as { write: (c: unknown) => boolean }).write = (c: unknown) => {
    if (w.writableNeedDrain) writesWhileFull++
    return write(c)
  }
  return {
    w,
    lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
    text: () => chunks.join(''),
    writesWhileFull: () => writesWhileFull,
  }
}

const OPEN_HEX = B.open(65001, '192.0.2.1', [B.capMp(1, 1), B.capAs4(65001)]).toString('hex')

t.test('decodeHex: accepted spellings and the JSON of each message', async (t) => {
  const out = sink()
  const spaced = B.KEEPALIVE.toString('hex').replace(/(..)/g, '$1 ')
  const colons = '0x' + OPEN_HEX.replace(/(..)(?!$)/g, '$1:')
  t.equal(decodeHex({ hex: `${spaced}\n${colons}`, out: out.w }), 0)
  const [ka, op] = out.lines()
  t.same(ka, { type: 'KEEPALIVE' })
  t.match(op, { type: 'OPEN', version: 4, asn: 65001, myAs: 65001, holdTime: 90, bgpId: '192.0.2.1', capabilities: [{ code: 1, afi: 1, safi: 1 }, { code: 65, asn: 65001 }] })
})

t.test('decodeHex: flags set the context', async (t) => {
  const upd = B.update({ asns: [4200000001], as4: true, nextHop: '192.0.2.1', prefixes: [['10.0.0.0', 8]], pathIds: [9] })
  const out = sink()
  t.equal(decodeHex({ hex: upd.toString('hex'), as4: true, addPath: ['ipv4'], out: out.w }), 0)
  t.match(out.lines()[0], { type: 'UPDATE', nlri: [{ prefix: '10.0.0.0/8', pathId: 9 }], attributes: { asPath: [{ type: 'AS_SEQUENCE', asns: [4200000001] }] } })
  t.notOk('errors' in out.lines()[0]!, 'clean')
})

t.test('decodeHex: errors', async (t) => {
  const out = sink()
  const err = sink()
  t.equal(decodeHex({ hex: '0000 0017 02 0000', out: out.w, err: err.w }), 65, 'body without marker')
  t.match(err.text(), /does not start with the 16-octet marker.*whole message.*not the body alone/)
  t.equal(out.text(), '')

  const err2 = sink()
  t.equal(decodeHex({ hex: 'ff'.repeat(16) + '0013', out: sink().w, err: err2.w }), 65, 'cut short')
  t.match(err2.text(), /incomplete: 18 octets given, its length field says 19/)
  t.equal(decodeHex({ hex: 'zz', out: sink().w, err: sink().w }), 65, 'not hex')
  t.equal(decodeHex({ hex: 'fff', out: sink().w, err: sink().w }), 65, 'odd digits')
  t.equal(decodeHex({ hex: B.KEEPALIVE.toString('hex'), addPath: ['ipv5'], out: sink().w, err: sink().w }), 64, 'bad family')

  // Framed but malformed: an error line (errorToJson + hex), exit 1, and the next message is still decoded.
  const bad = B.bgp(1, Buffer.from('04fde9005ac000020105', 'hex'))
  const out3 = sink()
  t.equal(decodeHex({ hex: bad.toString('hex') + B.KEEPALIVE.toString('hex'), out: out3.w }), 1)
  const [e, k] = out3.lines()
  t.match(e, { type: 'OPEN', error: { code: 2, subcode: 0, name: String, reason: String, offset: Number }, hex: bad.toString('hex') })
  t.same(k, { type: 'KEEPALIVE' })

  const out4 = sink()
  const badLen = Buffer.from(B.KEEPALIVE)
  badLen.writeUInt16BE(18, 16)
  t.equal(decodeHex({ hex: badLen.toString('hex'), out: out4.w }), 1)
  t.match(out4.lines()[0], { error: { code: 1, subcode: 2, name: 'Message Header Error / Bad Message Length' } })
})

const dir = mkdtempSync(join(tmpdir(), 'tsbgp-decode-'))
const c = { addr: '192.0.2.1', port: 50000 }
const s = { addr: '198.51.100.2', port: 179 }
function frame(from: typeof c, to: typeof c, seq: number, payload: Buffer, flags: number = B.TCP.ACK | B.TCP.PSH): Buffer {
  return B.ethernet(B.ipv4({ src: from.addr, dst: to.addr, payload: B.tcp({ sport: from.port, dport: to.port, seq, flags, payload }) }), 0x0800)
}

t.test('decodePcap: NDJSON lines', async (t) => {
  const openC = B.open(65001, '192.0.2.1', [B.capAs4(65001)])
  const bad = B.bgp(1, Buffer.from('04fde9005ac000020105', 'hex'))
  const file = join(dir, 'session.pcap')
  writeFileSync(
    file,
    B.pcapFile(1, [
      { ts: 100.5, data: frame(c, s, 0, Buffer.alloc(0), B.TCP.SYN) },
      { ts: 100.75, data: frame(c, s, 1, openC) },
      { ts: 101, data: frame(s, c, 5000, Buffer.concat([Buffer.from('garbage'), B.KEEPALIVE])) },
      { ts: 102, data: frame(c, s, 1 + openC.length, bad) },
    ]),
  )
  const out = sink()
  t.equal(await decodePcap({ file, out: out.w }), 0)
  const lines = out.lines()
  t.match(lines, [
    { ts: 100.75, src: '192.0.2.1:50000', dst: '198.51.100.2:179', type: 'OPEN', asn: 65001 },
    { type: 'STREAM', ts: 101, streamId: '198.51.100.2:179>192.0.2.1:50000', event: 'desync', reason: /capture starts inside the stream/ },
    { ts: 101, src: '198.51.100.2:179', dst: '192.0.2.1:50000', type: 'KEEPALIVE' },
    { ts: 102, src: '192.0.2.1:50000', dst: '198.51.100.2:179', type: 'OPEN', error: { code: 2, subcode: 0, name: String, reason: String }, hex: bad.toString('hex') },
  ])
  t.equal(lines.length, 4)
  t.same(Object.keys(lines[0]!).slice(0, 4), ['ts', 'src', 'dst', 'type'], 'ts, src, dst lead each message line')
})

t.test('decodePcap: ports, unreadable input, bad options', async (t) => {
  const file = join(dir, 'p1179.pcap')
  const alt = { addr: '198.51.100.2', port: 1179 }
  writeFileSync(file, B.pcapFile(101, [{ ts: 1, data: B.ipv4({ src: c.addr, dst: alt.addr, payload: B.tcp({ sport: c.port, dport: 1179, seq: 1, payload: B.KEEPALIVE }) }) }]))
  const o179 = sink()
  const e179 = sink()
  t.equal(await decodePcap({ file, out: o179.w, err: e179.w }), 0)
  t.equal(o179.lines().length, 0, 'port 1179 is not BGP by default')
  t.match(e179.text(), /no BGP data: 1 frames, none of them TCP on port 179 \(1 TCP segments on other ports\)/, 'says why')
  const o1179 = sink()
  t.equal(await decodePcap({ file, ports: [1179], out: o1179.w }), 0)
  t.same(o1179.lines().map((l) => l.type), ['KEEPALIVE'])

  const err = sink()
  t.equal(await decodePcap({ file: join(dir, 'missing.pcap'), out: sink().w, err: err.w }), 66)
  t.match(err.text(), /cannot open .*missing\.pcap/)
  const notPcap = join(dir, 'text.pcap')
  writeFileSync(notPcap, 'this is not a capture file')
  const err2 = sink()
  t.equal(await decodePcap({ file: notPcap, out: sink().w, err: err2.w }), 66)
  t.match(err2.text(), /not a pcap or pcapng file/)
  t.equal(await decodePcap({ file, ports: [70000], out: sink().w, err: sink().w }), 64)
  t.equal(await decodePcap({ file, addPath: ['ipv9'], out: sink().w, err: sink().w }), 64)
})

t.test('decodePcap: waits for drain, and stops when the reader goes away', async (t) => {
  const n = 200
  const stream = Buffer.concat(Array.from({ length: n }, () => B.KEEPALIVE))
  const file = join(dir, 'many.pcap')
  writeFileSync(file, B.pcapFile(101, [{ ts: 1, data: B.ipv4({ src: c.addr, dst: s.addr, payload: B.tcp({ sport: c.port, dport: 179, seq: 1, payload: stream }) }) }]))
  const slow = sink({ slow: true })
  t.equal(await decodePcap({ file, out: slow.w }), 0)
  t.equal(slow.lines().length, n, 'every line written')
  t.equal(slow.writesWhileFull(), 0, 'never wrote while the stream asked to drain')

  const broken = sink({ failAfter: 3 })
  t.equal(await decodePcap({ file, out: broken.w }), 0, 'EPIPE ends the run quietly')
  t.ok(broken.lines().length < n, 'stopped early')
})

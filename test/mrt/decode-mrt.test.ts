/**
 * `tsbgp decode --mrt`: file handling (raw, gzip, bzip2 via the command and via the JS decoder),
 * exit codes, back-pressure, a reader that goes away, and the fast RIB text = the object form.
 */
import t, { type Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { decodeMrt } from '../../src/cli/decode-mrt.js'
import { bgp4mpEntryJson, bgp4mpMessageJson, peerIndexTableJson, ribJson, skippedJson, stateChangeJson, tableDumpJson } from '../../src/mrt/json.js'
import { readMrt } from '../../src/mrt/reader.js'
import { findBzip2, openMrtFile } from '../../src/mrt/file-source.js'
import { MrtFramer } from '../../src/mrt/record-reader.js'
import { attr, h, KEEPALIVE, mrt, update } from './builders.js'

const SHARED = new URL('../../../shared/', import.meta.url)
const FIXTURES = fileURLToPath(new URL('fixtures/', SHARED))

const dir = mkdtempSync(join(tmpdir(), 'tsbgp-mrt-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

const PEERS = mrt(13, 1, h('c0000201 0000 0001' + '02 0a000001 c000020a 0000fde9'))
const ATTRS = attr(0x40, 1, '00') + attr(0x40, 2, '02 01 0000fde9') + attr(0x40, 3, 'c000020a')
const ENTRY = '0000 5f5e1000 ' + (ATTRS.length / 2).toString(16).padStart(4, '0') + ATTRS
const RIB = mrt(13, 2, h('00000000 18 c00002 0002' + ENTRY + ENTRY))
const MSG = mrt(16, 4, h('0000fde9 0000fde8 0000 0001 c000020a c0000201' + update('', ATTRS, '18c63364')))
const UNKNOWN = mrt(48, 1, h('0102'))
const SAMPLE = Buffer.concat([PEERS, RIB, MSG, UNKNOWN])

function file(name: string, bytes: Buffer): string {
  const p = join(dir, name)
  writeFileSync(p, bytes)
  return p
}

async function run(path: string, opts: { noBzip2Command?: boolean } = {}): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough()
  const err = new PassThrough()
  const chunks: Buffer[] = []
  const errs: Buffer[] = []
  out.on('data', (c: Buffer) => chunks.push(c))
  err.on('data', (c: Buffer) => errs.push(c))
  const code = await decodeMrt({ file: path, out, err, ...opts })
  return { code, out: Buffer.concat(chunks).toString(), err: Buffer.concat(errs).toString() }
}

t.test('raw file: one line per RIB entry / record, exit 0', async (t) => {
  const r = await run(file('sample.mrt', SAMPLE))
  t.equal(r.code, 0)
  const lines = r.out.trim().split('\n').map((l) => JSON.parse(l))
  t.same(
    lines.map((l) => l.type),
    ['PEER_INDEX_TABLE', 'RIB', 'RIB', 'UPDATE', 'MRT'],
  )
  t.same(lines[4], { type: 'MRT', mrtType: 48, subtype: 1, ts: 1700000000, length: 2, offset: SAMPLE.length - 14, skipped: true, reason: 'MRT type not decoded' })
})

t.test('gzip and bzip2 (command and pure-JS decoder) give the same output', async (t) => {
  const raw = await run(file('s.mrt', SAMPLE))
  const gz = await run(file('s.mrt.gz', gzipSync(SAMPLE)))
  t.equal(gz.out, raw.out, 'gzip')
  const bz = await findBzip2()
  if (bz === null) {
    t.comment('skipped bzip2 cases: no bzip2 command to make the file')
    return
  }
  const bzBytes = execFileSync(bz, ['-c'], { input: SAMPLE })
  const p = file('s.mrt.bz2', bzBytes)
  t.equal((await run(p)).out, raw.out, 'bzip2 -dc')
  t.equal((await run(p, { noBzip2Command: true })).out, raw.out, 'unbzip2-stream')
})

t.test('unreadable input: exit 66 and a message', async (t) => {
  const missing = await run(join(dir, 'nope.mrt'))
  t.equal(missing.code, 66)
  t.match(missing.err, /cannot read .*nope\.mrt/)
  t.equal(missing.out, '')
  t.equal((await run(dir)).code, 66, 'a directory')
})

t.test('a truncated file: the records before, an error line, exit 65', async (t) => {
  const r = await run(file('cut.mrt', SAMPLE.subarray(0, SAMPLE.length - 1)))
  t.equal(r.code, 65)
  const lines = r.out.trim().split('\n').map((l) => JSON.parse(l))
  t.same(lines.at(-1), { type: 'MRT', error: { reason: 'truncated record: 13 octets left at end of file', offset: SAMPLE.length - 14 } })
  t.equal(lines.length, 5)
})

t.test('a corrupt compressed stream: exit 65 with an error line', async (t) => {
  const gz = gzipSync(SAMPLE)
  gz[gz.length - 6] ^= 0xff // CRC32
  const r = await run(file('bad.gz', gz))
  t.equal(r.code, 65)
  t.match(r.out.trim().split('\n').at(-1), /"type":"MRT","error"/)
  const bz = await findBzip2()
  if (bz === null) return
  const b = execFileSync(bz, ['-c'], { input: SAMPLE })
  b[b.length - 20] ^= 0xff
  const rb = await run(file('bad.bz2', b))
  t.equal(rb.code, 65, 'bzip2 exit status is seen')
})

t.test('back-pressure: a slow reader gets every line', async (t) => {
  const many = Buffer.concat([PEERS, ...Array.from({ length: 3000 }, () => RIB)])
  const p = file('many.mrt', many)
  let bytes = 0
  let writes = 0
  const slow = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length
      writes++
      setImmediate(cb)
    },
  })
  const code = await decodeMrt({ file: p, out: slow })
  t.equal(code, 0)
  const fast = await run(p)
  t.equal(bytes, Buffer.byteLength(fast.out))
  t.ok(writes > 1, `${writes} batched writes`)
})

t.test('a reader that goes away (EPIPE) ends the run quietly', async (t) => {
  const many = Buffer.concat([PEERS, ...Array.from({ length: 3000 }, () => RIB)])
  const p = file('many2.mrt', many)
  const out = new Writable({
    write(_c, _e, cb) {
      cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
    },
  })
  const err = new PassThrough()
  let errText = ''
  err.on('data', (c: Buffer) => (errText += c.toString()))
  t.equal(await decodeMrt({ file: p, out, err }), 0)
  t.equal(errText, '')
})

/** A raw (uncompressed) temp file with the first `n` records of `path`. */
async function firstRecords(path: string, n: number): Promise<string> {
  const { stream } = await openMrtFile(path)
  const f = new MrtFramer()
  const parts: Buffer[] = []
  outer: for await (const chunk of stream) {
    f.push(chunk as Buffer)
    for (let r = f.next(); r.kind === 'record'; r = f.next()) {
      const x = r.record
      parts.push(Buffer.from(x.buf.subarray(x.end - x.length - 12, x.end)))
      if (parts.length >= n) break outer
    }
  }
  stream.destroy()
  return file(`first-${parts.length}-${path.replace(/\W+/g, '_')}`, Buffer.concat(parts))
}

/** NDJSON from the CLI's fast path = JSON of the typed records (json.ts), line for line. */
async function sameAsObjectForm(t: Test, path: string, maxRecords: number): Promise<void> {
  const want: string[] = []
  let n = 0
  for await (const r of readMrt(path)) {
    switch (r.type) {
      case 'PEER_INDEX_TABLE':
        want.push(JSON.stringify(peerIndexTableJson(r)))
        break
      case 'RIB':
        if (r.mrtType === 'TABLE_DUMP') want.push(JSON.stringify(tableDumpJson(r)))
        else if (r.mrtType === 'TABLE_DUMP_V2') for (const o of ribJson(r)) want.push(JSON.stringify(o))
        else want.push(JSON.stringify(bgp4mpEntryJson(r)))
        break
      case 'STATE_CHANGE':
        want.push(JSON.stringify(stateChangeJson(r)))
        break
      case 'BGP4MP_MESSAGE':
        want.push(JSON.stringify(bgp4mpMessageJson(r)))
        break
      default:
        want.push(JSON.stringify(skippedJson(r as never)))
    }
    if (++n >= maxRecords) break
  }
  const got = (await run(path)).out.split('\n').slice(0, want.length)
  let diff = 0
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) diff++
  t.equal(diff, 0, `${want.length} lines identical`)
}

t.test('fast text = object form: synthetic sample', async (t) => sameAsObjectForm(t, file('eq.mrt', SAMPLE), Infinity))

t.test('fast text = object form: real dumps', async (t) => {
  const cases: Array<[string, number]> = [
    ['hask-mrt/rib.bz2', 300],
    ['bgpdump/test_data/bview.ipv4_unicast_add_path.gz', Infinity],
    ['bgpdump/test_data/bview.ipv6_unicast_add_path.gz', Infinity],
    ['bgpdump/test_data/bview.20020722.2337.gz', 2000],
    ['mrtparse/openbgpd_rib_table-v2', Infinity],
    ['mrtparse/openbgpd_rib_table-mp', Infinity],
  ]
  for (const [p, n] of cases) {
    if (!existsSync(FIXTURES + p)) {
      t.comment(`skipped ${p}: ../shared absent`)
      continue
    }
    await t.test(p, async (t) => sameAsObjectForm(t, await firstRecords(FIXTURES + p, n), Infinity))
  }
})

t.test('a KEEPALIVE record is a one-field message line', async (t) => {
  const p = file('ka.mrt', mrt(17, 4, h('0000fde9 0000fde8 0000 0001 c000020a c0000201' + KEEPALIVE), { microseconds: 1 }))
  const r = await run(p)
  t.same(JSON.parse(r.out), {
    type: 'KEEPALIVE',
    ts: 1700000000.000001,
    mrtType: 'BGP4MP_ET',
    subtype: 'MESSAGE_AS4',
    peer: { address: '192.0.2.10', asn: 65001 },
    local: { address: '192.0.2.1', asn: 65000 },
  })
})

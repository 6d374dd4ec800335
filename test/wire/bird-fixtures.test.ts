/**
 * Every message captured from a real peer daemon: rfc-fixtures/bird/*.json (BIRD 2 on loopback,
 * interop/tools/capture-bird-fixtures.ts) and rfc-fixtures/{bird-lab,frr,gobgp}/*.json (BIRD, FRR and
 * GoBGP on a lab veth, tshark in a namespace, interop/tools/capture-lab-fixtures.ts): decodes with its
 * context to the recorded JSON form and re-encodes byte for byte (RFC 4271 §4; the round-trip rule of
 * the codec).
 */
import { readdirSync, readFileSync } from 'node:fs'
import t from 'tap'
import { makeWireContext, type WireContextOptions } from '../../src/wire/context.js'
import { messageToJson } from '../../src/wire/json.js'
import { decodeMessage, encodeMessage, MessageReader } from '../../src/wire/message.js'

interface Fixture {
  name: string
  provenance: string
  context: WireContextOptions
  hex: string
  json: unknown
}

const LAB = 'on a lab veth with tshark in a network namespace, \\d{4}-\\d\\d-\\d\\d'
/** Capture directories, the provenance each file names, and the message types the daemon sent. */
const SOURCES = [
  { dir: 'bird', provenance: /^captured from BIRD \d+\.\d+\.\d+ in the loopback session test, \d{4}-\d\d-\d\d/, types: ['KEEPALIVE', 'NOTIFICATION', 'OPEN', 'ROUTE-REFRESH', 'UPDATE'] },
  { dir: 'bird-lab', provenance: new RegExp(`^captured from BIRD \\d+\\.\\d+\\.\\d+ ${LAB}`), types: ['KEEPALIVE', 'NOTIFICATION', 'OPEN', 'ROUTE-REFRESH', 'UPDATE'] },
  { dir: 'frr', provenance: new RegExp(`^captured from FRR \\d+\\.\\d+\\.\\d+ ${LAB}`), types: ['KEEPALIVE', 'NOTIFICATION', 'OPEN', 'ROUTE-REFRESH', 'UPDATE'] },
  // GoBGP 3.10's soft reset in is local (it keeps every Adj-RIB-In): it sends no ROUTE-REFRESH.
  { dir: 'gobgp', provenance: new RegExp(`^captured from GoBGP \\d+\\.\\d+\\.\\d+ ${LAB}`), types: ['KEEPALIVE', 'NOTIFICATION', 'OPEN', 'UPDATE'] },
]

for (const src of SOURCES) {
  const dir = new URL(`../../rfc-fixtures/${src.dir}/`, import.meta.url)
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort()

  t.ok(files.length >= 5, `${files.length} captures in rfc-fixtures/${src.dir}`)

  const types = new Set<string>()
  for (const file of files) {
    t.test(`${src.dir}/${file}`, async (t) => {
      const fx = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Fixture
      t.match(fx.provenance, src.provenance, 'named capture provenance')
      const ctx = makeWireContext(fx.context)
      const bytes = Buffer.from(fx.hex, 'hex')
      const { message, length } = decodeMessage(bytes, 0, ctx)
      types.add(message.type)
      t.equal(length, bytes.length, 'one whole message')
      t.same(JSON.parse(JSON.stringify(messageToJson(message))), fx.json, 'JSON form')
      t.equal(encodeMessage(message, ctx).toString('hex'), fx.hex, 're-encode is byte-exact')
      // The streaming framer cuts the same message out of a byte-by-byte stream.
      const r = new MessageReader()
      for (const b of bytes) r.push(Buffer.of(b))
      const f = r.next()
      t.equal(f.kind, 'message')
      if (f.kind === 'message') t.equal(f.bytes.toString('hex'), fx.hex, 'framed from a trickle')
    })
  }

  t.test(`${src.dir}: every message type the daemon sends is covered`, async (t) => {
    t.same([...types].sort(), src.types)
  })
}

/**
 * Every message in rfc-fixtures/bird/*.json (captured from a real BIRD 2 by
 * interop/tools/capture-bird-fixtures.ts): decodes with its context to the recorded JSON form and
 * re-encodes byte for byte (RFC 4271 §4; the round-trip rule of the codec).
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

const DIR = new URL('../../rfc-fixtures/bird/', import.meta.url)
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()

t.ok(files.length >= 5, `${files.length} BIRD captures`)

const types = new Set<string>()
for (const file of files) {
  t.test(file, async (t) => {
    const fx = JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as Fixture
    t.match(fx.provenance, /^captured from BIRD \d+\.\d+\.\d+ in the loopback session test, \d{4}-\d\d-\d\d/, 'named capture provenance')
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

t.test('every message type BIRD sends is covered', async (t) => {
  t.same([...types].sort(), ['KEEPALIVE', 'NOTIFICATION', 'OPEN', 'ROUTE-REFRESH', 'UPDATE'])
})

/**
 * Fuzz: decodeMessage on mutated fixtures and random bytes under several contexts.
 * Properties (HELPERS.md, STYLE.md "anything else escaping the decoder is a bug"):
 *  1. the only exception a decoder may throw is BgpError (no RangeError/TypeError/hang);
 *  2. the decoder never reads past the message: the exact-size buffer and the same bytes with
 *     garbage after them decode to the same result (or the same error);
 *  3. a decoded message re-encodes without throwing (UPDATEs carrying RFC 7606 errors excepted),
 *     and non-UPDATE messages re-encode byte for byte (one documented exception: RFC 9072 Non-Ext
 *     OP Len., which "MUST be ignored on receipt", is re-encoded as 255).
 * Seeds: every hex in rfc-fixtures/** (all helpers' fixtures) and the ExaBGP encoding vectors in
 * ../shared when present. FUZZ_RUNS / FUZZ_SEED override the run count and the seed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import t from 'tap'
import { DEFAULT_CONTEXT, makeWireContext, type WireContext } from '../../src/wire/context.js'
import { BgpError } from '../../src/wire/errors.js'
import { decodeMessage, encodeMessage } from '../../src/wire/message.js'
import type { Message } from '../../src/wire/types.js'

const FIXTURES = new URL('../../rfc-fixtures/', import.meta.url)
const SHARED = new URL('../../../shared/', import.meta.url)
const EXABGP = new URL('fixtures/exabgp-5.0/encoding/', SHARED)

function fixtureHex(dir: URL): string[] {
  const out: string[] = []
  if (!existsSync(dir)) return out
  for (const name of readdirSync(dir)) {
    const u = new URL(name, dir)
    if (statSync(u).isDirectory()) out.push(...fixtureHex(new URL(`${name}/`, dir)))
    else if (name.endsWith('.json')) {
      try {
        const j = JSON.parse(readFileSync(u, 'utf8')) as { hex?: unknown }
        if (typeof j.hex === 'string' && /^([0-9a-f]{2})+$/i.test(j.hex)) out.push(j.hex)
      } catch {
        // another helper's file being written right now; skip it
      }
    }
  }
  return out
}

function exabgpHex(): string[] {
  if (!existsSync(EXABGP)) {
    t.comment(`ExaBGP vectors absent (${EXABGP.pathname}): seeding from rfc-fixtures only`)
    return []
  }
  const out: string[] = []
  for (const f of readdirSync(EXABGP).filter((n) => n.endsWith('.msg'))) {
    for (const line of readFileSync(new URL(f, EXABGP), 'utf8').split('\n')) {
      const m = /^[^:]+:raw:([0-9A-F]{32}):([0-9A-F]{4}):([0-9A-F]{2}):([0-9A-F]*)$/i.exec(line.trim())
      if (m) out.push(m[1]! + m[2]! + m[3]! + m[4]!)
    }
  }
  return out
}

const seeds = [...new Set([...fixtureHex(FIXTURES), ...exabgpHex()])].map((h) => Buffer.from(h, 'hex'))
t.comment(`${seeds.length} seed messages`)

const CONTEXTS: Array<[string, WireContext]> = [
  ['default', DEFAULT_CONTEXT],
  ['as4', makeWireContext({ as4: true })],
  ['as4+addpath', makeWireContext({ as4: true, addPath: [[1, 1], [2, 1]] })],
  ['as4+extended message', makeWireContext({ as4: true, extendedMessage: true })],
]

type Outcome = { ok: true; message: Message; length: number } | { ok: false; code: number; subcode: number; data: string }

function decode(buf: Buffer, ctx: WireContext): Outcome {
  try {
    const r = decodeMessage(buf, 0, ctx)
    return { ok: true, ...r }
  } catch (e) {
    if (e instanceof BgpError) return { ok: false, code: e.code, subcode: e.subcode, data: e.data.toString('hex') }
    throw e
  }
}

/** RFC 9072 OPEN whose Non-Ext OP Len. is not 255: decodes fine, re-encodes with 255. */
function isNonExtOpLenVariant(b: Buffer): boolean {
  return b[18] === 1 && b.length > 29 && b[28] !== 255 && b[28] !== 0 && b[29] === 255
}

let cases = 0
const decoded: Record<string, number> = {}
let updateMismatch: string | null = null
function check(buf: Buffer): void {
  cases++
  // the exact-size message, when the buffer holds a whole one
  const declared = buf.length >= 18 ? buf.readUInt16BE(16) : Infinity
  const exact = declared >= 19 && declared <= buf.length ? Buffer.from(buf.subarray(0, declared)) : buf
  const padded = exact === buf ? null : Buffer.concat([exact, buf.subarray(declared), Buffer.from([0xff, 0x00, 0x13, 0x04, 0x55])])
  for (const [name, ctx] of CONTEXTS) {
    const a = decode(exact, ctx)
    if (padded !== null) {
      const b = decode(padded, ctx)
      if (!isDeepStrictEqual(a, b)) {
        throw new Error(`[${name}] result depends on bytes after the message: ${exact.toString('hex')}`)
      }
    }
    if (!a.ok) continue
    const m = a.message
    decoded[m.type] = (decoded[m.type] ?? 0) + 1
    if (m.type === 'UPDATE' && m.errors && m.errors.length) continue
    let enc: Buffer
    try {
      enc = encodeMessage(m, ctx)
    } catch (e) {
      throw new Error(`[${name}] decoded ${m.type} does not re-encode (${String(e)}): ${exact.toString('hex')}`)
    }
    const same = enc.equals(exact.subarray(0, a.length))
    if (!same && m.type !== 'UPDATE' && !isNonExtOpLenVariant(exact)) {
      throw new Error(`[${name}] ${m.type} does not re-encode byte for byte: ${exact.toString('hex')} -> ${enc.toString('hex')}`)
    }
    if (!same && m.type === 'UPDATE' && updateMismatch === null) updateMismatch = `[${name}] ${exact.toString('hex')} -> ${enc.toString('hex')}`
  }
}

// ---------------------------------------------------------------- arbitraries
type Op =
  | { k: 'flip'; at: number; x: number }
  | { k: 'truncate'; at: number }
  | { k: 'extend'; bytes: Uint8Array }
  | { k: 'insert'; at: number; bytes: Uint8Array }
  | { k: 'delete'; at: number; n: number }
  | { k: 'len16'; at: number; v: number }
  | { k: 'byte'; at: number; v: number }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('flip' as const), at: fc.nat(), x: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ k: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ k: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ k: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ k: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
  // random values in what are often length fields (2-octet and 1-octet)
  fc.record({ k: fc.constant('len16' as const), at: fc.nat(), v: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 64 })) }),
  fc.record({ k: fc.constant('byte' as const), at: fc.nat(), v: fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 0x7f, 0x80, 0xff), fc.integer({ min: 0, max: 255 })) }),
)

function apply(seed: Buffer, ops: Op[], fixLength: boolean): Buffer {
  let b = Buffer.from(seed)
  for (const op of ops) {
    // mutate the body mostly: positions are taken past the header when the buffer allows
    const pos = (at: number) => (b.length > 19 ? 19 + (at % (b.length - 19)) : at % (b.length + 1))
    switch (op.k) {
      case 'flip':
        if (b.length) b[pos(op.at) % b.length] ^= op.x
        break
      case 'truncate':
        b = b.subarray(0, op.at % (b.length + 1))
        break
      case 'extend':
        b = Buffer.concat([b, op.bytes])
        break
      case 'insert': {
        const p = pos(op.at)
        b = Buffer.concat([b.subarray(0, p), op.bytes, b.subarray(p)])
        break
      }
      case 'delete': {
        const p = pos(op.at)
        b = Buffer.concat([b.subarray(0, p), b.subarray(p + op.n)])
        break
      }
      case 'len16': {
        const p = pos(op.at)
        if (p + 2 <= b.length) b.writeUInt16BE(op.v, p)
        break
      }
      case 'byte':
        if (b.length) b[pos(op.at) % b.length] = op.v
        break
    }
  }
  // keep the header consistent most of the time, so mutations reach the body decoders
  if (fixLength && b.length >= 19 && b.length <= 0xffff) b.writeUInt16BE(b.length, 16)
  return b
}

const MARKER = Buffer.alloc(16, 0xff)
const mutated = fc
  .tuple(fc.integer({ min: 0, max: Math.max(0, seeds.length - 1) }), fc.array(opArb, { minLength: 1, maxLength: 5 }), fc.boolean(), fc.boolean())
  .map(([i, ops, fix1, fix2]) => apply(seeds[i] ?? Buffer.alloc(0), ops, fix1 || fix2))
const randomBody = fc
  .tuple(fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 255 })), fc.uint8Array({ maxLength: 300 }))
  .map(([type, body]) => {
    const b = Buffer.concat([MARKER, Buffer.from([0, 0, type]), body])
    b.writeUInt16BE(b.length, 16)
    return b
  })
/** OPENs with random parameters and capability TLVs (lengths consistent), plain or RFC 9072 form. */
const CAP_CODES = [1, 2, 5, 6, 9, 64, 65, 69, 70, 71, 73, 128]
const capArb = fc.tuple(
  fc.oneof(fc.constantFrom(...CAP_CODES), fc.integer({ min: 0, max: 255 })),
  fc.oneof(fc.uint8Array({ maxLength: 24 }), fc.constantFrom(new Uint8Array(0), new Uint8Array(4), new Uint8Array(2))),
).map(([code, v]) => Buffer.concat([Buffer.from([code, v.length]), v]))
const paramArb = fc.oneof(
  { weight: 4, arbitrary: fc.array(capArb, { maxLength: 6 }).map((caps) => ({ type: 2, value: Buffer.concat(caps) })) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 8 })).map(([type, v]) => ({ type, value: Buffer.from(v) })) },
)
const openArb = fc.tuple(fc.boolean(), fc.array(paramArb, { maxLength: 4 }), fc.uint8Array({ minLength: 9, maxLength: 9 })).map(([ext, params, fixed]) => {
  const ps = params.map((p) => {
    const h = ext ? Buffer.from([p.type, p.value.length >> 8, p.value.length & 255]) : Buffer.from([p.type, p.value.length & 255])
    return Buffer.concat([h, p.value])
  })
  const body = Buffer.concat(ps)
  const optHdr = ext ? Buffer.from([255, 255, body.length >> 8, body.length & 255]) : Buffer.from([body.length & 255])
  const b = Buffer.concat([MARKER, Buffer.from([0, 0, 1]), Buffer.from(fixed), optHdr, body])
  b[19] = 4
  b.writeUInt16BE(b.length & 0xffff, 16)
  return b
})
const randomBytes = fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u))

// ---------------------------------------------------------------- runs
const TOTAL = Number(process.env.FUZZ_RUNS ?? 100_000)
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31)

t.test('seeds decode, stay inside the message and re-encode', async (t) => {
  for (const s of seeds) check(s)
  t.pass(`${seeds.length} seeds`)
})

t.test(`fuzz decodeMessage (seed ${SEED})`, async (t) => {
  const start = Date.now()
  const runs: Array<[string, fc.Arbitrary<Buffer>, number]> = [
    ['mutated fixtures', mutated, Math.round(TOTAL * 0.6)],
    ['OPENs with random parameters and capabilities', openArb, Math.round(TOTAL * 0.1)],
    ['random bodies behind a valid header', randomBody, Math.round(TOTAL * 0.25)],
    ['random bytes', randomBytes, Math.round(TOTAL * 0.05)],
  ]
  for (const [name, arb, numRuns] of runs) {
    const before = cases
    fc.assert(fc.property(arb, (b) => check(b)), { numRuns, seed: SEED })
    t.pass(`${name}: ${cases - before} cases`)
  }
  const ms = Date.now() - start
  t.comment(`fuzz: ${cases} cases x ${CONTEXTS.length} contexts in ${ms} ms`)
  t.comment(`decoded without error (per context): ${JSON.stringify(decoded)}`)
  console.log(`# fuzz cases run: ${cases} (x ${CONTEXTS.length} contexts), ${ms} ms, seed ${SEED}`)
  if (updateMismatch !== null) t.comment(`UPDATE re-encoded differently (update helper's files): ${updateMismatch}`)
})

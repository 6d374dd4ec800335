/**
 * Round trip of every UPDATE in ExaBGP 5.0's encoding vectors (/work/shared/fixtures/exabgp-5.0/encoding/*.msg,
 * lines `N:raw:<16 x FF>:<length>:<type>:<body hex>`): decode, re-encode, compare bytes.
 *
 * Context: the .ci file's first line names the configuration in etc/exabgp/. From it we take
 * 4-octet AS (on unless `asn4 disable`) and ADD-PATH families (the `add-path { }` block, or every
 * configured family when only `capability { add-path ...; }` is given). If that context does not
 * round-trip a message, the other combinations of as4 true/false and ADD-PATH on/off are tried and
 * the first that round-trips cleanly is used; the number of such fallbacks is printed.
 */
import t from 'tap'
import { frameMessage } from '../../src/wire/header.js'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { makeWireContext, type WireContext, type WireContextOptions } from '../../src/wire/context.js'
import { BgpError } from '../../src/wire/errors.js'
import { decodeUpdate, encodeUpdate, updateLength } from '../../src/wire/update.js'
import { updateToJson } from '../../src/wire/update-json.js'

const SHARED = new URL('../../../shared/', import.meta.url)
const EXA = new URL('fixtures/exabgp-5.0/', SHARED)

/** Vectors that are not well-formed UPDATEs, with what tsbgp must do with them. */
const EXPECTED_RESET: Record<string, { subcode: number; why: string }> = {
  // keyed `file@n`, n the 0-based index of the UPDATE in the file. Flags 0x60 / 0x70 on type 153: "well-known"
  // (Optional bit clear) but unknown to us -> RFC 4271 §6.3 Unrecognized Well-known Attribute.
  'conf-generic-attribute.msg@1': { subcode: 2, why: 'unrecognized well-known attribute 153 (flags 0x60)' },
  'conf-generic-attribute.msg@2': { subcode: 2, why: 'unrecognized well-known attribute 153 (flags 0x70)' },
}

const FAMILY: Record<string, [number, number]> = {
  'ipv4 unicast': [1, 1],
  'ipv4 multicast': [1, 2],
  'ipv6 unicast': [2, 1],
  'ipv6 multicast': [2, 2],
}

function familiesIn(block: string | undefined): Array<[number, number]> {
  if (!block) return []
  const out: Array<[number, number]> = []
  for (const line of block.split('\n')) {
    const m = /^\s*(ipv[46] \w+)/.exec(line)
    const f = m && FAMILY[m[1]!]
    if (f) out.push(f)
  }
  return out
}

function contextFromConfig(conf: string): WireContextOptions {
  const as4 = !/asn4\s+disable/.test(conf)
  if (!/add-path/.test(conf)) return { as4 }
  const block = /\badd-path\s*\{([^}]*)\}/.exec(conf)?.[1] ?? /\bfamily\s*\{([^}]*)\}/.exec(conf)?.[1]
  return { as4, addPath: familiesIn(block) }
}

function roundTrips(body: Buffer, ctx: WireContext): boolean {
  try {
    const u = decodeUpdate(body, 0, body.length, ctx)
    if (u.errors) return false
    updateToJson(u)
    const out = Buffer.alloc(updateLength(u, ctx))
    encodeUpdate(u, out, 0, ctx)
    return out.equals(body)
  } catch (e) {
    if (e instanceof BgpError) return false
    throw e
  }
}

if (!existsSync(EXA)) {
  t.comment(`skipped: ${EXA.pathname} is absent (ExaBGP vectors live in the read-only /work/shared)`)
  t.pass('nothing to check without /work/shared')
} else {
  const dir = new URL('encoding/', EXA)
  const files = readdirSync(dir).filter((f) => f.endsWith('.msg')).sort()
  let total = 0
  let fallbacks = 0
  for (const file of files) {
    const ci = new URL(file.replace(/\.msg$/, '.ci'), dir)
    const confName = existsSync(ci) ? readFileSync(ci, 'utf8').split('\n')[0]!.trim() : ''
    const confUrl = new URL(`etc/exabgp/${confName}`, EXA)
    const opts = confName && existsSync(confUrl) ? contextFromConfig(readFileSync(confUrl, 'utf8')) : { as4: true }
    const updates = readFileSync(new URL(file, dir), 'utf8')
      .split('\n')
      .map((l) => l.trim().split(':'))
      .filter((p) => p[1] === 'raw' && p[4] === '02')
    if (updates.length === 0) continue
    t.test(file, async (t) => {
      for (let n = 0; n < updates.length; n++) {
        const p = updates[n]!
        const hex = p[5] ?? ''
        const label = `${file}@${n}`
        if (hex.length % 2 !== 0 || hex.length / 2 + 19 !== parseInt(p[3]!, 16)) {
          // The vector file holds fewer body octets than its header's Length field says (cut in ExaBGP's
          // file). On a stream that is an incomplete message: framing must ask for more bytes, not decode.
          const header = Buffer.from(`${p[2]}${p[3]}${p[4]}`, 'hex')
          const cut = Buffer.concat([header, Buffer.from(hex.slice(0, hex.length - (hex.length % 2)), 'hex')])
          t.same(frameMessage(cut, 0, cut.length, 4096), { kind: 'need' }, `${label}: truncated vector is an incomplete message`)
          continue
        }
        total++
        const body = Buffer.from(hex, 'hex')
        const reset = EXPECTED_RESET[`${file}@${n}`]
        if (reset) {
          t.throws(() => decodeUpdate(body, 0, body.length, makeWireContext(opts)), { code: 3, subcode: reset.subcode }, `${label}: ${reset.why}`)
          continue
        }
        const candidates: WireContextOptions[] = [opts]
        for (const as4 of [true, false]) for (const addPath of [opts.addPath ?? [], []]) candidates.push({ as4, addPath })
        const i = candidates.findIndex((c) => roundTrips(body, makeWireContext(c)))
        if (i > 0) fallbacks++
        t.ok(i >= 0, `${label} round-trips${i > 0 ? ` (with ${JSON.stringify(candidates[i])}, not the config's ${JSON.stringify(opts)})` : ''}`)
      }
    })
  }
  t.teardown(() => console.log(`# ExaBGP UPDATE vectors: ${total} checked, ${fallbacks} needed a context other than the config's`))
}

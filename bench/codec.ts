/**
 * Codec benchmark: UPDATE decode and encode throughput in the wire layer, in prefixes per second.
 * Decode produces the compact form the RIB consumes (numeric IPv4 keys, binary IPv6 keys), not strings.
 * Targets (issue 2): >= 10M IPv4 prefixes/s decoded, >= 5M/s encoded, on this 2-core machine.
 */
import { makeWireContext } from '../src/wire/context.js'
import { decodeUpdate } from '../src/wire/update.js'
import { packUpdates } from '../src/wire/update-packer.js'
import type { NlriList } from '../src/wire/prefix.js'
import type { PathAttributes } from '../src/wire/types.js'
import { HEADER_LENGTH } from '../src/wire/iana.js'

export interface CodecFigures {
  family: string
  prefixes: number
  messages: number
  bytes: number
  decodePerSec: number
  encodePerSec: number
}

function v4Table(n: number): NlriList {
  const keys: number[] = new Array(n)
  // /24s walking up from 1.0.0.0, as a full table is laid out
  for (let i = 0; i < n; i++) keys[i] = ((0x01000000 + i * 256) >>> 0) * 64 + 24
  return { afi: 1, keys, pathIds: null }
}

function v6Table(n: number): NlriList {
  const keys: string[] = new Array(n)
  for (let i = 0; i < n; i++) {
    // 2001:db8::/32 is too small for 1M /48s; use 2a00::/12-style walk with /48s
    keys[i] = String.fromCharCode(48, 0x2a, 0x00 | ((i >>> 24) & 0x0f), (i >>> 16) & 255, (i >>> 8) & 255, i & 255, 0)
  }
  return { afi: 2, keys, pathIds: null }
}

function typicalAttributes(v6: boolean): PathAttributes {
  const a: PathAttributes = {
    origin: 0,
    asPath: [{ type: 2, asns: [65001, 64512, 4200000001] }],
    med: 100,
    communities: [(65001 << 16) + 100, (65001 << 16) + 200],
    largeCommunities: [65001, 1, 0],
  }
  if (v6) a.mpReach = { afi: 2, safi: 1, nextHop: ['2001:db8::1'], nlri: { afi: 2, keys: [], pathIds: null } }
  else a.nextHop = '192.0.2.1'
  return a
}

function best(fn: () => void, rounds: number): number {
  let min = Infinity
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint()
    fn()
    const dt = Number(process.hrtime.bigint() - t0) / 1e9
    if (dt < min) min = dt
  }
  return min
}

export function runCodecBench(n = 1_000_000, rounds = 5): CodecFigures[] {
  const ctx = makeWireContext({ as4: true })
  const out: CodecFigures[] = []
  for (const v6 of [false, true]) {
    const table = v6 ? v6Table(n) : v4Table(n)
    const attributes = typicalAttributes(v6)
    let msgs: Buffer[] = []
    const encodeSec = best(() => {
      msgs = packUpdates({ attributes, announce: table }, ctx)
    }, rounds)
    let count = 0
    const decodeSec = best(() => {
      count = 0
      for (let i = 0; i < msgs.length; i++) {
        const m = msgs[i]!
        const u = decodeUpdate(m, HEADER_LENGTH, m.length, ctx)
        count += v6 ? (u.attributes.mpReach!.nlri as NlriList).keys.length : u.nlri.keys.length
      }
    }, rounds)
    if (count !== n) throw new Error(`decoded ${count} prefixes, expected ${n}`)
    out.push({
      family: v6 ? 'IPv6 /48' : 'IPv4 /24',
      prefixes: n,
      messages: msgs.length,
      bytes: msgs.reduce((s, m) => s + m.length, 0),
      decodePerSec: n / decodeSec,
      encodePerSec: n / encodeSec,
    })
  }
  return out
}

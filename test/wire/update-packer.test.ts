/**
 * packUpdates / endOfRib: every message at most maxMessageLength, as full as the next prefix allows,
 * and decoding all messages gives back exactly the prefixes packed.
 */
import t, { type Test } from 'tap'
import { makeWireContext, type WireContext } from '../../src/wire/context.js'
import { decodeUpdate } from '../../src/wire/update.js'
import { endOfRib, packUpdates } from '../../src/wire/update-packer.js'
import { pathAttributesLength } from '../../src/wire/attributes.js'
import { maskV4Key, v4PrefixSize, v6PrefixSize, type NlriList } from '../../src/wire/prefix.js'
import type { PathAttributes, Update } from '../../src/wire/types.js'

const CTX = makeWireContext({ as4: true })
const EXT = makeWireContext({ as4: true, extendedMessage: true })

/** 37 octets of attributes: 4096 - 23 - 37 is a multiple of 4, so /24s can fill a message exactly. */
const attrsV4: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '192.0.2.1', med: 0, localPref: 100, atomicAggregate: true }
const attrsV6: PathAttributes = {
  origin: 0,
  asPath: [{ type: 2, asns: [65001] }],
  mpReach: { afi: 2, safi: 1, nextHop: ['2001:db8::1'], nlri: { afi: 2, keys: [], pathIds: null } },
}

function v4Slash24(n: number): NlriList {
  return { afi: 1, keys: Array.from({ length: n }, (_, i) => (0x0a000000 + i * 256) * 64 + 24), pathIds: null }
}
/** IPv4 of mixed lengths /8 .. /32 (host bits cleared: they are not sent) */
function v4Mixed(n: number): NlriList {
  return { afi: 1, keys: Array.from({ length: n }, (_, i) => maskV4Key(((0x0b000000 + i * 4099) >>> 0) * 64 + 8 + (i % 25))), pathIds: null }
}
function v6Mixed(n: number, addPath = false): NlriList {
  const keys: string[] = []
  for (let i = 0; i < n; i++) {
    const len = [32, 48, 56, 64, 128][i % 5]!
    const bytes = Buffer.alloc(16)
    bytes.writeUInt32BE(0x20010db8, 0)
    bytes.writeUInt32BE(i, 4)
    bytes.writeUInt32BE(i, 12)
    keys.push(String.fromCharCode(len) + bytes.subarray(0, (len + 7) >> 3).toString('latin1'))
  }
  return { afi: 2, keys, pathIds: addPath ? keys.map((_, i) => i + 1) : null }
}

function decodeAll(msgs: Buffer[], ctx: WireContext): Update[] {
  return msgs.map((m) => {
    if (m.subarray(0, 16).toString('hex') !== 'ff'.repeat(16)) throw new Error('bad marker')
    if (m.readUInt16BE(16) !== m.length || m[18] !== 2) throw new Error('bad header')
    return decodeUpdate(m, 19, m.length, ctx)
  })
}

function prefixesOf(us: Update[], field: 'nlri' | 'withdrawn' | 'mpReach' | 'mpUnreach'): { keys: Array<number | string>; ids: number[] } {
  const keys: Array<number | string> = []
  const ids: number[] = []
  for (const u of us) {
    const l =
      field === 'nlri' ? u.nlri : field === 'withdrawn' ? u.withdrawn : field === 'mpReach' ? u.attributes.mpReach?.nlri : u.attributes.mpUnreach?.withdrawn
    if (!l || 'raw' in l) continue
    keys.push(...l.keys)
    if (l.pathIds) ids.push(...l.pathIds)
  }
  return { keys, ids }
}

/** Deep equality of long lists without tap's diffing (slow on tens of thousands of items). */
function sameList(t: Test, got: unknown, want: unknown, msg: string): void {
  const a = JSON.stringify(got)
  const b = JSON.stringify(want)
  t.ok(a === b, a === b ? msg : `${msg}: first difference at character ${[...a].findIndex((c, i) => c !== b[i])}`)
}

/** Each message but the last is full: the first prefix of the next one would not have fitted. One assertion per check (tap is slow per assertion). */
function checkFull(t: Test, msgs: Buffer[], l: NlriList, addPath: boolean, max: number, perMsg: (u: Update) => number, ctx: WireContext): void {
  const us = decodeAll(msgs, ctx)
  let idx = 0
  const tooLong: number[] = []
  const notFull: number[] = []
  for (let i = 0; i < msgs.length; i++) {
    if (msgs[i]!.length > max) tooLong.push(i)
    idx += perMsg(us[i]!)
    if (i < msgs.length - 1) {
      const next = l.afi === 1 ? v4PrefixSize(l.keys[idx]!, addPath) : v6PrefixSize(l.keys[idx]!, addPath)
      if (msgs[i]!.length + next <= max) notFull.push(i)
    }
  }
  t.same(tooLong, [], `${msgs.length} messages, none longer than ${max}`)
  t.same(notFull, [], 'each message but the last is full')
  t.equal(idx, l.keys.length, 'all prefixes packed')
}

t.test('IPv4 /24s fill 4096-octet messages exactly', async (t) => {
  const block = pathAttributesLength(attrsV4, CTX)
  // 19 header + 4 length fields + attributes + 4 octets per /24: choose the attributes so 4096 is reachable
  t.equal((4096 - 23 - block) % 4, 0, `attribute block ${block} leaves room for whole /24s`)
  const l = v4Slash24(5000)
  const msgs = packUpdates({ attributes: attrsV4, announce: l }, CTX)
  t.ok(msgs.slice(0, -1).every((m) => m.length === 4096), 'all but the last are exactly 4096')
  const per = (4096 - 23 - block) / 4
  t.equal(msgs.length, Math.ceil(5000 / per))
  const us = decodeAll(msgs, CTX)
  sameList(t, prefixesOf(us, 'nlri').keys, l.keys, 'decodes back to the same prefixes in order')
  t.ok(us.every((u) => u.errors === undefined && u.attributes.nextHop === '192.0.2.1'), 'attributes in every message')
})

t.test('IPv4 /24s fill 65535-octet messages (RFC 8654)', async (t) => {
  const l = v4Slash24(40000)
  const msgs = packUpdates({ attributes: attrsV4, announce: l }, EXT)
  const block = pathAttributesLength(attrsV4, EXT)
  const room = 65535 - 23 - block
  t.ok(msgs.slice(0, -1).every((m) => m.length === 65535 - (room % 4)), `full messages (${65535 - (room % 4)} octets)`)
  checkFull(t, msgs, l, false, 65535, (u) => u.nlri.keys.length, EXT)
  sameList(t, prefixesOf(decodeAll(msgs, EXT), 'nlri').keys, l.keys, 'same prefixes')
})

t.test('mixed IPv4 lengths: as many as fit, 4096 and 65535', async (t) => {
  for (const ctx of [CTX, EXT]) {
    const l = v4Mixed(30000)
    const msgs = packUpdates({ attributes: attrsV4, announce: l }, ctx)
    checkFull(t, msgs, l, false, ctx.maxMessageLength, (u) => u.nlri.keys.length, ctx)
    sameList(t, prefixesOf(decodeAll(msgs, ctx), 'nlri').keys, l.keys, 'same prefixes')
  }
})

t.test('IPv4 ADD-PATH, withdrawals in the Withdrawn Routes field', async (t) => {
  const ctx = makeWireContext({ as4: true, addPath: [[1, 1]] })
  const l: NlriList = { ...v4Mixed(3000), pathIds: Array.from({ length: 3000 }, (_, i) => i * 3) }
  const ann = packUpdates({ attributes: attrsV4, announce: l }, ctx)
  checkFull(t, ann, l, true, 4096, (u) => u.nlri.keys.length, ctx)
  sameList(t, prefixesOf(decodeAll(ann, ctx), 'nlri'), { keys: l.keys, ids: l.pathIds }, 'same prefixes and path ids')
  const wd = packUpdates({ attributes: {}, withdraw: l }, ctx)
  checkFull(t, wd, l, true, 4096, (u) => u.withdrawn.keys.length, ctx)
  const us = decodeAll(wd, ctx)
  sameList(t, prefixesOf(us, 'withdrawn'), { keys: l.keys, ids: l.pathIds }, 'same withdrawn prefixes and path ids')
  t.ok(us.every((u) => Object.keys(u.attributes).length === 0), 'withdraw-only messages carry no attributes')
})

t.test('IPv6 in MP_REACH_NLRI (first attribute, RFC 7606 §5.1), 4096 and 65535, with ADD-PATH', async (t) => {
  for (const [ctx, addPath] of [
    [CTX, false],
    [EXT, false],
    [makeWireContext({ as4: true, addPath: [[2, 1]] }), true],
  ] as const) {
    const l = v6Mixed(20000, addPath)
    const msgs = packUpdates({ attributes: { ...attrsV6, nextHop: '192.0.2.1' }, announce: l }, ctx)
    checkFull(t, msgs, l, addPath, ctx.maxMessageLength, (u) => (u.attributes.mpReach!.nlri as NlriList).keys.length, ctx)
    const us = decodeAll(msgs, ctx)
    sameList(t, prefixesOf(us, 'mpReach'), { keys: l.keys, ids: addPath ? l.pathIds : [] }, 'same prefixes')
    t.ok(us.every((u) => u.errors === undefined), 'well-formed (no missing attribute)')
    t.ok(us.every((u) => u.attributes.nextHop === undefined), 'no NEXT_HOP with MP_REACH_NLRI only (RFC 4760 §3)')
    t.ok(us.every((u) => u.attributes.wire?.[0]?.code === 14), 'MP_REACH_NLRI first')
    t.same(us[0]!.attributes.mpReach!.nextHop, ['2001:db8::1'])
  }
})

t.test('IPv6 withdrawals: MP_UNREACH_NLRI-only UPDATEs', async (t) => {
  const l = v6Mixed(5000)
  const msgs = packUpdates({ attributes: attrsV6, withdraw: l }, CTX)
  checkFull(t, msgs, l, false, 4096, (u) => (u.attributes.mpUnreach!.withdrawn as NlriList).keys.length, CTX)
  const us = decodeAll(msgs, CTX)
  sameList(t, prefixesOf(us, 'mpUnreach').keys, l.keys, 'same prefixes')
  t.ok(us.every((u) => Object.keys(u.attributes).join() === 'mpUnreach'), 'no other attribute')
})

t.test('announce and withdraw together; IPv4 with an IPv6 next hop (RFC 8950) goes in MP_REACH_NLRI', async (t) => {
  const a: PathAttributes = { ...attrsV4, mpReach: { afi: 1, safi: 1, nextHop: ['2001:db8::1'], nlri: { afi: 1, keys: [], pathIds: null } } }
  const msgs = packUpdates({ attributes: a, announce: v4Slash24(3), withdraw: v4Slash24(2) }, CTX)
  t.equal(msgs.length, 2)
  const [w, r] = decodeAll(msgs, CTX)
  t.equal(w!.withdrawn.keys.length, 2)
  t.same(r!.attributes.mpReach!.nlri, v4Slash24(3))
  t.equal(r!.nlri.keys.length, 0)
})

t.test('attributes too large for any prefix: RangeError', async (t) => {
  const a: PathAttributes = { ...attrsV4, communities: Array.from({ length: 1020 }, (_, i) => i) }
  t.throws(() => packUpdates({ attributes: a, announce: v4Slash24(1) }, CTX), RangeError)
  t.throws(() => packUpdates({ attributes: {}, announce: v6Mixed(1) }, CTX), TypeError, 'IPv6 without mpReach')
  t.same(packUpdates({ attributes: attrsV4 }, CTX), [], 'nothing to send')
})

t.test('endOfRib (RFC 4724 §2)', async (t) => {
  t.equal(endOfRib(1, 1).toString('hex'), 'ff'.repeat(16) + '0017' + '02' + '00000000')
  t.equal(endOfRib(2, 1).toString('hex'), 'ff'.repeat(16) + '001d' + '02' + '0000' + '0006' + '800f03' + '000201')
  const u = decodeUpdate(endOfRib(2, 1), 19, 29, CTX)
  t.same(u.attributes, { mpUnreach: { afi: 2, safi: 1, withdrawn: { afi: 2, keys: [], pathIds: null } } })
  const vpn = decodeUpdate(endOfRib(1, 128), 19, 29, CTX)
  t.same(vpn.attributes.mpUnreach, { afi: 1, safi: 128, withdrawn: { afi: 1, safi: 128, raw: Buffer.alloc(0) } })
})

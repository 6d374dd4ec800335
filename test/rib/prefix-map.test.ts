import t from 'tap'
import fc from 'fast-check'
import { ABSENT, GenericIntMap, V4IntMap, V6IntMap, makeIntPrefixMap } from '../../src/rib/prefix-map.js'
import { parseV6Prefix, v6KeyFromBytes } from '../../src/wire/prefix.js'

t.test('V4IntMap basics', async (t) => {
  const m = new V4IntMap()
  const k = (0xc0000200 * 64) + 24 // 192.0.2.0/24, above 2^31
  t.equal(m.get(k), ABSENT)
  t.equal(m.set(k, 7), ABSENT)
  t.equal(m.set(k, 8), 7, 'returns the previous value')
  t.equal(m.get(k), 8)
  t.equal(m.size, 1)
  t.equal(m.set(0, 1), ABSENT, '0.0.0.0/0 is key 0')
  t.equal(m.get(0), 1)
  t.equal(m.delete(k), 8)
  t.equal(m.delete(k), ABSENT)
  t.same([...m.keys()], [0])
  m.clear()
  t.equal(m.size, 0)
  t.equal(m.get(0), ABSENT)
})

t.test('V4IntMap grows and shrinks through 100k keys', async (t) => {
  const m = new V4IntMap()
  const n = 100_000
  for (let i = 0; i < n; i++) m.set((0x0a000000 + i * 256) * 64 + 24, i)
  t.equal(m.size, n)
  let ok = true
  for (let i = 0; i < n; i++) if (m.get((0x0a000000 + i * 256) * 64 + 24) !== i) ok = false
  t.ok(ok, 'every key found')
  for (let i = 0; i < n; i += 2) m.delete((0x0a000000 + i * 256) * 64 + 24)
  ok = true
  for (let i = 0; i < n; i++) if (m.get((0x0a000000 + i * 256) * 64 + 24) !== (i % 2 ? i : ABSENT)) ok = false
  t.ok(ok, 'deleting half keeps the other half reachable (backward shift)')
  for (let i = 1; i < n; i += 2) m.delete((0x0a000000 + i * 256) * 64 + 24)
  t.equal(m.size, 0)
  t.equal([...m.keys()].length, 0)
})

t.test('sizeHint presizes', async (t) => {
  const m = new V4IntMap(1000)
  for (let i = 0; i < 1000; i++) m.set(i * 64 + 32, i)
  t.equal(m.size, 1000)
})

t.test('V4IntMap behaves like Map (property)', async (t) => {
  // Small key space so sets, overwrites and deletes collide often.
  const op = fc.tuple(fc.constantFrom('set', 'delete', 'get'), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 1e6 }))
  fc.assert(
    fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const m = new V4IntMap()
      const ref = new Map<number, number>()
      for (const [kind, kk, v] of ops) {
        const key = ((Math.imul(kk >> 1, 0x01010101) >>> 0) * 64) + (kk % 33) // addresses over the 32-bit range, pairs share one
        if (kind === 'set') {
          if (m.set(key, v) !== (ref.get(key) ?? ABSENT)) return false
          ref.set(key, v)
        } else if (kind === 'delete') {
          if (m.delete(key) !== (ref.get(key) ?? ABSENT)) return false
          ref.delete(key)
        } else if (m.get(key) !== (ref.get(key) ?? ABSENT)) return false
      }
      if (m.size !== ref.size) return false
      const seen: Array<[number, number]> = []
      m.forEach((v, k) => seen.push([k, v]))
      return JSON.stringify(seen.sort((a, b) => a[0] - b[0])) === JSON.stringify([...ref].sort((a, b) => a[0] - b[0]))
    }),
    { numRuns: 300 },
  )
  t.pass('matches Map')
})

t.test('V4IntMap: packed (/24 and shorter) and long keys side by side', async (t) => {
  const m = new V4IntMap()
  const keys = [
    0, // 0.0.0.0/0
    0xffffff00 * 64 + 24, // 255.255.255.0/24: the largest packed key
    0xc0000200 * 64 + 24,
    0xc0000200 * 64 + 25, // /25: long
    0xc0000201 * 64 + 24, // /24 with a fourth octet (host bits as received): long
    0xffffffff * 64 + 32, // /32: long
    0x80000000 * 64 + 1,
    0x0a000000 * 64 + 8,
  ]
  keys.forEach((k, i) => t.equal(m.set(k, i), ABSENT, `new ${i}`))
  t.equal(m.size, keys.length)
  keys.forEach((k, i) => t.equal(m.get(k), i, `get ${i}`))
  t.equal(m.get(0xc0000200 * 64 + 26), ABSENT, 'an absent long key')
  t.equal(m.set(keys[3]!, 30), 3, 'overwrite a long key')
  t.same([...m.keys()].sort((a, b) => a - b), [...keys].sort((a, b) => a - b))
  const seen = new Map<number, number>()
  m.forEach((v, k) => seen.set(k, v))
  t.equal(seen.size, keys.length)
  t.equal(seen.get(keys[3]!), 30)
  t.equal(m.delete(keys[5]!), 5)
  t.equal(m.delete(keys[5]!), ABSENT)
  t.equal(m.delete(keys[1]!), 1)
  t.notOk(m.has(keys[1]!))
  t.equal(m.size, keys.length - 2)
  m.clear()
  t.equal(m.size, 0)
  t.equal(m.get(keys[3]!), ABSENT, 'clear empties the long keys too')
  t.equal(m.delete(keys[3]!), ABSENT)
})

t.test('V4IntMap behaves like Map with /24-aligned keys of every length (property)', async (t) => {
  const op = fc.tuple(fc.constantFrom('set', 'delete', 'get'), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 1e6 }))
  fc.assert(
    fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const m = new V4IntMap()
      const ref = new Map<number, number>()
      for (const [kind, kk, v] of ops) {
        // The fourth octet zero except for a few keys; lengths 0 to 32: packed and long keys mixed.
        const addr = ((Math.imul(kk >> 2, 0x9e3779b1) & 0xffffff00) | (kk % 7 === 0 ? kk & 0xff : 0)) >>> 0
        const key = addr * 64 + ((kk * 11) % 33)
        if (kind === 'set') {
          if (m.set(key, v) !== (ref.get(key) ?? ABSENT)) return false
          ref.set(key, v)
        } else if (kind === 'delete') {
          if (m.delete(key) !== (ref.get(key) ?? ABSENT)) return false
          ref.delete(key)
        } else if (m.get(key) !== (ref.get(key) ?? ABSENT) || m.has(key) !== ref.has(key)) return false
      }
      if (m.size !== ref.size) return false
      const seen: Array<[number, number]> = []
      m.forEach((v, k) => seen.push([k, v]))
      if (JSON.stringify([...m.keys()].sort((a, b) => a - b)) !== JSON.stringify([...ref.keys()].sort((a, b) => a - b))) return false
      return JSON.stringify(seen.sort((a, b) => a[0] - b[0])) === JSON.stringify([...ref].sort((a, b) => a[0] - b[0]))
    }),
    { numRuns: 300 },
  )
  t.pass('matches Map')
})

t.test('V4IntMap long keys grow and shrink', async (t) => {
  const m = new V4IntMap()
  const n = 20_000
  for (let i = 0; i < n; i++) m.set((0x0a000000 + i) * 64 + 32, i)
  t.equal(m.size, n)
  let ok = true
  for (let i = 0; i < n; i++) if (m.get((0x0a000000 + i) * 64 + 32) !== i) ok = false
  t.ok(ok, 'every /32 found')
  for (let i = 0; i < n; i += 2) m.delete((0x0a000000 + i) * 64 + 32)
  ok = true
  for (let i = 0; i < n; i++) if (m.get((0x0a000000 + i) * 64 + 32) !== (i % 2 ? i : ABSENT)) ok = false
  t.ok(ok, 'deleting half keeps the other half reachable')
  for (let i = 1; i < n; i += 2) m.delete((0x0a000000 + i) * 64 + 32)
  t.equal(m.size, 0)
})

t.test('GenericIntMap', async (t) => {
  const m = makeIntPrefixMap<string>(25)
  t.ok(m instanceof GenericIntMap, 'other families')
  t.ok(makeIntPrefixMap(1) instanceof V4IntMap)
  t.ok(makeIntPrefixMap(2) instanceof V6IntMap)
  t.equal(m.set('\x20\x20\x01\x0d\xb8', 3), ABSENT)
  t.equal(m.set('\x20\x20\x01\x0d\xb8', 4), 3)
  t.equal(m.get('\x20\x20\x01\x0d\xb8'), 4)
  t.ok(m.has('\x20\x20\x01\x0d\xb8'))
  m.put('\x00', 9)
  const seen: Array<[string, number]> = []
  m.forEach((v, k) => seen.push([k, v]))
  t.same(seen, [['\x20\x20\x01\x0d\xb8', 4], ['\x00', 9]])
  t.same([...m.keys()], ['\x20\x20\x01\x0d\xb8', '\x00'])
  t.equal(m.delete('\x20\x20\x01\x0d\xb8'), 4)
  t.equal(m.delete('\x20\x20\x01\x0d\xb8'), ABSENT)
  m.clear()
  t.equal(m.size, 0)
})

const v6 = (s: string): string => parseV6Prefix(s)!

t.test('V6IntMap basics: packed and long keys, /0 to /128', async (t) => {
  const m = new V6IntMap()
  const keys = ['::/0', '2001:db8::/32', '2001:db8:1::/48', '2001:db8:1:ff00::/56', '2001:db8:1:ff80::/57', '2001:db8::/64', '2001:db8::1/128', 'ffff:ffff:ffff:ff00::/56', '8000::/1'].map(v6)
  keys.forEach((k, i) => t.equal(m.set(k, i * 10), ABSENT, `new ${i}`))
  t.equal(m.size, keys.length)
  keys.forEach((k, i) => t.equal(m.get(k), i * 10, `get ${i}`))
  t.equal(m.set(keys[2]!, 7), 20, 'overwrite returns the previous value')
  t.equal(m.set(keys[6]!, 8), 60, 'overwrite of a long key')
  t.ok(m.has(keys[0]!))
  t.notOk(m.has(v6('2001:db8:2::/48')))
  t.equal(m.get(v6('2001:db8:1::/47')), ABSENT, 'same octets, other length')
  t.same([...m.keys()].sort(), [...keys].sort(), 'keys() rebuilds the same strings')
  const seen = new Map<string, number>()
  m.forEach((v, k) => seen.set(k, v))
  t.equal(seen.get(keys[2]!), 7)
  t.equal(seen.get(keys[6]!), 8)
  t.equal(seen.size, keys.length)
  t.equal(m.delete(keys[0]!), 0)
  t.equal(m.delete(keys[0]!), ABSENT)
  t.equal(m.delete(keys[7]!), 70)
  t.equal(m.delete(keys[7]!), ABSENT, 'a /56 with every octet set')
  t.equal(m.delete(keys[6]!), 8)
  t.equal(m.delete(keys[6]!), ABSENT, 'a long (/128) key')
  t.equal(m.size, keys.length - 3)
  m.clear()
  t.equal(m.size, 0)
  t.equal(m.get(keys[1]!), ABSENT)
  t.same([...m.keys()], [])
})

t.test('V6IntMap keeps trailing bits as received, and odd strings', async (t) => {
  const m = new V6IntMap()
  // /47 with the 48th bit set (not masked): a different key from the masked one.
  const raw = v6KeyFromBytes(Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01), 0, 47, false)
  const masked = v6KeyFromBytes(Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01), 0, 47, true)
  t.not(raw, masked)
  m.set(raw, 1)
  m.set(masked, 2)
  t.equal(m.get(raw), 1)
  t.equal(m.get(masked), 2)
  t.same([...m.keys()].sort(), [raw, masked].sort())
  // Not the canonical form (wrong length for the prefix length, chars above 0xff, empty): the fallback map.
  for (const odd of ['', '\x30\x20', '\x10\u0120\x01', '\x30\x20\x01\x0d\xb8\x00\x01\x02']) {
    t.equal(m.set(odd, 5), ABSENT)
    t.equal(m.get(odd), 5)
    t.equal(m.delete(odd), 5)
  }
  t.equal(m.size, 2)
})

t.test('V6IntMap grows, shrinks, backward-shift deletes through 100k /48s', async (t) => {
  const m = new V6IntMap()
  const n = 100_000
  const key = (i: number): string => v6KeyFromBytes(Uint8Array.of(0x20, 0x01, 0x0d, i >>> 16, (i >>> 8) & 255, i & 255), 0, 48, false)
  for (let i = 0; i < n; i++) m.set(key(i), i)
  t.equal(m.size, n)
  let ok = true
  for (let i = 0; i < n; i++) if (m.get(key(i)) !== i) ok = false
  t.ok(ok, 'every key found')
  for (let i = 0; i < n; i += 2) m.delete(key(i))
  ok = true
  for (let i = 0; i < n; i++) if (m.get(key(i)) !== (i % 2 ? i : ABSENT)) ok = false
  t.ok(ok, 'deleting half keeps the other half reachable')
  for (let i = 1; i < n; i += 2) m.delete(key(i))
  t.equal(m.size, 0)
  t.same([...m.keys()], [])
  const h = new V6IntMap(1000)
  for (let i = 0; i < 1000; i++) h.put(key(i), i)
  t.equal(h.size, 1000, 'sizeHint presizes')
})

t.test('V6IntMap behaves like Map (property)', async (t) => {
  // Small key space of packed and long keys, so sets, overwrites and deletes collide often.
  const op = fc.tuple(fc.constantFrom('set', 'delete', 'get'), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 1e6 }))
  const bytes = new Uint8Array(16)
  const keyOf = (kk: number): string => {
    const len = [0, 1, 8, 32, 47, 48, 55, 56, 57, 64, 127, 128][kk % 12]!
    bytes.fill(0)
    bytes[0] = Math.imul(kk, 37) & 255
    bytes[5] = kk >> 2
    bytes[6] = 0xff
    bytes[15] = kk
    return v6KeyFromBytes(bytes, 0, len, false)
  }
  fc.assert(
    fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const m = new V6IntMap()
      const ref = new Map<string, number>()
      for (const [kind, kk, v] of ops) {
        const key = keyOf(kk)
        if (kind === 'set') {
          if (m.set(key, v) !== (ref.get(key) ?? ABSENT)) return false
          ref.set(key, v)
        } else if (kind === 'delete') {
          if (m.delete(key) !== (ref.get(key) ?? ABSENT)) return false
          ref.delete(key)
        } else if (m.get(key) !== (ref.get(key) ?? ABSENT) || m.has(key) !== ref.has(key)) return false
      }
      if (m.size !== ref.size) return false
      const seen: Array<[string, number]> = []
      m.forEach((v, k) => seen.push([k, v]))
      const cmp = (a: [string, number], b: [string, number]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
      return JSON.stringify(seen.sort(cmp)) === JSON.stringify([...ref].sort(cmp))
    }),
    { numRuns: 300 },
  )
  t.pass('matches Map')
})

t.test('copying one map into another in its iteration order stays linear (per-map hash seeds)', async (t) => {
  // Same hash for both maps would feed the copy its keys in its own hash order: one probe run, quadratic.
  const n = 300_000
  const a4 = new V4IntMap()
  const a6 = new V6IntMap()
  for (let i = 0; i < n; i++) {
    a4.set((0x0b000000 + i * 256) * 64 + 24, i)
    a6.set(v6KeyFromBytes(Uint8Array.of(0x20, 0x01, 0x0d, i >>> 16, (i >>> 8) & 255, i & 255), 0, 48, false), i)
  }
  const t0 = performance.now()
  const b4 = new V4IntMap()
  a4.forEach((v, k) => b4.set(k, v))
  const b6 = new V6IntMap()
  a6.forEach((v, k) => b6.set(k, v))
  const c4 = new V4IntMap()
  for (const k of b4.keys()) c4.set(k, 1)
  const ms = performance.now() - t0
  t.equal(b4.size, n)
  t.equal(b6.size, n)
  t.equal(c4.size, n)
  // Linear: well under a second here; the quadratic case takes minutes.
  t.ok(ms < 20_000, `copies took ${ms.toFixed(0)} ms`)
})

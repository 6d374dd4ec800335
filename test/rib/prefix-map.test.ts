import t from 'tap'
import fc from 'fast-check'
import { ABSENT, GenericIntMap, V4IntMap, makeIntPrefixMap } from '../../src/rib/prefix-map.js'

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

t.test('GenericIntMap for IPv6 keys', async (t) => {
  const m = makeIntPrefixMap<string>(2)
  t.ok(m instanceof GenericIntMap)
  t.ok(makeIntPrefixMap(1) instanceof V4IntMap)
  t.equal(m.set('\x20\x20\x01\x0d\xb8', 3), ABSENT)
  t.equal(m.set('\x20\x20\x01\x0d\xb8', 4), 3)
  t.equal(m.get('\x20\x20\x01\x0d\xb8'), 4)
  t.ok(m.has('\x20\x20\x01\x0d\xb8'))
  t.equal(m.delete('\x20\x20\x01\x0d\xb8'), 4)
  t.equal(m.delete('\x20\x20\x01\x0d\xb8'), ABSENT)
  t.equal(m.size, 0)
})

import t from 'tap'
import { compilePrefixList, type PrefixListEntry } from '../../src/policy/prefix-list.js'
import { parsePrefix } from '../../src/wire/prefix.js'
import { policyError } from './helpers.js'

function matches(list: readonly PrefixListEntry[], prefix: string): boolean {
  const p = parsePrefix(prefix)
  if (p === null) throw new Error(prefix)
  return compilePrefixList(list).matches(p.afi, p.key)
}

t.test('prefix list semantics: exact, ge, le, + and {a,b}', async (t) => {
  // [entries, route, expected]
  const cases: Array<[PrefixListEntry[], string, boolean]> = [
    [['192.0.2.0/24'], '192.0.2.0/24', true],
    [['192.0.2.0/24'], '192.0.2.0/25', false], // no ge/le: exact length only
    [['192.0.2.0/24'], '192.0.3.0/24', false],
    [['192.0.2.0/24'], '192.0.0.0/16', false],
    [['10.0.0.0/8 le 24'], '10.1.2.0/24', true],
    [['10.0.0.0/8 le 24'], '10.0.0.0/8', true],
    [['10.0.0.0/8 le 24'], '10.1.2.0/25', false],
    [['10.0.0.0/8 le 24'], '11.0.0.0/16', false],
    [['10.0.0.0/8 ge 16'], '10.0.0.0/8', false],
    [['10.0.0.0/8 ge 16'], '10.200.0.0/16', true],
    [['10.0.0.0/8 ge 16'], '10.200.0.1/32', true], // ge alone: up to 32
    [['10.0.0.0/8 ge 16 le 24'], '10.1.0.0/20', true],
    [['10.0.0.0/8 le 24 ge 16'], '10.1.0.0/12', false],
    [[{ prefix: '10.0.0.0/8', ge: 16, le: 24 }], '10.1.0.0/24', true],
    [[{ prefix: '10.0.0.0/8', le: 8 }], '10.0.0.0/8', true],
    [['0.0.0.0/0'], '0.0.0.0/0', true], // default route only
    [['0.0.0.0/0'], '192.0.2.0/24', false],
    [['0.0.0.0/0 le 32'], '192.0.2.0/24', true], // everything
    [['0.0.0.0/0 ge 25'], '192.0.2.128/25', true], // too specific
    [['0.0.0.0/0 ge 25'], '192.0.2.0/24', false],
    [['192.0.2.0/24+'], '192.0.2.7/32', true],
    [['192.0.2.0/24{25,26}'], '192.0.2.64/26', true],
    [['192.0.2.0/24{25,26}'], '192.0.2.0/24', false],
    [['192.0.2.7/24'], '192.0.2.0/24', true], // host bits in the entry are cleared
    [['255.255.255.255/32'], '255.255.255.255/32', true],
    [['255.255.255.0/24 le 32'], '255.255.255.255/32', true],
    // several entries: merged intervals
    [['10.0.0.0/9 le 32', '10.128.0.0/9 le 32'], '10.200.0.0/16', true],
    [['10.0.0.0/9 le 32', '10.128.0.0/9 le 32', '172.16.0.0/12 le 32'], '172.31.255.0/24', true],
    [['10.0.0.0/9 le 32', '172.16.0.0/12 le 32'], '172.32.0.0/24', false],
    [['10.0.0.0/9 le 32', '172.16.0.0/12 le 32'], '11.0.0.0/24', false],
    // IPv6
    [['2001:db8::/32'], '2001:db8::/32', true],
    [['2001:db8::/32'], '2001:db8::/48', false],
    [['2001:db8::/32 le 48'], '2001:db8:1::/48', true],
    [['2001:db8::/32 le 48'], '2001:db9::/48', false],
    [['2001:db8::/32 le 48'], '2001:db8:1::/64', false],
    [['2001:db8::/32 ge 64'], '2001:db8:1:2::/64', true],
    [['2001:db8::/32 ge 64'], '2001:db8:1:2:3::/80', true],
    [['2001:db8::/32+'], '2001:db8::1/128', true],
    [['::/0 ge 49'], '2001:db8::/48', false],
    [['::/0 ge 49'], '2001:db8::/49', true],
    [['2001:db8::/33 le 40', '2001:db8:8000::/33 le 40'], '2001:db8:c000::/34', true],
    [['2001:db8:abcd::/47'], '2001:db8:abcc::/47', true], // masked: abcd/47 is abcc/47
    // families do not mix
    [['0.0.0.0/0 le 32'], '::/0', false],
    [['::/0 le 128'], '0.0.0.0/0', false],
    [['10.0.0.0/8 le 32', '2001:db8::/32 le 128'], '2001:db8::/64', true],
  ]
  for (const [list, prefix, want] of cases) t.equal(matches(list, prefix), want, `${JSON.stringify(list)} ~ ${prefix}`)
})

t.test('prefix keys with trailing bits past the length (as received) still match', async (t) => {
  const pl = compilePrefixList(['192.0.2.0/24'])
  // 192.0.2.0/24 with a stray host octet 0x05 (RFC 4271 allows trailing bits; prefix.ts keeps them)
  t.equal(pl.matchV4((0xc0000205 * 64) + 24), true)
  t.equal(compilePrefixList(['2001:db8::/32']).matchV6(String.fromCharCode(32, 0x20, 0x01, 0x0d, 0xb8)), true)
})

t.test('prefix list errors name the entry', async (t) => {
  const cases: Array<[PrefixListEntry, string]> = [
    ['10.0.0.0/33', 'bad prefix'],
    ['10.0.0/8', 'bad prefix'],
    ['2001:db8::/129', 'bad prefix'],
    ['10.0.0.0/8 le 40', 'le 40 is not a length in 0..32'],
    ['10.0.0.0/16 ge 8', 'ge 8 is shorter than the prefix length 16'],
    ['10.0.0.0/8 ge 24 le 16', 'le 16 is shorter than ge 24'],
    ['10.0.0.0/8 ge 16 ge 20', '"ge" given twice'],
    ['10.0.0.0/8 lt 16', 'bad prefix list entry'],
    [{ prefix: '10.0.0.0/8', gt: 1 } as unknown as PrefixListEntry, 'unknown key "gt"'],
    [{ prefix: '10.0.0.0/8', le: 8.5 }, 'le 8.5 is not a length'],
    [42 as unknown as PrefixListEntry, 'a prefix list entry is a string'],
  ]
  for (const [entry, msg] of cases) {
    const e = policyError(() => compilePrefixList(['192.0.2.0/24', entry]))
    t.equal(e?.key, '[1]', `${JSON.stringify(entry)}: key`)
    t.match(e?.message, msg, `${JSON.stringify(entry)}: ${msg}`)
  }
})

t.test('matches a brute-force reference on random IPv4 prefixes', async (t) => {
  let seed = 7
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n)
  const entries: Array<{ addr: number; len: number; ge: number; le: number }> = []
  const text: string[] = []
  for (let i = 0; i < 40; i++) {
    const len = rnd(25)
    const addr = len === 0 ? 0 : ((rnd(0x100000000) >>> (32 - len)) << (32 - len)) >>> 0
    const ge = len + rnd(33 - len)
    const le = ge + rnd(33 - ge)
    entries.push({ addr, len, ge, le })
    text.push(`${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}/${len} ge ${ge} le ${le}`)
  }
  const pl = compilePrefixList(text)
  let hits = 0
  for (let i = 0; i < 20000; i++) {
    // bias routes towards the entries so both outcomes occur
    const e = entries[rnd(entries.length)]!
    const len = rnd(33)
    const noise = rnd(0x100000000) >>> 0
    const base = rnd(2) === 0 ? e.addr : noise
    const addr = len === 0 ? 0 : (((base ^ (noise >>> Math.min(31, e.len + rnd(8)))) >>> (32 - len)) << (32 - len)) >>> 0
    const want = entries.some((x) => len >= x.ge && len <= x.le && (x.len === 0 || (addr >>> (32 - x.len)) === (x.addr >>> (32 - x.len))))
    if (want) hits++
    if (pl.matchV4(addr * 64 + len) !== want) {
      t.fail(`mismatch for ${addr}/${len}`)
      return
    }
  }
  t.ok(hits > 100 && hits < 19900, `both outcomes exercised (${hits} hits)`)
})

t.test('matches a brute-force reference on random IPv6 prefixes', async (t) => {
  let seed = 11
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n)
  const randAddr = (): bigint => {
    let v = 0n
    for (let i = 0; i < 8; i++) v = (v << 16n) | BigInt(rnd(4) === 0 ? 0x2001 : rnd(0x10000))
    return v
  }
  const mask = (v: bigint, len: number): bigint => (len === 0 ? 0n : (v >> BigInt(128 - len)) << BigInt(128 - len))
  const text = (v: bigint, len: number): string => {
    const words: string[] = []
    for (let i = 7; i >= 0; i--) words.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16))
    return `${words.join(':')}/${len}`
  }
  const entries: Array<{ addr: bigint; len: number; ge: number; le: number }> = []
  for (let i = 0; i < 30; i++) {
    const len = rnd(65)
    const ge = len + rnd(129 - len)
    entries.push({ addr: mask(randAddr(), len), len, ge, le: ge + rnd(129 - ge) })
  }
  const pl = compilePrefixList(entries.map((e) => `${text(e.addr, e.len)} ge ${e.ge} le ${e.le}`))
  let hits = 0
  for (let i = 0; i < 5000; i++) {
    const e = entries[rnd(entries.length)]!
    const len = rnd(129)
    const noise = randAddr()
    const base = rnd(2) === 0 ? (e.addr | (noise >> BigInt(Math.min(127, e.len + rnd(4))))) : noise
    const addr = mask(base, len)
    const want = entries.some((x) => len >= x.ge && len <= x.le && mask(addr, x.len) === x.addr)
    if (want) hits++
    const p = parsePrefix(text(addr, len))!
    if (pl.matches(p.afi, p.key) !== want) {
      t.fail(`mismatch for ${text(addr, len)}`)
      return
    }
  }
  t.ok(hits > 50 && hits < 4950, `both outcomes exercised (${hits} hits)`)
})

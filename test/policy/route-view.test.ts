import t from 'tap'
import { createRoute, peekAttributes, routeAttributes, routeFromPrefix, type Route } from '../../src/policy/route-view.js'
import { WellKnownCommunity as WK } from '../../src/wire/iana.js'
import type { PathAttributes } from '../../src/wire/types.js'
import { BASE, c, frozen, policyError, route, seq, set } from './helpers.js'

t.test('a route that is only read keeps its attributes object (RIB interning hits the same set)', async (t) => {
  const r = route('192.0.2.0/24')
  t.equal(r.prefix, '192.0.2.0/24')
  t.equal(r.afi, 1)
  t.equal(r.key, 0xc0000200 * 64 + 24)
  t.equal(r.source, 'peer')
  t.equal(routeAttributes(r), BASE, 'untouched: the original object, no view made')
  const a = r.attributes
  t.equal(a.med, 10)
  t.equal(a.origin, 0)
  t.same(a.asPath, [seq(65001, 65002)])
  t.equal(a.asPathText, '65001 65002')
  t.equal(a.asPathLength, 2)
  t.equal(a.nextHop, '203.0.113.2')
  t.equal(a.communities.size, 0)
  t.equal(a.communities.has('65000:1'), false)
  t.equal(a.modified, false)
  t.equal(a.toAttributes(), BASE, 'read through the view: still the original')
  t.equal(peekAttributes(r), BASE)
})

t.test('setters that change nothing do not copy', async (t) => {
  const base = frozen({ ...BASE, localPref: 100, communities: [c(65000, 1)], largeCommunities: [65000, 1, 0], extendedCommunities: ['0002fde800000064'] })
  const r = route('192.0.2.0/24', base)
  const a = r.attributes
  a.med = 10
  a.localPref = 100
  a.origin = 'igp'
  a.nextHop = '203.0.113.2'
  a.communities.add('65000:1')
  a.communities.remove('65000:2', '64999:*')
  a.communities.replace(['65000:1'])
  a.largeCommunities.add('65000:1:0')
  a.largeCommunities.remove('1:*:*')
  a.extendedCommunities.add('target:65000:100')
  a.extendedCommunities.remove('target:1:1')
  a.prepend(65000, 0)
  t.equal(a.modified, false, 'nothing changed')
  t.equal(routeAttributes(r), base)
  a.med = undefined
  t.equal(a.modified, true, 'removing MED is a change')
  const r2 = route('192.0.2.0/24', base)
  const b = r2.attributes
  b.med = 10
  b.communities.add('65000:1')
  b.largeCommunities.replace(['65000:1:0'])
  b.extendedCommunities.replace(['target:65000:100'])
  t.equal(b.modified, false)
  t.equal(routeAttributes(r2), base)
})

t.test('copy-on-write: the base object is never written', async (t) => {
  const r = route('192.0.2.0/24')
  const a = r.attributes
  a.med = 50
  a.localPref = 200
  a.communities.add('graceful-shutdown', c(65000, 1))
  a.prepend(64512, 2)
  const out = routeAttributes(r)
  t.not(out, BASE)
  t.same(out, {
    origin: 0,
    asPath: [seq(64512, 64512, 65001, 65002)],
    nextHop: '203.0.113.2',
    med: 50,
    localPref: 200,
    communities: [WK.GRACEFUL_SHUTDOWN, c(65000, 1)],
  })
  t.same(BASE, { origin: 0, asPath: [seq(65001, 65002)], nextHop: '203.0.113.2', med: 10 }, 'base unchanged (and frozen)')
  // after toAttributes() the result is handed out: the next write copies again
  a.med = 60
  t.equal(out.med, 50, 'the returned object does not change under later writes')
  t.equal(routeAttributes(r).med, 60)
})

t.test('the wire order record is dropped on the first write', async (t) => {
  const base: PathAttributes = { ...BASE, wire: [{ code: 4, flags: 0x80 }] }
  const r = route('192.0.2.0/24', base)
  t.equal(routeAttributes(r), base)
  r.attributes.med = 1
  t.equal('wire' in routeAttributes(r), false)
})

t.test('setters: typed values and their checks', async (t) => {
  const r = route('192.0.2.0/24')
  const a = r.attributes
  a.origin = 'incomplete'
  t.equal(a.origin, 2)
  a.origin = 1
  t.equal(a.origin, 1)
  const bad: Array<[string, () => void, string]> = [
    ['med -1', () => (a.med = -1), 'med must be an integer'],
    ['med 2^32', () => (a.med = 2 ** 32), 'med must be an integer'],
    ['localPref 1.5', () => (a.localPref = 1.5), 'localPref must be an integer'],
    ['origin 3', () => (a.origin = 3), 'origin must be'],
    ['origin text', () => (a.origin = 'bgp' as 'igp'), 'origin must be'],
    ['prepend 256', () => a.prepend(1, 256), 'prepend count'],
    ['prepend bad asn', () => a.prepend(-5), 'ASN must be'],
    ['asPath type', () => (a.asPath = [{ type: 9, asns: [1] }]), 'asPath[0].type'],
    ['next hop text', () => (a.nextHop = 'router1'), 'bad address'],
    ['community text', () => a.communities.add('65000:x'), 'bad community'],
    ['community pattern in add', () => a.communities.add('65000:*'), 'bad community'],
    ['large text', () => a.largeCommunities.add('1:2'), 'bad large community'],
    ['extended text', () => a.extendedCommunities.add('target:x:1'), 'bad extended community'],
  ]
  for (const [name, fn, msg] of bad) t.match(policyError(fn)?.message, msg, name)
  a.localPref = undefined
  t.equal('localPref' in routeAttributes(r), false)
})

t.test('prepend (RFC 4271 §5.1.2): into the leading AS_SEQUENCE, new segment past 255', async (t) => {
  const cases: Array<[string, PathAttributes['asPath'], number, number, PathAttributes['asPath']]> = [
    ['empty path', undefined, 64512, 1, [seq(64512)]],
    ['onto a sequence', [seq(65001)], 64512, 3, [seq(64512, 64512, 64512, 65001)]],
    ['before an AS_SET', [set(1, 2)], 64512, 2, [seq(64512, 64512), set(1, 2)]],
    ['before a confed segment', [{ type: 3, asns: [65010] }, seq(65001)], 64512, 1, [seq(64512), { type: 3, asns: [65010] }, seq(65001)]],
    ['overflow', [seq(...new Array<number>(254).fill(7))], 64512, 3, [seq(64512, 64512), seq(64512, ...new Array<number>(254).fill(7))]],
  ]
  for (const [name, path, asn, n, want] of cases) {
    const r = route('192.0.2.0/24', frozen(path === undefined ? {} : { asPath: path }))
    r.attributes.prepend(asn, n)
    t.same(routeAttributes(r).asPath, want, name)
  }
  const r = route('192.0.2.0/24', frozen({ asPath: [seq(65001)] }))
  r.attributes.prepend(64512, 255)
  const p = routeAttributes(r).asPath!
  t.equal(p.length, 2, '255 prepends onto one AS: a full segment before it')
  t.equal(p[0]!.asns.length + p[1]!.asns.length, 256)
  t.ok(p.every((s) => s.asns.length <= 255))
})

t.test('next hop: NEXT_HOP, or MP_REACH_NLRI for the family carried there; "self"', async (t) => {
  const v4 = route('192.0.2.0/24')
  v4.attributes.nextHop = '198.51.100.1'
  t.equal(routeAttributes(v4).nextHop, '198.51.100.1')

  const mp: PathAttributes = frozen({ origin: 0, asPath: [], mpReach: { afi: 2, safi: 1, nextHop: ['2001:db8::1', 'fe80::1'], nlri: { afi: 2, keys: [], pathIds: null } } })
  const v6 = route('2001:db8:1::/48', mp)
  t.equal(v6.afi, 2)
  t.equal(v6.prefix, '2001:db8:1::/48')
  t.equal(v6.attributes.nextHop, '2001:db8::1')
  v6.attributes.nextHop = '2001:DB8:0::0002'
  const out = routeAttributes(v6)
  t.same(out.mpReach?.nextHop, ['2001:db8::2'], 'canonical text, link-local dropped')
  t.equal(out.nextHop, undefined)
  t.same(mp.mpReach?.nextHop, ['2001:db8::1', 'fe80::1'], 'base untouched')

  const self = routeFromPrefix('192.0.2.0/24', BASE, 'static', { selfNextHop: '203.0.113.1' })
  self.attributes.nextHop = 'self'
  t.equal(routeAttributes(self).nextHop, '203.0.113.1')
  const noSelf = route('192.0.2.0/24')
  t.match(policyError(() => (noSelf.attributes.nextHop = 'self'))?.message, 'ctx.peer.localAddress')
})

t.test('community sets: has/add/remove/replace/clear, names, patterns, order kept', async (t) => {
  const r = route('192.0.2.0/24', frozen({ ...BASE, communities: [c(65000, 1), c(65000, 2), WK.NO_EXPORT] }))
  const s = r.attributes.communities
  t.equal(s.has('65000:1'), true)
  t.equal(s.has(c(65000, 2)), true)
  t.equal(s.has('no-export'), true)
  t.equal(s.has('65000:*'), true)
  t.equal(s.has('*:2'), true)
  t.equal(s.has('65001:*'), false)
  t.same([...s], [c(65000, 1), c(65000, 2), WK.NO_EXPORT])
  t.same(s.toStrings(), ['65000:1', '65000:2', '65535:65281'])
  s.add('65000:3', '65000:3', '65000:1')
  t.same(s.values(), [c(65000, 1), c(65000, 2), WK.NO_EXPORT, c(65000, 3)], 'appended once, no duplicates')
  s.remove('65000:*')
  t.same(s.values(), [WK.NO_EXPORT])
  s.replace(['blackhole', '65000:9'])
  t.same(s.values(), [WK.BLACKHOLE, c(65000, 9)])
  s.clear()
  t.equal('communities' in routeAttributes(r), false, 'an empty set drops the attribute (RFC 7606 §7.8)')
  s.remove('65000:1')
  t.equal(s.size, 0)

  const l = route('192.0.2.0/24', frozen({ largeCommunities: [65000, 1, 0, 65000, 2, 0] })).attributes.largeCommunities
  t.equal(l.size, 2)
  t.equal(l.has('65000:1:0'), true)
  t.equal(l.has('65000:*:0'), true)
  t.equal(l.has('65001:*:*'), false)
  l.add('65000:3:0', [65000, 1, 0])
  t.same(l.toStrings(), ['65000:1:0', '65000:2:0', '65000:3:0'])
  l.remove('*:2:*')
  t.same(l.values(), [65000, 1, 0, 65000, 3, 0])
  l.replace(['1:2:3'])
  t.same(l.values(), [1, 2, 3])
  l.clear()
  t.equal(l.size, 0)

  const e = route('192.0.2.0/24', frozen({ extendedCommunities: ['0002fde800000064'] })).attributes.extendedCommunities
  t.equal(e.has('target:65000:100'), true)
  t.same(e.toStrings(), ['target:65000:100'])
  e.add('origin:192.0.2.1:7')
  t.same(e.values(), ['0002fde800000064', '0103c00002010007'])
  e.remove('target:65000:100')
  t.same(e.values(), ['0103c00002010007'])
  e.replace([])
  t.equal(e.size, 0)
})

t.test('createRoute / routeFromPrefix', async (t) => {
  const r: Route = createRoute({ afi: 2, key: String.fromCharCode(32, 0x20, 0x01, 0x0d, 0xb8), attributes: BASE, source: 'api', pathId: 7 })
  t.equal(r.prefix, '2001:db8::/32')
  t.equal(r.pathId, 7)
  t.equal(r.neighbor, undefined)
  t.match(policyError(() => routeFromPrefix('192.0.2.0/33', BASE, 'static'))?.message, 'bad prefix')
})

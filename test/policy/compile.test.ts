import t from 'tap'
import { compilePolicy, compileRules } from '../../src/policy/compile.js'
import { applyPolicy, isPromiseLike, type PolicyContext, type PolicyHook } from '../../src/policy/hook.js'
import { routeAttributes, routeFromPrefix, type Route, type RouteNeighbor, type RouteSource } from '../../src/policy/route-view.js'
import type { PolicyAction, PolicyMatch, PolicyRules, PolicyTerm } from '../../src/policy/rules.js'
import { WellKnownCommunity as WK } from '../../src/wire/iana.js'
import type { PathAttributes } from '../../src/wire/types.js'
import { BASE, c, ctx, EBGP_PEER, frozen, IBGP_PEER, LOCAL_AS, NEIGHBOR, policyError, route, seq, set } from './helpers.js'

interface RouteSpec {
  prefix?: string
  attrs?: PathAttributes
  source?: RouteSource
  neighbor?: RouteNeighbor
  ctx?: PolicyContext
}

function run(p: PolicyHook, s: RouteSpec = {}): Route | null {
  const r = route(s.prefix ?? '192.0.2.0/24', s.attrs ?? BASE, s.source ?? 'peer', s.neighbor ?? (s.source === undefined || s.source === 'peer' ? NEIGHBOR : undefined))
  const out = p(r, s.ctx ?? ctx())
  if (isPromiseLike(out)) throw new Error('compiled rules must be synchronous')
  return out
}

const matches = (m: PolicyMatch, s: RouteSpec): boolean => run(compileRules([{ match: m, action: 'accept' }], 'reject'), s) !== null

const A = (o: PathAttributes) => frozen({ ...BASE, ...o })

t.test('match kinds', async (t) => {
  const cases: Array<[string, PolicyMatch, RouteSpec, boolean]> = [
    ['empty match: every route', {}, {}, true],
    // prefix lists
    ['prefix exact', { prefix: ['192.0.2.0/24'] }, {}, true],
    ['prefix single string', { prefix: '192.0.2.0/24' }, {}, true],
    ['prefix longer not admitted', { prefix: ['192.0.2.0/23'] }, {}, false],
    ['prefix le', { prefix: ['192.0.0.0/16 le 24'] }, {}, true],
    ['prefix ge excludes', { prefix: ['192.0.0.0/16 ge 25'] }, {}, false],
    ['prefix v6', { prefix: ['2001:db8::/32 le 48'] }, { prefix: '2001:db8:5::/48' }, true],
    ['prefix v6 list does not match v4', { prefix: ['::/0 le 128'] }, {}, false],
    // neighbour (learned from)
    ['neighbor', { neighbor: '203.0.113.2' }, {}, true],
    ['neighbor list', { neighbor: ['198.51.100.1', '203.0.113.2'] }, {}, true],
    ['neighbor other', { neighbor: ['198.51.100.1'] }, {}, false],
    ['neighbor: static routes have none', { neighbor: ['203.0.113.2'] }, { source: 'static' }, false],
    ['neighbor v6 spelled differently', { neighbor: '2001:DB8::0:1' }, { neighbor: { address: '2001:db8::1', asn: 65001, ebgp: true } }, true],
    ['neighbor v6 route text non-canonical', { neighbor: '2001:db8::1' }, { neighbor: { address: '2001:DB8:0::1', asn: 65001, ebgp: true } }, true],
    ['neighborAs', { neighborAs: [65001] }, {}, true],
    ['neighborAs other', { neighborAs: 65009 }, {}, false],
    // the session (ctx.peer)
    ['peer', { peer: '203.0.113.2' }, {}, true],
    ['peer other', { peer: '10.255.0.2' }, {}, false],
    ['peerAs', { peerAs: 65001 }, {}, true],
    ['peerType ebgp', { peerType: 'ebgp' }, {}, true],
    ['peerType ibgp', { peerType: 'ibgp' }, { ctx: ctx(IBGP_PEER) }, true],
    ['peerType ibgp on ebgp', { peerType: 'ibgp' }, {}, false],
    // AS path
    ['asPath regex first AS', { asPath: '^65001_' }, {}, true],
    ['asPath regex not a prefix of an ASN', { asPath: '^6500_' }, {}, false],
    ['asPath regex origin', { asPath: { regex: '_65002$' } }, {}, true],
    ['asPath regex any of', { asPath: { regex: ['_1_', '_65002$'] } }, {}, true],
    ['asPath JS regex', { asPath: { regex: /^65001 65002$/ } }, {}, true],
    ['asPath in a set', { asPath: '_64999_' }, { attrs: A({ asPath: [seq(65001), set(64998, 64999)] }) }, true],
    ['asPath empty path', { asPath: '^$' }, { attrs: A({ asPath: [] }), source: 'static' }, true],
    ['asPath minLength', { asPath: { minLength: 2 } }, {}, true],
    ['asPath minLength too long', { asPath: { minLength: 3 } }, {}, false],
    ['asPath maxLength', { asPath: { maxLength: 1 } }, {}, false],
    ['asPath AS_SET counts 1 (RFC 4271 §9.1.2.2 a)', { asPath: { maxLength: 2 } }, { attrs: A({ asPath: [seq(1), set(2, 3, 4)] }) }, true],
    ['asPath length and regex both', { asPath: { regex: '^65001_', maxLength: 1 } }, {}, false],
    // communities
    ['community any', { community: ['65000:1', '65000:2'] }, { attrs: A({ communities: [c(65000, 2)] }) }, true],
    ['community single', { community: '65000:2' }, { attrs: A({ communities: [c(65000, 2)] }) }, true],
    ['community number', { community: c(65000, 2) }, { attrs: A({ communities: [c(65000, 2)] }) }, true],
    ['community absent attribute', { community: '65000:2' }, {}, false],
    ['community wildcard', { community: '65000:*' }, { attrs: A({ communities: [c(65000, 77)] }) }, true],
    ['community wildcard low half', { community: '*:666' }, { attrs: A({ communities: [c(3356, 666)] }) }, true],
    ['community well-known name', { community: 'no-export' }, { attrs: A({ communities: [WK.NO_EXPORT] }) }, true],
    ['community all', { community: { all: ['65000:1', '65000:2'] } }, { attrs: A({ communities: [c(65000, 2), c(65000, 1)] }) }, true],
    ['community all missing one', { community: { all: ['65000:1', '65000:3'] } }, { attrs: A({ communities: [c(65000, 1)] }) }, false],
    ['community none', { community: { none: ['65000:*'] } }, { attrs: A({ communities: [c(65001, 1)] }) }, true],
    ['community none present', { community: { none: ['65000:*'] } }, { attrs: A({ communities: [c(65000, 1)] }) }, false],
    ['community any+none', { community: { any: ['65001:1'], none: ['65000:*'] } }, { attrs: A({ communities: [c(65001, 1)] }) }, true],
    ['large any', { largeCommunity: ['65000:1:0'] }, { attrs: A({ largeCommunities: [65000, 1, 0] }) }, true],
    ['large wildcard', { largeCommunity: '65000:*:*' }, { attrs: A({ largeCommunities: [1, 1, 1, 65000, 9, 9] }) }, true],
    ['large all missing', { largeCommunity: { all: ['65000:1:0', '65000:2:0'] } }, { attrs: A({ largeCommunities: [65000, 1, 0] }) }, false],
    ['large none', { largeCommunity: { none: ['65000:1:0'] } }, {}, true],
    ['extended any', { extendedCommunity: 'target:65000:100' }, { attrs: A({ extendedCommunities: ['0002fde800000064'] }) }, true],
    ['extended other', { extendedCommunity: ['target:65000:101'] }, { attrs: A({ extendedCommunities: ['0002fde800000064'] }) }, false],
    ['extended all', { extendedCommunity: { all: ['target:65000:100', 'origin:192.0.2.1:7'] } }, { attrs: A({ extendedCommunities: ['0103c00002010007', '0002fde800000064'] }) }, true],
    ['extended none', { extendedCommunity: { none: ['target:65000:100'] } }, {}, true],
    // origin, source, family
    ['origin igp', { origin: 'igp' }, {}, true],
    ['origin list', { origin: ['egp', 'incomplete'] }, {}, false],
    ['origin incomplete', { origin: 'incomplete' }, { attrs: A({ origin: 2 }) }, true],
    ['source static', { source: 'static' }, { source: 'static' }, true],
    ['source api', { source: ['static', 'api'] }, { source: 'api' }, true],
    ['source peer vs static', { source: ['static', 'api'] }, {}, false],
    ['family ipv4', { family: 'ipv4' }, {}, true],
    ['family ipv6 on v4', { family: 'ipv6-unicast' }, {}, false],
    ['family ipv6', { family: ['ipv6'] }, { prefix: '2001:db8::/32' }, true],
    // AND across keys
    ['all keys must match', { source: 'peer', prefix: '192.0.2.0/24', asPath: '^65001_', origin: 'igp' }, {}, true],
    ['one key fails', { source: 'peer', prefix: '192.0.2.0/24', asPath: '^65009_' }, {}, false],
  ]
  for (const [name, m, s, want] of cases) t.equal(matches(m, s), want, name)
})

t.test('actions', async (t) => {
  const term = (action: Omit<PolicyAction, 'then'>): PolicyTerm[] => [{ action: { ...action, then: 'accept' } }]
  // [name, action, route, expected attributes]
  const cases: Array<[string, Omit<PolicyAction, 'then'>, RouteSpec, PathAttributes]> = [
    ['set MED', { med: 50 }, {}, { ...BASE, med: 50 }],
    ['set LOCAL_PREF', { localPref: 300 }, {}, { ...BASE, localPref: 300 }],
    ['set LOCAL_PREF (object form)', { localPref: { set: 0 } }, {}, { ...BASE, localPref: 0 }],
    ['raise LOCAL_PREF', { localPref: { raise: 50 } }, { attrs: A({ localPref: 200 }) }, { ...BASE, localPref: 250 }],
    ['raise an absent LOCAL_PREF from 100', { localPref: { raise: 5 } }, {}, { ...BASE, localPref: 105 }],
    ['raise clamps at 2^32-1', { localPref: { raise: 10 } }, { attrs: A({ localPref: 0xfffffffa }) }, { ...BASE, localPref: 0xffffffff }],
    ['lower LOCAL_PREF', { localPref: { lower: 40 } }, { attrs: A({ localPref: 100 }) }, { ...BASE, localPref: 60 }],
    ['lower clamps at 0', { localPref: { lower: 500 } }, { attrs: A({ localPref: 100 }) }, { ...BASE, localPref: 0 }],
    ['prepend own AS', { prepend: 2 }, {}, { ...BASE, asPath: [seq(LOCAL_AS, LOCAL_AS, 65001, 65002)] }],
    ['prepend another AS', { prepend: { asn: 65555, count: 1 } }, {}, { ...BASE, asPath: [seq(65555, 65001, 65002)] }],
    ['prepend onto an empty path', { prepend: 1 }, { attrs: A({ asPath: [] }) }, { ...BASE, asPath: [seq(LOCAL_AS)] }],
    ['communities add', { communities: { add: ['65000:1', 'graceful-shutdown'] } }, {}, { ...BASE, communities: [c(65000, 1), WK.GRACEFUL_SHUTDOWN] }],
    ['communities add to existing', { communities: { add: ['65000:2'] } }, { attrs: A({ communities: [c(65000, 1)] }) }, { ...BASE, communities: [c(65000, 1), c(65000, 2)] }],
    ['communities remove pattern', { communities: { remove: ['65000:*'] } }, { attrs: A({ communities: [c(65000, 1), c(3356, 1)] }) }, { ...BASE, communities: [c(3356, 1)] }],
    ['communities remove all drops the attribute', { communities: { remove: ['*:*'] } }, { attrs: A({ communities: [c(65000, 1)] }) }, { ...BASE }],
    ['communities replace', { communities: { replace: ['65000:9'] } }, { attrs: A({ communities: [c(65000, 1)] }) }, { ...BASE, communities: [c(65000, 9)] }],
    ['communities replace with nothing', { communities: { replace: [] } }, { attrs: A({ communities: [c(65000, 1)] }) }, { ...BASE }],
    ['communities replace, remove, add in that order', { communities: { replace: ['65000:1', '65000:2'], remove: ['65000:1'], add: ['65000:3'] } }, {}, { ...BASE, communities: [c(65000, 2), c(65000, 3)] }],
    ['large add', { largeCommunities: { add: ['65000:1:0'] } }, {}, { ...BASE, largeCommunities: [65000, 1, 0] }],
    ['large remove pattern', { largeCommunities: { remove: ['65000:*:*'] } }, { attrs: A({ largeCommunities: [65000, 1, 0, 1, 2, 3] }) }, { ...BASE, largeCommunities: [1, 2, 3] }],
    ['large replace', { largeCommunities: { replace: ['1:1:1'] } }, { attrs: A({ largeCommunities: [65000, 1, 0] }) }, { ...BASE, largeCommunities: [1, 1, 1] }],
    ['extended add', { extendedCommunities: { add: ['target:65000:100'] } }, {}, { ...BASE, extendedCommunities: ['0002fde800000064'] }],
    ['extended remove', { extendedCommunities: { remove: ['target:65000:100'] } }, { attrs: A({ extendedCommunities: ['0002fde800000064'] }) }, { ...BASE }],
    ['next hop address', { nextHop: '198.51.100.7' }, {}, { ...BASE, nextHop: '198.51.100.7' }],
    ['next hop self (ctx.peer.localAddress)', { nextHop: 'self' }, {}, { ...BASE, nextHop: '203.0.113.1' }],
    ['several at once', { med: 0, localPref: 10, prepend: 1, communities: { add: ['65000:1'] } }, {}, { ...BASE, med: 0, localPref: 10, asPath: [seq(LOCAL_AS, 65001, 65002)], communities: [c(65000, 1)] }],
  ]
  for (const [name, action, s, want] of cases) {
    const out = run(compileRules(term(action), 'reject'), s)
    t.ok(out, `${name}: accepted`)
    t.same(routeAttributes(out!), want, name)
  }
})

t.test('copy-on-write through compiled rules: unmodified routes keep their attributes object', async (t) => {
  const p = compileRules(
    [
      { match: { community: '65000:666' }, action: 'reject' },
      { match: { source: 'static' }, action: { med: 50, then: 'accept' } },
      { action: { med: 10, communities: { add: ['no-export'] }, then: 'next' } }, // values it already has
    ],
    'accept',
  )
  const base = A({ communities: [WK.NO_EXPORT] })
  const out = run(p, { attrs: base })
  t.equal(routeAttributes(out!), base, 'same object: the RIB interns it to the same AttrSet')
  const changed = run(p, { attrs: base, source: 'static' })
  t.not(routeAttributes(changed!), base)
  t.equal(routeAttributes(changed!).med, 50)
  t.equal(base.med, 10, 'base untouched')
})

t.test('term order, next, and the default action', async (t) => {
  const terms: PolicyTerm[] = [
    { name: 'tag', match: { prefix: '192.0.2.0/24' }, action: { communities: { add: ['65000:1'] }, then: 'next' } },
    { name: 'drop-blackholed', match: { community: 'blackhole' }, action: 'reject' },
    { name: 'tagged', match: { community: '65000:1' }, action: { med: 5, then: 'accept' } },
    { name: 'late', match: { community: '65000:1' }, action: { med: 99, then: 'accept' } },
    { name: 'skip', match: { prefix: '198.51.100.0/24' }, action: 'next' },
  ]
  const cases: Array<[string, RouteSpec, 'accept' | 'reject', number | null]> = [
    ['first term tags, a later one sees the tag and accepts', {}, 'reject', 5],
    ['the first accepting term wins over later ones', {}, 'accept', 5],
    ['reject ends the policy', { attrs: A({ communities: [WK.BLACKHOLE] }) }, 'accept', null],
    ['no terminating term: default reject', { prefix: '198.51.100.0/24' }, 'reject', null],
    ['no terminating term: default accept', { prefix: '198.51.100.0/24' }, 'accept', 10],
  ]
  for (const [name, s, dflt, med] of cases) {
    const out = run(compileRules(terms, dflt), s)
    t.equal(out === null ? null : routeAttributes(out).med, med, name)
  }
  t.equal(run(compileRules([], 'accept')) !== null, true, 'no terms: accept')
  t.equal(run(compileRules([], 'reject')), null, 'no terms: reject')
  // a term's changes apply even when it continues, and a later reject drops the route
  const out = run(compileRules([{ action: { med: 1, then: 'next' } }, { action: 'reject' }], 'accept'))
  t.equal(out, null)
})

t.test('compile errors name the term and the key', async (t) => {
  const cases: Array<[string, PolicyTerm | unknown, string, string]> = [
    ['bad prefix', { match: { prefix: ['192.0.2.0/24', '10.0.0.0/33'] }, action: 'accept' }, 'match.prefix[1]', 'bad prefix "10.0.0.0/33"'],
    ['bad ge', { match: { prefix: '10.0.0.0/8 ge 4' }, action: 'accept' }, 'match.prefix', 'ge 4 is shorter'],
    ['empty prefix list', { match: { prefix: [] }, action: 'accept' }, 'match.prefix', 'empty list'],
    ['bad regex', { match: { asPath: '^(65000' }, action: 'accept' }, 'match.asPath.regex', 'bad regex'],
    ['bad regex in a list', { match: { asPath: { regex: ['^1_', '[z-a]'] } }, action: 'accept' }, 'match.asPath.regex[1]', 'bad regex'],
    ['asPath bounds', { match: { asPath: { minLength: 3, maxLength: 2 } }, action: 'accept' }, 'match.asPath', 'minLength 3 > maxLength 2'],
    ['asPath negative', { match: { asPath: { minLength: -1 } }, action: 'accept' }, 'match.asPath.minLength', 'non-negative integer'],
    ['asPath unknown key', { match: { asPath: { length: 3 } }, action: 'accept' }, 'match.asPath.length', 'unknown key'],
    ['bad community', { match: { community: ['65000:1', '65000:x'] }, action: 'accept' }, 'match.community[1]', 'bad community "65000:x"'],
    ['bad community in all', { match: { community: { all: ['70000:1'] } }, action: 'accept' }, 'match.community.all[0]', 'bad community'],
    ['community set unknown key', { match: { community: { some: ['1:1'] } }, action: 'accept' }, 'match.community.some', 'unknown key'],
    ['bad large community', { match: { largeCommunity: '1:2' }, action: 'accept' }, 'match.largeCommunity[0]', 'bad large community'],
    ['bad extended community', { match: { extendedCommunity: 'rt:1:1' }, action: 'accept' }, 'match.extendedCommunity[0]', 'bad extended community'],
    ['bad neighbor', { match: { neighbor: ['203.0.113.300'] }, action: 'accept' }, 'match.neighbor[0]', 'bad address'],
    ['bad peerAs', { match: { peerAs: [-1] }, action: 'accept' }, 'match.peerAs[0]', 'not an AS number'],
    ['bad peerType', { match: { peerType: 'confed' }, action: 'accept' }, 'match.peerType', 'expected ebgp or ibgp'],
    ['bad origin', { match: { origin: 'bgp' }, action: 'accept' }, 'match.origin', 'expected one of igp, egp, incomplete'],
    ['bad source', { match: { source: ['static', 'rip'] }, action: 'accept' }, 'match.source[1]', 'expected one of static, api, peer'],
    ['bad family', { match: { family: 'ipv5' }, action: 'accept' }, 'match.family', 'expected one of'],
    ['unknown match key', { match: { prefixes: ['10.0.0.0/8'] }, action: 'accept' }, 'match.prefixes', 'unknown match key'],
    ['missing action', { match: {} }, 'action', 'required'],
    ['missing then', { action: { med: 5 } }, 'action.then', 'required'],
    ['bad then', { action: { then: 'permit' } }, 'action.then', 'expected accept, reject or next'],
    ['bad shorthand', { action: 'permit' }, 'action', 'expected accept, reject or next'],
    ['changes with reject', { action: { med: 5, then: 'reject' } }, 'action', 'no effect'],
    ['bad MED', { action: { med: -1, then: 'accept' } }, 'action.med', 'integer in 0..4294967295'],
    ['MED text', { action: { med: '50', then: 'accept' } }, 'action.med', 'integer'],
    ['bad localPref raise', { action: { localPref: { raise: 1.5 }, then: 'accept' } }, 'action.localPref.raise', 'integer'],
    ['localPref two keys', { action: { localPref: { raise: 1, lower: 1 }, then: 'accept' } }, 'action.localPref', 'exactly one'],
    ['prepend 0', { action: { prepend: 0, then: 'accept' } }, 'action.prepend', 'count in 1..255'],
    ['prepend count', { action: { prepend: { count: 300 }, then: 'accept' } }, 'action.prepend.count', 'count in 1..255'],
    ['prepend asn', { action: { prepend: { asn: 2 ** 32, count: 1 }, then: 'accept' } }, 'action.prepend.asn', 'integer'],
    ['bad community to add', { action: { communities: { add: ['65000:1', 'gshut'] }, then: 'accept' } }, 'action.communities.add[1]', 'bad community "gshut"'],
    ['pattern in add', { action: { communities: { add: ['65000:*'] }, then: 'accept' } }, 'action.communities.add[0]', 'bad community'],
    ['community edit unknown key', { action: { communities: { set: ['1:1'] }, then: 'accept' } }, 'action.communities.set', 'unknown key'],
    ['empty community edit', { action: { communities: {}, then: 'accept' } }, 'action.communities', 'give replace, remove or add'],
    ['bad large to remove', { action: { largeCommunities: { remove: ['1:x:*'] }, then: 'accept' } }, 'action.largeCommunities.remove[0]', 'bad large community'],
    ['bad extended to add', { action: { extendedCommunities: { add: ['target:1'] }, then: 'accept' } }, 'action.extendedCommunities.add[0]', 'bad extended'],
    ['bad next hop', { action: { nextHop: 'router', then: 'accept' } }, 'action.nextHop', 'bad address'],
    ['unknown action key', { action: { weight: 100, then: 'accept' } }, 'action.weight', 'unknown action key'],
    ['unknown term key', { when: {}, action: 'accept' }, 'when', 'unknown term key'],
  ]
  for (const [name, term, key, msg] of cases) {
    const terms = [{ name: 'ok', action: 'next' }, { name: 'broken', ...(term as object) }] as PolicyTerm[]
    const e = policyError(() => compileRules(terms, 'accept'))
    t.ok(e, `${name}: throws PolicyError`)
    t.equal(e?.termIndex, 1, `${name}: term index`)
    t.equal(e?.key, key, `${name}: key`)
    t.match(e?.message, `terms[1] ("broken") ${key}: `, `${name}: message names term and key`)
    t.match(e?.message, msg, `${name}: reason`)
  }
  t.match(policyError(() => compileRules([], 'maybe' as 'accept'))?.message, 'defaultAction must be accept or reject')
  t.match(policyError(() => compileRules([null as unknown as PolicyTerm], 'accept'))?.message, 'terms[0]: expected')
  t.match(policyError(() => compilePolicy({ terms: [] } as unknown as PolicyRules))?.message, 'defaultAction must be')
  t.match(policyError(() => compilePolicy({ terms: [], defaultAction: 'accept', extra: 1 } as unknown as PolicyRules))?.message, 'unknown key')
  const named = policyError(() => compilePolicy({ name: 'out', terms: [{ name: 'x', action: 'bad' as 'accept' }], defaultAction: 'accept' }))
  t.match(named?.message, 'policy "out": terms[0] ("x") action: expected accept')
  t.equal(named?.termIndex, 0)
  t.equal(named?.key, 'action')
  t.match(policyError(() => compilePolicy({ name: 'out', terms: [], 'default-action': 'maybe' } as unknown as PolicyRules))?.message, 'policy "out": defaultAction: defaultAction must be')
  t.equal(isPromiseLike(compilePolicy({ terms: [], 'default-action': 'reject' } as unknown as PolicyRules)(route('192.0.2.0/24'), ctx())), false)
  t.match(policyError(() => compilePolicy(42 as unknown as PolicyRules))?.message, 'a policy is')
})

t.test('compilePolicy: rules, hooks and lists of them compose', async (t) => {
  const tagAsync: PolicyHook = async (r) => {
    r.attributes.communities.add('65000:42')
    return r
  }
  const p = compilePolicy([
    { terms: [{ match: { prefix: '10.0.0.0/8 le 32' }, action: 'reject' }], defaultAction: 'accept' },
    (r) => {
      r.attributes.med = 7
      return r
    },
    [tagAsync, { terms: [{ match: { community: '65000:42' }, action: { localPref: 1, then: 'accept' } }], defaultAction: 'reject' }],
  ])
  const out = p(route('192.0.2.0/24'), ctx())
  t.equal(isPromiseLike(out), true, 'an async hook makes the chain async')
  const r = await out
  t.same(routeAttributes(r!), { ...BASE, med: 7, communities: [c(65000, 42)], localPref: 1 })
  t.equal(await p(route('10.1.0.0/16'), ctx()), null, 'rejected by the first rules, later hooks not run')
  const sync = compilePolicy({ terms: [], defaultAction: 'accept' })
  t.equal(isPromiseLike(sync(route('192.0.2.0/24'), ctx())), false)
  const fn: PolicyHook = (x) => x
  t.equal(compilePolicy(fn), fn, 'a hook is itself')
})

t.test('a Route not made by createRoute still works (copied once)', async (t) => {
  const inner = route('192.0.2.0/24')
  const foreign: Route = { prefix: inner.prefix, afi: inner.afi, key: inner.key, source: 'api', attributes: inner.attributes }
  const out = compileRules([{ match: { source: 'api', prefix: '192.0.2.0/24' }, action: { med: 1, then: 'accept' } }], 'reject')(foreign, ctx())
  t.equal(routeAttributes(out!).med, 1)
})

// ---------------------------------------------------------------------------------------------------------------
// The operators' load-distribution lever (README "anycast"): the same service prefix exported by three instances.

t.test('load distribution: instance B exports with MED 50, instance C with MED 200 and one prepend', async (t) => {
  const service = frozen({ origin: 0, asPath: [], nextHop: '203.0.113.1' })
  const instanceB = compilePolicy({ terms: [{ name: 'service', match: { source: ['static', 'api'], prefix: '192.0.2.0/24' }, action: { med: 50, then: 'accept' } }], defaultAction: 'reject' })
  const instanceC = compilePolicy({
    terms: [{ name: 'service', match: { source: ['static', 'api'], prefix: '192.0.2.0/24' }, action: { med: 200, prepend: 1, then: 'accept' } }],
    defaultAction: 'reject',
  })
  const b = (await instanceB(route('192.0.2.0/24', service, 'api'), ctx()))!
  const cc = (await instanceC(route('192.0.2.0/24', service, 'api'), ctx()))!
  t.same(routeAttributes(b), { ...service, med: 50 })
  t.same(routeAttributes(cc), { ...service, med: 200, asPath: [seq(LOCAL_AS)] })
  // RFC 4271 §9.1.2.2: the border router prefers B (shorter AS_PATH after its own eBGP prepend; then lower MED)
  t.equal(await instanceB(route('198.51.100.0/24', service, 'api'), ctx()), null, 'other prefixes are not exported')
  t.equal(await instanceB(route('192.0.2.0/24', service, 'peer'), ctx()), null, 'learned routes are not re-exported')
})

t.test('graceful shutdown (RFC 8326): GRACEFUL_SHUTDOWN to everyone, LOCAL_PREF lowered toward iBGP peers', async (t) => {
  const drain = compilePolicy({
    name: 'drain',
    terms: [
      { name: 'gshut', action: { communities: { add: ['graceful-shutdown'] }, then: 'next' } },
      { name: 'gshut-ibgp', match: { peerType: 'ibgp' }, action: { localPref: { set: 0 }, then: 'next' } },
    ],
    defaultAction: 'accept',
  })
  const svc = frozen({ origin: 0, asPath: [], nextHop: '10.255.0.1', localPref: 100 })
  const toEbgp = (await drain(route('192.0.2.0/24', svc, 'static'), ctx(EBGP_PEER)))!
  const toIbgp = (await drain(route('192.0.2.0/24', svc, 'static'), ctx(IBGP_PEER)))!
  t.same(routeAttributes(toEbgp), { ...svc, communities: [WK.GRACEFUL_SHUTDOWN] })
  t.same(routeAttributes(toIbgp), { ...svc, communities: [WK.GRACEFUL_SHUTDOWN], localPref: 0 })

  // Same with a lower-by: LOCAL_PREF 100 lowered by 90 stays above routes set to 0 elsewhere
  const soft = compileRules([{ match: { peerType: 'ibgp' }, action: { localPref: { lower: 90 }, communities: { add: [WK.GRACEFUL_SHUTDOWN] }, then: 'accept' } }], 'accept')
  t.equal(routeAttributes(soft(route('192.0.2.0/24', svc, 'static'), ctx(IBGP_PEER))!).localPref, 10)

  // RFC 8326 receiver side: the pre-configured inbound policy that lowers LOCAL_PREF of tagged routes
  const honour = compileRules([{ name: 'gshut-in', match: { community: 'graceful-shutdown' }, action: { localPref: 0, then: 'accept' } }], 'accept')
  const learned = frozen({ ...BASE, localPref: 100, communities: [WK.GRACEFUL_SHUTDOWN] })
  t.equal(routeAttributes(honour(route('192.0.2.0/24', learned), ctx(IBGP_PEER, 'import'))!).localPref, 0)
  t.equal(routeAttributes(honour(route('192.0.2.0/24'), ctx(IBGP_PEER, 'import'))!), BASE, 'routes without it untouched')
})

t.test('routes sharing an interned set share the result of a modifying term', async (t) => {
  const p = compileRules([{ match: { prefix: '0.0.0.0/0 le 32' }, action: { med: 50, prepend: 1, communities: { add: ['65000:1'] }, then: 'accept' } }], 'reject')
  const a = run(p, { prefix: '192.0.2.0/24' })!
  const b = run(p, { prefix: '198.51.100.0/24' })!
  const out = routeAttributes(a)
  t.equal(routeAttributes(b), out, 'one result object for both routes')
  t.ok(Object.isFrozen(out), 'shared results are frozen')
  t.same(out, { ...BASE, med: 50, asPath: [seq(LOCAL_AS, 65001, 65002)], communities: [c(65000, 1)] })
  // the ctx the actions read is part of the memo key
  const other = run(p, { ctx: { ...ctx(), localAs: 65100 } })!
  t.same(routeAttributes(other).asPath, [seq(65100, 65001, 65002)])
  // a later hook changes its own route only
  const chained = compilePolicy([p, (r) => ((r.attributes.med = 1), r)])
  const c1 = (await chained(route('192.0.2.0/24'), ctx()))!
  t.equal(routeAttributes(c1).med, 1)
  t.equal(out.med, 50, 'the shared result is untouched')
  t.equal(routeAttributes(run(p, {})!), out)
  // unfrozen inputs (the caller may still change them) are not memoized, but still correct
  const loose: PathAttributes = { ...BASE }
  const l1 = routeAttributes(run(p, { attrs: loose })!)
  const l2 = routeAttributes(run(p, { attrs: loose })!)
  t.not(l1, l2)
  t.same(l1, l2)
  t.equal(loose.med, 10)
})

t.test('AS-path verdicts are cached per path array, and stay right for other paths', async (t) => {
  const p = compileRules([{ match: { asPath: { regex: '^65001_', maxLength: 2 } }, action: 'accept' }], 'reject')
  const cases: Array<[PathAttributes['asPath'], boolean]> = [
    [[seq(65001, 65002)], true],
    [[seq(65001, 65002, 65003)], false],
    [[seq(65002)], false],
    [undefined, false],
    [[seq(65001)], true],
  ]
  for (let round = 0; round < 2; round++) {
    for (const [path, want] of cases) {
      const attrs = frozen(path === undefined ? { origin: 0 } : { origin: 0, asPath: path })
      t.equal(run(p, { attrs }) !== null, want, `${JSON.stringify(path)} round ${round}`)
    }
  }
})

t.test('one interned set used by IPv4 and IPv6 routes: next hop results are kept apart', async (t) => {
  // An UPDATE with IPv4 NLRI and an IPv6 MP_REACH_NLRI gives both families one attribute set.
  const both = frozen({ ...BASE, mpReach: { afi: 2, safi: 1, nextHop: ['2001:db8::1'], nlri: { afi: 2, keys: [], pathIds: null } } })
  const p = compileRules([{ action: { nextHop: 'self', then: 'accept' } }], 'reject')
  const v4ctx = ctx({ ...EBGP_PEER, localAddress: '203.0.113.1' })
  const v6ctx = ctx({ ...EBGP_PEER, localAddress: '2001:db8::ff' })
  const v4 = routeAttributes(run(p, { attrs: both, ctx: v4ctx })!)
  const v6 = routeAttributes(run(p, { prefix: '2001:db8:1::/48', attrs: both, ctx: v6ctx })!)
  t.equal(v4.nextHop, '203.0.113.1', 'IPv4 route: NEXT_HOP')
  t.same(v4.mpReach?.nextHop, ['2001:db8::1'])
  t.equal(v6.nextHop, '203.0.113.2', 'IPv6 route: NEXT_HOP untouched')
  t.same(v6.mpReach?.nextHop, ['2001:db8::ff'])
  // the wrong family for the attribute is refused (at run time: the address comes from the session)
  t.match(policyError(() => run(p, { attrs: both, ctx: v6ctx }))?.message, 'is IPv6 but')
  t.match(policyError(() => run(p, { prefix: '2001:db8:1::/48', attrs: both, ctx: v4ctx }))?.message, 'not an IPv6 address')
})

t.test('next hop self: the route\'s per-family address wins over the session address', async (t) => {
  const p = compileRules([{ action: { nextHop: 'self', then: 'accept' } }], 'reject')
  // an IPv6 session carrying IPv4 routes: the speaker gives the route an IPv4 "self"
  const v6session = ctx({ ...EBGP_PEER, localAddress: '2001:db8::ff' })
  const r = routeFromPrefix('192.0.2.0/24', BASE, 'api', { selfNextHop: '198.51.100.1' })
  t.equal(routeAttributes(p(r, v6session) as Route).nextHop, '198.51.100.1')
  const r2 = routeFromPrefix('192.0.2.0/24', BASE, 'api', { selfNextHop: '198.51.100.2' })
  t.equal(routeAttributes(applyPolicy(p, r2, v6session) as Route).nextHop, '198.51.100.2', 'memo keyed by the route address too')
})

t.test('kebab-case keys from YAML are accepted', async (t) => {
  const p = compileRules(
    [
      { match: { 'large-community': '65000:1:*', 'peer-type': 'ebgp', 'as-path': { 'max-length': 5 } }, action: { 'local-pref': { raise: 1 }, 'large-communities': { add: ['65000:2:0'] }, 'next-hop': 'self', then: 'accept' } },
    ] as unknown as PolicyTerm[],
    'reject',
  )
  const out = run(p, { attrs: A({ largeCommunities: [65000, 1, 7] }) })
  t.same(routeAttributes(out!), { ...BASE, largeCommunities: [65000, 1, 7, 65000, 2, 0], localPref: 101, nextHop: '203.0.113.1' })
  const e = policyError(() => compileRules([{ action: { 'local-pref': 1, localPref: 2, then: 'accept' } }] as unknown as PolicyTerm[], 'accept'))
  t.equal(e?.key, 'action.localPref')
  t.match(e?.message, 'given twice')
})

import t from 'tap'
import { compilePolicy } from '../../src/policy/compile.js'
import { acceptAll, applyPolicy, chain, isPromiseLike, rejectAll, type PolicyHook } from '../../src/policy/hook.js'
import { routeAttributes, type Route } from '../../src/policy/route-view.js'
import { BASE, ctx, route } from './helpers.js'

const setMed = (n: number): PolicyHook => (r) => {
  r.attributes.med = n
  return r
}
const asyncSetMed = (n: number): PolicyHook => async (r) => {
  await new Promise((res) => setImmediate(res))
  r.attributes.med = n
  return r
}
const log = (out: string[], name: string, result: 'pass' | 'null' = 'pass'): PolicyHook => (r) => {
  out.push(name)
  return result === 'null' ? null : r
}

t.test('applyPolicy: sync hooks give sync results, no Promise', async (t) => {
  const r = route('192.0.2.0/24')
  t.equal(applyPolicy(undefined, r, ctx()), r, 'no policy: the route itself')
  t.equal(applyPolicy(null, r, ctx()), r)
  const out = applyPolicy(setMed(5), r, ctx())
  t.equal(isPromiseLike(out), false)
  t.equal(routeAttributes(out as Route).med, 5)
  t.equal(applyPolicy(rejectAll, r, ctx()), null)
  t.equal(applyPolicy(acceptAll, r, ctx()), r)
  t.equal(applyPolicy(compilePolicy({ terms: [], defaultAction: 'accept' }), r, ctx()), r)
})

t.test('applyPolicy: async hooks return a Promise of the result', async (t) => {
  const r = route('192.0.2.0/24')
  const p = applyPolicy(asyncSetMed(7), r, ctx())
  t.equal(isPromiseLike(p), true)
  const got = await p
  t.equal(routeAttributes(got!).med, 7)
  t.equal(await applyPolicy(async () => null, r, ctx()), null)
})

t.test('applyPolicy fills the "self" next hop from ctx.peer.localAddress', async (t) => {
  const r = route('192.0.2.0/24')
  const out = applyPolicy((x) => {
    x.attributes.nextHop = 'self'
    return x
  }, r, ctx())
  t.equal(routeAttributes(out as Route).nextHop, '203.0.113.1')
})

t.test('a hook that returns undefined is an error, not a silent reject', async (t) => {
  const r = route('192.0.2.0/24')
  const forgot = (() => undefined) as unknown as PolicyHook
  t.throws(() => applyPolicy(forgot, r, ctx()), /returned undefined/)
  t.throws(() => chain(acceptAll, forgot)(r, ctx()), /hook #1 returned undefined/)
  await t.rejects(applyPolicy(async () => undefined as unknown as null, r, ctx()) as Promise<unknown>, /returned undefined/)
})

t.test('chain: order, null stops, sync stays sync, async continues', async (t) => {
  const cases: Array<{ name: string; hooks: (out: string[]) => PolicyHook[]; calls: string[]; accepted: boolean; async: boolean; med?: number }> = [
    { name: 'empty chain accepts', hooks: () => [], calls: [], accepted: true, async: false },
    { name: 'one hook is itself', hooks: (o) => [log(o, 'a')], calls: ['a'], accepted: true, async: false },
    { name: 'all run in order', hooks: (o) => [log(o, 'a'), log(o, 'b'), log(o, 'c')], calls: ['a', 'b', 'c'], accepted: true, async: false },
    { name: 'null stops the chain', hooks: (o) => [log(o, 'a'), log(o, 'b', 'null'), log(o, 'c')], calls: ['a', 'b'], accepted: false, async: false },
    { name: 'each sees the previous result', hooks: (o) => [setMed(1), log(o, 'a'), setMed(2)], calls: ['a'], accepted: true, async: false, med: 2 },
    { name: 'async in the middle', hooks: (o) => [log(o, 'a'), asyncSetMed(3), log(o, 'c')], calls: ['a', 'c'], accepted: true, async: true, med: 3 },
    { name: 'async then null', hooks: (o) => [asyncSetMed(3), log(o, 'b', 'null'), log(o, 'c')], calls: ['b'], accepted: false, async: true },
    { name: 'async null', hooks: (o) => [async () => null, log(o, 'b')], calls: [], accepted: false, async: true },
  ]
  for (const k of cases) {
    const calls: string[] = []
    const h = chain(...k.hooks(calls))
    const r = route('192.0.2.0/24')
    const out = h(r, ctx())
    t.equal(isPromiseLike(out), k.async, `${k.name}: async`)
    const res = await out
    t.same(calls, k.calls, `${k.name}: calls`)
    t.equal(res !== null, k.accepted, `${k.name}: accepted`)
    if (k.med !== undefined) t.equal(routeAttributes(res!).med, k.med, `${k.name}: med`)
  }
})

t.test('a hook may return another Route', async (t) => {
  const other = route('198.51.100.0/24')
  const out = chain(() => other, setMed(9))(route('192.0.2.0/24'), ctx()) as Route
  t.equal(out, other)
  t.equal(routeAttributes(out).med, 9)
  t.equal(BASE.med, 10)
})

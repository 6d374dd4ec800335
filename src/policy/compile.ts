/**
 * compileRules / compilePolicy: the declarative form (rules.ts) compiled to a PolicyHook (hook.ts), and the
 * composition of rules and TypeScript hooks into one hook.
 *
 *   terms ──validate once──► [{ match: Matcher[], acts: Action[], then }] ──► (route, ctx) => route | null
 *
 * A compiled policy is synchronous and allocates nothing for a route that it accepts unchanged (it reads the
 * route's attributes without making the attribute view); a term's changes copy the attributes once
 * (route-view.ts copy-on-write), once per distinct interned attribute set: routes sharing a set share the
 * result object too (CompiledTerm.memo), so the RIB interns them to one set again.
 * Any fault in the rules is a PolicyError naming the term and key, thrown here, never while routes flow.
 */
import { compileAction, Then, type Action } from './compile-action.js'
import { compileMatch, type Matcher } from './compile-match.js'
import { PolicyError } from './errors.js'
import { chain, type PolicyContext, type PolicyHook, type SyncPolicyHook } from './hook.js'
import { asRouteView, RouteView, type Route } from './route-view.js'
import type { PolicyRules, PolicyTerm } from './rules.js'
import type { PathAttributes } from '../wire/types.js'
import { Where } from './where.js'

interface CompiledTerm {
  readonly match: readonly Matcher[]
  readonly acts: readonly Action[]
  readonly then: Then
  /**
   * Actions depend only on the attributes they start from and, when usesCtx, on ctx.localAs and the "self"
   * address, never on the prefix: so every route of one interned set that reaches this term gets the same result
   * object. Only frozen inputs are memoized (interned sets, earlier results): nobody can change them afterwards.
   * With usesCtx the value is a Map keyed by ctxKey() (one entry per family, local AS and session address).
   */
  readonly memo: WeakMap<Readonly<PathAttributes>, PathAttributes | Map<string, PathAttributes>>
  readonly usesCtx: boolean
}

const TERM_KEYS = new Set(['name', 'match', 'action'])

/**
 * YAML configurations spell keys in kebab-case (`local-pref`, `large-community`, `min-length`): accept both by
 * rewriting object keys to camelCase; values (community text, prefixes) are left alone.
 */
function camelKeys(v: unknown, at: Where, path: string): unknown {
  if (Array.isArray(v)) return v.map((x, i) => camelKeys(x, at, `${path}[${i}]`))
  if (typeof v !== 'object' || v === null || v instanceof RegExp) return v
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) {
    const ck = k.replace(/-([a-z])/g, (_m, ch: string) => ch.toUpperCase())
    if (ck in out) at.fail(`${path}${path === '' ? '' : '.'}${ck}`, `given twice (as ${JSON.stringify(k)} too)`)
    out[ck] = camelKeys(x, at, `${path}${path === '' ? '' : '.'}${ck}`)
  }
  return out
}

function compileTerm(raw: PolicyTerm, i: number): CompiledTerm {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new PolicyError('expected { name?, match?, action }', { termIndex: i })
  const name = raw.name
  const t = camelKeys(raw, new Where(i, typeof name === 'string' ? name : undefined), '') as PolicyTerm
  if (name !== undefined && typeof name !== 'string') throw new PolicyError('name must be a string', { termIndex: i, key: 'name' })
  const at = new Where(i, name)
  for (const k of Object.keys(t)) if (!TERM_KEYS.has(k)) at.fail(k, 'unknown term key (name, match, action)')
  if (t.action === undefined) at.fail('action', 'required: accept, reject, next, or an object with then')
  const match = compileMatch(at, t.match)
  const { acts, then, usesCtx } = compileAction(at, t.action)
  return { match, acts, then, usesCtx, memo: new WeakMap() }
}

function ctxKey(r: RouteView, ctx: PolicyContext): string {
  return `${r.afi} ${ctx.localAs} ${r.selfNextHop ?? ctx.peer.localAddress ?? ''}`
}

/** Apply a term's actions to the route, or adopt the result an earlier route with the same attributes got. */
function applyActions(t: CompiledTerm, r: RouteView, ctx: PolicyContext): void {
  const before = r.peek()
  const entry = t.memo.get(before)
  const key = t.usesCtx ? ctxKey(r, ctx) : ''
  const hit = entry === undefined ? undefined : entry instanceof Map ? entry.get(key) : entry
  if (hit !== undefined) {
    r.adopt(hit)
    return
  }
  const v = r.attributes
  const acts = t.acts
  for (let j = 0; j < acts.length; j++) acts[j]!(v, ctx)
  if (!Object.isFrozen(before)) return
  // toAttributes() hands the result out: a later setter on this route copies it, so it can be shared and frozen.
  const out = v.toAttributes()
  if (out !== before) Object.freeze(out)
  if (!t.usesCtx) t.memo.set(before, out)
  else if (entry instanceof Map) entry.set(key, out)
  else t.memo.set(before, new Map([[key, out]]))
}

/** Compile terms with an explicit default for routes no terminating term decided. */
export function compileRules(terms: readonly PolicyTerm[], defaultAction: 'accept' | 'reject'): SyncPolicyHook {
  if (!Array.isArray(terms)) throw new PolicyError('terms must be a list', { key: 'terms' })
  if (defaultAction !== 'accept' && defaultAction !== 'reject') {
    throw new PolicyError(`defaultAction must be accept or reject, got ${JSON.stringify(defaultAction)}`, { key: 'defaultAction' })
  }
  const compiled = terms.map(compileTerm)
  const n = compiled.length
  const acceptByDefault = defaultAction === 'accept'

  return function compiledPolicy(route: Route, ctx: PolicyContext): Route | null {
    const r = route instanceof RouteView ? route : asRouteView(route)
    terms: for (let i = 0; i < n; i++) {
      const t = compiled[i]!
      const m = t.match
      if (m.length > 0) {
        const a = r.peek()
        for (let j = 0; j < m.length; j++) if (!m[j]!(r, a, ctx)) continue terms
      }
      if (t.acts.length > 0) applyActions(t, r, ctx)
      if (t.then === Then.ACCEPT) return r
      if (t.then === Then.REJECT) return null
    }
    return acceptByDefault ? r : null
  }
}

export function isPolicyRules(x: unknown): x is PolicyRules {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'terms' in x
}

/** Rules, a hook, or a list of them (run in order as one chain: null from any stops it). */
export type PolicySpec = PolicyRules | PolicyHook | readonly PolicySpec[]

/**
 * One hook from a policy specification. Rules objects must carry `defaultAction`; within a chain "accept"
 * hands the route to the next element, "reject" ends it.
 */
export function compilePolicy(spec: PolicySpec): PolicyHook {
  if (typeof spec === 'function') return spec
  if (Array.isArray(spec)) return chain(...spec.map((s: PolicySpec) => compilePolicy(s)))
  if (isPolicyRules(spec)) {
    for (const k of Object.keys(spec)) {
      if (k !== 'terms' && k !== 'defaultAction' && k !== 'default-action' && k !== 'name') throw new PolicyError('unknown key (name, terms, defaultAction)', { key: k })
    }
    const dflt = spec.defaultAction ?? (spec as { 'default-action'?: 'accept' | 'reject' })['default-action']
    try {
      return compileRules(spec.terms, dflt as 'accept' | 'reject')
    } catch (e) {
      if (e instanceof PolicyError && spec.name !== undefined) {
        throw new PolicyError(e.reason, { policy: spec.name, termIndex: e.termIndex, termName: e.termName, key: e.key })
      }
      throw e
    }
  }
  throw new PolicyError('a policy is a rules object { terms, defaultAction }, a function, or a list of them')
}

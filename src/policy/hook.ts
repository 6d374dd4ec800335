/**
 * RFC 4271 §9.1: "The Decision Process selects routes for subsequent advertisement by applying the policies in
 * the local Policy Information Base (PIB) to the routes stored in its Adj-RIBs-In. ... the selected routes will be
 * stored in the local speaker's Adj-RIBs-Out, according to policy."
 *
 * The policy hook: one function type for both library users (TypeScript functions) and configuration users
 * (declarative rules, compiled by compile.ts to the same type).
 *
 *   source route ──► export policy (per peer) ──► Adj-RIB-Out        static | api | peer routes
 *   UPDATE       ──► import policy (per peer) ──► Adj-RIB-In         routes learned from the peer
 *
 * A hook returns the route (the same view, possibly modified, or another Route), or null to reject it; it may
 * return a Promise, but the speaker pays for one only when a hook actually returns one: chain() and
 * applyPolicy() stay synchronous while every hook does.
 */
import { PolicyError } from './errors.js'
import { type Route, RouteView } from './route-view.js'

export type PolicyDirection = 'import' | 'export'

/** The session a policy runs for: the sender on import, the receiver on export. */
export interface PolicyPeer {
  readonly address: string
  readonly asn: number
  readonly ebgp: boolean
  readonly ibgp: boolean
  /**
   * Our address on this session. "Next hop self" uses the route's own selfNextHop first (the speaker sets it per
   * family, e.g. an IPv4 address for NEXT_HOP on an IPv6 session), then this.
   */
  readonly localAddress?: string
}

export interface PolicyContext {
  readonly localAs: number
  /** BGP Identifier, dotted quad. */
  readonly routerId: string
  readonly direction: PolicyDirection
  readonly peer: PolicyPeer
}

export type PolicyResult = Route | null
export type PolicyHook = (route: Route, ctx: PolicyContext) => PolicyResult | Promise<PolicyResult>
/** A hook that never returns a Promise (compiled rules are). */
export type SyncPolicyHook = (route: Route, ctx: PolicyContext) => PolicyResult

export function isPromiseLike<T>(x: unknown): x is PromiseLike<T> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function'
}

export const acceptAll: SyncPolicyHook = (route) => route
export const rejectAll: SyncPolicyHook = () => null

/** A JavaScript hook that forgot its return would silently reject every route; say so instead. */
function checked(out: PolicyResult | undefined, i: number): PolicyResult {
  if (out === undefined) throw new PolicyError(`policy hook #${i} returned undefined; return the route to accept it or null to reject it`)
  return out
}

function runFrom(hooks: readonly PolicyHook[], from: number, route: Route, ctx: PolicyContext): PolicyResult | Promise<PolicyResult> {
  let r = route
  for (let i = from; i < hooks.length; i++) {
    const out = hooks[i]!(r, ctx)
    if (isPromiseLike<PolicyResult>(out)) {
      return Promise.resolve(out).then((v) => {
        const res = checked(v, i)
        return res === null ? null : runFrom(hooks, i + 1, res, ctx)
      })
    }
    const res = checked(out, i)
    if (res === null) return null
    r = res
  }
  return r
}

/** Run hooks in order, each on the previous one's result; null stops the chain (the route is rejected). */
export function chain(...hooks: PolicyHook[]): PolicyHook {
  if (hooks.length === 0) return acceptAll
  if (hooks.length === 1) return hooks[0]!
  const list = [...hooks]
  return (route, ctx) => runFrom(list, 0, route, ctx)
}

/**
 * What the speaker calls per route. No policy accepts the route unchanged. A synchronous hook's result comes
 * back as is (no Promise, no microtask); an asynchronous hook's Promise is passed through.
 */
export function applyPolicy(policy: PolicyHook | null | undefined, route: Route, ctx: PolicyContext): PolicyResult | Promise<PolicyResult> {
  if (policy === null || policy === undefined) return route
  const self = ctx.peer.localAddress
  // A route made without selfNextHop falls back to the session address for "self".
  if (self !== undefined && route instanceof RouteView && route.selfNextHop === undefined) route.selfNextHop = self
  const out = policy(route, ctx)
  if (isPromiseLike<PolicyResult>(out)) return Promise.resolve(out).then((v) => checked(v, 0))
  return checked(out, 0)
}
